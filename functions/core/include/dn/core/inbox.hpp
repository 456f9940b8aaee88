// generate's pure logic: the notification of a message, the audience pages, the continuation
// cursor and the inbox record written for each member. Keys come from keys.hpp only, so the same
// message always produces the same items (a rerun overwrites, never duplicates).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dn::core {

// Longest rendered title/body kept in an inbox record (DynamoDB items are limited to 400 KB).
inline constexpr std::size_t kMaxRenderedLength = 4096;
// Shown for {{displayName}} when a member has none.
inline constexpr std::string_view kDefaultDisplayName = "there";

// Replaces {{displayName}} and {{userId}}; any other {{...}} is kept verbatim. The result is cut
// at kMaxRenderedLength bytes (never inside a UTF-8 sequence).
std::string render(std::string_view text, std::string_view user_id, std::string_view display_name);

struct Notification {
  std::string date;
  std::string notification_id;
  std::string segment;
  std::string title;
  std::string body;
  std::string created_at;
};

// The DAY#<date>/NOTIF#<id> item (AttributeValue form) as a Notification, or why it is unusable.
std::variant<Notification, std::string> notification_from_item(const nlohmann::json& item);

// Query for exactly the DAY#<date>/NOTIF#<id> item.
nlohmann::json notification_query(std::string_view table, std::string_view date,
                                  std::string_view notification_id);

// One page of the audience SEGMENT#<segment>, resuming after `start_key` when given.
nlohmann::json audience_query(std::string_view table, std::string_view segment, int page_size,
                              const nlohmann::json& start_key = nullptr);

// The continuation cursor carried by a GenerateMessage: the last member's user id. It is
// internal (only our queue carries it), so it is validated, not signed. nullopt when the key is
// not a member key.
std::optional<std::string> encode_audience_cursor(const nlohmann::json& last_key);
// The ExclusiveStartKey for `cursor` within `segment`, or why the cursor is invalid.
std::variant<nlohmann::json, std::string> decode_audience_cursor(std::string_view segment,
                                                                 std::string_view cursor);

// Seconds since the epoch at 00:00 UTC of `date` plus `ttl_days` days (the TTL attribute).
std::optional<std::int64_t> expires_at(std::string_view date, int ttl_days);

// The inbox record of `member` (a SEGMENT# item) for `notification`, or why the member is unusable.
std::variant<nlohmann::json, std::string> inbox_item(const Notification& notification,
                                                     const nlohmann::json& member,
                                                     std::int64_t expires_at_epoch);

}  // namespace dn::core
