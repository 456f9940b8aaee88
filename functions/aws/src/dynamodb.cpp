#include "dn/aws/dynamodb.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "dn/util/json.hpp"

namespace dn::aws {
namespace {

constexpr std::string_view kPrefix = "DynamoDB_20120810.";
constexpr std::string_view kJsonVersion = "1.0";
constexpr std::string_view kConditionFailed = "ConditionalCheckFailedException";
constexpr std::string_view kTransactionCanceled = "TransactionCanceledException";

nlohmann::json error_body(const Error& error) {
  if (error.body.empty()) return nlohmann::json::object();
  auto doc = dn::util::parse_json(error.body);
  return doc.is_object() ? doc : nlohmann::json::object();
}

Result<nlohmann::json> call(Client& client, std::string_view operation,
                            const nlohmann::json& body) {
  return client.call_json("dynamodb", std::string(kPrefix) + std::string(operation), kJsonVersion,
                          body);
}

}  // namespace

Result<QueryPage> DynamoDb::query(const nlohmann::json& request) {
  auto response = call(*client_, "Query", request);
  if (!response.ok()) return response.error();
  QueryPage page;
  if (const auto items = response->find("Items"); items != response->end()) {
    if (!items->is_array())
      return Error{"InvalidResponse", "Query: Items is not a list", 200, false};
    page.items.assign(items->begin(), items->end());
  }
  if (const auto key = response->find("LastEvaluatedKey");
      key != response->end() && key->is_object() && !key->empty()) {
    page.last_evaluated_key = *key;
  }
  return page;
}

Result<nlohmann::json> DynamoDb::query_pages(nlohmann::json request,
                                             const std::function<bool(const QueryPage&)>& on_page) {
  while (true) {
    auto page = query(request);
    if (!page.ok()) return page.error();
    const bool more = on_page(*page);
    if (page->last_evaluated_key.is_null() || !more) return page->last_evaluated_key;
    request["ExclusiveStartKey"] = page->last_evaluated_key;
  }
}

Result<std::vector<nlohmann::json>> DynamoDb::query_all(nlohmann::json request,
                                                        std::size_t max_items) {
  std::vector<nlohmann::json> items;
  bool overflow = false;
  auto done = query_pages(std::move(request), [&](const QueryPage& page) {
    if (items.size() + page.items.size() > max_items) {
      overflow = true;
      return false;
    }
    items.insert(items.end(), page.items.begin(), page.items.end());
    return true;
  });
  if (!done.ok()) return done.error();
  if (overflow) {
    return Error{"InvalidArgument",
                 "query_all: more than " + std::to_string(max_items) + " items; page instead", 0,
                 false};
  }
  return items;
}

Result<void> DynamoDb::batch_write(const std::string& table,
                                   std::vector<nlohmann::json> write_requests,
                                   std::size_t* written_prefix) {
  const std::size_t total = write_requests.size();
  std::size_t written = 0;
  if (written_prefix != nullptr) *written_prefix = 0;
  for (std::size_t start = 0; start < total; start += kMaxBatchWrite) {
    const std::size_t end = std::min(total, start + kMaxBatchWrite);
    nlohmann::json pending = nlohmann::json::array();
    for (std::size_t i = start; i < end; ++i) pending.push_back(std::move(write_requests[i]));

    Backoff backoff(client_->options().retry, client_->options().hooks, client_->deadline());
    while (true) {
      nlohmann::json body{{"RequestItems", {{table, pending}}}};
      auto response = call(*client_, "BatchWriteItem", body);
      if (!response.ok()) {
        Error error = response.error();
        error.message += " (" + std::to_string(written) + " of " + std::to_string(total) +
                         " write requests were written before this)";
        return error;
      }
      nlohmann::json unprocessed = nlohmann::json::array();
      if (const auto all = response->find("UnprocessedItems");
          all != response->end() && all->is_object()) {
        if (const auto mine = all->find(table); mine != all->end() && mine->is_array()) {
          unprocessed = *mine;
        }
      }
      written += pending.size() - unprocessed.size();
      if (unprocessed.empty()) {
        if (written_prefix != nullptr) *written_prefix = end;
        break;
      }
      pending = std::move(unprocessed);
      if (!backoff.wait()) {
        const std::size_t left = pending.size() + (total - end);
        return Error{"UnprocessedItems",
                     std::to_string(left) + " of " + std::to_string(total) +
                         " write requests left unprocessed in table " + table + " after " +
                         std::to_string(backoff.attempts()) + " attempts",
                     0, true};
      }
    }
  }
  return {};
}

Result<VersionedItem> DynamoDb::read_versioned(const std::string& table,
                                               const nlohmann::json& key) {
  if (!key.is_object() || key.size() != 2) {
    return Error{"InvalidArgument", "read_versioned: the key must name two attributes", 0, false};
  }
  nlohmann::json request{{"TableName", table}, {"ConsistentRead", true}};
  std::string condition;
  int n = 0;
  for (const auto& [name, value] : key.items()) {
    const std::string k = std::to_string(n++);
    if (!condition.empty()) condition += " AND ";
    condition.append("#k").append(k).append(" = :k").append(k);
    request["ExpressionAttributeNames"]["#k" + k] = name;
    request["ExpressionAttributeValues"][":k" + k] = value;
  }
  request["KeyConditionExpression"] = condition;
  auto page = query(request);
  if (!page.ok()) return page.error();
  VersionedItem out;
  if (page->items.empty()) return out;
  out.item = page->items.front();
  if (const auto v = out.item.find("version"); v != out.item.end() && v->is_object()) {
    const auto text = v->find("N");
    if (text != v->end() && text->is_string()) {
      try {
        out.version = std::stoll(text->get<std::string>());
      } catch (const std::exception&) {
        return Error{"InvalidResponse", "read_versioned: version is not a number", 200, false};
      }
    }
  }
  return out;
}

Result<WriteStatus> DynamoDb::put_versioned(const std::string& table, nlohmann::json item,
                                            std::int64_t expected) {
  return put_item(versioned_put_request(table, std::move(item), expected));
}

nlohmann::json DynamoDb::versioned_put_request(const std::string& table, nlohmann::json item,
                                               std::int64_t expected) {
  item["version"] = {{"N", std::to_string(expected + 1)}};
  nlohmann::json request{{"TableName", table},
                         {"Item", std::move(item)},
                         {"ExpressionAttributeNames", {{"#version", "version"}}}};
  if (expected == 0) {
    request["ConditionExpression"] = "attribute_not_exists(#version)";
  } else {
    request["ConditionExpression"] = "#version = :expected";
    request["ExpressionAttributeValues"] = {{":expected", {{"N", std::to_string(expected)}}}};
  }
  return request;
}

Result<WriteStatus> DynamoDb::put_item(const nlohmann::json& request) {
  auto response = call(*client_, "PutItem", request);
  if (response.ok()) return WriteStatus::written;
  if (response.error().code == kConditionFailed) return WriteStatus::condition_failed;
  return response.error();
}

Result<UpdateResult> DynamoDb::update_item(const nlohmann::json& request) {
  auto response = call(*client_, "UpdateItem", request);
  if (!response.ok()) {
    if (response.error().code == kConditionFailed) {
      UpdateResult failed{WriteStatus::condition_failed, nullptr, nullptr};
      const auto body = error_body(response.error());
      if (const auto item = body.find("Item"); item != body.end() && item->is_object()) {
        failed.failed_item = *item;
      }
      return failed;
    }
    return response.error();
  }
  UpdateResult result;
  if (const auto attributes = response->find("Attributes"); attributes != response->end()) {
    result.attributes = *attributes;
  }
  return result;
}

Result<nlohmann::json> DynamoDb::delete_item(const nlohmann::json& request) {
  auto response = call(*client_, "DeleteItem", request);
  if (!response.ok()) return response.error();
  const auto attributes = response->find("Attributes");
  if (attributes == response->end() || !attributes->is_object() || attributes->empty()) {
    return nlohmann::json(nullptr);
  }
  return *attributes;
}

Result<TransactResult> DynamoDb::transact_write(const nlohmann::json& request) {
  auto response = call(*client_, "TransactWriteItems", request);
  if (response.ok()) return TransactResult{};
  if (response.error().code != kTransactionCanceled) return response.error();
  const auto body = error_body(response.error());
  const auto reasons = body.find("CancellationReasons");
  if (reasons == body.end() || !reasons->is_array()) {
    Error error = response.error();
    error.message += " (no CancellationReasons in the response)";
    return error;
  }
  TransactResult result{false, {}};
  for (const auto& r : *reasons) {
    CancellationReason reason;
    if (r.is_object()) {
      reason.code = r.value("Code", "");
      if (const auto item = r.find("Item"); item != r.end() && item->is_object()) {
        reason.item = *item;
      }
    }
    result.reasons.push_back(std::move(reason));
  }
  return result;
}

}  // namespace dn::aws
