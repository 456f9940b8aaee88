// get-notifications' API logic: the REST proxy event -> a validated request (or a 4xx with a
// reason), the one Query it needs, and the proxy responses. No internal detail ever reaches a
// response body: a 500 says only that something failed.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dn::core {

inline constexpr int kDefaultLimit = 20;
inline constexpr int kMaxLimit = 100;

struct InboxRequest {
  std::string user_id;
  int limit = kDefaultLimit;
  std::optional<std::string> cursor{};  // as sent by the client, not yet verified
};

struct ApiError {
  int status = 400;
  std::string code;     // e.g. "BadRequest", "NotFound"
  std::string message;  // a sentence safe to show the caller
};

std::variant<InboxRequest, ApiError> parse_inbox_request(std::string_view event_json);

// One page of the user's inbox, newest first (sort keys INBOX#<date>#<id> descending), without
// records whose expiresAt has passed at `now_epoch` (DynamoDB's TTL deletes them only lazily).
nlohmann::json inbox_query(std::string_view table, std::string_view user_id, int limit,
                           const std::optional<std::string>& start_sk, std::int64_t now_epoch);
// The Query that tells whether the user exists (USER#<id>/PROFILE).
nlohmann::json profile_query(std::string_view table, std::string_view user_id);

// The 200 body: {"userId","items":[{notificationId,date,title,body,createdAt}],"nextCursor"}.
nlohmann::json inbox_body(std::string_view user_id, const nlohmann::json& items,
                          const std::optional<std::string>& next_cursor);

// API Gateway proxy responses (statusCode, headers, body as a string).
std::string proxy_response(int status, const nlohmann::json& body);
std::string error_response(const ApiError& error);
std::string internal_error_response();

}  // namespace dn::core
