#include "dn/runtime/testing/stub_runtime_api.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string_view>
#include <utility>

namespace dn::runtime::testing {
namespace {

using dn::testing::HttpRequest;
using dn::testing::HttpResponse;

constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kNextPath = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInitErrorPath = "/2018-06-01/runtime/init/error";
constexpr std::int64_t kDefaultDeadlineMs = 30000;
constexpr int kHttpAccepted = 202;
constexpr int kHttpNotFound = 404;

std::int64_t now_epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a POST is, from its path.
Post to_post(const HttpRequest& request) {
  Post post{.method = request.method,
            .path = request.target,
            .headers = request.headers,
            .body = request.body,
            .connection = request.connection};
  const std::string_view target = request.target;
  if (target == kInitErrorPath) {
    post.kind = Post::Kind::init_error;
  } else if (target.starts_with(kInvocationPrefix)) {
    auto rest = target.substr(kInvocationPrefix.size());
    const auto slash = rest.find('/');
    if (slash != std::string_view::npos) {
      const auto action = rest.substr(slash + 1);
      post.request_id = std::string(rest.substr(0, slash));
      if (action == "response") {
        post.kind = Post::Kind::response;
      } else if (action == "error") {
        post.kind = Post::Kind::error;
      }
    }
  }
  return post;
}

HttpResponse to_response(const Invocation& invocation) {
  if (invocation.status) {
    return {.status = *invocation.status,
            .headers = {{"Content-Type", "application/json"}},
            .body = invocation.error_body};
  }
  HttpResponse response{
      .status = 200,
      .headers = {{"Content-Type", "application/json"},
                  {"Lambda-Runtime-Aws-Request-Id", invocation.request_id},
                  {"Lambda-Runtime-Deadline-Ms",
                   std::to_string(invocation.deadline_ms != 0
                                      ? invocation.deadline_ms
                                      : now_epoch_ms() + kDefaultDeadlineMs)},
                  {"Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn}},
      .body = invocation.payload};
  if (!invocation.trace_id.empty()) {
    response.headers.emplace_back("Lambda-Runtime-Trace-Id", invocation.trace_id);
  }
  if (!invocation.client_context.empty()) {
    response.headers.emplace_back("Lambda-Runtime-Client-Context", invocation.client_context);
  }
  if (!invocation.cognito_identity.empty()) {
    response.headers.emplace_back("Lambda-Runtime-Cognito-Identity", invocation.cognito_identity);
  }
  return response;
}

}  // namespace

Invocation invocation(std::string request_id, std::string payload) {
  Invocation result;
  result.request_id = std::move(request_id);
  result.payload = std::move(payload);
  return result;
}

Invocation failing_next(int status) {
  Invocation result;
  result.status = status;
  return result;
}

struct StubRuntimeApi::State {
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::deque<Invocation> queue;
  std::vector<Post> posts;
  std::vector<std::chrono::steady_clock::time_point> next_arrivals;
  int response_status = kHttpAccepted;
  bool stopping = false;
  // Last, so that it serves only once the state above exists.
  dn::testing::HttpServer server{[this](const HttpRequest& request) { return handle(request); }};

  HttpResponse handle(const HttpRequest& request) {
    if (request.method == "GET" && request.target == kNextPath) return next(request);
    Post post = to_post(request);
    int status = kHttpAccepted;
    {
      const std::lock_guard lock(mutex);
      if (post.kind == Post::Kind::response) {
        status = response_status;
      } else if (post.kind == Post::Kind::other || request.method != "POST") {
        status = kHttpNotFound;
      }
      posts.push_back(std::move(post));
    }
    changed.notify_all();
    return {.status = status,
            .headers = {{"Content-Type", "application/json"}},
            .body = status == kHttpAccepted
                        ? R"({"status":"OK"})"
                        : R"({"errorMessage":"stub rejected","errorType":"Stub.Rejected"})"};
  }

  // Serves the next scripted invocation, waiting while the script is empty.
  HttpResponse next(const HttpRequest& request) {
    std::unique_lock lock(mutex);
    next_arrivals.push_back(request.received);
    changed.notify_all();
    changed.wait(lock, [this] { return stopping || !queue.empty(); });
    if (stopping) return {.fault = dn::testing::Fault::drop};
    const Invocation invocation = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    return to_response(invocation);
  }
};

StubRuntimeApi::StubRuntimeApi() : state_(std::make_unique<State>()) {}

StubRuntimeApi::~StubRuntimeApi() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  state_->server.stop();
}

std::string StubRuntimeApi::endpoint() const {
  return state_->server.endpoint();
}

void StubRuntimeApi::enqueue(Invocation invocation) {
  {
    const std::lock_guard lock(state_->mutex);
    state_->queue.push_back(std::move(invocation));
  }
  state_->changed.notify_all();
}

void StubRuntimeApi::set_response_status(int status) {
  const std::lock_guard lock(state_->mutex);
  state_->response_status = status;
}

std::vector<Post> StubRuntimeApi::posts() const {
  const std::lock_guard lock(state_->mutex);
  return state_->posts;
}

std::size_t StubRuntimeApi::connections_accepted() const {
  return state_->server.connections_accepted();
}

std::size_t StubRuntimeApi::next_requests() const {
  const std::lock_guard lock(state_->mutex);
  return state_->next_arrivals.size();
}

std::vector<std::chrono::steady_clock::time_point> StubRuntimeApi::next_arrivals() const {
  const std::lock_guard lock(state_->mutex);
  return state_->next_arrivals;
}

bool StubRuntimeApi::wait_for_posts(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->posts.size() >= count; });
}

bool StubRuntimeApi::wait_for_next_requests(std::size_t count,
                                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout,
                                  [&] { return state_->next_arrivals.size() >= count; });
}

dn::testing::HttpServer& StubRuntimeApi::http() {
  return state_->server;
}

}  // namespace dn::runtime::testing
