#include "dn/aws/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <mutex>
#include <string>

#include "dn/aws/encoding.hpp"
#include "dn/aws/errors.hpp"

namespace dn::aws {
namespace {

// Error bodies and JSON responses are buffered; anything larger is not a sane AWS answer.
constexpr std::size_t kMaxBufferedBody = std::size_t{64} << 20U;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool has_header(const Headers& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return lower(h.first) == lower_name; });
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlSlist {
  curl_slist* list = nullptr;
  CurlSlist() = default;
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  ~CurlSlist() { curl_slist_free_all(list); }
  bool append(const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) return false;
    list = next;
    return true;
  }
};

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
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new response (e.g. after 100 Continue)
    return line.size();
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) {
    value.remove_suffix(1);
  }
  t->response->headers[lower(line.substr(0, colon))] = std::string(value);
  return line.size();
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
};

Result<HttpResponse> Client::Impl::send_once(const HttpRequest& request) {
  last_streamed_bytes = 0;
  if (handle == nullptr) return Error{"NetworkError", "curl_easy_init failed", 0, false};
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

  // Time budget: one attempt never outlives the deadline. A long transfer is bounded by its
  // progress (low-speed limit) and the deadline only: a large object may take many minutes.
  const auto now = options.hooks.now();
  const bool long_transfer = request.long_transfer();
  std::chrono::milliseconds timeout{0};  // 0: no total limit (curl's default)
  if (!long_transfer) {
    timeout = request.timeout.count() > 0 ? request.timeout : options.request_timeout;
  }
  if (deadline) {
    if (now >= *deadline) {
      return Error{"DeadlineExceeded", "the invocation deadline has passed", 0, true};
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - now);
    timeout = timeout.count() > 0 ? std::min(timeout, left) : left;
    timeout = std::max(timeout, std::chrono::milliseconds(1));
  }
  const auto connect_timeout =
      timeout.count() > 0 ? std::min(options.connect_timeout, timeout) : options.connect_timeout;

  const bool has_body = request.method == "POST" || request.method == "PUT";
  Headers headers = request.headers;
  // Without it curl sends (unsigned) application/x-www-form-urlencoded; S3 would store that.
  if (has_body && !has_header(headers, "content-type")) {
    headers.emplace_back("Content-Type", "application/octet-stream");
  }
  if (request.content_sha256 && !has_header(headers, "x-amz-content-sha256")) {
    headers.emplace_back("x-amz-content-sha256", sha256_hex(request.body));
  }
  if (!config.credentials.session_token.empty()) {
    headers.emplace_back("X-Amz-Security-Token", config.credentials.session_token);
  }

  const std::string query = canonical_query(request.query);
  std::string url = request.url;
  if (url.find('/', url.find("://") + 3) == std::string::npos) url.push_back('/');
  if (!query.empty()) url += "?" + query;

  // curl 7.88 would order these headers differently from SigV4: sign them here instead.
  const bool sign_here = curl_sigv4_misorders(headers);
  if (sign_here) {
    const std::string host = host_of(url);
    const std::string date = amz_date(now);
    std::string payload_hash;
    for (const auto& [name, value] : headers) {
      if (lower(name) == "x-amz-content-sha256") payload_hash = value;
    }
    if (payload_hash.empty()) payload_hash = sha256_hex(has_body ? request.body : "");
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
  }

  CurlSlist header_list;
  for (const auto& [name, value] : headers) {
    if (!header_list.append(std::string(name).append(": ").append(value))) {
      return Error{"NetworkError", "out of memory building headers", 0, false};
    }
  }

  HttpResponse response;
  Transfer transfer{handle, &request, &response};
  error_buffer[0] = '\0';

  // curl_easy_reset keeps the live connections, so keep-alive survives between calls.
  curl_easy_reset(handle);
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);  // S3 keys may contain "./" or "../"
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "dn-aws/1 libcurl/" LIBCURL_VERSION);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  if (long_transfer) {
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes_per_s);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options.low_speed_time.count()));
  }
  curl_easy_setopt(handle, CURLOPT_EXPECT_100_TIMEOUT_MS, 300L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer.data());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.list);
  if (url.rfind("https://", 0) == 0) {
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!config.ca_bundle.empty())
      curl_easy_setopt(handle, CURLOPT_CAINFO, config.ca_bundle.c_str());
  }
  std::string sigv4_param;
  if (!sign_here) {
    sigv4_param = "aws:amz:" + config.region + ":" + request.service;
    curl_easy_setopt(handle, CURLOPT_AWS_SIGV4, sigv4_param.c_str());
    curl_easy_setopt(handle, CURLOPT_USERNAME, config.credentials.access_key_id.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, config.credentials.secret_access_key.c_str());
  }
  if (request.method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "DELETE") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else {
    // POSTFIELDS is what curl 7.88 hashes for the signature; PUT reuses it via CUSTOMREQUEST.
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    if (request.method == "PUT") curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "PUT");
  }
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);

  const CURLcode code = curl_easy_perform(handle);
  last_streamed_bytes = response.streamed_bytes;
  // The header list dies with this frame: never leave curl pointing at it.
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, nullptr);
  if (code != CURLE_OK) {
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
    if (code == CURLE_OPERATION_TIMEDOUT && long_transfer) {
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
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
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
    payload = body.dump();
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
  auto parsed = nlohmann::json::parse(response->body, nullptr, false);
  if (parsed.is_discarded()) {
    return Error{"InvalidResponse", std::string(target) + " returned a body that is not JSON",
                 response->status, false};
  }
  return parsed;
}

}  // namespace dn::aws
