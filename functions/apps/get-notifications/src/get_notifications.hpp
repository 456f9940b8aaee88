// The get-notifications handler over one port (the table), so its flow is tested with an
// in-memory fake; parsing, queries, cursor and responses live in dn/core/{api,cursor}.hpp.
//
// One request: parse and validate (4xx with a reason) -> verify the cursor (400 if forged,
// tampered or another user's) -> one Query on USER#<id> for INBOX# keys, newest first -> when the
// page is empty, a second Query on USER#<id>/PROFILE tells an unknown user (404) from an empty
// inbox (200, no items). A store failure is a 500 whose body carries no internal detail.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "dn/aws/client.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/result.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::get_notifications {

class Table {
 public:
  virtual ~Table() = default;
  virtual aws::Result<aws::QueryPage> query(const nlohmann::json& request) = 0;
};

class AwsTable final : public Table {
 public:
  explicit AwsTable(aws::Client& client) : db_(client) {}
  aws::Result<aws::QueryPage> query(const nlohmann::json& request) override {
    return db_.query(request);
  }

 private:
  aws::DynamoDb db_;
};

class Handler {
 public:
  using NowFn = std::function<std::chrono::system_clock::time_point()>;
  Handler(std::string table_name, std::string cursor_key, Table& table, NowFn now = {})
      : table_name_(std::move(table_name)),
        cursor_key_(std::move(cursor_key)),
        table_(&table),
        now_(now ? std::move(now) : NowFn([] { return std::chrono::system_clock::now(); })) {}

  // Always a proxy response (never an invocation error), so API Gateway returns our status.
  runtime::Response handle(const runtime::Request& request);

 private:
  std::string table_name_;
  std::string cursor_key_;
  Table* table_;
  NowFn now_;  // expired records are not served
};

using runtime::GetenvFn;

// Reads TABLE_NAME, CURSOR_SECRET_ARN, fetches the cursor key from Secrets Manager and the AWS
// configuration; throws std::runtime_error (an init error) when one is missing or invalid.
runtime::Handler handler_from_env(const GetenvFn& getenv);

}  // namespace dn::get_notifications
