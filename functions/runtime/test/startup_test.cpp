// The one start-up path: settings and their init errors, the working deadline, serve() and start().
#include "dn/runtime/startup.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "capture.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "dn/runtime/testing/stub_runtime_api.hpp"

namespace dn::runtime {
namespace {

using namespace std::chrono_literals;
using testing::env_of;

// The message of the std::runtime_error `fn` throws ("" when it throws none).
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    (void)fn();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Env, RequiredNamesTheVariableWhenUnsetOrEmpty) {
  const Env env(env_of({{"SET", "value"}, {"EMPTY", ""}}));
  EXPECT_EQ(env.required("SET"), "value");
  EXPECT_EQ(error_of([&] { return env.required("UNSET"); }), "UNSET is not set");
  EXPECT_EQ(error_of([&] { return env.required("EMPTY"); }), "EMPTY is not set");
}

TEST(Env, ValueOrFallsBackWhenUnsetOrEmpty) {
  const Env env(env_of({{"SET", "value"}, {"EMPTY", ""}}));
  EXPECT_EQ(env.value_or("SET", "x"), "value");
  EXPECT_EQ(env.value_or("EMPTY", "x"), "x");
  EXPECT_EQ(env.value_or("UNSET", "x"), "x");
}

TEST(Env, PositiveIntChecksRangeAndNeverQuotesTheValue) {
  const Env env(env_of({{"N", "12"}, {"ZERO", "0"}, {"BIG", "1001"}, {"WORD", "s3cr3t-value"}}));
  EXPECT_EQ(env.positive_int("N", 5, 1000), 12);
  EXPECT_EQ(env.positive_int("UNSET", 5, 1000), 5);
  for (const char* name : {"ZERO", "BIG", "WORD"}) {
    const auto message = error_of([&] { return env.positive_int(name, 5, 1000); });
    EXPECT_EQ(message, std::string(name) + " must be an integer 1..1000");
  }
}

TEST(Env, OneOfListsTheChoicesAndNeverQuotesTheValue) {
  const Env env(env_of({{"MODE", "b"}, {"BAD", "s3cr3t-value"}}));
  EXPECT_EQ(env.one_of("MODE", {"a", "b", "c"}, "a"), "b");
  EXPECT_EQ(env.one_of("UNSET", {"a", "b", "c"}, "a"), "a");
  EXPECT_EQ(error_of([&] {
              return env.one_of("BAD", {"a", "b", "c"}, "a");
            }),
            "BAD must be a, b or c");
}

TEST(WorkingDeadline, IsLambdasMinusTheOneMarginOrNoneWithoutADeadline) {
  Request request;
  EXPECT_EQ(working_deadline(request), std::nullopt);
  request.deadline = std::chrono::system_clock::now() + 60s;
  EXPECT_EQ(working_deadline(request), request.deadline - kDeadlineMargin);
  EXPECT_EQ(kDeadlineMargin, 2s);
}

struct FakeClient {
  std::optional<std::chrono::system_clock::time_point> deadline{std::chrono::system_clock::now()};
  void set_deadline(std::optional<std::chrono::system_clock::time_point> d) { deadline = d; }
};
struct FakeHandler {
  std::optional<std::chrono::system_clock::time_point> seen{};
  FakeClient* client = nullptr;
  Response handle(const Request& request) {
    seen = client->deadline;
    return Response::success(request.payload);
  }
};
struct FakeParts {
  std::unique_ptr<FakeClient> client = std::make_unique<FakeClient>();
  std::unique_ptr<FakeHandler> handler = std::make_unique<FakeHandler>();
};

TEST(Serve, SetsTheWorkingDeadlineBeforeEachInvocation) {
  auto parts = std::make_shared<FakeParts>();
  parts->handler->client = parts->client.get();
  const Handler handler = serve(parts);
  Request request;
  request.payload = "p1";
  request.deadline = std::chrono::system_clock::now() + 30s;
  EXPECT_EQ(handler(request).body(), "p1");
  EXPECT_EQ(parts->handler->seen, request.deadline - kDeadlineMargin);
  request.deadline = {};  // no deadline: the previous one is cleared, not kept
  (void)handler(request);
  EXPECT_EQ(parts->handler->seen, std::nullopt);
}

TEST(Start, ReadsTheProcessEnvironmentAndPostsAnInitErrorNamingTheVariable) {
  const test::CapturedLines lines;
  const testing::StubRuntimeApi api;
  // NOLINTBEGIN(concurrency-mt-unsafe): the only thread touching the environment
  ASSERT_EQ(::setenv("AWS_LAMBDA_RUNTIME_API", api.endpoint().c_str(), 1), 0);
  ASSERT_EQ(::setenv("DN_STARTUP_TEST_SET", "from-the-process", 1), 0);
  ASSERT_EQ(::unsetenv("DN_STARTUP_TEST_UNSET"), 0);
  std::string seen;
  const int status = start([&](const GetenvFn& getenv) -> Handler {
    const Env env(getenv);
    seen = env.required("DN_STARTUP_TEST_SET");
    (void)env.required("DN_STARTUP_TEST_UNSET");
    return nullptr;
  });
  ASSERT_EQ(::unsetenv("AWS_LAMBDA_RUNTIME_API"), 0);
  // NOLINTEND(concurrency-mt-unsafe)
  EXPECT_EQ(status, 1);
  EXPECT_EQ(seen, "from-the-process");
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, testing::Post::Kind::init_error);
  EXPECT_EQ(nlohmann::json::parse(posts[0].body)["errorMessage"],
            "DN_STARTUP_TEST_UNSET is not set");
  EXPECT_EQ(api.next_requests(), 0U);
}

}  // namespace
}  // namespace dn::runtime
