#include "dn/aws/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <mutex>
#include <new>
#include <string>

#include "dn/aws/encoding.hpp"
#include "dn/aws/errors.hpp"
#include "dn/util/curl_headers.hpp"
#include "dn/util/json.hpp"
#include "dn/util/text.hpp"

namespace dn::aws {
namespace {

// Error bodies and JSON responses are buffered; anything larger is not a sane AWS answer.
constexpr std::size_t kMaxBufferedBody = std::size_t{64} << 20U;

using util::lower;

bool has_header(const Headers& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return lower(h.first) == lower_name; });
}

// The value of the header named `lower_name` (any case), or "".
std::string header_value(const Headers& headers, std::string_view lower_name) {
  for (const auto& [name, value] : headers) {
    if (lower(name) == lower_name) return value;
  }
  return {};
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// State shared with the libcurl callbacks of one transfer.
struct Transfer {
  CURL* handle = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  bool aborted_by_callback = false;
  bool body_too_large = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  util::collect_header_line({data, size * count}, t->response->headers);
  return size * count;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view chunk(data, size * count);
  long status = 0;
  curl_easy_getinfo(t->handle, CURLINFO_RESPONSE_CODE, &status);
  if (t->request->on_body && status >= 200 && status < 300) {
    if (!t->request->on_body(chunk)) {
      t->aborted_by_callback = true;
      return 0;
    }
    t->response->streamed_bytes += chunk.size();
    return chunk.size();
  }
  if (t->response->body.size() + chunk.size() > kMaxBufferedBody) {
    t->body_too_large = true;
    return 0;
  }
  t->response->body.append(chunk);
  return chunk.size();
}

bool curl_retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// scheme://authority/path -> authority as the Host header carries it (default port dropped).
std::string host_of(std::string_view url) {
  const bool https = url.rfind("https://", 0) == 0;
  url.remove_prefix(https ? 8 : 7);
  std::string host(url.substr(0, url.find_first_of("/?#")));
  const std::string_view default_port = https ? ":443" : ":80";
  if (host.size() > default_port.size() &&
      host.compare(host.size() - default_port.size(), default_port.size(), default_port) == 0) {
    host.resize(host.size() - default_port.size());
  }
  return host;
}

std::string path_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  const auto slash = url.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  return slash == std::string_view::npos ? std::string("/") : std::string(url.substr(slash));
}

std::string amz_date(Clock::time_point when) {
  const std::time_t t = Clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 17> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
  return {buf.data(), n};
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

struct Client::Impl {
  Config config;
  ClientOptions options;
  std::optional<Clock::time_point> deadline;
  CURL* handle = nullptr;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  std::uint64_t last_streamed_bytes = 0;  // handed to on_body by the latest attempt

  Impl(Config c, ClientOptions o) : config(std::move(c)), options(std::move(o)) {
    global_init();
    handle = curl_easy_init();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { curl_easy_cleanup(handle); }

  Result<HttpResponse> send_once(const HttpRequest& request);
  Result<HttpResponse> send(const HttpRequest& request);
  // The Error of a transfer curl could not complete.
  [[nodiscard]] Error failure(CURLcode code, const Transfer& transfer, bool low_speed) const;
};

Result<SignedRequest> sign_request(const HttpRequest& request, const Config& config,
                                   Clock::time_point now) {
  if (request.url.rfind("http://", 0) != 0 && request.url.rfind("https://", 0) != 0) {
    return Error{"InvalidArgument", "URL must start with http:// or https://", 0, false};
  }
  if (request.url.find_first_of("?# ") != std::string::npos) {
    return Error{"InvalidArgument", "URL must be percent-encoded and carry no query", 0, false};
  }
  static constexpr std::array<std::string_view, 5> kMethods{"GET", "HEAD", "POST", "PUT", "DELETE"};
  if (std::find(kMethods.begin(), kMethods.end(), request.method) == kMethods.end()) {
    return Error{"InvalidArgument", "unsupported method " + request.method, 0, false};
  }
  if (request.service.empty()) {
    return Error{"InvalidArgument", "the SigV4 service name is empty", 0, false};
  }
  if (auto checked = check_signable_headers(request.headers); !checked.ok()) {
    return checked.error();
  }

  SignedRequest out;
  out.method = request.method;
  out.body = request.body;
  const bool has_body = request.method == "POST" || request.method == "PUT";
  Headers& headers = out.headers;
  headers = request.headers;
  // Without it curl sends (unsigned) application/x-www-form-urlencoded; S3 would store that.
  if (has_body && !has_header(headers, "content-type")) {
    headers.emplace_back("Content-Type", "application/octet-stream");
  }
  std::string payload_hash = header_value(headers, "x-amz-content-sha256");
  if (payload_hash.empty()) payload_hash = sha256_hex(has_body ? request.body : "");
  if (request.content_sha256 && !has_header(headers, "x-amz-content-sha256")) {
    headers.emplace_back("x-amz-content-sha256", payload_hash);
  }
  if (!config.credentials.session_token.empty()) {
    headers.emplace_back("X-Amz-Security-Token", config.credentials.session_token);
  }

  const std::string query = canonical_query(request.query);
  out.url = request.url;
  if (out.url.find('/', out.url.find("://") + 3) == std::string::npos) out.url.push_back('/');
  if (!query.empty()) out.url += "?" + query;

  const std::string host = host_of(out.url);
  const std::string date = amz_date(now);
  const SigV4Input in{request.method,
                      host,
                      path_of(request.url),
                      query,
                      &headers,
                      payload_hash,
                      date,
                      config.region,
                      request.service,
                      config.credentials.access_key_id,
                      config.credentials.secret_access_key};
  std::string authorization = sigv4_authorization(in);
  headers.emplace_back("Host", host);
  headers.emplace_back("X-Amz-Date", date);
  headers.emplace_back("Authorization", std::move(authorization));
  return out;
}

namespace {

// How long one attempt may take: it never outlives the deadline. A long transfer is bounded by
// its progress (low-speed limit) and the deadline only: a large object may take many minutes.
struct TimeBudget {
  std::chrono::milliseconds total{0};  // 0: no total limit (curl's default)
  std::chrono::milliseconds connect{0};
  bool low_speed = false;
};

Result<TimeBudget> time_budget(const HttpRequest& request, const ClientOptions& options,
                               std::optional<Clock::time_point> deadline, Clock::time_point now) {
  TimeBudget budget;
  budget.low_speed = request.long_transfer();
  if (!budget.low_speed) {
    budget.total = request.timeout.count() > 0 ? request.timeout : options.request_timeout;
  }
  if (deadline) {
    if (now >= *deadline) {
      return Error{"DeadlineExceeded", "the invocation deadline has passed", 0, true};
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now);
    budget.total = budget.total.count() > 0 ? std::min(budget.total, left) : left;
    budget.total = std::max(budget.total, std::chrono::milliseconds(1));
  }
  budget.connect = budget.total.count() > 0 ? std::min(options.connect_timeout, budget.total)
                                            : options.connect_timeout;
  return budget;
}

// The transfer's part of the easy handle: what to send, how long it may take, where the answer
// goes. curl_easy_reset keeps the live connections, so keep-alive survives between calls.
void configure(CURL* handle, const SignedRequest& request, const util::CurlHeaders& headers,
               const TimeBudget& budget, const ClientOptions& options, const Config& config,
               Transfer& transfer, char* error_buffer) {
  curl_easy_reset(handle);
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);  // S3 keys may contain "./" or "../"
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "dn-aws/1 libcurl/" LIBCURL_VERSION);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(budget.connect.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(budget.total.count()));
  if (budget.low_speed) {
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes_per_s);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options.low_speed_time.count()));
  }
  curl_easy_setopt(handle, CURLOPT_EXPECT_100_TIMEOUT_MS, 300L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  if (request.url.rfind("https://", 0) == 0) {
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!config.ca_bundle.empty())
      curl_easy_setopt(handle, CURLOPT_CAINFO, config.ca_bundle.c_str());
  }
  if (request.method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "DELETE") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else {
    // POST sends POSTFIELDS; PUT reuses it through CUSTOMREQUEST (the body is in memory).
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method == "PUT") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "PUT");
  }
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
}

}  // namespace

Result<HttpResponse> Client::Impl::send_once(const HttpRequest& request) {
  last_streamed_bytes = 0;
  if (handle == nullptr) return Error{"NetworkError", "curl_easy_init failed", 0, false};
  const auto now = options.hooks.now();
  auto signed_request = sign_request(request, config, now);
  if (!signed_request.ok()) return signed_request.error();
  const auto budget = time_budget(request, options, deadline, now);
  if (!budget.ok()) return budget.error();

  util::CurlHeaders header_list;
  try {
    for (const auto& [name, value] : signed_request->headers) {
      header_list.add(std::string(name).append(": ").append(value));
    }
  } catch (const std::bad_alloc&) {
    return Error{"NetworkError", "out of memory building headers", 0, false};
  }
  HttpResponse response;
  Transfer transfer{handle, &request, &response};
  error_buffer[0] = '\0';
  configure(handle, *signed_request, header_list, *budget, options, config, transfer,
            error_buffer.data());
  const CURLcode code = curl_easy_perform(handle);
  last_streamed_bytes = response.streamed_bytes;
  // The header list dies with this frame: never leave curl pointing at it.
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  if (code != CURLE_OK) return failure(code, transfer, budget->low_speed);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Error Client::Impl::failure(CURLcode code, const Transfer& transfer, bool low_speed) const {
  if (transfer.aborted_by_callback) {
    return Error{"Aborted", "the body callback stopped the transfer", 0, false};
  }
  if (transfer.body_too_large) {
    return Error{"InvalidResponse", "response body larger than 64 MiB", 0, false};
  }
  // curl's clock and ours may differ by a few milliseconds at the deadline.
  if (code == CURLE_OPERATION_TIMEDOUT && deadline &&
      options.hooks.now() + std::chrono::milliseconds(50) >= *deadline) {
    return Error{"DeadlineExceeded", "the invocation deadline passed during the call", 0, true};
  }
  if (code == CURLE_OPERATION_TIMEDOUT && low_speed) {
    return Error{"NetworkError",
                 "transfer stalled: fewer than " + std::to_string(options.low_speed_bytes_per_s) +
                     " bytes/s for " + std::to_string(options.low_speed_time.count()) + " s (" +
                     std::string(error_buffer.data()) + ")",
                 0, true};
  }
  std::string message = curl_easy_strerror(code);
  if (error_buffer[0] != '\0') message += ": " + std::string(error_buffer.data());
  return Error{"NetworkError", message, 0, curl_retryable(code)};
}

Result<HttpResponse> Client::Impl::send(const HttpRequest& request) {
  Backoff backoff(options.retry, options.hooks, deadline);
  while (true) {
    auto result = send_once(request);
    if (!result.ok()) {
      // A half-streamed body cannot be taken back: the caller decides what a retry means.
      const bool streamed = last_streamed_bytes > 0;
      if (!result.error().retryable || streamed || !backoff.wait()) return result;
      continue;
    }
    HttpResponse& response = result.value();
    if (response.status >= 200 && response.status < 300) return result;
    Error error = request.service == "s3" ? parse_xml_error(response.status, response.body)
                                          : parse_json_error(response.status, response.body,
                                                             response.header("x-amzn-errortype"));
    if (!error.retryable || !backoff.wait()) return error;
  }
}

Client::Client(Config config, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

void Client::set_deadline(std::optional<Clock::time_point> deadline) {
  impl_->deadline = deadline;
}
void Client::clear_deadline() {
  impl_->deadline.reset();
}
std::optional<Clock::time_point> Client::deadline() const {
  return impl_->deadline;
}
const Config& Client::config() const {
  return impl_->config;
}
const ClientOptions& Client::options() const {
  return impl_->options;
}

Result<HttpResponse> Client::send_once(const HttpRequest& request) {
  return impl_->send_once(request);
}

Result<HttpResponse> Client::send(const HttpRequest& request) {
  return impl_->send(request);
}

Result<nlohmann::json> Client::call_json(std::string_view service, std::string_view target,
                                         std::string_view json_version,
                                         const nlohmann::json& body) {
  std::string payload;
  try {
    payload = dn::util::to_json(body);
  } catch (const nlohmann::json::exception& e) {
    return Error{"InvalidArgument", std::string("request is not valid JSON text: ") + e.what(), 0,
                 false};
  }
  HttpRequest request;
  request.method = "POST";
  request.service = std::string(service);
  request.url = impl_->config.service_endpoint(service) + "/";
  request.headers = {{"Content-Type", "application/x-amz-json-" + std::string(json_version)},
                     {"X-Amz-Target", std::string(target)}};
  request.body = payload;
  auto response = send(request);
  if (!response.ok()) return response.error();
  if (response->body.empty()) return nlohmann::json::object();
  auto parsed = dn::util::parse_json(response->body);
  if (parsed.is_discarded()) {
    return Error{"InvalidResponse", std::string(target) + " returned a body that is not JSON",
                 response->status, false};
  }
  return parsed;
}

}  // namespace dn::aws
