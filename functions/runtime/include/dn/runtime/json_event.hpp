// A function whose invocation payload is one JSON event (an SQS batch) answered with JSON:
// `handler.handle(event, deadline)` gets the parsed event and the working deadline (15 minutes
// from now for a direct call that carries none); a payload that is not JSON, or an
// std::invalid_argument from the handler, is an InvalidEvent failure.
#pragma once

#include <chrono>
#include <stdexcept>

#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"
#include "dn/util/json.hpp"

namespace dn::runtime {

template <typename H>
class JsonEventHandler {
 public:
  explicit JsonEventHandler(H& handler) : handler_(&handler) {}

  Response handle(const Request& request) {
    const auto event = dn::util::parse_json(request.payload);
    if (event.is_discarded()) return Response::failure("InvalidEvent", "event is not JSON");
    const auto deadline = working_deadline(request).value_or(std::chrono::system_clock::now() +
                                                             std::chrono::minutes(15));
    try {
      return Response::success(dn::util::to_json(handler_->handle(event, deadline)));
    } catch (const std::invalid_argument& e) {
      return Response::failure("InvalidEvent", e.what());
    }
  }

 private:
  H* handler_;
};

}  // namespace dn::runtime
