// Input validation shared by every handler. Each check answers ok, or the Reason a value is
// rejected (a sentence safe to show a client).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dn/core/expected.hpp"

namespace dn::core {

// User ids: 1-64 characters of [A-Za-z0-9_-] (no '#', so a user id cannot reach into another
// key's namespace).
inline constexpr std::size_t kMaxIdLength = 64;
Expected<void> check_user_id(std::string_view value);
// Notification ids and segment names: the same alphabet and length as user ids.
Expected<void> check_notification_id(std::string_view value);
Expected<void> check_segment(std::string_view value);
// Dates: YYYY-MM-DD, a real calendar day (leap years included) between 2000-01-01 and 2999-12-31.
Expected<void> check_date(std::string_view value);

struct CivilDate {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
};
// The parsed date when check_date accepts it.
std::optional<CivilDate> parse_date(std::string_view value);
std::string format_date(const CivilDate& date);

}  // namespace dn::core
