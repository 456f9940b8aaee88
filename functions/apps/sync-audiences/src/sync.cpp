#include "sync.hpp"

#include <exception>
#include <stdexcept>
#include <utility>

#include "dn/core/validate.hpp"
#include "dn/runtime/log.hpp"
#include "dn/util/json.hpp"

namespace dn::sync_audiences {

namespace {

std::string json_string(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j.at(name).is_string()) return "";
  return j.at(name).get<std::string>();
}

enum class Message { request, continuation, test_event };

// A continuation carries on the pass in progress; S3's s3:TestEvent (sent when the bucket's
// notifications are configured) is no load and asks for nothing; any other body asks for a pass.
Message kind_of(const std::string& body) {
  const auto j = dn::util::parse_json(body);
  if (json_string(j, "reason") == "continue") return Message::continuation;
  if (json_string(j, "Event") == "s3:TestEvent") return Message::test_event;
  return Message::request;
}

}  // namespace

Store& Handler::store() {
  if (!store_ || !store_->alive()) {
    store_.reset();
    store_ = connect_();
  }
  return *store_;
}

nlohmann::json Handler::handle(const nlohmann::json& event, Clock::time_point deadline) {
  if (!event.is_object() || !event.contains("Records") || !event.at("Records").is_array()) {
    throw std::invalid_argument("not an SQS event (no Records)");
  }
  std::vector<std::string> ids;
  bool request = false;
  bool work = false;
  for (const auto& record : event.at("Records")) {
    ids.push_back(json_string(record, "messageId"));
    const Message kind = kind_of(json_string(record, "body"));
    request = request || kind == Message::request;
    work = work || kind != Message::test_event;
  }
  auto& log = dn::runtime::logger();
  if (!work) {
    log.info("s3:TestEvent ignored: no load to bring the segments up to date with",
             {{"messages", ids.size()}});
    return {{"batchItemFailures", nlohmann::json::array()}};
  }
  Counts counts;
  nlohmann::json failures = nlohmann::json::array();
  try {
    run(request, deadline, counts);
  } catch (const std::exception& e) {
    store_.reset();  // closing the session releases the lock and rolls back
    log.error("audience sync failed; the messages are retried",
              {{"error", e.what()}, {"messages", ids.size()}});
    for (const auto& id : ids) failures.push_back({{"itemIdentifier", id}});
  }
  auto& metrics = dn::runtime::metrics();
  metrics.add("AudienceMembersWritten", static_cast<double>(counts.written));
  metrics.add("AudienceMembersRemoved", static_cast<double>(counts.removed));
  if (counts.completed > 0) {
    metrics.add("AudienceSyncCompleted", static_cast<double>(counts.completed));
  }
  return {{"batchItemFailures", failures}};
}

// The request is recorded before the lock is tried, and the holder looks for one after it lets
// go of the lock, so a trigger that loses the race for the lock is never lost.
void Handler::run(bool request, Clock::time_point deadline, Counts& counts) {
  auto& log = dn::runtime::logger();
  Store& db = store();
  if (request) db.request_pass();
  while (db.try_lock()) {
    const Outcome outcome = run_locked(db, deadline, counts);
    db.unlock();
    if (outcome == Outcome::continued) return;
    const auto state = db.state();
    if (!state.cursor && state.requested <= state.started) return;
  }
  log.info("another invocation holds the audience sync lock; it runs the pass requested",
           {{"requested", request}});
}

Handler::Outcome Handler::run_locked(Store& db, Clock::time_point deadline, Counts& counts) {
  auto& log = dn::runtime::logger();
  for (;;) {
    auto state = db.state();
    if (!state.cursor) {
      if (state.requested <= state.started) return Outcome::up_to_date;
      db.start_pass(state.requested);
      state.cursor = "";
      log.info("audience sync pass started", {{"requested", state.requested}});
    }
    // At least one batch per invocation, so a short timeout still makes progress.
    if (counts.batches > 0 && deadline - now_() < options_.continue_margin) {
      const auto sent = queue_->send_continue();
      if (!sent.ok())
        throw std::runtime_error("continuation not sent: " + sent.error().to_string());
      log.info("audience sync continues in a new invocation",
               {{"cursor", *state.cursor}, {"batches", counts.batches}});
      return Outcome::continued;
    }
    const auto next = run_batch(db, *state.cursor, counts);
    ++counts.batches;
    if (!next) {
      ++counts.completed;
      log.info("audience sync pass completed",
               {{"membersWritten", counts.written}, {"membersRemoved", counts.removed}});
    }
  }
}

std::optional<std::string> Handler::run_batch(Store& db, const std::string& cursor,
                                              Counts& counts) {
  const std::size_t n = options_.batch_size;
  auto users = db.users_after(cursor, n);
  auto published = db.published_after(cursor, n);
  const bool users_full = users.size() >= n;
  const bool published_full = published.size() >= n;
  auto merged = audience::merge(std::move(users), users_full, std::move(published), published_full);
  std::size_t skipped = 0;
  for (auto& pair : merged.pairs) {
    // An id that cannot be a key (core's check) is not published; were it, it leaves.
    if (pair.desired && !dn::core::check_user_id(pair.user_id).ok()) {
      pair.desired.reset();
      ++skipped;
    }
  }
  if (skipped > 0) {
    dn::runtime::logger().warn("users with an id that cannot be a key are not published",
                               {{"users", skipped}});
  }
  const auto diff = audience::diff(merged.pairs);
  if (!diff.ops.empty()) {
    const auto written = writer_->write(diff.ops);
    if (!written.ok()) {
      throw std::runtime_error("DynamoDB write failed" +
                               std::string(written.error().retryable ? " (retryable): " : ": ") +
                               written.error().to_string());
    }
  }
  db.commit_batch(diff, merged.upper);
  counts.written += diff.members_written;
  counts.removed += diff.members_removed;
  return merged.upper;
}

}  // namespace dn::sync_audiences
