#include "dn/core/admin_api.hpp"

#include <algorithm>

#include "dn/core/proxy_event.hpp"
#include "dn/core/validate.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

Refusable<AdminRequest> day_request(const ProxyEvent& e) {
  if (e.method != "GET") return method_not_allowed("GET");
  auto query = query_of(e);
  if (!query.ok()) return query.error();
  const std::string date = string_member(*query, "date");
  if (auto checked = check_date(date); !checked.ok()) return bad_request(checked.error().text);
  return AdminRequest{ListDayRequest{date}};
}

Refusable<AdminRequest> definition_request(const ProxyEvent& e) {
  std::string id = path_parameter(e, "notificationId");
  if (e.method == "PUT") {
    auto body = body_of(e);
    if (!body.ok()) return body.error();
    return AdminRequest{PutDefinitionRequest{std::move(id), *std::move(body)}};
  }
  if (e.method != "DELETE") return method_not_allowed("PUT or DELETE");
  if (auto checked = check_notification_id(id); !checked.ok()) {
    return bad_request(checked.error().text);
  }
  return AdminRequest{DeleteDefinitionRequest{std::move(id)}};
}

}  // namespace

Refusable<AdminRequest> parse_admin_request(std::string_view event_json) {
  auto parsed = parse_proxy_event(event_json);
  if (!parsed.ok()) return parsed.error();
  if (parsed->resource == kAdminListResource) return day_request(*parsed);
  if (parsed->resource == kAdminItemResource) return definition_request(*parsed);
  return no_such_route();
}

ApiError day_already_run(std::string_view date) {
  return ApiError{409, "Conflict",
                  std::string(date) + " has already run; its notifications can no longer change"};
}

json put_definition_body(std::string_view id, bool created, std::int64_t version,
                         const std::optional<std::string>& next_date) {
  return json{{"notificationId", std::string(id)},
              {"created", created},
              {"version", version},
              {"nextDate", next_date ? json(*next_date) : json(nullptr)}};
}

json day_body(std::string_view date, bool frozen, std::vector<DayEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const DayEntry& a, const DayEntry& b) { return a.id < b.id; });
  json list = json::array();
  for (const auto& e : entries) {
    json item{
        {"notificationId", e.id}, {"title", e.title}, {"body", e.body}, {"segment", e.segment}};
    if (e.schedule) item["schedule"] = schedule_json(*e.schedule);
    list.push_back(std::move(item));
  }
  return json{{"date", std::string(date)}, {"frozen", frozen}, {"notifications", std::move(list)}};
}

json deleted_body(std::string_view id) {
  return json{{"notificationId", std::string(id)}, {"deleted", true}};
}

ApiError no_such_notification() {
  return ApiError{404, "NotFound", "no such notification"};
}

}  // namespace dn::core
