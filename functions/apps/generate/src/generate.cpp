#include "generate.hpp"

#include <algorithm>
#include <future>
#include <utility>
#include <variant>

#include "dn/core/validate.hpp"
#include "dn/runtime/log.hpp"
#include "dn/util/json.hpp"

namespace dn::generate {
namespace {

using nlohmann::json;

RecordOutcome failed(std::string reason, RecordOutcome so_far = {}) {
  so_far.failed = true;
  so_far.outcome = "failed";
  so_far.reason = std::move(reason);
  return so_far;
}

bool has_deadline(const runtime::Request& request) {
  return request.deadline.time_since_epoch().count() != 0;
}

}  // namespace

void CallTimes::record(const std::string& operation, std::chrono::microseconds elapsed) {
  const std::lock_guard lock(mutex_);
  Stat& s = stats_[operation];
  ++s.n;
  s.sum += elapsed;
  s.max = std::max(s.max, elapsed);
}

void CallTimes::reset() {
  const std::lock_guard lock(mutex_);
  stats_.clear();
}

json CallTimes::to_json() const {
  const std::lock_guard lock(mutex_);
  json out = json::object();
  for (const auto& [op, s] : stats_) {
    out[op] = {{"n", s.n},
               {"ms", static_cast<double>(s.sum.count()) / 1000.0},
               {"maxMs", static_cast<double>(s.max.count()) / 1000.0}};
  }
  return out;
}

std::chrono::microseconds CallTimes::total() const {
  const std::lock_guard lock(mutex_);
  std::chrono::microseconds sum{0};
  for (const auto& [op, s] : stats_) sum += s.sum;
  return sum;
}

// One record's walk through its audience in this invocation.
struct Handler::Walk {
  core::GenerateMessage msg;
  std::string owner{};                  // who claims the hop: msg.owner or the SQS message id
  std::optional<ChainKey> key{};        // set when the message names its run
  std::optional<HopClaim> claimed{};    // set once this invocation owns the hop
  std::optional<std::string> cursor{};  // the user to resume after
  RecordOutcome out{};
};

bool Handler::near_deadline(const runtime::Request& request) const {
  // No deadline (a direct call outside Lambda): only the page budget applies.
  if (!has_deadline(request)) return false;
  return request.deadline - now_() <
         settings_.reserve + slowest_page_.value_or(std::chrono::system_clock::duration{});
}

void Handler::work_phase(const runtime::Request& request) const {
  if (set_call_deadline_ && has_deadline(request)) {
    set_call_deadline_(request.deadline - kReportMargin - kHandOverReserve);
  }
}

void Handler::finish_phase(const runtime::Request& request) const {
  if (set_call_deadline_ && has_deadline(request)) {
    set_call_deadline_(request.deadline - kReportMargin);
  }
}

RecordOutcome Handler::hand_over(Walk& w, const runtime::Request& request, const std::string& why,
                                 bool count_stall) {
  finish_phase(request);
  const bool progress = w.cursor != w.msg.cursor;
  core::GenerateMessage next = w.msg;
  next.cursor = w.cursor;
  next.stalls = progress ? 0 : w.msg.stalls + (count_stall ? 1 : 0);
  if (next.stalls > kMaxStalls) {
    work_phase(request);
    return failed("no progress in " + std::to_string(kMaxStalls) + " hand-overs: " + why, w.out);
  }
  if (w.claimed) {
    // The next hop: a new message, so a new owner.
    ++next.hop;
    next.owner.reset();
  } else {
    // Not claimed yet: the same hop, keeping this message's claim on it.
    next.owner = w.owner;
  }
  aws::SqsMessage m{"continuation", core::encode_message(next), {}};
  if (next.stalls > 0) m.delay_seconds = std::min(kMaxStallDelay, kStallDelaySeconds * next.stalls);
  auto sent = ports_.queue->send(settings_.queue_url, m);
  if (!sent.ok()) {
    work_phase(request);
    return failed("enqueueing the continuation (" + why + "): " + sent.error().to_string(), w.out);
  }
  if (w.claimed && w.key) {
    // Only a hint for a redelivery of this message (the next hop stops it anyway).
    (void)ports_.chains->mark(*w.key, *w.claimed, core::kChainContinued, why);
  }
  work_phase(request);
  w.out.continued = true;
  w.out.outcome = w.claimed || !w.key ? "continued" : "deferred";
  w.out.reason = why;
  return w.out;
}

RecordOutcome Handler::reject(Walk& w, const std::string& reason) {
  // Retrying cannot fix the definition: record it once, count it (alarmed), and stop.
  if (w.key && w.claimed)
    (void)ports_.chains->mark(*w.key, *w.claimed, core::kChainRejected, reason);
  runtime::metrics().add("DefinitionsRejected", 1);
  w.out.outcome = "rejected";
  w.out.reason = reason;
  return w.out;
}

RecordOutcome Handler::process(const std::string& message_id, const std::string& body,
                               const runtime::Request& request) {
  auto decoded = core::decode_message(body);
  if (!decoded.ok()) return failed("poison message: " + decoded.error().text);
  Walk w{std::move(decoded).value()};
  w.owner = w.msg.owner.value_or(message_id);
  w.cursor = w.msg.cursor;
  if (w.msg.run) w.key = ChainKey{w.msg.date, w.msg.notification_id, *w.msg.run};
  if (w.msg.cursor) {
    if (auto bad = core::check_user_id(*w.msg.cursor); !bad.ok())
      return failed("invalid continuation cursor: " + bad.error().text);
  }
  // Hand the record over untouched: an earlier record used the time (or, for the first one, the
  // invocation had too little: a stall, so a misconfigured reserve cannot loop forever).
  const bool first = std::exchange(first_record_, false);
  if (near_deadline(request)) return hand_over(w, request, "deadline before start", first);
  return walk(w, request);
}

RecordOutcome Handler::walk(Walk& w, const runtime::Request& request) {
  const auto& msg = w.msg;
  if (w.key) {
    auto claim = ports_.chains->claim(*w.key, msg.hop, w.owner);
    if (!claim.ok()) {
      if (claim.error().retryable)
        return hand_over(w, request, "claiming the hop: " + claim.error().to_string(), true);
      return failed("claiming the hop: " + claim.error().to_string());
    }
    if (claim->verdict != core::HopVerdict::proceed) {
      runtime::metrics().add("MessagesStopped", 1);
      w.out.outcome = std::string(core::hop_verdict_name(claim->verdict));
      return w.out;
    }
    w.claimed = *claim;
  }

  auto found = ports_.notifications->load(msg.date, msg.notification_id);
  if (!found.ok()) {
    if (found.error().retryable)
      return hand_over(w, request, "loading the notification: " + found.error().to_string(), true);
    return failed("loading the notification: " + found.error().to_string());
  }
  if (!*found) return reject(w, "notification " + msg.notification_id + " not found");
  auto parsed = core::notification_from_item(**found);
  if (!parsed.ok()) return reject(w, parsed.error().text);
  const auto& notification = parsed.value();
  if (notification.segment != msg.segment)
    return reject(w, "message segment differs from the notification's");
  const auto expires = core::expires_at(notification.date, settings_.inbox_ttl_days);
  if (!expires) return reject(w, "cannot compute expiresAt");

  // The next page, fetched while the current one is written (Settings::prefetch). Waited for
  // before anything else runs, so no client is ever used by two threads at once.
  std::future<aws::Result<AudiencePage>> ahead;
  for (;;) {
    if (w.out.pages >= settings_.max_pages) return hand_over(w, request, "page budget", false);
    if (near_deadline(request)) return hand_over(w, request, "deadline", w.out.pages == 0);
    const auto page_started = now_();
    auto page = ahead.valid() ? ahead.get()
                              : ports_.audience->page(msg.segment, w.cursor, settings_.page_size);
    if (!page.ok()) {
      if (page.error().retryable)
        return hand_over(w, request, "audience page: " + page.error().to_string(), true);
      return failed("audience page: " + page.error().to_string(), w.out);
    }
    std::vector<core::InboxRecord> records;
    records.reserve(page->members.size());
    for (const auto& member : page->members) {
      auto record = core::inbox_record(notification, member, *expires);
      if (!record.ok()) {
        // One bad audience row must not block everyone else: log it and go on.
        runtime::logger().warn("member skipped", {{"reason", record.error().text}});
        continue;
      }
      records.push_back(std::move(record).value());
    }
    // Only when another page will still fit after this one: a prefetched page that is handed
    // over unused costs the service a whole Query. Until a page of this invocation is measured
    // nobody knows (on the emulator one page in a 10 s invocation and a wasted Query each).
    const bool another_fits =
        !has_deadline(request) ||
        (slowest_page_ && request.deadline - now_() >= settings_.reserve + 2 * *slowest_page_);
    if (settings_.prefetch && page->next && w.out.pages + 1 < settings_.max_pages && another_fits) {
      ahead = std::async(std::launch::async, [this, &msg, after = page->next] {
        return ports_.audience->page(msg.segment, after, settings_.page_size);
      });
    }
    const WriteOutcome written = ports_.inbox->write(records);
    if (ahead.valid()) ahead.wait();
    slowest_page_ = std::max(slowest_page_.value_or(std::chrono::system_clock::duration{}),
                             now_() - page_started);
    w.out.written += static_cast<long long>(written.written);
    if (written.error) {
      // Resume after the last record known stored: the progress survives the hand-over.
      if (written.written > 0) w.cursor = records[written.written - 1].user_id;
      if (written.error->retryable)
        return hand_over(w, request, "writing inbox records: " + written.error->to_string(), true);
      return failed("writing inbox records: " + written.error->to_string(), w.out);
    }
    ++w.out.pages;
    if (!page->next) {
      if (w.key && w.claimed) {
        finish_phase(request);
        auto marked = ports_.chains->mark(*w.key, *w.claimed, core::kChainDone, "");
        work_phase(request);
        // Unrecorded, the chain would look unfinished forever: let SQS deliver the record again
        // (the owner's redelivery resumes its running hop; the writes are idempotent).
        if (!marked.ok())
          return failed("marking the chain done: " + marked.error().to_string(), w.out);
      }
      w.out.outcome = "done";
      return w.out;
    }
    w.cursor = page->next;
  }
}

runtime::Response Handler::handle(const runtime::Request& request) {
  const auto event = dn::util::parse_json(request.payload);
  if (event.is_discarded() || !event.is_object() || !event.contains("Records") ||
      !event["Records"].is_array()) {
    runtime::logger().error("not an SQS event", {{"outcome", "invalid-event"}});
    return runtime::Response::failure("InvalidEvent", "expected an SQS event with Records");
  }
  work_phase(request);
  first_record_ = true;
  slowest_page_.reset();
  const auto started = std::chrono::steady_clock::now();
  if (ports_.times != nullptr) ports_.times->reset();
  json failures = json::array();
  long long written = 0;
  long long continued = 0;
  for (const auto& record : event["Records"]) {
    const std::string id = record.value("messageId", "");
    const std::string body = record.contains("body") && record["body"].is_string()
                                 ? record["body"].get<std::string>()
                                 : std::string();
    RecordOutcome r = id.empty() ? failed("record has no messageId") : process(id, body, request);
    written += r.written;
    continued += r.continued ? 1 : 0;
    json fields{
        {"messageId", id}, {"outcome", r.outcome}, {"written", r.written}, {"pages", r.pages}};
    if (!r.reason.empty()) fields["reason"] = r.reason;
    if (r.failed) {
      runtime::logger().error("message processed", fields);
      if (!id.empty()) failures.push_back({{"itemIdentifier", id}});
    } else if (r.outcome == "rejected") {
      runtime::logger().error("message processed", fields);
    } else {
      runtime::logger().info("message processed", fields);
    }
  }
  if (ports_.times != nullptr) {
    // Where the invocation's time went: the AWS calls (client side, per operation) and the rest.
    const auto handler = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    runtime::logger().info(
        "invocation", {{"records", event["Records"].size()},
                       {"written", written},
                       {"handlerMs", static_cast<double>(handler.count()) / 1000.0},
                       {"callsMs", static_cast<double>(ports_.times->total().count()) / 1000.0},
                       {"calls", ports_.times->to_json()}});
  }
  runtime::metrics().add("InboxRecordsWritten", static_cast<double>(written));
  runtime::metrics().add("ContinuationsQueued", static_cast<double>(continued));
  runtime::metrics().add("MessagesFailed", static_cast<double>(failures.size()));
  return runtime::Response::success(dn::util::to_json({{"batchItemFailures", failures}}));
}

}  // namespace dn::generate
