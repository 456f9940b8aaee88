// The find-daily handler over two ports (the table and the queue), so its flow is tested with
// in-memory fakes. The decisions themselves live in dn/core/schedule.hpp.
//
// One run: resolve the day -> claim RUN#<date> with a conditional put (a second trigger for the
// day is a logged no-op unless force) -> query the day's notifications (all pages) -> send one
// GenerateMessage per notification (10 per SendMessageBatch, failed entries retried) -> mark the
// run completed and emit NotificationsQueued / DailyRunCompleted. When the query or the sends
// fail, the marker is set to "failed" so the next trigger (Lambda's retry) runs the day again;
// re-sending is safe because generate's writes are idempotent.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dn/aws/dynamodb.hpp"
#include "dn/aws/result.hpp"
#include "dn/aws/sqs.hpp"
#include "dn/core/schedule.hpp"
#include "dn/core/timezone.hpp"
#include "dn/runtime/runtime.hpp"

namespace dn::find_daily {

class Table {
 public:
  virtual ~Table() = default;
  virtual aws::Result<aws::WriteStatus> put_item(const nlohmann::json& request) = 0;
  virtual aws::Result<aws::UpdateResult> update_item(const nlohmann::json& request) = 0;
  // Every item of the Query, all pages.
  virtual aws::Result<std::vector<nlohmann::json>> query_all(const nlohmann::json& request) = 0;
};

class Queue {
 public:
  virtual ~Queue() = default;
  // Sends every message (batches of 10, failed entries retried); an error when some stay unsent.
  virtual aws::Result<void> send_all(const std::string& queue_url,
                                     const std::vector<aws::SqsMessage>& messages) = 0;
};

// The ports over dn_aws.
class AwsTable final : public Table {
 public:
  explicit AwsTable(aws::Client& client) : db_(client) {}
  aws::Result<aws::WriteStatus> put_item(const nlohmann::json& request) override;
  aws::Result<aws::UpdateResult> update_item(const nlohmann::json& request) override;
  aws::Result<std::vector<nlohmann::json>> query_all(const nlohmann::json& request) override;

 private:
  aws::DynamoDb db_;
};

class AwsQueue final : public Queue {
 public:
  explicit AwsQueue(aws::Client& client) : sqs_(client) {}
  aws::Result<void> send_all(const std::string& queue_url,
                             const std::vector<aws::SqsMessage>& messages) override;

 private:
  aws::Sqs sqs_;
};

struct Settings {
  std::string table_name{};
  std::string queue_url{};
  std::string timezone_name{};  // for the log only; the rules are in the TimeZone
};

using NowFn = std::function<core::Instant()>;

// How much longer than the invocation's deadline a "started" marker blocks other triggers.
inline constexpr std::chrono::seconds kLeaseMargin{60};
// Used when the invocation has no deadline (Lambda's own maximum timeout).
inline constexpr std::chrono::seconds kDefaultLease{15 * 60};
// At most this many skipped items are listed in the log line (all are counted).
inline constexpr std::size_t kMaxSkippedLogged = 20;

class Handler {
 public:
  Handler(Settings settings, core::TimeZone zone, Table& table, Queue& queue, NowFn now);

  // Success: {"outcome":"queued"|"already_ran","date":...,...}. Failure: InvalidEvent (the event
  // is not one find-daily understands), RunMarkerFailed, QueryFailed, SendFailed or
  // InternalError, so Lambda retries and finally parks the event in the DLQ.
  runtime::Response handle(const runtime::Request& request);

 private:
  runtime::Response fail(const core::RunClaim& claim, nlohmann::json log, const char* error_type,
                         const std::string& message);

  Settings settings_;
  core::TimeZone zone_;
  Table* table_;
  Queue* queue_;
  NowFn now_;
};

}  // namespace dn::find_daily
