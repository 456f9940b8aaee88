#include "dn/core/api.hpp"

#include <charconv>

#include "dn/core/keys.hpp"
#include "dn/core/validate.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

ApiError bad(std::string message) {
  return ApiError{400, "BadRequest", std::move(message)};
}

json str(std::string_view v) {
  return json{{"S", std::string(v)}};
}

std::string s_attr(const json& item, const char* name) {
  if (!item.is_object()) return {};
  const auto a = item.find(name);
  if (a == item.end() || !a->is_object()) return {};
  const auto s = a->find("S");
  return s != a->end() && s->is_string() ? s->get<std::string>() : std::string();
}

}  // namespace

std::variant<InboxRequest, ApiError> parse_inbox_request(std::string_view event_json) {
  const auto event = json::parse(event_json, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object()) return bad("request is not an API Gateway event");
  const auto method = event.find("httpMethod");
  if (method != event.end() && method->is_string() && *method != "GET") {
    return ApiError{405, "MethodNotAllowed", "only GET is supported"};
  }
  InboxRequest r;
  const auto path = event.find("pathParameters");
  if (path != event.end() && path->is_object()) {
    const auto uid = path->find("userId");
    if (uid != path->end() && uid->is_string()) r.user_id = uid->get<std::string>();
  }
  if (auto reason = check_user_id(r.user_id)) return bad(*reason);

  const auto query = event.find("queryStringParameters");
  if (query != event.end() && query->is_object()) {
    if (const auto l = query->find("limit"); l != query->end() && !l->is_null()) {
      const std::string text = l->is_string() ? l->get<std::string>() : std::string();
      int v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 ||
          v > kMaxLimit) {
        return bad("limit must be an integer from 1 to " + std::to_string(kMaxLimit));
      }
      r.limit = v;
    }
    if (const auto c = query->find("cursor"); c != query->end() && !c->is_null()) {
      if (!c->is_string() || c->get_ref<const std::string&>().empty()) {
        return bad("cursor must be a non-empty string");
      }
      r.cursor = c->get<std::string>();
    }
  } else if (query != event.end() && !query->is_null()) {
    return bad("query string is malformed");
  }
  return r;
}

json inbox_query(std::string_view table, std::string_view user_id, int limit,
                 const std::optional<std::string>& start_sk, std::int64_t now_epoch) {
  json q{{"TableName", std::string(table)},
         {"KeyConditionExpression", "pk = :pk AND begins_with(sk, :inbox)"},
         {"FilterExpression", "attribute_not_exists(expiresAt) OR expiresAt > :now"},
         {"ExpressionAttributeValues",
          {{":pk", str(keys::user_pk(user_id))},
           {":inbox", str(keys::kInboxPrefix)},
           {":now", json{{"N", std::to_string(now_epoch)}}}}},
         {"ScanIndexForward", false},
         {"Limit", limit}};
  if (start_sk) {
    q["ExclusiveStartKey"] = json{{"pk", str(keys::user_pk(user_id))}, {"sk", str(*start_sk)}};
  }
  return q;
}

json profile_query(std::string_view table, std::string_view user_id) {
  return json{{"TableName", std::string(table)},
              {"KeyConditionExpression", "pk = :pk AND sk = :sk"},
              {"ExpressionAttributeValues",
               {{":pk", str(keys::user_pk(user_id))}, {":sk", str(keys::kProfileSk)}}}};
}

json inbox_body(std::string_view user_id, const json& items,
                const std::optional<std::string>& next_cursor) {
  json out = json::array();
  if (items.is_array()) {
    for (const auto& item : items) {
      out.push_back({{"notificationId", s_attr(item, "notificationId")},
                     {"date", s_attr(item, "date")},
                     {"title", s_attr(item, "title")},
                     {"body", s_attr(item, "body")},
                     {"createdAt", s_attr(item, "createdAt")}});
    }
  }
  return json{{"userId", std::string(user_id)},
              {"items", std::move(out)},
              {"nextCursor", next_cursor ? json(*next_cursor) : json(nullptr)}};
}

std::string proxy_response(int status, const json& body) {
  return json{{"statusCode", status},
              {"headers", {{"Content-Type", "application/json"}}},
              {"body", body.dump()}}
      .dump();
}

std::string error_response(const ApiError& error) {
  return proxy_response(error.status, json{{"error", error.code}, {"message", error.message}});
}

std::string internal_error_response() {
  return proxy_response(500, json{{"error", "InternalError"},
                                  {"message", "the request could not be completed; try again"}});
}

}  // namespace dn::core
