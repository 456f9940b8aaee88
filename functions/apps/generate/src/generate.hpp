// The generate handler over five ports (the notification store, the audience, the inbox writer,
// the chain states and the queue), so its flow is tested with in-memory fakes; the rules live in
// dn/core/{inbox,chain}.hpp, the DynamoDB and SQS requests in dynamo.hpp.
//
// Per SQS record: decode the GenerateMessage (a poison body fails only that record and reaches
// the DLQ after maxReceiveCount) -> claim the message's hop of its chain (a duplicate or stale
// message stops here) -> load the notification (an unusable definition is rejected once:
// recorded on the chain, counted in DefinitionsRejected, never retried) -> page through the
// audience writing one inbox record per member -> after max_pages pages, near the deadline, or
// when throttling outlasts the time left, hand over: a continuation message carries the
// position of the last record known written. Only records that could not even hand over are
// returned in batchItemFailures, so only they are redelivered.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/aws/result.hpp"
#include "dn/aws/sqs.hpp"
#include "dn/core/chain.hpp"
#include "dn/core/inbox.hpp"
#include "dn/core/message.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::generate {

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;
  // The DAY#<date> / NOTIF#<id> item, strongly consistent; nullopt when there is none.
  virtual aws::Result<std::optional<core::StoredNotification>> load(
      std::string_view date, std::string_view notification_id) = 0;
};

struct AudiencePage {
  std::vector<core::StoredMember> members{};  // SEGMENT# items, in key order
  std::optional<std::string> next{};          // the user id to resume after; nullopt at the end
};

class Audience {
 public:
  virtual ~Audience() = default;
  // Up to `limit` members of `segment` after user `after` (from the start when nullopt).
  virtual aws::Result<AudiencePage> page(std::string_view segment,
                                         const std::optional<std::string>& after, int limit) = 0;
};

struct WriteOutcome {
  std::size_t written = 0;            // how many leading records are known stored
  std::optional<aws::Error> error{};  // why it stopped before the end (nullopt: all stored)
};

class InboxWriter {
 public:
  virtual ~InboxWriter() = default;
  // Stores the records (each one's key is a function of user, day and notification, so storing
  // one again never duplicates it). Retries within the calls' deadline.
  virtual WriteOutcome write(const std::vector<core::InboxRecord>& records) = 0;
};

// Client-side cost of the AWS calls of one invocation, per call site ("Query audience",
// "BatchWriteItem inbox"..., retries included): logged with the invocation so a slow page can be
// told apart into our code, the client and the service. Thread-safe (a prefetched page records
// while the writes do).
class CallTimes {
 public:
  void record(const std::string& operation, std::chrono::microseconds elapsed);
  void reset();
  // {"Query audience":{"n":3,"ms":41.2,"maxMs":20.1},...}
  [[nodiscard]] nlohmann::json to_json() const;
  [[nodiscard]] std::chrono::microseconds total() const;

 private:
  struct Stat {
    long long n = 0;
    std::chrono::microseconds sum{0};
    std::chrono::microseconds max{0};
  };
  mutable std::mutex mutex_;
  std::map<std::string, Stat> stats_;
};

struct ChainKey {
  std::string date;
  std::string notification_id;
  std::string run;
};

struct HopClaim {
  core::HopVerdict verdict = core::HopVerdict::proceed;
  std::int64_t version = 0;  // of the claimed state (only with proceed), for mark
};

class Chains {
 public:
  virtual ~Chains() = default;
  // Decides (core::decide_hop) and, when the verdict is proceed, records `owner` on `hop`.
  virtual aws::Result<HopClaim> claim(const ChainKey& key, std::int64_t hop,
                                      const std::string& owner) = 0;
  // Sets the claimed hop's status (kChainContinued, kChainDone, kChainRejected) while the state
  // is still the claim's; false when it changed since.
  virtual aws::Result<bool> mark(const ChainKey& key, const HopClaim& claim,
                                 std::string_view status, std::string_view reason) = 0;
};

class Queue {
 public:
  virtual ~Queue() = default;
  virtual aws::Result<void> send(const std::string& queue_url, const aws::SqsMessage& message) = 0;
};

struct Settings {
  std::string table_name{};
  std::string queue_url{};
  int inbox_ttl_days = 90;
  int max_pages = 5;  // at most this many audience pages per message per invocation
  // Members per audience page (10 create-only TransactWriteItems of 100, ~100 KB of members: well
  // under a Query page's 1 MB). Fewer, larger pages: each page is a round trip, and on the local
  // emulator a pass over the whole segment partition (a 12,000-member day took 5x longer with
  // pages of 250).
  int page_size = 1000;
  // A new page starts only while more than this plus the slowest page of the invocation so far
  // (its Query and writes, measured) is left before the deadline: the margins of the hand-over
  // (kHandOverReserve + kReportMargin) and a second of slack.
  std::chrono::milliseconds reserve{5000};
  // Fetch the next audience page while the current one is written (the Audience and the
  // InboxWriter are then called from two threads at once: their adapters use separate clients).
  bool prefetch = false;
};

// The work's calls stop this long (plus kReportMargin) before the deadline, so a hand-over
// (SendMessage, the chain's mark) still fits after throttling used up the rest.
inline constexpr std::chrono::seconds kHandOverReserve{2};
// Time to log and post the result: the one margin of every function (runtime/startup.hpp).
inline constexpr auto kReportMargin = runtime::kDeadlineMargin;
// Hand-overs in a row without progress before the record is failed (and, after
// maxReceiveCount receives, parked in the DLQ where its alarm fires).
inline constexpr int kMaxStalls = 20;
// A hand-over without progress waits this many seconds per stall (at most kMaxStallDelay).
inline constexpr int kStallDelaySeconds = 5;
inline constexpr int kMaxStallDelay = 60;

// What happened to one record (logged, and counted in the metrics).
struct RecordOutcome {
  bool failed = false;
  std::string outcome{};  // done, continued, deferred, rejected, duplicate, stale, failed
  std::string reason{};
  long long written = 0;
  int pages = 0;
  bool continued = false;
};

using CallDeadlineFn = std::function<void(std::chrono::system_clock::time_point)>;
using NowFn = std::function<std::chrono::system_clock::time_point()>;

struct Ports {
  NotificationStore* notifications = nullptr;
  Audience* audience = nullptr;
  InboxWriter* inbox = nullptr;
  Chains* chains = nullptr;
  Queue* queue = nullptr;
  CallTimes* times = nullptr;  // filled by the adapters; logged per invocation when set
};

class Handler {
 public:
  Handler(Settings settings, Ports ports, CallDeadlineFn set_call_deadline = {}, NowFn now = {})
      : settings_(std::move(settings)),
        ports_(ports),
        set_call_deadline_(std::move(set_call_deadline)),
        now_(now ? std::move(now) : NowFn([] { return std::chrono::system_clock::now(); })) {}

  runtime::Response handle(const runtime::Request& request);
  RecordOutcome process(const std::string& message_id, const std::string& body,
                        const runtime::Request& request);

 private:
  struct Walk;
  [[nodiscard]] bool near_deadline(const runtime::Request& request) const;
  RecordOutcome walk(Walk& w, const runtime::Request& request);
  RecordOutcome hand_over(Walk& w, const runtime::Request& request, const std::string& why,
                          bool count_stall);
  RecordOutcome reject(Walk& w, const std::string& reason);
  void work_phase(const runtime::Request& request) const;
  void finish_phase(const runtime::Request& request) const;

  Settings settings_;
  Ports ports_;
  CallDeadlineFn set_call_deadline_;
  NowFn now_;
  bool first_record_ = true;  // no earlier record of this invocation used its time
  // The longest page (audience Query + its writes) of this invocation, by now_(); empty until
  // a page of this invocation has been timed.
  std::optional<std::chrono::system_clock::duration> slowest_page_;
};

using runtime::GetenvFn;

// Reads TABLE_NAME, QUEUE_URL, INBOX_TTL_DAYS, MAX_PAGES_PER_INVOCATION and the AWS
// configuration; throws std::runtime_error (an init error) when one is missing or invalid.
runtime::Handler handler_from_env(const GetenvFn& getenv);

}  // namespace dn::generate
