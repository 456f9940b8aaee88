// An in-memory DynamoDB table store and SQS queues behind the loopback stub, speaking the JSON
// protocol as far as our functions use it: Query (key conditions `a = :v [AND b = :w]`,
// `a = :v AND begins_with(b, :p)`; Limit, ExclusiveStartKey, ScanIndexForward; a
// FilterExpression of the same grammar), PutItem and UpdateItem (`SET a = :v, ...`) with a
// ConditionExpression, BatchWriteItem (puts), TransactWriteItems (conditional Puts, cancelled as a
// whole with one CancellationReason per action), SendMessage and SendMessageBatch. Conditions and
// filters are ORs of ANDs of `attribute_exists(a)`, `attribute_not_exists(a)`, `a = :v`,
// `a < :v`, `a > :v`, `begins_with(a, :v)`, grouped with parentheses, with #name substitution.
//
// It stands in for the service semantics the functions rely on (what is stored, what a
// condition sees) so a fault layer in front of it can lose, delay or refuse calls and a test can
// check what the table holds afterwards. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http_stub.hpp"

namespace dn::aws::testing {

struct FakeMessage {
  std::string message_id;
  std::string body;
  int delay_seconds = 0;
};

class FakeAws {
 public:
  using Key = std::pair<std::string, std::string>;  // (pk, sk)

  // Serves one request (what a StubServer handler returns).
  StubResponse handle(const StubRequest& request);
  // The operation name of a request: "Query", "PutItem", "SendMessageBatch"...
  static std::string operation(const StubRequest& request);

  void put(const nlohmann::json& item);  // in AttributeValue form, into the one table
  [[nodiscard]] std::optional<nlohmann::json> item(const std::string& pk,
                                                   const std::string& sk) const;
  // Every item whose pk starts with `pk_prefix` and sk with `sk_prefix`.
  [[nodiscard]] std::vector<nlohmann::json> items(const std::string& pk_prefix,
                                                  const std::string& sk_prefix) const;
  // Removes and returns the messages sent to `queue_url` so far.
  std::vector<FakeMessage> take_messages(const std::string& queue_url);
  // Items put by PutItem, UpdateItem, BatchWriteItem and TransactWriteItems.
  [[nodiscard]] std::size_t writes() const;

 private:
  StubResponse query(const nlohmann::json& body);
  StubResponse put_item(const nlohmann::json& body);
  StubResponse update_item(const nlohmann::json& body);
  StubResponse batch_write(const nlohmann::json& body);
  StubResponse transact_write(const nlohmann::json& body);
  StubResponse send(const nlohmann::json& body, bool batch);

  mutable std::mutex mutex_;
  std::map<Key, nlohmann::json> items_;
  std::map<std::string, std::vector<FakeMessage>> queues_;
  std::uint64_t next_message_ = 0;
  std::size_t writes_ = 0;
};

// True when `expression` holds for `item` (null: no item), with the request's names and values.
bool evaluate_condition(const std::string& expression, const nlohmann::json& item,
                        const nlohmann::json& names, const nlohmann::json& values);

}  // namespace dn::aws::testing
