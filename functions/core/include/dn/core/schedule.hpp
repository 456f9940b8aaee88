// find-daily's decisions, as pure functions: which day an event asks for, the run-marker writes
// that make a day run once, the day's Query, and the GenerateMessages built from its items.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dn/core/message.hpp"
#include "dn/core/timezone.hpp"

namespace dn::core {

// Where the day came from.
enum class DaySource {
  scheduled_time,  // the scheduler's scheduledTime, read in the configured zone
  now,             // no usable scheduledTime (absent or an unexpanded "<aws.scheduler...>")
  explicit_date,   // {"date": "YYYY-MM-DD"} (backfill / replay)
};
std::string_view day_source_name(DaySource source);  // "scheduledTime", "now", "date"

struct RunDay {
  std::string date{};  // YYYY-MM-DD, accepted by check_date
  bool force = false;
  DaySource source = DaySource::explicit_date;
};

struct ScheduleError {
  std::string reason;  // a sentence for the log and the invocation error
};

// The find-daily event:
//   {"source":"aws.scheduler","scheduledTime":"2026-11-24T06:00:00Z",...} -> that instant's day
//     in `zone` (a missing or placeholder scheduledTime falls back to `now`);
//   {"date":"YYYY-MM-DD","force":true|false} -> that day (force defaults to false);
//   anything else -> ScheduleError.
std::variant<RunDay, ScheduleError> resolve_run_day(std::string_view event, Instant now,
                                                    const TimeZone& zone);

// RFC 3339 timestamps: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); fractions are dropped.
std::optional<Instant> parse_timestamp(std::string_view text);
// YYYY-MM-DDTHH:MM:SSZ (years 0000-9999; others are clamped to that range).
std::string format_timestamp(Instant instant);

// ---- run marker RUN#<date> / RUN

inline constexpr std::string_view kRunStarted = "started";
inline constexpr std::string_view kRunCompleted = "completed";
inline constexpr std::string_view kRunFailed = "failed";

struct RunClaim {
  RunDay day{};
  std::string request_id{};
  Instant started_at{};
  // Past this instant the invocation that wrote the marker is certainly gone (Lambda killed it
  // at its deadline), so a still-"started" marker may be taken over by a retry.
  Instant lease_until{};
};

// PutItem claiming the day. Without force it succeeds only when no marker exists, the last run
// failed, or a started run's lease has expired; with force it overwrites any marker.
nlohmann::json run_marker_put(std::string_view table, const RunClaim& claim);
// The same rule as run_marker_put's condition, for in-memory tables in tests: may `claim` take
// the day given the stored marker item (nullptr when none)?
bool run_marker_claimable(const nlohmann::json* stored_item, const RunClaim& claim);

// UpdateItem marking the claim's run completed with its counts (only if the marker is still
// ours: a forced re-run may have taken it over).
nlohmann::json run_marker_complete(std::string_view table, const RunClaim& claim, Instant at,
                                   std::size_t queued, std::size_t skipped);
// UpdateItem marking the claim's run failed, so the next trigger for the day runs again.
nlohmann::json run_marker_fail(std::string_view table, const RunClaim& claim, Instant at,
                               std::string_view reason);

// ---- the day's notifications

// Query for DAY#<date> / begins_with(sk, "NOTIF#"), strongly consistent.
nlohmann::json day_query(std::string_view table, std::string_view date);

struct SkippedItem {
  std::string key;     // the item's sk, or "item <n>" when it has none
  std::string reason;  // why no message was built
};

struct DayMessages {
  std::vector<GenerateMessage> messages{};
  std::vector<SkippedItem> skipped{};
};

// One GenerateMessage per valid item (DynamoDB AttributeValue form); an item without a valid
// notificationId or segment, with a notificationId that contradicts its sort key, or repeating a
// notificationId, is reported in `skipped` instead.
DayMessages build_day_messages(std::string_view date, const std::vector<nlohmann::json>& items);

}  // namespace dn::core
