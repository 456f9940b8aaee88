// One signed-request client over a single reused libcurl easy handle (keep-alive). Every
// request is signed by one path, sign_request (the project's SigV4, sigv4_authorization, checked
// against botocore), before curl sees it; curl only transfers. See README.md for the rules
// (session token, x-amz-content-sha256, canonical query, header checks). Not thread-safe: one
// Client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dn/aws/config.hpp"
#include "dn/aws/result.hpp"
#include "dn/aws/retry.hpp"

namespace dn::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, POST, PUT, DELETE
  std::string service{};       // SigV4 service name: "dynamodb", "sqs", "s3", "secretsmanager"
  // scheme://host[:port]/path with the path already percent-encoded (uri_encode) and no query.
  std::string url{};
  // Raw (unencoded) query pairs, written sorted and encoded as SigV4's canonical query.
  std::vector<std::pair<std::string, std::string>> query{};
  Headers headers{};        // signed; values must be non-blank and free of CR/LF
  std::string_view body{};  // must outlive the call
  // Adds x-amz-content-sha256 = hex SHA-256 of `body` (S3 requires the header).
  bool content_sha256 = false;
  // When set, a 2xx response body is handed to this callback chunk by chunk instead of being
  // buffered; returning false aborts the transfer ("Aborted"). Error bodies are always buffered.
  std::function<bool(std::string_view)> on_body{};
  // Total time of one attempt; zero = ClientOptions::request_timeout. Always capped by the
  // deadline. A long transfer (a streamed response, or a body over kLongTransferBody) has no
  // fixed total time: it fails when it stalls (ClientOptions::low_speed_*) or at the deadline.
  std::chrono::milliseconds timeout{0};

  static constexpr std::size_t kLongTransferBody = std::size_t{1} << 20U;
  [[nodiscard]] bool long_transfer() const {
    return static_cast<bool>(on_body) || body.size() > kLongTransferBody;
  }
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers{};  // names lower-cased; last value wins
  std::string body{};                            // empty when streamed to on_body
  std::uint64_t streamed_bytes = 0;              // bytes handed to on_body

  [[nodiscard]] std::string header(const std::string& lower_name) const;  // "" when absent
};

// A request checked, completed and signed, ready for any transfer: built without curl, so the
// client's easy handle and a concurrent (multi-handle) path send the same bytes.
struct SignedRequest {
  std::string method{};
  std::string url{};  // with the canonical query
  // Everything to send: the request's headers, a default Content-Type for POST/PUT,
  // x-amz-content-sha256 (when asked), X-Amz-Security-Token, Host, X-Amz-Date, Authorization.
  Headers headers{};
  std::string_view body{};  // the request's body, not copied
};

// Checks `request` ("InvalidArgument": URL, method, service, header rules) and signs it with
// SigV4 for `config`'s region and credentials at `now`.
Result<SignedRequest> sign_request(const HttpRequest& request, const Config& config,
                                   Clock::time_point now);

struct ClientOptions {
  RetryPolicy retry{};
  RetryHooks hooks = RetryHooks::real();
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{20000};  // per attempt, unless HttpRequest::timeout
  // A long transfer fails ("stalled") when it moves fewer than low_speed_bytes_per_s bytes per
  // second over low_speed_time; else only the deadline ends it.
  long low_speed_bytes_per_s = 1024;
  std::chrono::seconds low_speed_time{10};
};

class Client {
 public:
  explicit Client(Config config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // Calls stop retrying (and cap each attempt's timeout) at this point; nullopt: no deadline.
  // Functions set it per invocation (runtime::serve, from runtime::working_deadline).
  void set_deadline(std::optional<Clock::time_point> deadline);
  void clear_deadline();
  [[nodiscard]] std::optional<Clock::time_point> deadline() const;

  [[nodiscard]] const Config& config() const;
  [[nodiscard]] const ClientOptions& options() const;

  // One signed attempt. Any HTTP status is a successful Result; only transport failures,
  // invalid requests and a passed deadline are errors.
  Result<HttpResponse> send_once(const HttpRequest& request);

  // Signed, with retries on throttling, 5xx and connection errors. A non-2xx response becomes
  // an Error parsed from the body (JSON `__type`/`message` or S3 XML `Code`/`Message`).
  // A streamed request is retried only while no body byte has been handed to on_body.
  Result<HttpResponse> send(const HttpRequest& request);

  // AWS JSON protocol: POST to service_endpoint(service) with X-Amz-Target and
  // Content-Type application/x-amz-json-<json_version>; returns the parsed response body.
  Result<nlohmann::json> call_json(std::string_view service, std::string_view target,
                                   std::string_view json_version, const nlohmann::json& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dn::aws
