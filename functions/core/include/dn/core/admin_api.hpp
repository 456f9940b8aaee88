// The admin API's logic (manage-notifications): REST proxy events -> the three routes' requests
// (or a 4xx with a reason), and their response bodies.
//
//   PUT    /admin/notifications/{notificationId}   create or replace a definition
//   GET    /admin/notifications?date=YYYY-MM-DD    what that day sends
//   DELETE /admin/notifications/{notificationId}   remove a definition (a day already run keeps
//                                                  its copy)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dn/core/api.hpp"
#include "dn/core/authoring.hpp"

namespace dn::core {

inline constexpr std::string_view kAdminListResource = "/admin/notifications";
inline constexpr std::string_view kAdminItemResource = "/admin/notifications/{notificationId}";

struct PutDefinitionRequest {
  std::string id;    // as in the path, checked by parse_definition
  std::string body;  // the request body, for parse_definition
};
struct ListDayRequest {
  std::string date;  // accepted by check_date
};
struct DeleteDefinitionRequest {
  std::string id;  // accepted by check_notification_id
};
using AdminRequest = std::variant<PutDefinitionRequest, ListDayRequest, DeleteDefinitionRequest>;

// Told apart by the event's `resource` and `httpMethod`: another resource is 404, another method
// 405, a missing or bad date or id 400.
Refusable<AdminRequest> parse_admin_request(std::string_view event_json);

// The 409 of a one date whose day has run (its FROZEN marker exists).
ApiError day_already_run(std::string_view date);

// PUT's body: {"notificationId","created","version","nextDate"} (nextDate null when none).
nlohmann::json put_definition_body(std::string_view id, bool created, std::int64_t version,
                                   const std::optional<std::string>& next_date);

// One notification of a day as GET shows it; `schedule` is absent for an item no definition
// describes (a seeded one).
struct DayEntry {
  std::string id, title, body, segment;
  std::optional<Schedule> schedule{};
};
// GET's body: {"date","frozen","notifications":[{"notificationId","title","body","segment",
// "schedule"}]}, sorted by notificationId.
nlohmann::json day_body(std::string_view date, bool frozen, std::vector<DayEntry> entries);

// DELETE's body: {"notificationId","deleted":true}; its 404 when there is no such definition.
nlohmann::json deleted_body(std::string_view id);
ApiError no_such_notification();

}  // namespace dn::core
