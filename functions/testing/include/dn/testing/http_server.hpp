// The one HTTP server for tests and benchmarks (library dn_test_http, on cpp-httplib; never linked
// into a Lambda artifact): HTTP/1.1 on 127.0.0.1 with an ephemeral port, keep-alive without a
// request limit, one thread per connection, every request recorded before it is answered.
//
// Each request goes through an optional hook, then the handler. The hook is where faults are
// injected: it sees the request, may call `next` (the handler answers: the request "applied") and
// return that response changed, or answer by itself without calling it. A response may ask for a
// delay before it is sent, a paced body (a slow link), or for a connection fault instead of (or
// in the middle of) its bytes.
//
//   HttpServer server(script({{.status = 200, .body = "{}"}}));
//   server.set_hook([](const HttpRequest& r, const Handler& next) {
//     auto response = next(r);             // applied...
//     response.fault = Fault::drop;        // ...but the answer is lost
//     return response;
//   });
//   client.call(server.url() + "/x");      // then read server.requests()
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dn::testing {

struct HttpRequest {
  std::string method{};
  std::string target{};  // path and query, as sent
  std::string path{};    // target without the query, as sent
  std::map<std::string, std::string>
      headers{};  // lower-cased names; a repeated name keeps the last
  std::string body{};
  std::size_t connection = 0;  // which accepted connection carried it (1-based)
  std::size_t sequence = 0;    // order of arrival over the whole server (1-based)
  std::chrono::steady_clock::time_point received{};

  // The value of header `name` (lower case), or "" when absent.
  [[nodiscard]] std::string header(const std::string& name) const;
};

// What the connection does instead of (or while) sending the response.
enum class Fault {
  none,      // send the response
  drop,      // send nothing and close the connection (FIN): the request was read, the answer lost
  reset,     // send nothing and reset the connection (RST)
  stall,     // send the head and `fault_after_bytes` of the body, then nothing more until the
             // client hangs up or the server stops (a peer that stops mid-body)
  truncate,  // send the head and `fault_after_bytes` of the body, then close (a short body)
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  Fault fault = Fault::none;
  std::size_t fault_after_bytes = 0;   // for stall and truncate
  std::chrono::milliseconds delay{0};  // wait this long before answering (or faulting)
  // A slow link: the body goes out in pieces of `pace_bytes`, `pace` apart (zero: at once).
  std::chrono::milliseconds pace{0};
  std::size_t pace_bytes = 4096;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;
// Runs before the handler for every request; `next` is the handler.
using Hook = std::function<HttpResponse(const HttpRequest&, const Handler& next)>;

class HttpServer {
 public:
  using Handler = ::dn::testing::Handler;

  explicit HttpServer(Handler handler);  // binds and starts serving; throws std::runtime_error
  ~HttpServer();                         // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

  [[nodiscard]] std::string url() const;       // http://127.0.0.1:<port>
  [[nodiscard]] std::string endpoint() const;  // 127.0.0.1:<port>

  // Replaces the hook (an empty one passes every request to the handler). Thread-safe; applies
  // from the next request on.
  void set_hook(Hook hook);

  [[nodiscard]] std::vector<HttpRequest> requests() const;
  [[nodiscard]] std::size_t connections_accepted() const;
  // Blocks until at least `count` requests arrived; false on timeout.
  bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;

  // Stops accepting, ends every delay, stall and idle connection, and joins their threads.
  // Idempotent. A handler that blocks must return by itself (see StubRuntimeApi's destructor).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Scripted answers in order; the last one repeats once the script is used up.
Handler script(std::vector<HttpResponse> responses);

}  // namespace dn::testing
