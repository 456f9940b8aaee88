#include "dn/runtime/runtime.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include "dn/runtime/log.hpp"
#include "dn/util/curl_headers.hpp"
#include "dn/util/json.hpp"

namespace dn::runtime {

std::chrono::milliseconds Request::remaining() const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::system_clock::now());
  return std::max(left, std::chrono::milliseconds{0});
}

Response Response::success(std::string body, std::string content_type) {
  return {true, std::move(body), std::move(content_type), {}, {}};
}

Response Response::failure(std::string error_type, std::string error_message) {
  return {false, {}, {}, std::move(error_type), std::move(error_message)};
}

namespace {

constexpr std::string_view kApiVersion = "/2018-06-01/runtime";
constexpr long kHttpAccepted = 202;
constexpr long kHttpOk = 200;
constexpr long kHttpPayloadTooLarge = 413;
constexpr long kHttpServerError = 500;
constexpr long kConnectTimeoutMs = 2000;
// Lambda's longest timeout, assumed when a `next` answer carries no usable deadline.
constexpr std::chrono::minutes kMaxLambdaTimeout{15};
// Error messages are for operators; a runaway what() must not make the error post itself fail.
constexpr std::size_t kMaxErrorMessage = 16384;  // 16 KiB
constexpr const char* kInitErrorType = "InitError";
constexpr const char* kUnhandledErrorType = "UnhandledException";

// A header value must never carry CR/LF (header injection) or other control bytes.
std::string header_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? '_' : c);
  }
  return out.empty() ? std::string("Unknown") : out;
}

struct HttpResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names

  [[nodiscard]] bool transient() const { return code != CURLE_OK || status >= kHttpServerError; }
  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  [[nodiscard]] std::string describe() const {
    if (code != CURLE_OK) {
      return curl_easy_strerror(code);
    }
    return "HTTP " + std::to_string(status);
  }
};

extern "C" size_t write_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

extern "C" size_t write_header(char* data, size_t size, size_t count, void* user) {
  util::collect_header_line({data, size * count}, static_cast<HttpResult*>(user)->headers);
  return size * count;
}

// One curl easy handle for the life of the process, so its connection to the Runtime API is
// reused by every call.
class RuntimeApiClient {
 public:
  explicit RuntimeApiClient(std::string endpoint)
      : base_("http://" + std::move(endpoint) + std::string(kApiVersion)) {
    static std::once_flag once;
    std::call_once(once, [] { (void)curl_global_init(CURL_GLOBAL_DEFAULT); });
    handle_ = curl_easy_init();
    if (handle_ == nullptr) {
      throw std::runtime_error("curl_easy_init failed");
    }
  }
  ~RuntimeApiClient() { curl_easy_cleanup(handle_); }
  RuntimeApiClient(const RuntimeApiClient&) = delete;
  RuntimeApiClient& operator=(const RuntimeApiClient&) = delete;
  RuntimeApiClient(RuntimeApiClient&&) = delete;
  RuntimeApiClient& operator=(RuntimeApiClient&&) = delete;

  // The long poll: no overall timeout, Lambda freezes the process while it waits.
  HttpResult next() { return perform(base_ + "/invocation/next", nullptr, "", {}); }

  HttpResult post_response(const std::string& request_id, const Response& response) {
    return perform(base_ + "/invocation/" + request_id + "/response", &response.body(),
                   response.content_type(), {});
  }

  HttpResult post_error(const std::string& path, const std::string& error_type,
                        const std::string& error_message) {
    const auto type = header_safe(error_type);
    std::string message = error_message.substr(0, kMaxErrorMessage);
    const std::string body = dn::util::to_json_lossy(
        nlohmann::json{{"errorType", type}, {"errorMessage", std::move(message)}});
    return perform(base_ + path, &body, "application/json",
                   {"Lambda-Runtime-Function-Error-Type: " + type});
  }

 private:
  HttpResult perform(const std::string& url, const std::string* body,
                     const std::string& content_type, const std::vector<std::string>& extra) {
    HttpResult result;
    util::CurlHeaders headers;
    // reset clears the options but keeps the connection cache of the handle.
    curl_easy_reset(handle_);
    curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle_, CURLOPT_NOPROXY, "*");  // the Runtime API is always local
    curl_easy_setopt(handle_, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
    curl_easy_setopt(handle_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(handle_, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(handle_, CURLOPT_HEADERDATA, &result);
    if (body != nullptr) {
      headers.add("Content-Type: " + header_safe(content_type));
      headers.add("Expect:");  // no 100-continue round trip for large bodies
      for (const auto& header : extra) {
        headers.add(header);
      }
      curl_easy_setopt(handle_, CURLOPT_POST, 1L);
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
      curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers.get());
    }
    result.code = curl_easy_perform(handle_);
    if (result.code == CURLE_OK) {
      curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &result.status);
    }
    return result;
  }

  std::string base_;
  CURL* handle_ = nullptr;
};

// Retries connection errors and 5xx answers with doubling delays; nullopt when all attempts
// failed.
template <typename Call>
std::optional<HttpResult> with_retries(const Options& options, std::string_view what, Call call) {
  auto delay = options.retry_delay;
  const int attempts = std::max(1, options.max_attempts);
  for (int attempt = 1;; ++attempt) {
    HttpResult result = call();
    if (!result.transient()) {
      return result;
    }
    logger().warn("runtime api call failed", {{"call", std::string(what)},
                                              {"attempt", attempt},
                                              {"maxAttempts", attempts},
                                              {"error", result.describe()}});
    if (attempt >= attempts) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

std::optional<std::string> resolve_endpoint(const Options& options) {
  if (!options.endpoint.empty()) {
    return options.endpoint;
  }
  // Read before any handler thread exists.
  const char* value = std::getenv("AWS_LAMBDA_RUNTIME_API");  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr || *value == '\0') {
    logger().error("AWS_LAMBDA_RUNTIME_API is not set; not running inside Lambda");
    return std::nullopt;
  }
  return std::string(value);
}

std::chrono::system_clock::time_point parse_deadline(const std::string& header) {
  long long millis = 0;
  const auto* end = header.data() + header.size();
  const auto [ptr, ec] = std::from_chars(header.data(), end, millis);
  if (ec != std::errc() || ptr != end || header.empty() || millis <= 0) {
    logger().warn("invocation without a usable deadline; assuming the longest Lambda timeout",
                  {{"deadlineHeader", header}});
    return std::chrono::system_clock::now() + kMaxLambdaTimeout;
  }
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{millis}};
}

void export_trace_id(const std::string& trace_id) {
  // The X-Ray SDK convention; the loop is single-threaded between invocations.
  if (trace_id.empty()) {
    (void)unsetenv("_X_AMZN_TRACE_ID");  // NOLINT(concurrency-mt-unsafe)
  } else {
    (void)setenv("_X_AMZN_TRACE_ID", trace_id.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  }
}

Response call_handler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return Response::failure(kUnhandledErrorType, e.what());
  } catch (...) {
    return Response::failure(kUnhandledErrorType, "non-standard exception");
  }
}

// Posts the outcome; false when the Runtime API stayed unusable.
bool post_outcome(RuntimeApiClient& client, const Options& options, const Request& request,
                  const Response& response) {
  const std::string error_path = "/invocation/" + request.request_id + "/error";
  if (!response.is_success()) {
    auto posted = with_retries(options, "error", [&] {
      return client.post_error(error_path, response.error_type(), response.error_message());
    });
    if (posted && posted->status != kHttpAccepted) {
      logger().error("runtime api rejected the error", {{"status", posted->status}});
    }
    return posted.has_value();
  }
  auto posted = with_retries(options, "response",
                             [&] { return client.post_response(request.request_id, response); });
  if (!posted) {
    return false;
  }
  if (posted->status == kHttpPayloadTooLarge) {
    logger().error("response too large for the runtime api", {{"bytes", response.body().size()}});
    auto reported = with_retries(options, "error", [&] {
      return client.post_error(error_path, "Function.ResponseSizeTooLarge",
                               "response of " + std::to_string(response.body().size()) +
                                   " bytes exceeds the Lambda response limit");
    });
    return reported.has_value();
  }
  if (posted->status != kHttpAccepted) {
    logger().error("runtime api rejected the response",
                   {{"status", posted->status}, {"body", posted->body.substr(0, 512)}});
  }
  return true;
}

int loop(RuntimeApiClient& client, const Handler& handler, const Options& options) {
  std::size_t handled = 0;
  std::string last_request_id;
  while (!options.max_invocations || handled < *options.max_invocations) {
    auto next = with_retries(options, "next", [&] { return client.next(); });
    if (!next) {
      logger().error("runtime api unavailable; exiting");
      return 1;
    }
    if (next->status != kHttpOk) {
      logger().error("unexpected answer to next; exiting",
                     {{"status", next->status}, {"body", next->body.substr(0, 512)}});
      return 1;
    }
    Request request;
    request.request_id = next->header("lambda-runtime-aws-request-id");
    if (request.request_id.empty()) {
      logger().error("next carried no request id; exiting");
      return 1;
    }
    if (request.request_id == last_request_id) {
      // The local emulator may hand out one event twice; real Lambda never repeats an id.
      logger().warn("repeated request id ignored", {{"repeatedRequestId", request.request_id}});
      continue;
    }
    request.payload = std::move(next->body);
    request.trace_id = next->header("lambda-runtime-trace-id");
    request.function_arn = next->header("lambda-runtime-invoked-function-arn");
    request.client_context = next->header("lambda-runtime-client-context");
    request.cognito_identity = next->header("lambda-runtime-cognito-identity");
    request.deadline = parse_deadline(next->header("lambda-runtime-deadline-ms"));

    export_trace_id(request.trace_id);
    logger().begin_invocation(request.request_id, request.trace_id, handled == 0);
    const auto started = std::chrono::steady_clock::now();
    const Response response = call_handler(handler, request);
    const auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    nlohmann::json fields = {{"outcome", response.is_success() ? "success" : "failure"},
                             {"durationMs", elapsed.count()}};
    if (response.is_success()) {
      logger().info("invocation finished", fields);
    } else {
      fields["errorType"] = response.error_type();
      fields["errorMessage"] = response.error_message();
      logger().error("invocation finished", fields);
    }
    metrics().flush();
    const bool posted = post_outcome(client, options, request, response);
    logger().end_invocation();
    last_request_id = request.request_id;
    ++handled;
    if (!posted) {
      logger().error("runtime api unavailable; exiting");
      return 1;
    }
  }
  return 0;
}

}  // namespace

int run(const Handler& handler) {
  return run(handler, Options{});
}

int run(const Handler& handler, const Options& options) {
  return run_with_init([&handler] { return handler; }, options);
}

int run_with_init(const std::function<Handler()>& init) {
  return run_with_init(init, Options{});
}

int run_with_init(const std::function<Handler()>& init, const Options& options) {
  const auto endpoint = resolve_endpoint(options);
  if (!endpoint) {
    return 1;
  }
  std::optional<RuntimeApiClient> client;
  try {
    client.emplace(*endpoint);
  } catch (const std::exception& e) {
    logger().error("cannot create the runtime api client", {{"error", e.what()}});
    return 1;
  }
  Handler handler;
  std::string error_message;
  try {
    handler = init ? init() : Handler{};
    if (!handler) {
      error_message = "initialisation produced no handler";
    }
  } catch (const std::exception& e) {
    error_message = e.what();
  } catch (...) {
    error_message = "non-standard exception";
  }
  if (!handler) {
    logger().error("initialisation failed",
                   {{"errorType", kInitErrorType}, {"errorMessage", error_message}});
    metrics().flush();
    auto posted = with_retries(options, "init/error", [&] {
      return client->post_error("/init/error", kInitErrorType, error_message);
    });
    if (posted && posted->status != kHttpAccepted) {
      logger().error("runtime api rejected the init error", {{"status", posted->status}});
    }
    return 1;
  }
  return loop(*client, handler, options);
}

}  // namespace dn::runtime
