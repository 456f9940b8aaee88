// The SQS-triggered entry point: each message names S3 objects (an S3 event notification in the
// body, or an EventBridge "Object Created" event); each object is loaded, logged as one JSON
// line and counted in EMF metrics. Messages that fail are returned as batchItemFailures, so SQS
// retries them and finally parks them in the DLQ.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dn/pg/connect.hpp"
#include "load.hpp"
#include "store.hpp"

namespace dn::loader {

struct Message {
  std::string message_id{};
  std::vector<ObjectRef> objects{};
  std::string error{};  // the body could not be understood
};

// S3 keys in event notifications are form-encoded ('+' for space, %XX).
std::string decode_event_key(std::string_view key);
// Objects named by one message body; throws std::invalid_argument on an unknown shape. An
// s3:TestEvent names none.
std::vector<ObjectRef> parse_message_body(std::string_view body);
std::vector<Message> parse_sqs_event(const nlohmann::json& event);

// A database session made on first use, checked with a round trip before each load (a stale
// connection after a failover is replaced there, not found mid-load) and remade after it breaks.
class Connection {
 public:
  using Factory = std::function<std::unique_ptr<Store>()>;
  explicit Connection(Factory connect) : connect_(std::move(connect)) {}
  Store& get();
  void reset() { store_.reset(); }

 private:
  Factory connect_;
  std::unique_ptr<Store> store_;
};

struct HandlerOptions {
  // A load whose connection is lost (failover, restart) is retried at once on a new connection,
  // up to this many attempts in all, while at least min_time_to_retry is left.
  int max_attempts = 3;
  std::chrono::milliseconds min_time_to_retry{10000};
  bool run_migrations = true;  // RUN_MIGRATIONS
};

class Handler {
 public:
  Handler(Contracts& contracts, LoaderOptions options, Connection& connection, FetchFn fetch,
          PutFn put, HandlerOptions handler_options = {})
      : contracts_(&contracts),
        loader_(contracts, std::move(options)),
        connection_(&connection),
        fetch_(std::move(fetch)),
        put_(std::move(put)),
        options_(handler_options) {}

  // Returns {"batchItemFailures":[{"itemIdentifier": messageId}...]}. `deadline`: when the
  // batch must be done (the invocation's deadline less the time to report).
  nlohmann::json handle(const nlohmann::json& event, Clock::time_point deadline);

 private:
  LoadOutcome load_with_retries(const std::string& message_id, const ObjectRef& object,
                                Clock::time_point deadline);
  void migrate_once(Store& db);

  Contracts* contracts_;
  Loader loader_;
  Connection* connection_;
  FetchFn fetch_;
  PutFn put_;
  HandlerOptions options_;
  bool migrated_ = false;
};

using dn::pg::connection_params;  // dn/pg/connect.hpp

}  // namespace dn::loader
