// The find-daily handler over three ports (the run markers, the day's notifications and the
// queue), so its flow is tested with in-memory fakes. The decisions live in dn/core/schedule.hpp;
// the DynamoDB and SQS requests in dynamo.hpp.
//
// One run: resolve the day -> claim RUN#<date> (the rule is core::decide_claim: a completed day
// is answered already_ran, a day another run holds is an error so the trigger is retried) ->
// freeze the day unless DAY#<date>/FROZEN exists (every authored definition occurring on the day
// is copied into DAY#<date>, core::expand_definitions, then the FROZEN marker is stored) ->
// query the day's notifications (all pages) -> send one GenerateMessage per notification, each
// carrying the run id (10 per SendMessageBatch, failed entries retried) -> mark the run completed
// and emit NotificationsQueued / DailyRunCompleted. When the freeze, the query or the sends fail,
// the marker is set to "failed" (with time reserved for it before the deadline) so the next trigger
// (Lambda's retry) runs the day again; re-sending is safe because generate's writes are
// idempotent and its chain check stops a second message for the same hop.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dn/aws/result.hpp"
#include "dn/aws/sqs.hpp"
#include "dn/core/freeze.hpp"
#include "dn/core/schedule.hpp"
#include "dn/core/timezone.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::find_daily {

// claim's answers: the day is this run's, or another run's marker keeps it.
struct Claimed {};
struct Taken {
  core::ClaimVerdict verdict = core::ClaimVerdict::completed;  // completed or in_progress
  core::RunMarker by{};                                        // the marker that keeps it
};
using ClaimOutcome = std::variant<Claimed, Taken>;

class RunMarkers {
 public:
  virtual ~RunMarkers() = default;
  virtual aws::Result<ClaimOutcome> claim(const core::RunClaim& claim) = 0;
  // Mark the claim's run completed / failed; false when the marker is no longer the claim's (a
  // forced run took it over).
  virtual aws::Result<bool> complete(const core::RunClaim& claim, core::Instant at,
                                     std::size_t queued, std::size_t skipped) = 0;
  virtual aws::Result<bool> fail(const core::RunClaim& claim, core::Instant at,
                                 std::string_view reason) = 0;
};

class DayNotifications {
 public:
  virtual ~DayNotifications() = default;
  // Every DAY#<date> / NOTIF# item of the day, strongly consistent.
  virtual aws::Result<std::vector<core::DayItem>> items(std::string_view date) = 0;
};

// The authored definitions and the day's frozen copies of them.
class Definitions {
 public:
  virtual ~Definitions() = default;
  // Whether DAY#<date> / FROZEN exists (strongly consistent).
  virtual aws::Result<bool> frozen(std::string_view date) = 0;
  // Every DEFINITION / NOTIF# item (all pages, strongly consistent).
  virtual aws::Result<std::vector<core::StoredDefinition>> definitions() = 0;
  // Stores each copy under DAY#<date> unless a copy is there already (the first one wins), then
  // the FROZEN marker (`at`, how many copies); an error when a write fails, and then the marker
  // is not written, so the retry freezes the day again.
  virtual aws::Result<void> freeze(std::string_view date,
                                   const std::vector<core::FrozenCopy>& copies,
                                   core::Instant at) = 0;
};

class Queue {
 public:
  virtual ~Queue() = default;
  // Sends every message (batches of 10, failed entries retried); an error when some stay unsent.
  virtual aws::Result<void> send_all(const std::string& queue_url,
                                     const std::vector<aws::SqsMessage>& messages) = 0;
};

struct Settings {
  std::string table_name{};
  std::string queue_url{};
  std::string timezone_name{};  // for the log only; the rules are in the TimeZone
};

using NowFn = std::function<core::Instant()>;
// Sets the instant the AWS calls stop retrying at (the client's deadline).
using CallDeadlineFn = std::function<void(std::chrono::system_clock::time_point)>;

// How much longer than the invocation's deadline a "started" marker blocks other runs: Lambda
// has ended the invocation by then; the margin only covers clock skew.
inline constexpr std::chrono::seconds kLeaseMargin{5};
// Used when the invocation has no deadline (Lambda's own maximum timeout).
inline constexpr std::chrono::seconds kDefaultLease{15 * 60};
// The work's calls stop this long before the deadline, so releasing the marker still fits.
inline constexpr std::chrono::seconds kReleaseReserve{3};
// Leave time to log and post the result before Lambda's own deadline: the one margin of every
// function (runtime::serve sets the client's deadline with it before each invocation).
inline constexpr auto kReportMargin = runtime::kDeadlineMargin;
// At most this many skipped items are listed in the log line (all are counted).
inline constexpr std::size_t kMaxSkippedLogged = 20;

class Handler {
 public:
  Handler(Settings settings, core::TimeZone zone, RunMarkers& markers, Definitions& definitions,
          DayNotifications& day, Queue& queue, NowFn now, CallDeadlineFn set_call_deadline = {});

  // Success: {"outcome":"queued"|"already_ran","date":...,...}. Failure: InvalidEvent (the event
  // is not one find-daily understands), RunInProgress (another run holds the day's live lease),
  // RunMarkerFailed, FreezeFailed, QueryFailed, SendFailed or InternalError, so Lambda retries and
  // finally parks the event in the DLQ.
  runtime::Response handle(const runtime::Request& request);

 private:
  runtime::Response fail(const runtime::Request& request, const core::RunClaim& claim,
                         nlohmann::json log, const char* error_type, const std::string& message);
  runtime::Response run(const runtime::Request& request, const core::RunClaim& claim,
                        nlohmann::json log);
  // Freezes `date` unless it is frozen; the definitions that could not be read are appended to
  // `skipped`.
  aws::Result<void> freeze_day(const std::string& date, nlohmann::json& log,
                               std::vector<core::SkippedItem>& skipped);

  Settings settings_;
  core::TimeZone zone_;
  RunMarkers* markers_;
  Definitions* definitions_;
  DayNotifications* day_;
  Queue* queue_;
  NowFn now_;
  CallDeadlineFn set_call_deadline_;
};

}  // namespace dn::find_daily
