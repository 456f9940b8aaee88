// generate's adapters: the ports of generate.hpp over DynamoDB and SQS. They own the request
// shapes (docs/DATA_MODEL.md); the rules they apply are core's.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/sqs.hpp"
#include "generate.hpp"

namespace dn::generate {

// DAY#<date> / NOTIF#<id>, read strongly consistent (find-daily saw it a moment ago: a missing
// item is really missing, not a stale read).
class DynamoNotifications final : public NotificationStore {
 public:
  DynamoNotifications(aws::Client& client, std::string table, CallTimes* times = nullptr)
      : db_(client), table_(std::move(table)), times_(times) {}
  aws::Result<std::optional<core::StoredNotification>> load(
      std::string_view date, std::string_view notification_id) override;

 private:
  aws::DynamoDb db_;
  std::string table_;
  CallTimes* times_;
};

// SEGMENT#<segment> / USER#..., one Query page per call; the cursor is the last member's user id.
// With `own` set, the calls go through that client (with `client`'s deadline, copied per call), so
// a page can be fetched on another thread while the inbox writer uses `client`.
class DynamoAudience final : public Audience {
 public:
  DynamoAudience(aws::Client& client, std::string table, CallTimes* times = nullptr,
                 std::unique_ptr<aws::Client> own = nullptr)
      : deadline_of_(&client),
        own_(std::move(own)),
        db_(own_ ? *own_ : client),
        table_(std::move(table)),
        times_(times) {}
  aws::Result<AudiencePage> page(std::string_view segment, const std::optional<std::string>& after,
                                 int limit) override;

 private:
  aws::Client* deadline_of_;
  std::unique_ptr<aws::Client> own_;
  aws::DynamoDb db_;
  std::string table_;
  CallTimes* times_;
};

// USER#<userId> / INBOX#<date>#<notificationId>, CREATE-ONLY: up to 100 Puts per
// TransactWriteItems, each conditional on attribute_not_exists(pk), so an existing record (a
// forced re-run, a redelivery, a lost answer) keeps its content and its read/archived state and
// counts as stored. Up to `in_flight` calls at once (a Client is one connection and not
// thread-safe, so in_flight - 1 more clients like `client`, each given `client`'s deadline per
// write); each call resends what a cancelled transaction did not store, until that deadline.
class DynamoInbox final : public InboxWriter {
 public:
  DynamoInbox(aws::Client& client, std::string table, CallTimes* times = nullptr,
              int in_flight = 1);
  WriteOutcome write(const std::vector<core::InboxRecord>& records) override;

 private:
  aws::Client* client_;
  std::vector<std::unique_ptr<aws::Client>> helpers_;
  std::string table_;
  CallTimes* times_;
};

// RUN#<date> / CHAIN#<notificationId>#<run>: claim reads the state, lets core::decide_hop
// decide, and writes the claim only if the state is unchanged since the read (its version).
class DynamoChains final : public Chains {
 public:
  DynamoChains(aws::Client& client, std::string table, CallTimes* times = nullptr)
      : db_(client), table_(std::move(table)), times_(times) {}
  aws::Result<HopClaim> claim(const ChainKey& key, std::int64_t hop,
                              const std::string& owner) override;
  aws::Result<bool> mark(const ChainKey& key, const HopClaim& claim, std::string_view status,
                         std::string_view reason) override;

 private:
  aws::DynamoDb db_;
  std::string table_;
  CallTimes* times_;
};

class SqsQueue final : public Queue {
 public:
  explicit SqsQueue(aws::Client& client, CallTimes* times = nullptr)
      : sqs_(client), times_(times) {}
  aws::Result<void> send(const std::string& queue_url, const aws::SqsMessage& message) override;

 private:
  aws::Sqs sqs_;
  CallTimes* times_;
};

// The inbox record as a DynamoDB item, and a chain state item as the domain reads it. Exposed
// for the adapters' tests.
nlohmann::json inbox_item(const core::InboxRecord& record);
std::optional<core::ChainState> chain_of(const nlohmann::json& item);
// What a stored notification or audience member item says (its string attributes).
core::StoredNotification notification_of(const nlohmann::json& item);
core::StoredMember member_of(const nlohmann::json& item);

}  // namespace dn::generate
