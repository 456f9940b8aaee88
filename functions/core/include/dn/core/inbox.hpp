// generate's pure logic: the notification of a message and the inbox record of each audience
// member. The requests that read and write them are generate's adapters'
// (functions/apps/generate/src/dynamo.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "dn/core/expected.hpp"

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
Expected<Notification> notification_from_item(const nlohmann::json& item);

// Seconds since the epoch at 00:00 UTC of `date` plus `ttl_days` days (the TTL attribute).
std::optional<std::int64_t> expires_at(std::string_view date, int ttl_days);

// One inbox record: what a user reads for one notification of one day. Its key is a function of
// the user, the day and the notification only, so writing it again replaces it, never duplicates
// it. Stored as USER#<userId> / INBOX#<date>#<notificationId> by generate's inbox writer.
struct InboxRecord {
  std::string user_id;
  std::string date;
  std::string notification_id;
  std::string title;  // rendered for this user
  std::string body;   // rendered for this user
  std::string created_at;
  std::int64_t expires_at = 0;  // epoch seconds (the table's TTL attribute)
};

// The inbox record of `member` (a SEGMENT# item, AttributeValue form) for `notification`, or why
// the member is unusable.
Expected<InboxRecord> inbox_record(const Notification& notification, const nlohmann::json& member,
                                   std::int64_t expires_at_epoch);

}  // namespace dn::core
