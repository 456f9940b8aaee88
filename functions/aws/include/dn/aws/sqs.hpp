// SQS over the JSON protocol (X-Amz-Target AmazonSQS.*, application/x-amz-json-1.0).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/result.hpp"

namespace dn::aws {

struct SqsMessage {
  std::string id{};    // unique within one batch: [A-Za-z0-9_-]{1,80}
  std::string body{};  // the message body
  std::optional<int> delay_seconds{};
};

struct SqsEntryFailure {
  std::string id{};
  std::string code{};
  std::string message{};
  bool sender_fault = false;  // true: resending the same entry will fail again
};

struct SendBatchResult {
  std::vector<std::string> successful{};  // ids
  std::vector<SqsEntryFailure> failed{};
};

class Sqs {
 public:
  explicit Sqs(Client& client) : client_(&client) {}

  static constexpr std::size_t kMaxBatch = 10;  // SendMessageBatch's per-call limit

  // SendMessageBatch in calls of 10 (more entries are split), with per-entry outcomes. The call
  // itself is retried on throttling/5xx; failed entries are reported, not resent.
  Result<SendBatchResult> send_message_batch(const std::string& queue_url,
                                             const std::vector<SqsMessage>& messages);

  // send_message_batch, then resends the failed entries that are not the sender's fault with
  // backoff until all are sent, the retry budget is used up or the deadline nears. Entries still
  // failing: Error{"BatchEntriesFailed", "<n> of <m> messages not sent: <id> <code>...", ...}
  // (retryable unless some failure is the sender's fault).
  Result<void> send_all(const std::string& queue_url, const std::vector<SqsMessage>& messages);

 private:
  Client* client_;
};

}  // namespace dn::aws
