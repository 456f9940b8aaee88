#include "definition_store.hpp"

#include <utility>

#include "dn/aws/attributes.hpp"
#include "dn/core/keys.hpp"

namespace dn::manage_notifications {
namespace {

using aws::attr::str;
using nlohmann::json;
namespace keys = core::keys;

// DynamoDB's code for an action whose own condition was false.
constexpr std::string_view kConditionFailed = "ConditionalCheckFailed";

json definition_key(const std::string& id) {
  return json{{"pk", str(keys::kDefinitionPk)}, {"sk", str(keys::definition_sk(id))}};
}

json frozen_key(const std::string& date) {
  return json{{"pk", str(keys::day_pk(date))}, {"sk", str(keys::kFrozenSk)}};
}

// A Query of one partition, all pages, strongly consistent; `sk_prefix` narrows the sort key.
json partition_query(const std::string& table, std::string_view pk, std::string_view sk_prefix) {
  return json{{"TableName", table},
              {"KeyConditionExpression", "pk = :pk AND begins_with(sk, :prefix)"},
              {"ExpressionAttributeValues", {{":pk", str(pk)}, {":prefix", str(sk_prefix)}}},
              {"ConsistentRead", true}};
}

}  // namespace

json definition_item(const DefinitionRecord& r) {
  json item = definition_key(r.id);
  item["notificationId"] = str(r.id);
  item["title"] = str(r.title);
  item["body"] = str(r.body);
  item["segment"] = str(r.segment);
  item["schedule"] = str(r.schedule);
  item["createdAt"] = str(r.created_at);
  item["updatedAt"] = str(r.updated_at);
  if (r.expires_at) item["expiresAt"] = aws::attr::num(*r.expires_at);
  return item;  // "version" is the versioned put's
}

std::optional<DefinitionRecord> definition_of(const json& item) {
  DefinitionRecord r;
  for (auto [name, field] : {std::pair{"notificationId", &r.id}, std::pair{"title", &r.title},
                             std::pair{"body", &r.body}, std::pair{"segment", &r.segment},
                             std::pair{"schedule", &r.schedule}}) {
    const auto* value = aws::attr::text(item, name);
    if (value == nullptr) return std::nullopt;
    *field = *value;
  }
  r.created_at = aws::attr::maybe_text(item, "createdAt").value_or("");
  r.updated_at = aws::attr::maybe_text(item, "updatedAt").value_or("");
  r.version = aws::attr::number(item, "version").value_or(0);
  r.expires_at = aws::attr::number(item, "expiresAt");
  return r;
}

std::optional<DayCopy> day_copy_of(const json& item) {
  DayCopy c;
  const auto* sk = aws::attr::text(item, "sk");
  const auto* id = aws::attr::text(item, "notificationId");
  c.id = id != nullptr ? *id
                       : std::string(sk ? keys::strip_prefix(*sk, keys::kNotificationPrefix) : "");
  if (c.id.empty()) return std::nullopt;
  c.title = aws::attr::maybe_text(item, "title").value_or("");
  c.body = aws::attr::maybe_text(item, "body").value_or("");
  c.segment = aws::attr::maybe_text(item, "segment").value_or("");
  c.definition_version = aws::attr::number(item, "definitionVersion");
  return c;
}

aws::Result<std::optional<DefinitionRecord>> DynamoDefinitions::get(const std::string& id) {
  auto read = db_.read_versioned(table_, definition_key(id));
  if (!read.ok()) return read.error();
  if (read->item.is_null()) return std::optional<DefinitionRecord>{};
  // An unreadable item still has its version, so a PUT can replace it.
  DefinitionRecord record = definition_of(read->item).value_or(DefinitionRecord{});
  record.id = id;
  record.version = read->version;
  return std::optional<DefinitionRecord>{std::move(record)};
}

aws::Result<PutOutcome> DynamoDefinitions::put_one_date(const DefinitionRecord& record,
                                                        std::int64_t expected,
                                                        const std::string& date) {
  // The check and the put commit together, so a day that freezes after the handler's first look
  // still refuses the write.
  const json request{{"TransactItems",
                      {{{"ConditionCheck",
                         {{"TableName", table_},
                          {"Key", frozen_key(date)},
                          {"ConditionExpression", "attribute_not_exists(pk)"}}}},
                       {{"Put", aws::DynamoDb::versioned_put_request(
                                    table_, definition_item(record), expected)}}}}};
  auto result = db_.transact_write(request);
  if (!result.ok()) return result.error();
  if (result->committed) return PutOutcome::written;
  const auto& reasons = result->reasons;
  if (!reasons.empty() && reasons[0].code == kConditionFailed) return PutOutcome::day_frozen;
  // The version condition, or a transaction conflicting with ours (find-daily freezing the day):
  // both are answered by reading again.
  return PutOutcome::version_changed;
}

aws::Result<PutOutcome> DynamoDefinitions::put_rule(const DefinitionRecord& record,
                                                    std::int64_t expected) {
  auto status = db_.put_versioned(table_, definition_item(record), expected);
  if (!status.ok()) return status.error();
  return *status == aws::WriteStatus::written ? PutOutcome::written : PutOutcome::version_changed;
}

aws::Result<bool> DynamoDefinitions::remove(const std::string& id) {
  auto old = db_.delete_item(
      json{{"TableName", table_}, {"Key", definition_key(id)}, {"ReturnValues", "ALL_OLD"}});
  if (!old.ok()) return old.error();
  return !old->is_null();
}

aws::Result<std::vector<DefinitionRecord>> DynamoDefinitions::list(std::size_t* unreadable) {
  auto items =
      db_.query_all(partition_query(table_, keys::kDefinitionPk, keys::kNotificationPrefix));
  if (!items.ok()) return items.error();
  std::vector<DefinitionRecord> out;
  for (const auto& item : *items) {
    if (auto record = definition_of(item)) {
      out.push_back(*std::move(record));
    } else if (unreadable != nullptr) {
      ++*unreadable;
    }
  }
  return out;
}

aws::Result<std::vector<DayCopy>> DynamoDefinitions::day_copies(const std::string& date) {
  auto items =
      db_.query_all(partition_query(table_, keys::day_pk(date), keys::kNotificationPrefix));
  if (!items.ok()) return items.error();
  std::vector<DayCopy> out;
  for (const auto& item : *items) {
    if (auto copy = day_copy_of(item)) out.push_back(*std::move(copy));
  }
  return out;
}

aws::Result<bool> DynamoDefinitions::is_frozen(const std::string& date) {
  auto read = db_.read_versioned(table_, frozen_key(date));
  if (!read.ok()) return read.error();
  return !read->item.is_null();
}

}  // namespace dn::manage_notifications
