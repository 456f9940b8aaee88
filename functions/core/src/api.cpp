#include "dn/core/api.hpp"

#include <charconv>

#include "dn/core/validate.hpp"
#include "dn/util/json.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

ApiError bad(std::string message) {
  return ApiError{400, "BadRequest", std::move(message)};
}

ApiError only(std::string_view method) {
  return ApiError{405, "MethodNotAllowed", "only " + std::string(method) + " is supported"};
}

// The parts of a REST proxy event every route reads.
struct Event {
  json doc;
  std::string method;    // empty when absent
  std::string resource;  // empty when absent
  std::string user_id;
};

std::string string_field(const json& object, const char* name) {
  if (!object.is_object()) return {};
  const auto v = object.find(name);
  return v != object.end() && v->is_string() ? v->get<std::string>() : std::string();
}

Refusable<Event> parse_event(std::string_view event_json) {
  auto doc = dn::util::parse_json(event_json);
  if (doc.is_discarded() || !doc.is_object()) return bad("request is not an API Gateway event");
  Event e;
  e.method = string_field(doc, "httpMethod");
  e.resource = string_field(doc, "resource");
  if (const auto path = doc.find("pathParameters"); path != doc.end()) {
    e.user_id = string_field(*path, "userId");
  }
  e.doc = std::move(doc);
  return e;
}

// The 405 when the event's method is not `method` (an absent one passes where `absent_ok`: API
// Gateway's test events have none), else the 400 when its user id is invalid.
Refusable<void> admit(const Event& e, std::string_view method, bool absent_ok) {
  if (e.method != method && !(absent_ok && e.method.empty())) return only(method);
  if (auto user = check_user_id(e.user_id); !user.ok()) return bad(user.error().text);
  return {};
}

// The query string object (possibly empty), or the 400 when it is not an object or null.
Refusable<json> query_of(const Event& e) {
  const auto q = e.doc.find("queryStringParameters");
  if (q == e.doc.end() || q->is_null()) return json::object();
  if (!q->is_object()) return bad("query string is malformed");
  return *q;
}

Refusable<void> read_limit(const json& query, InboxRequest& r) {
  const auto l = query.find("limit");
  if (l == query.end() || l->is_null()) return {};
  const std::string text = l->is_string() ? l->get<std::string>() : std::string();
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 ||
      v > kMaxLimit) {
    return bad("limit must be an integer from 1 to " + std::to_string(kMaxLimit));
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
      return bad("cursor must be a non-empty string");
    }
    r.cursor = c->get<std::string>();
  }
  if (const auto s = q.find("status"); s != q.end() && !s->is_null()) {
    const auto filter = s->is_string() ? parse_filter(s->get<std::string>()) : std::nullopt;
    if (!filter) return bad("status must be one of all, unread, read");
    r.filter = *filter;
  }
  return r;
}

// The request body as text: absent and null are empty; a base64-encoded body is refused (the
// API declares no binary media types, so only a misconfiguration would send one).
Refusable<std::string> body_of(const Event& e) {
  if (const auto b64 = e.doc.find("isBase64Encoded");
      b64 != e.doc.end() && b64->is_boolean() && b64->get<bool>()) {
    return bad("body must be JSON text");
  }
  const auto b = e.doc.find("body");
  if (b == e.doc.end() || b->is_null()) return std::string();
  if (!b->is_string()) return bad("body must be JSON text");
  return b->get<std::string>();
}

Refusable<WriteRequest> state_request(const Event& e) {
  if (auto admitted = admit(e, "PATCH", false); !admitted.ok()) return admitted.error();
  StateRequest r;
  r.user_id = e.user_id;
  std::string id;
  if (const auto path = e.doc.find("pathParameters"); path != e.doc.end()) {
    id = string_field(*path, "id");
  }
  auto record = parse_record_id(id);
  if (!record.ok()) return bad(record.error().text);
  r.record = *std::move(record);
  auto body = body_of(e);
  if (!body.ok()) return body.error();
  auto change = parse_state_patch(*body);
  if (!change.ok()) return bad(change.error().text);
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
      return bad("read-all takes no body (or {})");
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
    return ApiError{404, "NotFound", "no such route"};
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
  return ApiError{404, "NotFound", "no such route"};
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
