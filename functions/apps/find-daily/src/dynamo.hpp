// find-daily's adapters: the ports of find_daily.hpp over DynamoDB and SQS. They own the request
// shapes (docs/DATA_MODEL.md); the rules they apply are core's.
#pragma once

#include <string>

#include "dn/aws/client.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/sqs.hpp"
#include "find_daily.hpp"

namespace dn::find_daily {

// RUN#<date> / RUN. claim reads the marker (strongly consistent), lets core::decide_claim
// decide, and writes the claim only if the marker is unchanged since the read (its version), so
// the rule is written once: a lost answer or a concurrent claimer just means reading again.
class DynamoRunMarkers final : public RunMarkers {
 public:
  DynamoRunMarkers(aws::Client& client, std::string table)
      : db_(client), table_(std::move(table)) {}
  aws::Result<ClaimOutcome> claim(const core::RunClaim& claim) override;
  aws::Result<bool> complete(const core::RunClaim& claim, core::Instant at, std::size_t queued,
                             std::size_t skipped) override;
  aws::Result<bool> fail(const core::RunClaim& claim, core::Instant at,
                         std::string_view reason) override;

 private:
  aws::DynamoDb db_;
  std::string table_;
};

// The day's Query: DAY#<date>, begins_with(sk, NOTIF#), all pages, strongly consistent.
class DynamoDayNotifications final : public DayNotifications {
 public:
  DynamoDayNotifications(aws::Client& client, std::string table)
      : db_(client), table_(std::move(table)) {}
  aws::Result<std::vector<core::DayItem>> items(std::string_view date) override;

 private:
  aws::DynamoDb db_;
  std::string table_;
};

// The definitions and the day's freeze. frozen: a consistent Query of DAY#<date>, sk = FROZEN.
// definitions: a consistent Query of every DEFINITION / NOTIF# item (all pages). freeze: a Put
// of each copy conditional on attribute_not_exists(pk) (a false condition means a copy is there
// already: the first one wins), then the FROZEN marker's Put, conditional the same way.
class DynamoDefinitions final : public Definitions {
 public:
  DynamoDefinitions(aws::Client& client, std::string table)
      : db_(client), table_(std::move(table)) {}
  aws::Result<bool> frozen(std::string_view date) override;
  aws::Result<std::vector<core::StoredDefinition>> definitions() override;
  aws::Result<void> freeze(std::string_view date, const std::vector<core::FrozenCopy>& copies,
                           core::Instant at) override;

 private:
  // A Put of `item` unless an item with its key exists; that one is kept.
  aws::Result<void> put_new(nlohmann::json item);

  aws::DynamoDb db_;
  std::string table_;
};

class SqsQueue final : public Queue {
 public:
  explicit SqsQueue(aws::Client& client) : sqs_(client) {}
  aws::Result<void> send_all(const std::string& queue_url,
                             const std::vector<aws::SqsMessage>& messages) override {
    return sqs_.send_all(queue_url, messages);
  }

 private:
  aws::Sqs sqs_;
};

// The marker item a claim writes (without "version": put_versioned adds it), and the marker a
// stored item describes (nullopt when the item is null). Exposed for the adapter's tests.
nlohmann::json marker_item(const core::RunClaim& claim);
std::optional<core::RunMarker> marker_of(const nlohmann::json& item);
// The day item a stored item describes (its string attributes; `unreadable` when it is no map).
core::DayItem day_item_of(const nlohmann::json& item);
// The definition a stored DEFINITION item describes (`unreadable` when it is no map).
core::StoredDefinition definition_of(const nlohmann::json& item);
// DAY#<date> / NOTIF#<id>: the day item generate reads, plus definitionVersion.
nlohmann::json frozen_copy_item(std::string_view date, const core::FrozenCopy& copy);
// DAY#<date> / FROZEN: date, frozenAt, and how many copies the day has.
nlohmann::json frozen_marker_item(std::string_view date, std::size_t copies, core::Instant at);

}  // namespace dn::find_daily
