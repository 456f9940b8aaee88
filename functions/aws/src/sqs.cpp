#include "dn/aws/sqs.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace dn::aws {
namespace {

bool valid_entry_id(const std::string& id) {
  return !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
}

std::string get_string(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<void> send_chunk(Client& client, const std::string& queue_url,
                        const std::vector<SqsMessage>& messages, std::size_t start, std::size_t end,
                        SendBatchResult& out) {
  nlohmann::json entries = nlohmann::json::array();
  for (std::size_t i = start; i < end; ++i) {
    nlohmann::json entry{{"Id", messages[i].id}, {"MessageBody", messages[i].body}};
    if (messages[i].delay_seconds) entry["DelaySeconds"] = *messages[i].delay_seconds;
    entries.push_back(std::move(entry));
  }
  auto response = client.call_json("sqs", "AmazonSQS.SendMessageBatch", "1.0",
                                   {{"QueueUrl", queue_url}, {"Entries", entries}});
  if (!response.ok()) return response.error();

  std::set<std::string> answered;
  if (const auto ok = response->find("Successful"); ok != response->end() && ok->is_array()) {
    for (const auto& entry : *ok) {
      std::string id = get_string(entry, "Id");
      answered.insert(id);
      out.successful.push_back(std::move(id));
    }
  }
  if (const auto failed = response->find("Failed");
      failed != response->end() && failed->is_array()) {
    for (const auto& entry : *failed) {
      SqsEntryFailure failure{get_string(entry, "Id"), get_string(entry, "Code"),
                              get_string(entry, "Message"), entry.value("SenderFault", false)};
      answered.insert(failure.id);
      out.failed.push_back(std::move(failure));
    }
  }
  // An entry the service did not mention is not known to be sent: report it, never drop it.
  for (std::size_t i = start; i < end; ++i) {
    if (answered.count(messages[i].id) == 0) {
      out.failed.push_back(
          {messages[i].id, "MissingFromResponse", "entry absent from the response", false});
    }
  }
  return {};
}

}  // namespace

Result<SendBatchResult> Sqs::send_message_batch(const std::string& queue_url,
                                                const std::vector<SqsMessage>& messages) {
  if (queue_url.empty()) return Error{"InvalidArgument", "queue URL is empty", 0, false};
  std::set<std::string> ids;
  for (const auto& message : messages) {
    if (!valid_entry_id(message.id)) {
      return Error{"InvalidArgument",
                   "batch entry id '" + message.id + "' must match [A-Za-z0-9_-]{1,80}", 0, false};
    }
    if (!ids.insert(message.id).second) {
      return Error{"InvalidArgument", "batch entry id '" + message.id + "' is used twice", 0,
                   false};
    }
  }
  SendBatchResult result;
  for (std::size_t start = 0; start < messages.size(); start += kMaxBatch) {
    const std::size_t end = std::min(messages.size(), start + kMaxBatch);
    if (auto sent = send_chunk(*client_, queue_url, messages, start, end, result); !sent.ok()) {
      return sent.error();
    }
  }
  return result;
}

Result<void> Sqs::send_all(const std::string& queue_url, const std::vector<SqsMessage>& messages) {
  std::vector<SqsMessage> pending = messages;
  std::vector<SqsEntryFailure> fatal;
  std::vector<SqsEntryFailure> transient;
  Backoff backoff(client_->options().retry, client_->options().hooks, client_->deadline());
  while (true) {
    auto result = send_message_batch(queue_url, pending);
    if (!result.ok()) return result.error();
    transient.clear();
    for (auto& failure : result->failed) {
      (failure.sender_fault ? fatal : transient).push_back(std::move(failure));
    }
    if (transient.empty() || !backoff.wait()) break;
    std::vector<SqsMessage> again;
    for (const auto& message : pending) {
      const bool failed =
          std::any_of(transient.begin(), transient.end(),
                      [&](const SqsEntryFailure& failure) { return failure.id == message.id; });
      if (failed) again.push_back(message);
    }
    pending = std::move(again);
  }
  if (fatal.empty() && transient.empty()) return {};

  std::string detail;
  std::size_t listed = 0;
  for (const auto* list : {&fatal, &transient}) {
    for (const auto& failure : *list) {
      if (listed++ == 10) {
        detail += ", ...";
        break;
      }
      detail += (detail.empty() ? "" : ", ") + failure.id + " " + failure.code;
    }
  }
  return Error{"BatchEntriesFailed",
               std::to_string(fatal.size() + transient.size()) + " of " +
                   std::to_string(messages.size()) + " messages not sent: " + detail,
               0, fatal.empty()};
}

}  // namespace dn::aws
