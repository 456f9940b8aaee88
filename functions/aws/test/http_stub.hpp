// A tiny scripted HTTP/1.1 server on 127.0.0.1:<ephemeral> for tests: keep-alive, any number of
// connections, one handler call per request, every request recorded. No sleeps: the handler
// answers synchronously.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace dn::aws::testing {

struct StubRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;

  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct StubResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool drop_connection = false;  // close without answering (a network error for the client)
};

class StubServer {
 public:
  using Handler = std::function<StubResponse(const StubRequest&)>;

  explicit StubServer(Handler handler);
  ~StubServer();
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;

  [[nodiscard]] std::string url() const;  // http://127.0.0.1:<port>
  [[nodiscard]] std::vector<StubRequest> requests() const;
  [[nodiscard]] int connections_accepted() const { return accepted_.load(); }

 private:
  void loop();

  Handler handler_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<StubRequest> requests_;
  std::thread thread_;
};

// Scripted answers in order; the last one repeats once the script is used up.
StubServer::Handler script(std::vector<StubResponse> responses);

StubResponse json_response(int status, const std::string& body);

// The environment a function needs to call AWS on this stub (region, test credentials whose
// access key id is kStubAccessKeyId, AWS_ENDPOINT_URL); merge the function's own variables in.
inline constexpr const char* kStubAccessKeyId = "AKIDEXAMPLE";
std::map<std::string, std::string> stub_aws_env(const std::string& endpoint);

// Targets of the requests `server` received that are not SigV4-signed with kStubAccessKeyId.
std::vector<std::string> unsigned_requests(const StubServer& server);

}  // namespace dn::aws::testing
