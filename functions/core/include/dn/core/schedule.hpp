// find-daily's decisions, as pure functions: which day an event asks for, whether a run may claim
// the day, and the GenerateMessages built from the day's items. The DynamoDB requests that store
// and read these are find-daily's adapters' (functions/apps/find-daily/src/dynamo.cpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
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
  // The scheduler's executionId ("" when absent or an unexpanded placeholder).
  std::string execution_id{};
};

// The find-daily event:
//   {"source":"aws.scheduler","scheduledTime":"2026-11-24T06:00:00Z",...} -> that instant's day
//     in `zone` (a missing or placeholder scheduledTime falls back to `now`);
//   {"date":"YYYY-MM-DD","force":true|false} -> that day (force defaults to false);
//   anything else -> the Reason (a sentence for the log and the invocation error).
Expected<RunDay> resolve_run_day(std::string_view event, Instant now, const TimeZone& zone);

// RFC 3339 timestamps: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); fractions are dropped.
std::optional<Instant> parse_timestamp(std::string_view text);
// YYYY-MM-DDTHH:MM:SSZ (years 0000-9999; others are clamped to that range).
std::string format_timestamp(Instant instant);

// ---- run marker RUN#<date> / RUN: the once-per-day rule (stored by find-daily's adapter)

inline constexpr std::string_view kRunStarted = "started";
inline constexpr std::string_view kRunCompleted = "completed";
inline constexpr std::string_view kRunFailed = "failed";
// Run markers expire (table TTL) this long after their day: long enough that a late or repeated
// trigger for the day still finds it, short enough that markers do not pile up.
inline constexpr int kRunMarkerTtlDays = 90;
// A claim of a run marker or a chain state writes only if the item is unchanged since its read;
// it gives up after this many reads and writes of an item that keeps changing under it.
inline constexpr int kMaxClaimRounds = 5;
// A failure reason stored in a run marker or a chain state is cut to this many bytes.
inline constexpr std::size_t kMaxReasonLength = 500;

struct RunClaim {
  RunDay day{};
  // What makes two invocations the same run: the scheduler's executionId when the event has one
  // (Lambda's retries of that event carry it again), else the Lambda request id (kept by
  // Lambda's own retries of an asynchronous invocation and by the client's retried calls).
  std::string run_id{};
  std::string request_id{};  // the invocation that writes the claim (for the log)
  Instant started_at{};
  // Past this instant the invocation that wrote the marker is certainly gone (Lambda ended it at
  // its deadline), so a still-"started" marker may be taken over by another run.
  Instant lease_until{};
};

// The stored marker, as the domain needs it.
struct RunMarker {
  std::string status{};  // kRunStarted, kRunCompleted, kRunFailed (anything else: never claimable)
  std::string run_id{};
  Instant lease_until{};
};

enum class ClaimVerdict {
  claim,        // the day is ours to run (again)
  completed,    // another run completed it: the trigger is answered already_ran
  in_progress,  // another run holds a live lease: not done, so never answered already_ran
};
std::string_view claim_verdict_name(ClaimVerdict verdict);  // "claim", "completed", "in_progress"

// May `claim` take the day, given the stored marker (nullopt when there is none)? Always with
// force; otherwise when there is no marker, the last run failed, a started run's lease has
// expired, or the marker is this run's own (a retried claim whose first answer was lost, or
// Lambda's retry of the same event) and not completed.
ClaimVerdict decide_claim(const std::optional<RunMarker>& stored, const RunClaim& claim);

// The run id for an invocation: `execution_id` when it is usable (1-64 of [A-Za-z0-9_-]),
// else `request_id`.
std::string run_id_for(std::string_view execution_id, std::string_view request_id);

// The instant the marker of `date` expires (kRunMarkerTtlDays after 00:00 UTC of the day).
std::optional<Instant> run_marker_expiry(std::string_view date);

// ---- the day's notifications

struct SkippedItem {
  std::string key;     // the item's sk, or "item <n>" when it has none
  std::string reason;  // why no message was built
};

struct DayMessages {
  std::vector<GenerateMessage> messages{};
  std::vector<SkippedItem> skipped{};
};

// A DAY#<date>/NOTIF#<id> item's string attributes, as find-daily's adapter read them (an
// attribute that is absent or of another type is nullopt).
struct DayItem {
  std::optional<std::string> sk{};
  std::optional<std::string> notification_id{};
  std::optional<std::string> segment{};
  std::optional<std::string> unreadable{};  // why the item could not be read at all
};

// One GenerateMessage per valid item; an unreadable item, one without a valid notificationId or
// segment, with a notificationId that contradicts its sort key, or repeating a notificationId, is
// reported in `skipped` instead.
DayMessages build_day_messages(std::string_view date, const std::vector<DayItem>& items);

}  // namespace dn::core
