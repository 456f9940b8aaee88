// How every fallible rule in core answers: Expected<T>, the value or the Reason it was refused.
// The API's parsers refuse with an ApiError instead (it carries the HTTP status and code).
#pragma once

#include <string>

#include "dn/util/expected.hpp"

namespace dn::core {

// Why an input was refused: one sentence, safe to log and to return in an invocation error.
struct Reason {
  std::string text{};
};

template <class T, class E = Reason>
using Expected = util::Expected<T, E>;

}  // namespace dn::core
