// generate's pure logic: the notification of a message and the inbox record of each audience
// member. The requests that read and write them are generate's adapters'
// (functions/apps/generate/src/dynamo.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dn/core/expected.hpp"

namespace dn::core {

// Longest rendered title/body kept in an inbox record (DynamoDB items are limited to 400 KB).
inline constexpr std::size_t kMaxRenderedLength = 4096;
// Shown for {{displayName}} (and {{firstName}}) when a member has no name.
inline constexpr std::string_view kDefaultDisplayName = "there";
// Shown for {{locale}} when a member has none.
inline constexpr std::string_view kDefaultLocale = "en";

// A member's profile fields as a template sees them; an empty field counts as absent.
struct RenderFields {
  std::string_view user_id{};
  std::string_view display_name{};
  std::string_view first_name{};
  std::string_view locale{};
};

// Replaces {{displayName}} (else "there"), {{firstName}} (else the display name, else "there"),
// {{locale}} (else "en") and {{userId}}; any other {{...}} is kept verbatim. The result is cut at
// kMaxRenderedLength bytes (never inside a UTF-8 sequence).
std::string render(std::string_view text, const RenderFields& fields);

struct Notification {
  std::string date;
  std::string notification_id;
  std::string segment;
  std::string title;
  std::string body;
  std::string created_at;
};

// A DAY#<date>/NOTIF#<id> item's string attributes, as generate's adapter read them (an attribute
// that is absent or of another type is nullopt).
struct StoredNotification {
  std::optional<std::string> pk{};
  std::optional<std::string> sk{};
  std::optional<std::string> segment{};
  std::optional<std::string> title{};
  std::optional<std::string> body{};
  std::optional<std::string> created_at{};
};

// The stored item as a Notification, or why it is unusable.
Expected<Notification> notification_from_item(const StoredNotification& item);

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

// A SEGMENT#<segment>/USER#<userId> item's string attributes, as generate's adapter read them.
struct StoredMember {
  std::optional<std::string> sk{};
  std::optional<std::string> user_id{};
  std::optional<std::string> display_name{};
  std::optional<std::string> first_name{};
  std::optional<std::string> locale{};
};

// The inbox record of `member` for `notification`, or why the member is unusable.
Expected<InboxRecord> inbox_record(const Notification& notification, const StoredMember& member,
                                   std::int64_t expires_at_epoch);

}  // namespace dn::core
