// Testing a whole inbox function (get-notifications, update-notifications) as Lambda runs it: the
// API Gateway events it is sent, the answers it posts, and a scripted AWS behind the loopback stub.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "dn/aws/attributes.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "dn/runtime/testing/stub_runtime_api.hpp"
#include "http_stub.hpp"

namespace dn::inbox::testing {

// The vocabulary of these tests (they live in this namespace).
using aws::attr::str;
using aws::testing::json_response;
using aws::testing::StubResponse;
using aws::testing::StubServer;
using nlohmann::json;
using runtime::testing::env_of;
using runtime::testing::init_error;
using runtime::testing::invocation;
using runtime::testing::run_function;
using runtime::testing::StubRuntimeApi;

// An API Gateway REST proxy event of `method` on `resource`, with queryStringParameters and a
// body (`body` as JSON text) only when given.
inline std::string route_event(const std::string& method, const std::string& resource,
                               const json& path, const std::optional<json>& query = std::nullopt,
                               const std::optional<json>& body = std::nullopt) {
  json event{{"resource", resource}, {"httpMethod", method}, {"pathParameters", path}};
  if (query) event["queryStringParameters"] = *query;
  if (body) event["body"] = body->dump();
  return event.dump();
}

// Every answer the function posted, by request id. Each one must be a response: an API error is
// an answer with its status, never a crash.
inline std::map<std::string, json> answers_by_id(const StubRuntimeApi& api) {
  std::map<std::string, json> by_id;
  for (const auto& post : api.posts()) {
    EXPECT_EQ(post.kind, runtime::testing::Post::Kind::response) << post.request_id;
    by_id[post.request_id] = json::parse(post.body);
  }
  return by_id;
}

// The body of an answer (a proxy response's body is a JSON string).
inline json body_of(const json& answer) {
  return json::parse(answer["body"].get<std::string>());
}

// AWS as one test scripts it: `answer` gets each request's X-Amz-Target and JSON body (discarded
// when not JSON), one request at a time; `calls` counts them by target.
class ScriptedAws {
 public:
  using Answer = std::function<StubResponse(const std::string&, const json&)>;

  explicit ScriptedAws(Answer answer) : answer_(std::move(answer)) {}

  StubResponse handle(const aws::testing::StubRequest& request) {
    const std::lock_guard lock(mutex_);
    const std::string target = request.header("x-amz-target");
    ++calls_[target];
    return answer_(target, json::parse(request.body, nullptr, false));
  }

  int calls(const std::string& target) {
    const std::lock_guard lock(mutex_);
    return calls_[target];
  }

 private:
  Answer answer_;
  std::mutex mutex_;
  std::map<std::string, int> calls_;
};

}  // namespace dn::inbox::testing
