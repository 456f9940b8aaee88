#include "dynamo.hpp"

#include <charconv>
#include <exception>
#include <utility>

#include "dn/aws/attributes.hpp"
#include "dn/core/keys.hpp"

namespace dn::find_daily {
namespace {

namespace attr = aws::attr;
using nlohmann::json;

std::int64_t epoch(core::Instant t) {
  return t.time_since_epoch().count();
}

// The N value of attribute `name` as an integer; nullopt when it is absent, of another type or
// not an integer.
std::optional<std::int64_t> maybe_integer(const json& item, std::string_view name) {
  const auto it = item.find(name);
  if (it == item.end() || !it->is_object()) return std::nullopt;
  const auto n = it->find("N");
  if (n == it->end() || !n->is_string()) return std::nullopt;
  const auto& digits = n->get_ref<const std::string&>();
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

json day_key(std::string_view date, std::string_view sk) {
  return json{{std::string(core::keys::kPk), attr::str(core::keys::day_pk(date))},
              {std::string(core::keys::kSk), attr::str(sk)}};
}

// A strongly consistent Query of `table`.
json consistent_query(const std::string& table, const char* key_condition, json values) {
  return json{{"TableName", table},
              {"KeyConditionExpression", key_condition},
              {"ExpressionAttributeValues", std::move(values)},
              {"ConsistentRead", true}};
}

// Every item of the Query `request` (all pages), as `read` reads it.
template <class Read>
auto read_all(aws::DynamoDb& db, json request, Read read)
    -> aws::Result<std::vector<decltype(read(json()))>> {
  auto items = db.query_all(std::move(request));
  if (!items.ok()) return items.error();
  std::vector<decltype(read(json()))> out;
  out.reserve(items->size());
  for (const auto& item : *items) out.push_back(read(item));
  return out;
}

json marker_key(std::string_view date) {
  return json{{std::string(core::keys::kPk), attr::str(core::keys::run_pk(date))},
              {std::string(core::keys::kSk), attr::str(core::keys::kRunSk)}};
}

}  // namespace

json marker_item(const core::RunClaim& claim) {
  json item = marker_key(claim.day.date);
  item["date"] = attr::str(claim.day.date);
  item["status"] = attr::str(core::kRunStarted);
  item["startedAt"] = attr::str(core::format_timestamp(claim.started_at));
  item["leaseUntil"] = attr::num(epoch(claim.lease_until));
  item["runId"] = attr::str(claim.run_id);
  item["requestId"] = attr::str(claim.request_id);
  item["force"] = json{{"BOOL", claim.day.force}};
  item["source"] = attr::str(core::day_source_name(claim.day.source));
  if (const auto expiry = core::run_marker_expiry(claim.day.date)) {
    item["expiresAt"] = attr::num(epoch(*expiry));
  }
  return item;
}

std::optional<core::RunMarker> marker_of(const json& item) {
  if (!item.is_object()) return std::nullopt;
  core::RunMarker m;
  if (const auto* status = attr::text(item, "status")) m.status = *status;
  // Markers written before runId existed name their run by requestId.
  if (const auto* run = attr::text(item, "runId")) {
    m.run_id = *run;
  } else if (const auto* rid = attr::text(item, "requestId")) {
    m.run_id = *rid;
  }
  if (const auto lease = item.find("leaseUntil"); lease != item.end() && lease->is_object()) {
    const auto v = lease->find("N");
    if (v != lease->end() && v->is_string()) {
      try {
        m.lease_until = core::Instant{std::chrono::seconds{std::stoll(v->get<std::string>())}};
      } catch (const std::exception&) {
        // An unreadable lease never expires: the marker stays in_progress (never taken over).
        m.lease_until = core::Instant::max();
      }
    }
  } else {
    m.lease_until = core::Instant::max();
  }
  return m;
}

aws::Result<ClaimOutcome> DynamoRunMarkers::claim(const core::RunClaim& claim) {
  const json key = marker_key(claim.day.date);
  for (int round = 0; round < core::kMaxClaimRounds; ++round) {
    auto stored = db_.read_versioned(table_, key);
    if (!stored.ok()) return stored.error();
    const auto marker = marker_of(stored->item);
    const auto verdict = core::decide_claim(marker, claim);
    if (verdict != core::ClaimVerdict::claim) return ClaimOutcome{Taken{verdict, *marker}};
    auto put = db_.put_versioned(table_, marker_item(claim), stored->version);
    if (!put.ok()) return put.error();
    if (*put == aws::WriteStatus::written) return ClaimOutcome{Claimed{}};
    // Changed since the read: another claimer, or this put applied with its answer lost.
  }
  return aws::Error{"ClaimContention",
                    "the run marker changed under every one of " +
                        std::to_string(core::kMaxClaimRounds) + " claims",
                    0, true};
}

aws::Result<bool> DynamoRunMarkers::complete(const core::RunClaim& claim, core::Instant at,
                                             std::size_t queued, std::size_t skipped) {
  auto r = db_.update_item(json{
      {"TableName", table_},
      {"Key", marker_key(claim.day.date)},
      {"UpdateExpression",
       "SET #status = :completed, completedAt = :at, notificationsQueued = :queued, "
       "itemsSkipped = :skipped"},
      // Still this run's marker (a forced run may have taken it over).
      {"ConditionExpression", "runId = :rid"},
      {"ExpressionAttributeNames", {{"#status", "status"}}},
      {"ExpressionAttributeValues",
       {{":completed", attr::str(core::kRunCompleted)},
        {":at", attr::str(core::format_timestamp(at))},
        {":queued", attr::num(static_cast<std::int64_t>(queued))},
        {":skipped", attr::num(static_cast<std::int64_t>(skipped))},
        {":rid", attr::str(claim.run_id)}}},
  });
  if (!r.ok()) return r.error();
  return r->status == aws::WriteStatus::written;
}

aws::Result<bool> DynamoRunMarkers::fail(const core::RunClaim& claim, core::Instant at,
                                         std::string_view reason) {
  std::string why(reason.substr(0, core::kMaxReasonLength));
  if (why.empty()) why = "unknown";
  auto r = db_.update_item(json{
      {"TableName", table_},
      {"Key", marker_key(claim.day.date)},
      {"UpdateExpression", "SET #status = :failed, failedAt = :at, failureReason = :reason"},
      {"ConditionExpression", "runId = :rid"},
      {"ExpressionAttributeNames", {{"#status", "status"}}},
      {"ExpressionAttributeValues",
       {{":failed", attr::str(core::kRunFailed)},
        {":at", attr::str(core::format_timestamp(at))},
        {":reason", attr::str(why)},
        {":rid", attr::str(claim.run_id)}}},
  });
  if (!r.ok()) return r.error();
  return r->status == aws::WriteStatus::written;
}

core::DayItem day_item_of(const json& item) {
  if (!item.is_object()) return core::DayItem{.unreadable = "item is not an object"};
  return core::DayItem{.sk = attr::maybe_text(item, "sk"),
                       .notification_id = attr::maybe_text(item, "notificationId"),
                       .segment = attr::maybe_text(item, "segment"),
                       .unreadable = std::nullopt};
}

aws::Result<std::vector<core::DayItem>> DynamoDayNotifications::items(std::string_view date) {
  json request = consistent_query(table_, "pk = :pk AND begins_with(sk, :prefix)",
                                  {{":pk", attr::str(core::keys::day_pk(date))},
                                   {":prefix", attr::str(core::keys::kNotificationPrefix)}});
  // "segment" is a DynamoDB reserved word.
  request["ProjectionExpression"] = "sk, notificationId, #segment";
  request["ExpressionAttributeNames"] = {{"#segment", "segment"}};
  return read_all(db_, std::move(request), day_item_of);
}

core::StoredDefinition definition_of(const json& item) {
  if (!item.is_object()) return core::StoredDefinition{.unreadable = "item is not an object"};
  return core::StoredDefinition{.sk = attr::maybe_text(item, "sk"),
                                .notification_id = attr::maybe_text(item, "notificationId"),
                                .title = attr::maybe_text(item, "title"),
                                .body = attr::maybe_text(item, "body"),
                                .segment = attr::maybe_text(item, "segment"),
                                .schedule = attr::maybe_text(item, "schedule"),
                                .created_at = attr::maybe_text(item, "createdAt"),
                                .version = maybe_integer(item, "version"),
                                .unreadable = std::nullopt};
}

json frozen_copy_item(std::string_view date, const core::FrozenCopy& copy) {
  json item = day_key(date, core::keys::notification_sk(copy.notification_id));
  item["notificationId"] = attr::str(copy.notification_id);
  item["segment"] = attr::str(copy.segment);
  item["title"] = attr::str(copy.title);
  item["body"] = attr::str(copy.body);
  item["createdAt"] = attr::str(copy.created_at);
  item["definitionVersion"] = attr::num(copy.definition_version);
  return item;
}

json frozen_marker_item(std::string_view date, std::size_t copies, core::Instant at) {
  json item = day_key(date, core::keys::kFrozenSk);
  item["date"] = attr::str(date);
  item["frozenAt"] = attr::str(core::format_timestamp(at));
  item["definitions"] = attr::num(static_cast<std::int64_t>(copies));
  return item;
}

aws::Result<bool> DynamoDefinitions::frozen(std::string_view date) {
  // Not :pk / :sk: the fault suite tells find-daily's and generate's Queries apart by them.
  auto page = db_.query(consistent_query(table_, "pk = :day AND sk = :frozen",
                                         {{":day", attr::str(core::keys::day_pk(date))},
                                          {":frozen", attr::str(core::keys::kFrozenSk)}}));
  if (!page.ok()) return page.error();
  return !page->items.empty();
}

aws::Result<std::vector<core::StoredDefinition>> DynamoDefinitions::definitions() {
  return read_all(db_,
                  consistent_query(table_, "pk = :definition AND begins_with(sk, :notif)",
                                   {{":definition", attr::str(core::keys::kDefinitionPk)},
                                    {":notif", attr::str(core::keys::kNotificationPrefix)}}),
                  definition_of);
}

aws::Result<void> DynamoDefinitions::put_new(json item) {
  auto put = db_.put_item(json{{"TableName", table_},
                               {"Item", std::move(item)},
                               {"ConditionExpression", "attribute_not_exists(pk)"}});
  if (!put.ok()) return put.error();
  // condition_failed: the item is there already (an earlier run, or this put with its answer
  // lost), and the first one stays.
  return {};
}

aws::Result<void> DynamoDefinitions::freeze(std::string_view date,
                                            const std::vector<core::FrozenCopy>& copies,
                                            core::Instant at) {
  for (const auto& copy : copies) {
    if (auto put = put_new(frozen_copy_item(date, copy)); !put.ok()) return put;
  }
  // Only after every copy is stored: a FROZEN day is one whose copies are all there.
  return put_new(frozen_marker_item(date, copies.size(), at));
}

}  // namespace dn::find_daily
