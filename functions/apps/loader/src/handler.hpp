// The SQS-triggered entry point: each message names S3 objects (an S3 event notification in the
// body, or an EventBridge "Object Created" event); each object is loaded, logged as one JSON
// line and counted in EMF metrics. Messages that fail are returned as batchItemFailures, so SQS
// retries them and finally parks them in the DLQ.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "load.hpp"
#include "pg.hpp"

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

// A connection made on first use and remade after it breaks (fresh credentials each time).
class Connection {
 public:
  using ParamsFn = std::function<std::map<std::string, std::string>()>;
  explicit Connection(ParamsFn params) : params_(std::move(params)) {}
  Pg& get();
  void reset() { pg_.reset(); }

 private:
  ParamsFn params_;
  std::unique_ptr<Pg> pg_;
};

class Handler {
 public:
  Handler(Loader loader, Connection& connection, FetchFn fetch, PutFn put)
      : loader_(std::move(loader)),
        connection_(&connection),
        fetch_(std::move(fetch)),
        put_(std::move(put)) {}

  // Returns {"batchItemFailures":[{"itemIdentifier": messageId}...]}.
  nlohmann::json handle(const nlohmann::json& event);

 private:
  Loader loader_;
  Connection* connection_;
  FetchFn fetch_;
  PutFn put_;
};

// libpq parameters from the database secret {"host","port","username","password","dbname",
// "engine"} plus sslmode (and sslrootcert when given). Throws std::invalid_argument naming a
// missing key (never a value).
std::map<std::string, std::string> connection_params(const std::string& secret_json,
                                                     const std::string& sslmode,
                                                     const std::string& sslrootcert,
                                                     const std::string& application_name);

}  // namespace dn::loader
