#include "handler.hpp"

#include <exception>
#include <stdexcept>

#include "dn/runtime/log.hpp"
#include "dn/util/json.hpp"

namespace dn::loader {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string json_string(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || j.at(name).is_null()) return "";
  const auto& v = j.at(name);
  return v.is_string() ? v.get<std::string>() : dn::util::to_json(v);
}

std::uint64_t json_size(const nlohmann::json& obj) {
  if (!obj.contains("size") || !obj.at("size").is_number_unsigned()) return 0;
  return obj.at("size").get<std::uint64_t>();
}

}  // namespace

std::string decode_event_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '+') {
      out += ' ';
    } else if (key[i] == '%' && i + 2 < key.size() && hex_value(key[i + 1]) >= 0 &&
               hex_value(key[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(key[i + 1]) * 16 + hex_value(key[i + 2]));
      i += 2;
    } else {
      out += key[i];
    }
  }
  return out;
}

std::vector<ObjectRef> parse_message_body(std::string_view body) {
  const auto j = dn::util::parse_json(body);
  if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("body is not a JSON object");
  std::vector<ObjectRef> objects;
  if (j.contains("Records") && j.at("Records").is_array()) {
    for (const auto& rec : j.at("Records")) {
      const auto event = json_string(rec, "eventName");
      if (!event.starts_with("ObjectCreated:")) continue;
      const auto& s3 = rec.at("s3");
      ObjectRef o;
      o.bucket = s3.at("bucket").at("name").get<std::string>();
      const auto& obj = s3.at("object");
      o.key = decode_event_key(obj.at("key").get<std::string>());
      o.etag = json_string(obj, "eTag");
      o.version_id = json_string(obj, "versionId");
      o.size = json_size(obj);
      objects.push_back(std::move(o));
    }
    return objects;
  }
  if (json_string(j, "Event") == "s3:TestEvent") return objects;
  if (json_string(j, "source") == "aws.s3" && json_string(j, "detail-type") == "Object Created") {
    const auto& d = j.at("detail");
    ObjectRef o;
    o.bucket = d.at("bucket").at("name").get<std::string>();
    const auto& obj = d.at("object");
    o.key = obj.at("key").get<std::string>();  // EventBridge keys are not form-encoded
    o.etag = json_string(obj, "etag");
    o.version_id = json_string(obj, "version-id");
    o.size = json_size(obj);
    objects.push_back(std::move(o));
    return objects;
  }
  throw std::invalid_argument("body is neither an S3 event notification nor an EventBridge event");
}

std::vector<Message> parse_sqs_event(const nlohmann::json& event) {
  std::vector<Message> messages;
  if (!event.is_object() || !event.contains("Records") || !event.at("Records").is_array()) {
    throw std::invalid_argument("not an SQS event (no Records)");
  }
  for (const auto& rec : event.at("Records")) {
    Message m;
    m.message_id = json_string(rec, "messageId");
    try {
      m.objects = parse_message_body(json_string(rec, "body"));
    } catch (const std::exception& e) {
      m.error = e.what();
    }
    messages.push_back(std::move(m));
  }
  return messages;
}

Store& Connection::get() {
  if (!store_ || !store_->alive()) {
    store_.reset();
    store_ = connect_();
  }
  return *store_;
}

// Migrations run before the first load (not at init: a database that is down at a cold start
// fails messages, which are retried, instead of the whole function). A dataset whose migration
// the database refuses has its files rejected with the reason; the others keep loading.
void Handler::migrate_once(Store& db) {
  if (migrated_ || !options_.run_migrations) return;
  std::map<std::string, std::string> failed;
  const auto applied = db.migrate(contracts_->migrations(), failed);
  for (const auto& [name, reason] : failed) {
    const auto dataset = contracts_->dataset_of_migration(name);
    std::string why = "migration " + name;
    why.append(" failed: ").append(reason);
    if (!dataset) throw PgError(why, "");
    contracts_->fail(*dataset, why);
  }
  dn::runtime::logger().info("migrations checked", {{"applied", applied}, {"failed", failed}});
  migrated_ = true;
}

LoadOutcome Handler::load_with_retries(const std::string& message_id, const ObjectRef& object,
                                       Clock::time_point deadline) {
  for (int attempt = 1;; ++attempt) {
    try {
      Store& db = connection_->get();
      migrate_once(db);
      return loader_.load(db, object, fetch_, put_, deadline);
    } catch (const PgError& e) {
      connection_->reset();  // a broken or mid-transaction session is not reused
      const bool time_left = deadline - Clock::now() > options_.min_time_to_retry;
      if (!e.connection_lost() || attempt >= options_.max_attempts || !time_left) throw;
      dn::runtime::logger().warn("database connection lost; retrying the load now",
                                 {{"messageId", message_id},
                                  {"key", object.key},
                                  {"attempt", attempt},
                                  {"error", e.what()}});
    }
  }
}

nlohmann::json Handler::handle(const nlohmann::json& event, Clock::time_point deadline) {
  auto& log = dn::runtime::logger();
  auto& metrics = dn::runtime::metrics();
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& message : parse_sqs_event(event)) {
    if (!message.error.empty()) {
      // Retrying cannot fix it, but dropping it would lose it: let it reach the DLQ.
      log.error("message not understood",
                {{"messageId", message.message_id}, {"error", message.error}});
      metrics.add("LoadsFailed", 1);
      failures.push_back({{"itemIdentifier", message.message_id}});
      continue;
    }
    bool failed = false;
    for (const auto& object : message.objects) {
      nlohmann::json fields = {{"messageId", message.message_id},
                               {"bucket", object.bucket},
                               {"key", object.key},
                               {"versionId", object.version_id}};
      try {
        const auto out = load_with_retries(message.message_id, object, deadline);
        fields.update({{"status", status_name(out.status)},
                       {"dataset", out.dataset},
                       {"reason", out.reason},
                       {"rowsRead", out.rows_read},
                       {"rowsLoaded", out.rows_loaded},
                       {"rowsChanged", out.rows_changed},
                       {"rowsRejected", out.rows_rejected},
                       {"rowsDeleted", out.rows_deleted},
                       {"bytesRead", out.bytes_read},
                       {"rejectsKey", out.rejects_key},
                       {"durationMs", out.duration.count()},
                       {"transferMs", out.transfer.count()}});
        if (out.status == LoadOutcome::Status::Loaded ||
            out.status == LoadOutcome::Status::Rejected) {
          metrics.add("RowsRead", static_cast<double>(out.rows_read));
          metrics.add("RowsLoaded", static_cast<double>(out.rows_loaded));
          metrics.add("RowsRejected", static_cast<double>(out.rows_rejected));
          metrics.add("RowsDeleted", static_cast<double>(out.rows_deleted));
          metrics.add("BytesRead", static_cast<double>(out.bytes_read), dn::runtime::Unit::Bytes);
          metrics.add("LoadDurationMs", static_cast<double>(out.duration.count()),
                      dn::runtime::Unit::Milliseconds);
        }
        if (out.status == LoadOutcome::Status::Rejected) {
          log.warn("object rejected", fields);
        } else {
          log.info("object processed", fields);
        }
      } catch (const std::exception& e) {
        failed = true;
        connection_->reset();
        fields["status"] = "failed";
        fields["error"] = e.what();
        log.error("object load failed", fields);
        metrics.add("LoadsFailed", 1);
        break;
      }
    }
    if (failed) failures.push_back({{"itemIdentifier", message.message_id}});
  }
  return {{"batchItemFailures", failures}};
}

}  // namespace dn::loader
