#include "dynamo.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "dn/aws/attributes.hpp"
#include "dn/aws/retry.hpp"
#include "dn/core/keys.hpp"
#include "dn/core/schedule.hpp"
#include "dn/core/validate.hpp"

namespace dn::generate {
namespace {

using aws::attr::num;
using aws::attr::str;
using aws::attr::text;
namespace attr = aws::attr;
using nlohmann::json;

// Times one call into `times` (when set).
template <class F>
auto timed(CallTimes* times, const char* operation, F&& call) {
  const auto start = std::chrono::steady_clock::now();
  auto result = call();
  if (times != nullptr) {
    times->record(operation, std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::steady_clock::now() - start));
  }
  return result;
}

json chain_key(const ChainKey& key) {
  return json{{"pk", str(core::keys::run_pk(key.date))},
              {"sk", str(core::keys::chain_sk(key.notification_id, key.run))}};
}

}  // namespace

json inbox_item(const core::InboxRecord& r) {
  return json{{"pk", str(core::keys::user_pk(r.user_id))},
              {"sk", str(core::keys::inbox_sk(r.date, r.notification_id))},
              {"notificationId", str(r.notification_id)},
              {"date", str(r.date)},
              {"title", str(r.title)},
              {"body", str(r.body)},
              {"createdAt", str(r.created_at)},
              {"expiresAt", num(r.expires_at)},
              // A new record is unread: it is in the user's unread partition of the state index.
              {std::string(core::keys::kStatePk), str(core::keys::state_pk(r.user_id, false))}};
}

std::optional<core::ChainState> chain_of(const json& item) {
  if (!item.is_object()) return std::nullopt;
  core::ChainState state;
  if (const auto* owner = text(item, "owner")) state.owner = *owner;
  if (const auto* status = text(item, "status")) state.status = *status;
  if (const auto hop = item.find("hop"); hop != item.end() && hop->is_object()) {
    try {
      state.hop = std::stoll(hop->value("N", "0"));
    } catch (const std::exception&) {
      state.hop = 0;
    }
  }
  return state;
}

core::StoredNotification notification_of(const json& item) {
  return core::StoredNotification{.pk = attr::maybe_text(item, "pk"),
                                  .sk = attr::maybe_text(item, "sk"),
                                  .segment = attr::maybe_text(item, "segment"),
                                  .title = attr::maybe_text(item, "title"),
                                  .body = attr::maybe_text(item, "body"),
                                  .created_at = attr::maybe_text(item, "createdAt")};
}

core::StoredMember member_of(const json& item) {
  return core::StoredMember{.sk = attr::maybe_text(item, "sk"),
                            .user_id = attr::maybe_text(item, "userId"),
                            .display_name = attr::maybe_text(item, "displayName"),
                            .first_name = attr::maybe_text(item, "firstName"),
                            .locale = attr::maybe_text(item, "locale")};
}

aws::Result<std::optional<core::StoredNotification>> DynamoNotifications::load(
    std::string_view date, std::string_view notification_id) {
  const json q{{"TableName", table_},
               {"KeyConditionExpression", "pk = :pk AND sk = :sk"},
               {"ExpressionAttributeValues",
                {{":pk", str(core::keys::day_pk(date))},
                 {":sk", str(core::keys::notification_sk(notification_id))}}},
               {"ConsistentRead", true}};
  auto page = timed(times_, "Query notification", [&] { return db_.query(q); });
  if (!page.ok()) return page.error();
  if (page->items.empty()) return std::optional<core::StoredNotification>{};
  return std::optional<core::StoredNotification>{notification_of(page->items.front())};
}

aws::Result<AudiencePage> DynamoAudience::page(std::string_view segment,
                                               const std::optional<std::string>& after, int limit) {
  json q{{"TableName", table_},
         {"KeyConditionExpression", "pk = :pk AND begins_with(sk, :user)"},
         {"ExpressionAttributeValues",
          {{":pk", str(core::keys::segment_pk(segment))}, {":user", str(core::keys::kUserPrefix)}}},
         {"Limit", limit}};
  if (after) {
    q["ExclusiveStartKey"] = json{{"pk", str(core::keys::segment_pk(segment))},
                                  {"sk", str(core::keys::member_sk(*after))}};
  }
  if (own_) own_->set_deadline(deadline_of_->deadline());
  auto page = timed(times_, "Query audience", [&] { return db_.query(q); });
  if (!page.ok()) return page.error();
  AudiencePage out;
  out.members.reserve(page->items.size());
  for (const auto& item : page->items) out.members.push_back(member_of(item));
  if (!page->last_evaluated_key.is_null()) {
    const auto* sk = text(page->last_evaluated_key, "sk");
    const auto user = sk != nullptr ? core::keys::strip_prefix(*sk, core::keys::kUserPrefix) : "";
    if (!core::check_user_id(user).ok()) {
      return aws::Error{"InvalidResponse", "audience returned a key that is not a member key", 200,
                        false};
    }
    out.next = std::string(user);
  }
  return out;
}

namespace {

// A cancelled transaction's reasons: ConditionalCheckFailed (the record exists), None (not
// written because another action failed), a transient code (retried), or anything else
// (ValidationError...: the record itself is refused, retrying cannot help).
std::optional<std::string> refused_code(const std::vector<aws::CancellationReason>& reasons) {
  for (const auto& r : reasons) {
    if (r.code == "None" || r.code == "ConditionalCheckFailed" || r.code == "TransactionConflict" ||
        r.code == "ThrottlingError" || r.code == "ProvisionedThroughputExceeded" ||
        r.code == "RequestLimitExceeded") {
      continue;
    }
    return r.code.empty() ? std::string("TransactionCanceled") : r.code;
  }
  return std::nullopt;
}

// records[start, end) (at most 100) stored create-only: one TransactWriteItems of Puts, each
// conditional on attribute_not_exists(pk). An existing record (ConditionalCheckFailed) counts as
// stored and is never overwritten; the rest of a cancelled transaction is resent at once, and a
// cancellation that found no existing record (a conflict, a throttle) with backoff until the
// client's deadline. `written` counts from start: the leading records known stored.
WriteOutcome create_only(aws::Client& client, const std::string& table,
                         const std::vector<core::InboxRecord>& records, std::size_t start,
                         std::size_t end) {
  aws::DynamoDb db(client);
  std::vector<bool> known(end - start, false);
  const auto prefix = [&] {
    return static_cast<std::size_t>(std::find(known.begin(), known.end(), false) - known.begin());
  };
  std::vector<std::size_t> pending;
  for (std::size_t i = start; i < end; ++i) pending.push_back(i);
  aws::Backoff backoff(client.options().retry, client.options().hooks, client.deadline());
  while (!pending.empty()) {
    json actions = json::array();
    for (const auto i : pending) {
      actions.push_back({{"Put",
                          {{"TableName", table},
                           {"Item", inbox_item(records[i])},
                           {"ConditionExpression", "attribute_not_exists(pk)"}}}});
    }
    auto result = db.transact_write(json{{"TransactItems", std::move(actions)}});
    if (!result.ok()) return WriteOutcome{prefix(), result.error()};
    if (result->committed) {
      for (const auto i : pending) known[i - start] = true;
      break;
    }
    if (result->reasons.size() != pending.size()) {
      return WriteOutcome{prefix(), aws::Error{"InvalidResponse",
                                               "TransactWriteItems: one cancellation reason per "
                                               "action expected",
                                               400, false}};
    }
    std::vector<std::size_t> again;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      if (result->reasons[k].code == "ConditionalCheckFailed") {
        known[pending[k] - start] = true;  // already there: never overwritten
      } else {
        again.push_back(pending[k]);
      }
    }
    if (const auto code = refused_code(result->reasons)) {
      return WriteOutcome{
          prefix(), aws::Error{*code, "TransactWriteItems refused an inbox record", 400, false}};
    }
    const bool progressed = again.size() < pending.size();
    pending = std::move(again);
    if (!pending.empty() && !progressed && !backoff.wait()) {
      return WriteOutcome{
          prefix(), aws::Error{"TransactionConflict",
                               std::to_string(pending.size()) + " inbox records not stored after " +
                                   std::to_string(backoff.attempts()) + " attempts",
                               400, true}};
    }
  }
  return WriteOutcome{prefix(), std::nullopt};
}

}  // namespace

DynamoInbox::DynamoInbox(aws::Client& client, std::string table, CallTimes* times, int in_flight)
    : client_(&client), table_(std::move(table)), times_(times) {
  for (int i = 1; i < in_flight; ++i) {
    helpers_.push_back(std::make_unique<aws::Client>(client.config(), client.options()));
  }
}

WriteOutcome DynamoInbox::write(const std::vector<core::InboxRecord>& records) {
  // One create-only TransactWriteItems per 100 records (create_only: resends inside it), up to
  // 1 + helpers calls in flight: each worker takes the next call until all are done or one fails.
  constexpr std::size_t kPerCall = aws::DynamoDb::kMaxTransactItems;
  const std::size_t calls = (records.size() + kPerCall - 1) / kPerCall;
  struct Call {
    bool ran = false;
    std::size_t prefix = 0;  // leading records of this call known stored
    std::optional<aws::Error> error{};
    std::chrono::microseconds took{0};
  };
  std::vector<Call> done(calls);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto work = [&](aws::Client& client) {
    while (!stop.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= calls) return;
      const std::size_t start = i * kPerCall;
      const std::size_t end = std::min(records.size(), start + kPerCall);
      Call& call = done[i];
      const auto began = std::chrono::steady_clock::now();
      try {
        auto written = create_only(client, table_, records, start, end);
        call.prefix = written.written;
        call.error = std::move(written.error);
      } catch (const std::exception& e) {
        call.error = aws::Error{"InternalError", e.what(), 0, false};
      }
      call.took = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - began);
      call.ran = true;
      if (call.error) stop = true;
    }
  };
  std::vector<std::thread> threads;
  const std::size_t extra = std::min(helpers_.size(), calls > 0 ? calls - 1 : 0);
  threads.reserve(extra);
  for (std::size_t h = 0; h < extra; ++h) {
    helpers_[h]->set_deadline(client_->deadline());
    threads.emplace_back(work, std::ref(*helpers_[h]));
  }
  work(*client_);
  for (auto& t : threads) t.join();

  // Stored: every record up to the first call that did not finish (later ones may be stored
  // too; writing them again is harmless).
  std::size_t stored = 0;
  std::optional<aws::Error> error;
  bool gap = false;
  for (std::size_t i = 0; i < calls; ++i) {
    if (done[i].ran && times_ != nullptr) times_->record("TransactWriteItems inbox", done[i].took);
    if (!error && done[i].error) error = done[i].error;
    if (gap) continue;
    if (!done[i].ran || done[i].error) {
      stored += done[i].ran ? done[i].prefix : 0;
      gap = true;
      continue;
    }
    stored = std::min(records.size(), (i + 1) * kPerCall);
  }
  return WriteOutcome{stored, error};
}

aws::Result<HopClaim> DynamoChains::claim(const ChainKey& key, std::int64_t hop,
                                          const std::string& owner) {
  const json k = chain_key(key);
  for (int round = 0; round < core::kMaxClaimRounds; ++round) {
    auto stored = timed(times_, "Query chain", [&] { return db_.read_versioned(table_, k); });
    if (!stored.ok()) return stored.error();
    const auto verdict = core::decide_hop(chain_of(stored->item), hop, owner);
    if (verdict != core::HopVerdict::proceed) return HopClaim{verdict, stored->version};
    json item = k;
    item["date"] = str(key.date);
    item["notificationId"] = str(key.notification_id);
    item["run"] = str(key.run);
    item["hop"] = num(hop);
    item["owner"] = str(owner);
    item["status"] = str(core::kChainRunning);
    if (const auto expires = core::expires_at(key.date, core::kRunMarkerTtlDays)) {
      item["expiresAt"] = num(*expires);
    }
    auto put = timed(times_, "PutItem chain",
                     [&] { return db_.put_versioned(table_, std::move(item), stored->version); });
    if (!put.ok()) return put.error();
    if (*put == aws::WriteStatus::written) {
      return HopClaim{core::HopVerdict::proceed, stored->version + 1};
    }
    // Changed since the read: another message, or this put applied with its answer lost.
  }
  return aws::Error{"ClaimContention",
                    "the chain state changed under every one of " +
                        std::to_string(core::kMaxClaimRounds) + " claims",
                    0, true};
}

aws::Result<bool> DynamoChains::mark(const ChainKey& key, const HopClaim& claim,
                                     std::string_view status, std::string_view reason) {
  auto r = timed(times_, "UpdateItem chain", [&] {
    return db_.update_item(json{
        {"TableName", table_},
        {"Key", chain_key(key)},
        {"UpdateExpression", "SET #status = :status, reason = :reason, #version = :next"},
        {"ConditionExpression", "#version = :expected"},
        {"ExpressionAttributeNames", {{"#status", "status"}, {"#version", "version"}}},
        {"ExpressionAttributeValues",
         {{":status", str(status)},
          {":reason", str(reason.substr(0, core::kMaxReasonLength))},
          {":next", num(claim.version + 1)},
          {":expected", num(claim.version)}}},
    });
  });
  if (!r.ok()) return r.error();
  return r->status == aws::WriteStatus::written;
}

aws::Result<void> SqsQueue::send(const std::string& queue_url, const aws::SqsMessage& message) {
  return timed(times_, "SendMessageBatch continuation",
               [&] { return sqs_.send_all(queue_url, {message}); });
}

}  // namespace dn::generate
