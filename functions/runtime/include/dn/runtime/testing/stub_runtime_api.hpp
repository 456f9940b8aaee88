// A local Lambda Runtime API for tests and benchmarks (library dn_runtime_stub; never linked into
// a Lambda artifact), on the one test HTTP server (dn/testing/http_server.hpp): 127.0.0.1 with an
// ephemeral port; `GET .../invocation/next` hands out the scripted invocations in order (and
// waits while the script is empty), every POST is recorded and answered 202. Faults go through
// http().set_hook(...).
//
//   StubRuntimeApi stub;
//   stub.enqueue({.request_id = "r1", .payload = R"({"a":1})"});
//   dn::runtime::Options options{.endpoint = stub.endpoint(), .max_invocations = 1};
//   dn::runtime::run(handler, options);
//   auto posts = stub.posts();  // posts[0].kind == Post::Kind::response
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dn/testing/http_server.hpp"

namespace dn::runtime::testing {

// One scripted answer to `GET /next`.
struct Invocation {
  std::string request_id{};
  std::string payload = "{}";
  // Epoch milliseconds for Lambda-Runtime-Deadline-Ms; 0 means "now + 30 s" when served.
  std::int64_t deadline_ms = 0;
  std::string trace_id{};  // header omitted when empty
  std::string function_arn = "arn:aws:lambda:eu-west-2:000000000000:function:test";
  std::string client_context{};    // header omitted when empty
  std::string cognito_identity{};  // header omitted when empty
  // When set, `next` is answered with this status and body instead (e.g. 500 to test retries).
  std::optional<int> status{};
  std::string error_body = R"({"errorMessage":"stub error","errorType":"Stub.Error"})";
};

// Shorthands for Invocation{.request_id = id, .payload = payload} and Invocation{.status = s}.
Invocation invocation(std::string request_id, std::string payload = "{}");
// A `next` answered with an HTTP error status instead of an invocation.
Invocation failing_next(int status);

// One request the client sent to the stub other than `GET /next`.
struct Post {
  enum class Kind { response, error, init_error, other };
  Kind kind = Kind::other;
  std::string method{};
  std::string path{};
  std::string request_id{};                      // from the path, for response/error
  std::map<std::string, std::string> headers{};  // names lower-cased
  std::string body{};
  std::size_t connection = 0;  // which accepted connection carried it (1-based)
};

class StubRuntimeApi {
 public:
  StubRuntimeApi();  // binds and starts serving; throws std::runtime_error on failure
  ~StubRuntimeApi();
  StubRuntimeApi(const StubRuntimeApi&) = delete;
  StubRuntimeApi& operator=(const StubRuntimeApi&) = delete;
  StubRuntimeApi(StubRuntimeApi&&) = delete;
  StubRuntimeApi& operator=(StubRuntimeApi&&) = delete;

  // "127.0.0.1:<port>", the value for AWS_LAMBDA_RUNTIME_API / Options::endpoint.
  [[nodiscard]] std::string endpoint() const;

  void enqueue(Invocation invocation);
  // Status for POST .../response (default 202); e.g. 413 to test an oversized response.
  void set_response_status(int status);

  [[nodiscard]] std::vector<Post> posts() const;
  [[nodiscard]] std::size_t connections_accepted() const;
  [[nodiscard]] std::size_t next_requests() const;
  // Arrival time of every `GET /next`, in order.
  [[nodiscard]] std::vector<std::chrono::steady_clock::time_point> next_arrivals() const;

  // Block until at least `count` posts / `GET /next` requests arrived; false on timeout.
  bool wait_for_posts(std::size_t count, std::chrono::milliseconds timeout) const;
  bool wait_for_next_requests(std::size_t count, std::chrono::milliseconds timeout) const;

  // The server underneath: every request it received, and the hook for faults.
  [[nodiscard]] dn::testing::HttpServer& http();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace dn::runtime::testing
