// Lambda Runtime API client: a handler sees one Request, returns one Response, and never sees
// HTTP. `run` owns the loop (next -> handler -> response/error) for the life of the process.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace dn::runtime {

// One invocation, as handed out by `GET /2018-06-01/runtime/invocation/next`.
struct Request {
  std::string payload{};           // the event, verbatim
  std::string request_id{};        // Lambda-Runtime-Aws-Request-Id
  std::string trace_id{};          // Lambda-Runtime-Trace-Id (empty when absent)
  std::string function_arn{};      // Lambda-Runtime-Invoked-Function-Arn
  std::string client_context{};    // Lambda-Runtime-Client-Context (empty when absent)
  std::string cognito_identity{};  // Lambda-Runtime-Cognito-Identity (empty when absent)
  std::chrono::system_clock::time_point deadline{};  // Lambda-Runtime-Deadline-Ms

  // Time left before Lambda kills the invocation; zero once the deadline has passed.
  [[nodiscard]] std::chrono::milliseconds remaining() const;
};

// The outcome of one invocation: built only through success() or failure().
class Response {
 public:
  static Response success(std::string body, std::string content_type = "application/json");
  // Posted to /invocation/{id}/error as {"errorType","errorMessage"} (no stack trace).
  static Response failure(std::string error_type, std::string error_message);

  [[nodiscard]] bool is_success() const { return success_; }
  [[nodiscard]] const std::string& body() const { return body_; }                    // success
  [[nodiscard]] const std::string& content_type() const { return content_type_; }    // success
  [[nodiscard]] const std::string& error_type() const { return error_type_; }        // failure
  [[nodiscard]] const std::string& error_message() const { return error_message_; }  // failure

 private:
  Response(bool success, std::string body, std::string content_type, std::string error_type,
           std::string error_message)
      : success_(success),
        body_(std::move(body)),
        content_type_(std::move(content_type)),
        error_type_(std::move(error_type)),
        error_message_(std::move(error_message)) {}
  bool success_ = false;
  std::string body_;
  std::string content_type_;
  std::string error_type_;
  std::string error_message_;
};

using Handler = std::function<Response(const Request&)>;

// Knobs for tests and benchmarks; a Lambda function uses the defaults.
struct Options {
  // host:port of the Runtime API; empty means the AWS_LAMBDA_RUNTIME_API environment variable.
  std::string endpoint{};
  // Return 0 after this many handled invocations (repeated request ids are not counted).
  std::optional<std::size_t> max_invocations{};
  // Attempts per Runtime API call on connection errors and 5xx before run() gives up.
  int max_attempts = 3;
  // Delay before the first retry, doubled for each further one.
  std::chrono::milliseconds retry_delay{50};
};

// Runs the invocation loop. A handler exception becomes an error post, never a crash.
// Returns 0 when max_invocations is reached, non-zero when the Runtime API is unusable
// (no endpoint, or a call still failing after max_attempts).
int run(const Handler& handler);
int run(const Handler& handler, const Options& options);

// Runs `init` once (read configuration, fetch secrets...) and then the loop with the handler it
// returns. If `init` throws (or returns an empty handler) the error is posted to
// /runtime/init/error and a non-zero status is returned.
int run_with_init(const std::function<Handler()>& init);
int run_with_init(const std::function<Handler()>& init, const Options& options);

}  // namespace dn::runtime
