#include "generate.hpp"

#include <memory>
#include <stdexcept>
#include <utility>
#include <variant>

#include "dn/aws/config.hpp"
#include "dn/core/inbox.hpp"
#include "dn/core/message.hpp"
#include "dn/runtime/log.hpp"

namespace dn::generate {
namespace {

using nlohmann::json;

RecordOutcome failed(std::string reason, RecordOutcome so_far = {}) {
  so_far.failed = true;
  so_far.reason = std::move(reason);
  return so_far;
}

}  // namespace

aws::Result<aws::QueryPage> AwsTable::query(const json& request) {
  return db_.query(request);
}
aws::Result<void> AwsTable::batch_write(const std::string& table, std::vector<json> requests) {
  return db_.batch_write(table, std::move(requests));
}
aws::Result<void> AwsQueue::send(const std::string& queue_url, const aws::SqsMessage& message) {
  return sqs_.send_all(queue_url, {message});
}

bool Handler::near_deadline(const runtime::Request& request) const {
  // No deadline (a direct call outside Lambda): only the page budget applies.
  if (request.deadline.time_since_epoch().count() == 0) return false;
  return request.remaining() < settings_.reserve;
}

RecordOutcome Handler::process(const std::string& body, const runtime::Request& request) {
  auto decoded = core::decode_message(body);
  if (auto* e = std::get_if<core::MessageError>(&decoded))
    return failed("poison message: " + e->reason);
  const auto& msg = std::get<core::GenerateMessage>(decoded);

  auto found =
      table_->query(core::notification_query(settings_.table_name, msg.date, msg.notification_id));
  if (!found.ok()) return failed("loading the notification: " + found.error().to_string());
  if (found->items.empty()) return failed("notification " + msg.notification_id + " not found");
  auto parsed = core::notification_from_item(found->items.front());
  if (auto* reason = std::get_if<std::string>(&parsed)) return failed(*reason);
  const auto& notification = std::get<core::Notification>(parsed);
  if (notification.segment != msg.segment)
    return failed("message segment differs from the notification's");
  const auto expires = core::expires_at(notification.date, settings_.inbox_ttl_days);
  if (!expires) return failed("cannot compute expiresAt");

  json start = nullptr;
  if (msg.cursor) {
    auto key = core::decode_audience_cursor(msg.segment, *msg.cursor);
    if (auto* reason = std::get_if<std::string>(&key)) return failed(*reason);
    start = std::get<json>(key);
  }

  RecordOutcome out;
  for (;;) {
    auto page = table_->query(
        core::audience_query(settings_.table_name, msg.segment, settings_.page_size, start));
    if (!page.ok()) return failed("audience page: " + page.error().to_string(), out);
    std::vector<json> writes;
    writes.reserve(page->items.size());
    for (const auto& member : page->items) {
      auto item = core::inbox_item(notification, member, *expires);
      if (auto* reason = std::get_if<std::string>(&item)) {
        // One bad audience row must not block everyone else: log it and go on.
        runtime::logger().warn("member skipped", {{"reason", *reason}});
        continue;
      }
      writes.push_back(json{{"PutRequest", {{"Item", std::get<json>(std::move(item))}}}});
    }
    const auto n = static_cast<long long>(writes.size());
    if (!writes.empty()) {
      if (auto w = table_->batch_write(settings_.table_name, std::move(writes)); !w.ok()) {
        return failed("writing inbox records: " + w.error().to_string(), out);
      }
    }
    out.written += n;
    ++out.pages;
    if (page->last_evaluated_key.is_null()) return out;
    start = page->last_evaluated_key;
    if (out.pages >= settings_.max_pages || near_deadline(request)) break;
  }

  auto cursor = core::encode_audience_cursor(start);
  if (!cursor) return failed("audience returned a key that is not a member key", out);
  core::GenerateMessage next = msg;
  next.cursor = *cursor;
  if (auto s = queue_->send(settings_.queue_url,
                            aws::SqsMessage{"continuation", core::encode_message(next)});
      !s.ok()) {
    return failed("enqueueing the continuation: " + s.error().to_string(), out);
  }
  out.continued = true;
  return out;
}

runtime::Response Handler::handle(const runtime::Request& request) {
  const auto event = json::parse(request.payload, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object() || !event.contains("Records") ||
      !event["Records"].is_array()) {
    runtime::logger().error("not an SQS event", {{"outcome", "invalid-event"}});
    return runtime::Response::failure("InvalidEvent", "expected an SQS event with Records");
  }
  json failures = json::array();
  long long written = 0;
  long long continued = 0;
  for (const auto& record : event["Records"]) {
    const std::string id = record.value("messageId", "");
    const std::string body = record.contains("body") && record["body"].is_string()
                                 ? record["body"].get<std::string>()
                                 : std::string();
    RecordOutcome r = id.empty() ? failed("record has no messageId") : process(body, request);
    written += r.written;
    continued += r.continued ? 1 : 0;
    json fields{{"messageId", id},
                {"outcome", r.failed ? "failed" : (r.continued ? "continued" : "done")},
                {"written", r.written},
                {"pages", r.pages}};
    if (r.failed) {
      fields["reason"] = r.reason;
      runtime::logger().error("message processed", fields);
      if (!id.empty()) failures.push_back({{"itemIdentifier", id}});
    } else {
      runtime::logger().info("message processed", fields);
    }
  }
  runtime::metrics().add("InboxRecordsWritten", static_cast<double>(written));
  runtime::metrics().add("ContinuationsQueued", static_cast<double>(continued));
  runtime::metrics().add("MessagesFailed", static_cast<double>(failures.size()));
  return runtime::Response::success(json{{"batchItemFailures", failures}}.dump());
}

runtime::Handler handler_from_env(const GetenvFn& getenv) {
  const runtime::Env env(getenv);
  Settings settings;
  settings.table_name = env.required("TABLE_NAME");
  settings.queue_url = env.required("QUEUE_URL");
  settings.inbox_ttl_days = env.positive_int("INBOX_TTL_DAYS", 90, 3650);
  settings.max_pages = env.positive_int("MAX_PAGES_PER_INVOCATION", 5, 1000);
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());

  struct State {
    std::unique_ptr<aws::Client> client;
    std::unique_ptr<AwsTable> table;
    std::unique_ptr<AwsQueue> queue;
    std::unique_ptr<Handler> handler;
  };
  auto state = std::make_shared<State>();
  state->client = std::make_unique<aws::Client>(std::move(*config));
  state->table = std::make_unique<AwsTable>(*state->client);
  state->queue = std::make_unique<AwsQueue>(*state->client);
  state->handler = std::make_unique<Handler>(std::move(settings), *state->table, *state->queue);
  return runtime::serve(state);
}

}  // namespace dn::generate
