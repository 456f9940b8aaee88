// The single-table model's key builders (docs/DATA_MODEL.md). Every key is derived only from
// the day, the notification id, the segment and the user id, so re-running a day or redelivering
// a message produces the same keys and a write is an idempotent overwrite, never a duplicate.
#pragma once

#include <string>
#include <string_view>

namespace dn::core::keys {

inline constexpr std::string_view kPk = "pk";
inline constexpr std::string_view kSk = "sk";
inline constexpr std::string_view kDayPrefix = "DAY#";
inline constexpr std::string_view kNotificationPrefix = "NOTIF#";
inline constexpr std::string_view kSegmentPrefix = "SEGMENT#";
inline constexpr std::string_view kUserPrefix = "USER#";
inline constexpr std::string_view kInboxPrefix = "INBOX#";
inline constexpr std::string_view kRunPrefix = "RUN#";
inline constexpr std::string_view kChainPrefix = "CHAIN#";
inline constexpr std::string_view kProfileSk = "PROFILE";
inline constexpr std::string_view kRunSk = "RUN";
// DEFINITION / NOTIF#<notificationId>: the authored definitions (manage-notifications), copied
// by find-daily into DAY#<date> / NOTIF#<notificationId> when the day runs.
inline constexpr std::string_view kDefinitionPk = "DEFINITION";
// DAY#<date> / FROZEN: the day's copies are all stored; its notifications can no longer change.
inline constexpr std::string_view kFrozenSk = "FROZEN";

// The inbox's global secondary index (sort key `sk`): a record that is not archived is in it
// under its read state, so the unread and read lists and the unread count are one Query of one
// index partition each.
inline constexpr std::string_view kStateIndex = "state";
inline constexpr std::string_view kStatePk = "statePk";  // USER#<userId>#unread | #read

// DAY#<date> / NOTIF#<notificationId>: a notification definition scheduled for a day.
std::string day_pk(std::string_view date);
std::string notification_sk(std::string_view notification_id);
// DEFINITION / NOTIF#<notificationId>: the sort key of a definition (the same as a day's copy).
std::string definition_sk(std::string_view notification_id);
// SEGMENT#<segment> / USER#<userId>: one member of an audience.
std::string segment_pk(std::string_view segment);
std::string member_sk(std::string_view user_id);
// USER#<userId> / PROFILE and USER#<userId> / INBOX#<date>#<notificationId>: a user's partition.
std::string user_pk(std::string_view user_id);
std::string inbox_sk(std::string_view date, std::string_view notification_id);
// USER#<userId>#unread or USER#<userId>#read: a user's partition of the `state` index.
std::string state_pk(std::string_view user_id, bool read);
// RUN#<date> / RUN: the per-day run marker written once with a conditional put.
std::string run_pk(std::string_view date);
// RUN#<date> / CHAIN#<notificationId>#<run>: generate's progress through one notification's
// audience for one run (dn/core/chain.hpp).
std::string chain_sk(std::string_view notification_id, std::string_view run);

// The part after `prefix`, or empty when `key` does not start with it.
std::string_view strip_prefix(std::string_view key, std::string_view prefix);

}  // namespace dn::core::keys
