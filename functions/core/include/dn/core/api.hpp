// The inbox API's logic: REST proxy events -> validated requests (or a 4xx with a reason), and
// the proxy responses. No internal detail ever reaches a response body: a 500 says only that
// something failed.
//
// Routes (resource paths as API Gateway names them):
//   GET   /users/{userId}/notifications?status=&limit=&cursor=   list (get-notifications)
//   GET   /users/{userId}/notifications/count                    unread count (get-notifications)
//   PATCH /users/{userId}/notifications/{id}                     read/unread/archive
//   (update-notifications) POST  /users/{userId}/notifications/read-all                 mark all
//   read (update-notifications)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dn/core/expected.hpp"
#include "dn/core/inbox_state.hpp"

namespace dn::core {

inline constexpr int kDefaultLimit = 20;
inline constexpr int kMaxLimit = 100;

inline constexpr std::string_view kListResource = "/users/{userId}/notifications";
inline constexpr std::string_view kCountResource = "/users/{userId}/notifications/count";
inline constexpr std::string_view kRecordResource = "/users/{userId}/notifications/{id}";
inline constexpr std::string_view kReadAllResource = "/users/{userId}/notifications/read-all";

struct InboxRequest {
  std::string user_id;
  InboxFilter filter = InboxFilter::all;
  int limit = kDefaultLimit;
  std::optional<std::string> cursor{};  // as sent by the client, not yet verified
};

struct CountRequest {
  std::string user_id;
};

struct StateRequest {  // PATCH one record
  std::string user_id;
  RecordRef record;
  StateChange change = StateChange::mark_read;
};

struct ReadAllRequest {
  std::string user_id;
};

struct ApiError {
  int status = 400;
  std::string code;     // e.g. "BadRequest", "NotFound"
  std::string message;  // a sentence safe to show the caller
};

// A request, or the ApiError that refuses it (core's Expected, with the API's status and code).
template <class T>
using Refusable = Expected<T, ApiError>;

using ReadRequest = std::variant<InboxRequest, CountRequest>;
using WriteRequest = std::variant<StateRequest, ReadAllRequest>;

// get-notifications' two routes, told apart by the event's `resource` (an event without one is
// the list route, as API Gateway's test events are).
Refusable<ReadRequest> parse_read_request(std::string_view event_json);
// The list route alone.
Refusable<InboxRequest> parse_inbox_request(std::string_view event_json);
// update-notifications' two routes.
Refusable<WriteRequest> parse_write_request(std::string_view event_json);

// One record as the API shows it.
struct InboxEntry {
  std::string date{};
  std::string notification_id{};
  std::string title{};
  std::string body{};
  std::string created_at{};
  InboxState state{};
};

// The list's 200 body: {"userId","status","items":[{id,notificationId,date,title,body,createdAt,
// readAt,archivedAt}],"nextCursor"}; readAt/archivedAt are null when not set.
nlohmann::json inbox_body(std::string_view user_id, InboxFilter filter,
                          const std::vector<InboxEntry>& records,
                          const std::optional<std::string>& next_cursor);
// {"userId","unreadCount","exact"}: exact is false when there are at least unreadCount.
nlohmann::json count_body(std::string_view user_id, const UnreadCount& count);
// PATCH's 200 body: {"userId","id","readAt","archivedAt","changed"}.
nlohmann::json state_body(std::string_view user_id, const RecordRef& record,
                          const InboxState& state, bool changed);
// read-all's 200 body: {"userId","markedRead","complete"}; complete is false only when the
// invocation ran out of time (the call is idempotent: repeating it goes on where it stopped).
nlohmann::json read_all_body(std::string_view user_id, long long marked, bool complete);

// API Gateway proxy responses (statusCode, headers, body as a string).
std::string proxy_response(int status, const nlohmann::json& body);
std::string error_response(const ApiError& error);
std::string internal_error_response();

}  // namespace dn::core
