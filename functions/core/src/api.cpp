#include "dn/core/api.hpp"

#include <charconv>

#include "dn/core/proxy_event.hpp"
#include "dn/core/validate.hpp"
#include "dn/util/json.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

// An inbox route's event: the proxy event and its user id.
struct Event : ProxyEvent {
  std::string user_id;
};

Refusable<Event> parse_event(std::string_view event_json) {
  auto parsed = parse_proxy_event(event_json);
  if (!parsed.ok()) return parsed.error();
  Event e{*std::move(parsed), {}};
  e.user_id = path_parameter(e, "userId");
  return e;
}

// The 405 when the event's method is not `method` (an absent one passes where `absent_ok`: API
// Gateway's test events have none), else the 400 when its user id is invalid.
Refusable<void> admit(const Event& e, std::string_view method, bool absent_ok) {
  if (e.method != method && !(absent_ok && e.method.empty())) return method_not_allowed(method);
  if (auto user = check_user_id(e.user_id); !user.ok()) return bad_request(user.error().text);
  return {};
}

Refusable<void> read_limit(const json& query, InboxRequest& r) {
  const auto l = query.find("limit");
  if (l == query.end() || l->is_null()) return {};
  const std::string text = l->is_string() ? l->get<std::string>() : std::string();
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 ||
      v > kMaxLimit) {
    return bad_request("limit must be an integer from 1 to " + std::to_string(kMaxLimit));
  }
  r.limit = v;
  return {};
}

Refusable<InboxRequest> list_request(const Event& e) {
  if (auto admitted = admit(e, "GET", true); !admitted.ok()) return admitted.error();
  InboxRequest r;
  r.user_id = e.user_id;
  auto query = query_of(e);
  if (!query.ok()) return query.error();
  const auto& q = *query;
  if (auto limit = read_limit(q, r); !limit.ok()) return limit.error();
  if (const auto c = q.find("cursor"); c != q.end() && !c->is_null()) {
    if (!c->is_string() || c->get_ref<const std::string&>().empty()) {
      return bad_request("cursor must be a non-empty string");
    }
    r.cursor = c->get<std::string>();
  }
  if (const auto s = q.find("status"); s != q.end() && !s->is_null()) {
    const auto filter = s->is_string() ? parse_filter(s->get<std::string>()) : std::nullopt;
    if (!filter) return bad_request("status must be one of all, unread, read");
    r.filter = *filter;
  }
  return r;
}

Refusable<WriteRequest> state_request(const Event& e) {
  if (auto admitted = admit(e, "PATCH", false); !admitted.ok()) return admitted.error();
  StateRequest r;
  r.user_id = e.user_id;
  auto record = parse_record_id(path_parameter(e, "id"));
  if (!record.ok()) return bad_request(record.error().text);
  r.record = *std::move(record);
  auto body = body_of(e);
  if (!body.ok()) return body.error();
  auto change = parse_state_patch(*body);
  if (!change.ok()) return bad_request(change.error().text);
  r.change = *change;
  return WriteRequest{std::move(r)};
}

Refusable<WriteRequest> read_all_request(const Event& e) {
  if (auto admitted = admit(e, "POST", false); !admitted.ok()) return admitted.error();
  auto body = body_of(e);
  if (!body.ok()) return body.error();
  if (!body->empty()) {
    const auto doc = dn::util::parse_json(*body);
    if (doc.is_discarded() || !doc.is_object() || !doc.empty()) {
      return bad_request("read-all takes no body (or {})");
    }
  }
  return WriteRequest{ReadAllRequest{e.user_id}};
}

json nullable(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

Refusable<ReadRequest> parse_read_request(std::string_view event_json) {
  auto parsed = parse_event(event_json);
  if (!parsed.ok()) return parsed.error();
  const auto& e = *parsed;
  if (e.resource == kCountResource) {
    if (auto admitted = admit(e, "GET", true); !admitted.ok()) return admitted.error();
    return ReadRequest{CountRequest{e.user_id}};
  }
  if (!e.resource.empty() && e.resource != kListResource) {
    return no_such_route();
  }
  auto r = list_request(e);
  if (!r.ok()) return r.error();
  return ReadRequest{*std::move(r)};
}

Refusable<InboxRequest> parse_inbox_request(std::string_view event_json) {
  auto parsed = parse_event(event_json);
  if (!parsed.ok()) return parsed.error();
  return list_request(*parsed);
}

Refusable<WriteRequest> parse_write_request(std::string_view event_json) {
  auto parsed = parse_event(event_json);
  if (!parsed.ok()) return parsed.error();
  const auto& e = *parsed;
  if (e.resource == kRecordResource) return state_request(e);
  if (e.resource == kReadAllResource) return read_all_request(e);
  return no_such_route();
}

json inbox_body(std::string_view user_id, InboxFilter filter,
                const std::vector<InboxEntry>& records,
                const std::optional<std::string>& next_cursor) {
  json out = json::array();
  for (const auto& r : records) {
    out.push_back({{"id", record_id(r.date, r.notification_id)},
                   {"notificationId", r.notification_id},
                   {"date", r.date},
                   {"title", r.title},
                   {"body", r.body},
                   {"createdAt", r.created_at},
                   {"readAt", nullable(r.state.read_at)},
                   {"archivedAt", nullable(r.state.archived_at)}});
  }
  return json{{"userId", std::string(user_id)},
              {"status", std::string(filter_name(filter))},
              {"items", std::move(out)},
              {"nextCursor", nullable(next_cursor)}};
}

json count_body(std::string_view user_id, const UnreadCount& count) {
  return json{
      {"userId", std::string(user_id)}, {"unreadCount", count.count}, {"exact", count.exact}};
}

json state_body(std::string_view user_id, const RecordRef& record, const InboxState& state,
                bool changed) {
  return json{{"userId", std::string(user_id)},
              {"id", record_id(record.date, record.notification_id)},
              {"readAt", nullable(state.read_at)},
              {"archivedAt", nullable(state.archived_at)},
              {"changed", changed}};
}

json read_all_body(std::string_view user_id, long long marked, bool complete) {
  return json{{"userId", std::string(user_id)}, {"markedRead", marked}, {"complete", complete}};
}

std::string proxy_response(int status, const json& body) {
  return dn::util::to_json(json{{"statusCode", status},
                                {"headers", {{"Content-Type", "application/json"}}},
                                {"body", dn::util::to_json(body)}});
}

std::string error_response(const ApiError& error) {
  return proxy_response(error.status, json{{"error", error.code}, {"message", error.message}});
}

std::string internal_error_response() {
  return proxy_response(500, json{{"error", "InternalError"},
                                  {"message", "the request could not be completed; try again"}});
}

}  // namespace dn::core
