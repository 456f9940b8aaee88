// The generate handler over two ports (the table and the queue), so its flow is tested with
// in-memory fakes; the item shapes live in dn/core/inbox.hpp.
//
// Per SQS record: decode the GenerateMessage (a poison body fails only that record and reaches
// the DLQ after maxReceiveCount) -> load the notification -> page through the audience writing
// one inbox record per member (BatchWriteItem, 25 per call) -> after max_pages pages, or when the
// invocation is near its deadline, enqueue a continuation message with the audience cursor.
// Only failed records are returned in batchItemFailures, so only they are retried.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/result.hpp"
#include "dn/aws/sqs.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::generate {

class Table {
 public:
  virtual ~Table() = default;
  virtual aws::Result<aws::QueryPage> query(const nlohmann::json& request) = 0;
  virtual aws::Result<void> batch_write(const std::string& table,
                                        std::vector<nlohmann::json> write_requests) = 0;
};

class Queue {
 public:
  virtual ~Queue() = default;
  virtual aws::Result<void> send(const std::string& queue_url, const aws::SqsMessage& message) = 0;
};

class AwsTable final : public Table {
 public:
  explicit AwsTable(aws::Client& client) : db_(client) {}
  aws::Result<aws::QueryPage> query(const nlohmann::json& request) override;
  aws::Result<void> batch_write(const std::string& table,
                                std::vector<nlohmann::json> write_requests) override;

 private:
  aws::DynamoDb db_;
};

class AwsQueue final : public Queue {
 public:
  explicit AwsQueue(aws::Client& client) : sqs_(client) {}
  aws::Result<void> send(const std::string& queue_url, const aws::SqsMessage& message) override;

 private:
  aws::Sqs sqs_;
};

struct Settings {
  std::string table_name{};
  std::string queue_url{};
  int inbox_ttl_days = 90;
  int max_pages = 5;    // audience pages per message per invocation
  int page_size = 250;  // members per audience page (10 BatchWriteItem calls)
  // Stop starting new pages when less than this is left before the deadline.
  std::chrono::milliseconds reserve{5000};
};

// What happened to one record (logged, and counted in the metrics).
struct RecordOutcome {
  bool failed = false;
  std::string reason{};
  long long written = 0;
  int pages = 0;
  bool continued = false;
};

class Handler {
 public:
  Handler(Settings settings, Table& table, Queue& queue)
      : settings_(std::move(settings)), table_(&table), queue_(&queue) {}

  runtime::Response handle(const runtime::Request& request);
  RecordOutcome process(const std::string& body, const runtime::Request& request);

 private:
  [[nodiscard]] bool near_deadline(const runtime::Request& request) const;

  Settings settings_;
  Table* table_;
  Queue* queue_;
};

using runtime::GetenvFn;

// Reads TABLE_NAME, QUEUE_URL, INBOX_TTL_DAYS, MAX_PAGES_PER_INVOCATION and the AWS
// configuration; throws std::runtime_error (an init error) when one is missing or invalid.
runtime::Handler handler_from_env(const GetenvFn& getenv);

}  // namespace dn::generate
