#include "inbox_store.hpp"

#include <cctype>
#include <utility>
#include <variant>

#include "dn/aws/attributes.hpp"
#include "dn/aws/retry.hpp"
#include "dn/core/keys.hpp"

namespace dn::inbox {
namespace {

using nlohmann::json;
namespace keys = core::keys;

json str(std::string_view v) {
  return json{{"S", std::string(v)}};
}
json num(std::int64_t v) {
  return json{{"N", std::to_string(v)}};
}

const std::string* text(const json& item, const char* name) {
  if (!item.is_object()) return nullptr;
  const auto a = item.find(name);
  if (a == item.end() || !a->is_object()) return nullptr;
  const auto s = a->find("S");
  return s != a->end() && s->is_string() ? s->get_ptr<const std::string*>() : nullptr;
}

std::string value_or_empty(const std::string* v) {
  return v != nullptr ? *v : std::string();
}

// Records past their expiresAt are treated as gone: TTL deletes them within days, not at once.
constexpr const char* kNotExpired = "(attribute_not_exists(expiresAt) OR expiresAt > :now)";

json inbox_key(const std::string& user_id, std::string_view sk) {
  return json{{"pk", str(keys::user_pk(user_id))}, {"sk", str(sk)}};
}

// The Query of one listing's partition, newest first, without expired records: an index
// partition, or the user's own partition restricted to inbox keys and without archived records.
json partition_query(const std::string& table, const core::Listing& where, const Now& now) {
  json q{{"TableName", table},
         {"KeyConditionExpression", "#part = :part"},
         {"FilterExpression", kNotExpired},
         {"ExpressionAttributeNames", {{"#part", std::string(where.key_attribute)}}},
         {"ExpressionAttributeValues", {{":part", str(where.partition)}, {":now", num(now.epoch)}}},
         {"ScanIndexForward", false}};
  if (!where.index.empty()) q["IndexName"] = std::string(where.index);
  if (where.index.empty()) {
    q["KeyConditionExpression"] = "#part = :part AND begins_with(sk, :inbox)";
    q["ExpressionAttributeValues"][":inbox"] = str(keys::kInboxPrefix);
  }
  if (where.holds_archived) {
    q["FilterExpression"] = std::string(kNotExpired) + " AND attribute_not_exists(archivedAt)";
  }
  return q;
}

void resume_after(json& query, const std::string& user_id, const core::Listing& where,
                  const std::optional<std::string>& start_sk) {
  if (!start_sk) return;
  json key = inbox_key(user_id, *start_sk);
  // An index Query resumes from the table's key plus the index's.
  if (!where.index.empty()) key[std::string(where.key_attribute)] = str(where.partition);
  query["ExclusiveStartKey"] = std::move(key);
}

std::optional<std::string> next_sk(const json& last_evaluated_key) {
  if (const auto* sk = text(last_evaluated_key, "sk")) return *sk;
  return std::nullopt;
}

// One state change as a conditional UpdateItem. The condition admits exactly the records the
// expression is right for; any other existing record fails it, and apply() reads why from the
// returned old item with core::apply_change (a no-op, or a conflict).
struct ChangeWrite {
  std::string update;
  std::string condition;
};

ChangeWrite change_write(core::StateChange change) {
  const std::string live =
      "attribute_exists(pk) AND (attribute_not_exists(expiresAt) OR expiresAt > :epoch)";
  switch (change) {
    case core::StateChange::mark_unread:
      return {"REMOVE readAt SET statePk = :unread",
              live + " AND attribute_not_exists(archivedAt)"};
    case core::StateChange::archive:
      return {
          "SET archivedAt = if_not_exists(archivedAt, :now), readAt = if_not_exists(readAt, "
          ":now) REMOVE statePk",
          live};
    case core::StateChange::unarchive:
      return {"REMOVE archivedAt SET statePk = :read", live + " AND attribute_exists(archivedAt)"};
    case core::StateChange::mark_read:
      break;
  }
  return {"SET readAt = if_not_exists(readAt, :now), statePk = :read",
          live + " AND attribute_not_exists(archivedAt)"};
}

// Whether `expression` names `placeholder` (":read" is not named by ":readX").
bool names(const std::string& expression, const std::string& placeholder) {
  for (auto at = expression.find(placeholder); at != std::string::npos;
       at = expression.find(placeholder, at + 1)) {
    const auto end = at + placeholder.size();
    if (end == expression.size() ||
        (std::isalnum(static_cast<unsigned char>(expression[end])) == 0 &&
         expression[end] != '_')) {
      return true;
    }
  }
  return false;
}

// The values a write's expressions name: DynamoDB refuses a request carrying a value that no
// expression uses (ValidationException), and each change uses a different subset.
json values_named(const json& values, const ChangeWrite& write) {
  json out = json::object();
  for (const auto& [placeholder, value] : values.items()) {
    if (names(write.update, placeholder) || names(write.condition, placeholder)) {
      out[placeholder] = value;
    }
  }
  return out;
}

Applied decide(const core::InboxState& old, core::StateChange change, const Now& now) {
  auto t = core::apply_change(old, change, now.text);
  if (!t.ok()) return Applied{Applied::Kind::conflict, old, false, t.error().text};
  const auto& done = *t;
  return Applied{Applied::Kind::applied, done.state, done.changed, {}};
}

bool live(const json& item, const Now& now) {
  if (!item.is_object() || item.empty()) return false;
  const auto expires = aws::attr::number(item, "expiresAt");
  return !item.contains("expiresAt") || (expires && *expires > now.epoch);
}

}  // namespace

core::InboxState state_of(const json& item) {
  core::InboxState s;
  if (const auto* r = text(item, "readAt")) s.read_at = *r;
  if (const auto* a = text(item, "archivedAt")) s.archived_at = *a;
  return s;
}

std::optional<core::InboxEntry> record_of(const json& item) {
  const auto* sk = text(item, "sk");
  const auto ref = sk != nullptr ? core::record_from_sk(*sk) : std::nullopt;
  if (!ref) return std::nullopt;
  return core::InboxEntry{ref->date,
                          ref->notification_id,
                          value_or_empty(text(item, "title")),
                          value_or_empty(text(item, "body")),
                          value_or_empty(text(item, "createdAt")),
                          state_of(item)};
}

aws::Result<Page> DynamoInbox::list(const std::string& user_id, core::InboxFilter filter, int limit,
                                    const std::optional<std::string>& start_sk, const Now& now) {
  const auto where = core::listing(user_id, filter);
  json q = partition_query(table_, where, now);
  q["Limit"] = limit;
  resume_after(q, user_id, where, start_sk);
  auto page = db_.query(q);
  if (!page.ok()) return page.error();
  Page out;
  for (const auto& item : page->items) {
    if (auto r = record_of(item)) out.records.push_back(std::move(*r));
  }
  out.next_sk = next_sk(page->last_evaluated_key);
  return out;
}

aws::Result<Tally> DynamoInbox::count_unread(const std::string& user_id, int up_to,
                                             const Now& now) {
  json q = partition_query(table_, core::listing(user_id, core::InboxFilter::unread), now);
  q["Select"] = "COUNT";
  q["Limit"] = up_to;
  auto response = client_->call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", q);
  if (!response.ok()) return response.error();
  Tally t;
  if (const auto c = response->find("Count"); c != response->end() && c->is_number_integer()) {
    t.counted = c->get<long long>();
  }
  const auto lek = response->find("LastEvaluatedKey");
  t.more = lek != response->end() && lek->is_object() && !lek->empty();
  return t;
}

aws::Result<bool> DynamoInbox::user_exists(const std::string& user_id) {
  auto page =
      db_.query(json{{"TableName", table_},
                     {"KeyConditionExpression", "pk = :pk AND sk = :sk"},
                     {"ExpressionAttributeValues",
                      {{":pk", str(keys::user_pk(user_id))}, {":sk", str(keys::kProfileSk)}}}});
  if (!page.ok()) return page.error();
  return !page->items.empty();
}

aws::Result<Applied> DynamoInbox::apply(const std::string& user_id, const core::RecordRef& record,
                                        core::StateChange change, const Now& now) {
  const auto write = change_write(change);
  auto result = db_.update_item(json{
      {"TableName", table_},
      {"Key", inbox_key(user_id, keys::inbox_sk(record.date, record.notification_id))},
      {"UpdateExpression", write.update},
      {"ConditionExpression", write.condition},
      {"ExpressionAttributeValues", values_named({{":now", str(now.text)},
                                                  {":epoch", num(now.epoch)},
                                                  {":read", str(keys::state_pk(user_id, true))},
                                                  {":unread", str(keys::state_pk(user_id, false))}},
                                                 write)},
      {"ReturnValues", "ALL_OLD"},
      {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}});
  if (!result.ok()) return result.error();
  if (result->status == aws::WriteStatus::written) {
    return decide(state_of(result->attributes), change, now);
  }
  if (!live(result->failed_item, now)) return Applied{Applied::Kind::not_found, {}, false, {}};
  // The record exists but the condition excluded it: the change is a no-op or a conflict.
  auto outcome = decide(state_of(result->failed_item), change, now);
  if (outcome.kind == Applied::Kind::applied && outcome.changed) {
    return Applied{Applied::Kind::conflict, outcome.state, false,
                   "the notification changed while it was being updated; try again"};
  }
  return outcome;
}

aws::Result<UnreadKeys> DynamoInbox::unread_page(const std::string& user_id, int limit,
                                                 const std::optional<std::string>& start_sk,
                                                 const Now& now) {
  const auto where = core::listing(user_id, core::InboxFilter::unread);
  json q = partition_query(table_, where, now);
  q["Limit"] = limit;
  q["ProjectionExpression"] = "sk";
  resume_after(q, user_id, where, start_sk);
  auto page = db_.query(q);
  if (!page.ok()) return page.error();
  UnreadKeys out;
  for (const auto& item : page->items) {
    if (const auto* sk = text(item, "sk")) out.sks.push_back(*sk);
  }
  out.next_sk = next_sk(page->last_evaluated_key);
  return out;
}

aws::Result<long long> DynamoInbox::mark_read(const std::string& user_id,
                                              const std::vector<std::string>& sks, const Now& now) {
  long long marked = 0;
  for (std::size_t from = 0; from < sks.size(); from += aws::DynamoDb::kMaxTransactItems) {
    const std::size_t to = std::min(sks.size(), from + aws::DynamoDb::kMaxTransactItems);
    std::vector<std::string> pending(sks.begin() + static_cast<std::ptrdiff_t>(from),
                                     sks.begin() + static_cast<std::ptrdiff_t>(to));
    aws::Backoff backoff(client_->options().retry, client_->options().hooks, client_->deadline());
    while (!pending.empty()) {
      json actions = json::array();
      for (const auto& sk : pending) {
        // Only a record that is still unread: one read, archived or gone meanwhile is left alone.
        actions.push_back(
            {{"Update",
              {{"TableName", table_},
               {"Key", inbox_key(user_id, sk)},
               {"UpdateExpression", "SET readAt = if_not_exists(readAt, :now), statePk = :read"},
               {"ConditionExpression", "statePk = :unread"},
               {"ExpressionAttributeValues",
                {{":now", str(now.text)},
                 {":read", str(keys::state_pk(user_id, true))},
                 {":unread", str(keys::state_pk(user_id, false))}}}}}});
      }
      auto result = db_.transact_write(json{{"TransactItems", std::move(actions)}});
      if (!result.ok()) return result.error();
      if (result->committed) {
        marked += static_cast<long long>(pending.size());
        break;
      }
      if (result->reasons.size() != pending.size()) {
        return aws::Error{"InvalidResponse",
                          "TransactWriteItems: one cancellation reason per action expected", 400,
                          false};
      }
      // Drop the records whose own condition failed (no longer unread); resend the others.
      std::vector<std::string> again;
      bool conflict = false;
      for (std::size_t i = 0; i < pending.size(); ++i) {
        const auto& code = result->reasons[i].code;
        if (code == "ConditionalCheckFailed") continue;
        conflict = conflict || code != "None";
        again.push_back(pending[i]);
      }
      pending = std::move(again);
      // A conflict with another transaction is worth a paced retry; a set that only lost the
      // records that failed their condition is resent at once.
      if (conflict && !backoff.wait()) {
        return aws::Error{"TransactionConflict",
                          std::to_string(pending.size()) + " records stayed unread after " +
                              std::to_string(backoff.attempts()) + " attempts",
                          400, true};
      }
    }
  }
  return marked;
}

}  // namespace dn::inbox
