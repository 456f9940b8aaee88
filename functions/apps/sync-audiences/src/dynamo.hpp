// sync-audiences' DynamoDB and SQS adapters: the audience member and profile items
// (docs/DATA_MODEL.md), written with BatchWriteItem, and the continuation message.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "sync.hpp"

namespace dn::sync_audiences {

// {"PutRequest": {"Item": ...}} or {"DeleteRequest": {"Key": ...}} for one operation.
nlohmann::json write_request(const audience::Op& op);

class DynamoWriter : public Writer {
 public:
  DynamoWriter(aws::Client& client, std::string table)
      : client_(&client), table_(std::move(table)) {}
  // The member deletes in calls of 25 (unprocessed items resent), then the rest: a failure
  // part-way leaves users out of segments rather than in ones they left.
  aws::Result<void> write(const std::vector<audience::Op>& ops) override;

 private:
  aws::Client* client_;
  std::string table_;
};

class SqsQueue : public Queue {
 public:
  SqsQueue(aws::Client& client, std::string queue_url)
      : client_(&client), queue_url_(std::move(queue_url)) {}
  aws::Result<void> send_continue() override;

 private:
  aws::Client* client_;
  std::string queue_url_;
};

}  // namespace dn::sync_audiences
