// DynamoDB over the JSON protocol (X-Amz-Target DynamoDB_20120810.*). Requests and items are
// nlohmann::json in DynamoDB's own wire shape (AttributeValue form: {"pk":{"S":"USER#1"}}).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/result.hpp"

namespace dn::aws {

struct QueryPage {
  std::vector<nlohmann::json> items{};
  nlohmann::json last_evaluated_key = nullptr;  // null when this was the last page
};

enum class WriteStatus {
  written,           // the write happened
  condition_failed,  // ConditionExpression was false (ConditionalCheckFailedException)
};

// One item read for optimistic concurrency: `version` is its numeric "version" attribute (0 when
// the item or the attribute is absent).
struct VersionedItem {
  nlohmann::json item = nullptr;  // null when there is no such item
  std::int64_t version = 0;
};

struct UpdateResult {
  WriteStatus status = WriteStatus::written;
  nlohmann::json attributes = nullptr;  // response "Attributes" (per ReturnValues), else null
  // condition_failed with ReturnValuesOnConditionCheckFailure ALL_OLD: the item as it was
  // (null when there was none).
  nlohmann::json failed_item = nullptr;
};

// One action's outcome in a cancelled TransactWriteItems.
struct CancellationReason {
  std::string code{};             // "None", "ConditionalCheckFailed", "TransactionConflict"...
  nlohmann::json item = nullptr;  // with ReturnValuesOnConditionCheckFailure ALL_OLD
};

struct TransactResult {
  bool committed = true;
  // When cancelled: one reason per action of the request, in its order.
  std::vector<CancellationReason> reasons{};
};

class DynamoDb {
 public:
  explicit DynamoDb(Client& client) : client_(&client) {}

  static constexpr std::size_t kMaxBatchWrite = 25;  // BatchWriteItem's per-call limit

  // One page of a Query: `request` is the Query request body (TableName,
  // KeyConditionExpression, ExclusiveStartKey, Limit, ScanIndexForward...).
  Result<QueryPage> query(const nlohmann::json& request);

  // Pages through a Query, calling on_page for each page until it returns false or the last
  // page is done. Returns the LastEvaluatedKey where it stopped (null when exhausted).
  Result<nlohmann::json> query_pages(nlohmann::json request,
                                     const std::function<bool(const QueryPage&)>& on_page);

  // Every item of a Query (stops with "InvalidArgument" past max_items, so memory is bounded).
  Result<std::vector<nlohmann::json>> query_all(nlohmann::json request,
                                                std::size_t max_items = 100000);

  // Writes `write_requests` ({"PutRequest":{"Item":..}} / {"DeleteRequest":{"Key":..}}) to one
  // table in calls of 25, resending UnprocessedItems with backoff until none is left, the retry
  // budget is used up or the deadline nears. What stays unprocessed is reported as
  // Error{"UnprocessedItems", "<n> of <m> write requests left unprocessed...", retryable}.
  // When `written_prefix` is given it is set to how many leading write requests are known
  // written (also on error), so a caller can resume after them.
  Result<void> batch_write(const std::string& table, std::vector<nlohmann::json> write_requests,
                           std::size_t* written_prefix = nullptr);

  // The item with exactly `key` (its two key attributes), read strongly consistent with a Query
  // (roles grant Query, not GetItem), with its "version".
  Result<VersionedItem> read_versioned(const std::string& table, const nlohmann::json& key);

  // PutItem of `item` with "version" = expected + 1, only if the stored version is still
  // `expected` (0: no item, or one without a version). condition_failed when another write came
  // first, or when this very put was applied and its answer lost: read again and decide again.
  Result<WriteStatus> put_versioned(const std::string& table, nlohmann::json item,
                                    std::int64_t expected);
  // put_versioned's PutItem body (TableName, Item with the new version, its condition), which
  // is also a TransactWriteItems "Put" action.
  static nlohmann::json versioned_put_request(const std::string& table, nlohmann::json item,
                                              std::int64_t expected);

  // PutItem; `request` is the PutItem body (TableName, Item, ConditionExpression...).
  // A false condition is WriteStatus::condition_failed, not an error.
  Result<WriteStatus> put_item(const nlohmann::json& request);

  // UpdateItem; a false condition is WriteStatus::condition_failed, not an error.
  Result<UpdateResult> update_item(const nlohmann::json& request);

  // DeleteItem; returns the deleted item (request ReturnValues ALL_OLD), null when there was
  // none or it was not asked for.
  Result<nlohmann::json> delete_item(const nlohmann::json& request);

  static constexpr std::size_t kMaxTransactItems = 100;  // TransactWriteItems' per-call limit

  // TransactWriteItems: all actions or none. A cancelled transaction (TransactionCanceledException)
  // is a TransactResult with committed = false and the per-action reasons, not an error, so the
  // caller can resend the actions that did not fail their own condition.
  Result<TransactResult> transact_write(const nlohmann::json& request);

 private:
  Client* client_;
};

}  // namespace dn::aws
