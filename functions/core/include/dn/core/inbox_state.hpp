// Per-notification inbox state: read or unread, archived, the list filters and the unread
// count. Pure rules, no I/O: the API handlers decide with them and the store adapters encode the
// same transitions as conditional writes (docs/DATA_MODEL.md, "Inbox state").
//
// Archiving also marks a record read, so every record is in exactly one of three states:
// unread, read, archived. Lists never show archived records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dn/core/expected.hpp"

namespace dn::core {

// `status` of GET /users/{userId}/notifications. `all` is every record that is not archived.
enum class InboxFilter : std::uint8_t { all, unread, read };

std::string_view filter_name(InboxFilter filter);  // "all", "unread", "read"
std::optional<InboxFilter> parse_filter(std::string_view text);

struct InboxState {
  std::optional<std::string> read_at{};      // YYYY-MM-DDTHH:MM:SSZ; absent = unread
  std::optional<std::string> archived_at{};  // absent = in the inbox

  [[nodiscard]] bool read() const { return read_at.has_value(); }
  [[nodiscard]] bool archived() const { return archived_at.has_value(); }
  bool operator==(const InboxState&) const = default;
};

// What a PATCH asks for.
enum class StateChange : std::uint8_t { mark_read, mark_unread, archive, unarchive };

std::string_view change_name(StateChange change);  // "read", "unread", "archive", "unarchive"

struct Transition {
  InboxState state{};
  bool changed = false;  // false: the record already was in the asked-for state (idempotent)
};

// The state after `change` at `now`. Every change is idempotent: applied twice, the second is a
// no-op that keeps the first timestamps. mark_unread of an archived record is a conflict (an
// archived record is read by definition; unarchive it first). The Reason of a refused change is
// a conflict (a 409 with that sentence).
Expected<Transition> apply_change(const InboxState& state, StateChange change,
                                  std::string_view now);

// Does a record in `state` belong in the list of `filter`?
bool in_filter(const InboxState& state, InboxFilter filter);

// The `state` index partition (keys::kStatePk's value) a record of `user_id` in `state` is
// written under: USER#<userId>#unread or #read while it is in the inbox, none once archived. A
// store keeps the attribute in step with the state, so listing unread or read never reads a
// record of another state.
std::optional<std::string> state_partition(std::string_view user_id, const InboxState& state);

// Where the records of `filter` for `user_id` are, newest first by `sk`: unread and read are a
// partition of the `state` index; all is the user's own partition (sort keys INBOX#...), which
// also holds the archived records, so a page of it leaves those out and may hold fewer than
// its limit.
struct Listing {
  std::string_view index{};          // keys::kStateIndex, or empty for the table itself
  std::string_view key_attribute{};  // keys::kStatePk, or keys::kPk
  std::string partition{};
  bool holds_archived = false;  // the partition also holds archived records (skip them)
};
Listing listing(std::string_view user_id, InboxFilter filter);

// ---- record ids: what the API calls one record of a user's inbox

// "<date>.<notificationId>", e.g. "2026-11-24.digest": a function of the record's sort key, so
// the same id names the same (day, notification) in every user's inbox; the path's userId
// chooses whose.
std::string record_id(std::string_view date, std::string_view notification_id);

struct RecordRef {
  std::string date{};
  std::string notification_id{};
};

// The record, or why `id` is not a record id (a sentence for a 400).
Expected<RecordRef> parse_record_id(std::string_view id);
// The record a sort key INBOX#<date>#<notificationId> names, or nullopt.
std::optional<RecordRef> record_from_sk(std::string_view sk);

// ---- request bodies

// Largest PATCH body accepted.
inline constexpr std::size_t kMaxPatchBody = 1024;

// A PATCH body: a JSON object with exactly one of {"read": true|false} or
// {"archived": true|false}; else the reason for a 400.
Expected<StateChange> parse_state_patch(std::string_view body);

// ---- the unread count

// The count is exact up to this many unread records; beyond it the API says "at least".
inline constexpr int kUnreadCountCap = 100;

struct UnreadCount {
  int count = 0;
  bool exact = true;  // false: there are at least `count` unread records
};

// From a bounded count: `counted` unread records among the first kUnreadCountCap + 1 looked at,
// `more` when the store stopped before the end of the unread records.
UnreadCount unread_count(long long counted, bool more);

}  // namespace dn::core
