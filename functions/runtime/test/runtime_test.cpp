// Drives dn::runtime::run through the local Runtime API stub and checks what it posts.
#include "dn/runtime/runtime.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture.hpp"
#include "dn/runtime/log.hpp"
#include "dn/runtime/testing/stub_runtime_api.hpp"

namespace dn::runtime {
namespace {

using testing::Post;
using testing::StubRuntimeApi;
using namespace std::chrono_literals;

constexpr auto kLoopDeadline = 20s;

std::int64_t epoch_ms(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

class RuntimeTest : public ::testing::Test {
 protected:
  Options options(std::size_t max_invocations) const {
    Options result;
    result.endpoint = stub_->endpoint();
    result.max_invocations = max_invocations;
    result.retry_delay = 0ms;
    return result;
  }

  // Runs the loop on another thread so a hung client fails the test instead of hanging it:
  // on timeout the stub is torn down, which makes the client's calls fail and the loop return.
  int run_bounded(const std::function<int()>& body) {
    auto future = std::async(std::launch::async, body);
    if (future.wait_for(kLoopDeadline) != std::future_status::ready) {
      ADD_FAILURE() << "runtime loop did not finish within the deadline";
      stub_.reset();
      const int status = future.get();
      stub_ = std::make_unique<StubRuntimeApi>();  // empty, so the checks that follow fail cleanly
      return status;
    }
    return future.get();
  }

  int run_handler(const Handler& handler, std::size_t max_invocations) {
    const auto opts = options(max_invocations);
    return run_bounded([&] { return run(handler, opts); });
  }

  static nlohmann::json body_json(const Post& post) { return nlohmann::json::parse(post.body); }

  // `post` is invocation `request_id`'s error post, of `error_type`.
  static void expect_error_post(const Post& post, const std::string& request_id,
                                const std::string& error_type) {
    EXPECT_EQ(post.kind, Post::Kind::error);
    EXPECT_EQ(post.request_id, request_id);
    EXPECT_EQ(post.path,
              std::string("/2018-06-01/runtime/invocation/").append(request_id).append("/error"));
    EXPECT_EQ(post.headers.at("lambda-runtime-function-error-type"), error_type);
  }

  std::unique_ptr<StubRuntimeApi> stub_ = std::make_unique<StubRuntimeApi>();
  test::CapturedLines lines_;
};

TEST_F(RuntimeTest, SuccessIsPostedToResponseWithBodyAndContentType) {
  // Designated initialisers, as handler tests are expected to write them.
  stub_->enqueue({.request_id = "req-1", .payload = R"({"x":1})"});
  const Options opts{.endpoint = stub_->endpoint(), .max_invocations = 1};
  const int status = run_bounded([&] {
    return run(
        [](const Request& request) {
          return Response::success("echo:" + request.payload, "text/plain");
        },
        opts);
  });

  EXPECT_EQ(status, 0);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::response);
  EXPECT_EQ(posts[0].method, "POST");
  EXPECT_EQ(posts[0].path, "/2018-06-01/runtime/invocation/req-1/response");
  EXPECT_EQ(posts[0].request_id, "req-1");
  EXPECT_EQ(posts[0].body, R"(echo:{"x":1})");
  EXPECT_EQ(posts[0].headers.at("content-type"), "text/plain");
}

TEST_F(RuntimeTest, FailureIsPostedToErrorAsJsonWithoutStack) {
  stub_->enqueue(testing::invocation("req-2"));
  const int status = run_handler(
      [](const Request&) { return Response::failure("Validation", "date must be YYYY-MM-DD"); }, 1);

  EXPECT_EQ(status, 0);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 1U);
  expect_error_post(posts[0], "req-2", "Validation");
  const auto body = body_json(posts[0]);
  EXPECT_EQ(body, (nlohmann::json{{"errorType", "Validation"},
                                  {"errorMessage", "date must be YYYY-MM-DD"}}));
}

TEST_F(RuntimeTest, ThrownExceptionBecomesErrorPostAndTheLoopGoesOn) {
  stub_->enqueue(testing::invocation("req-throw"));
  stub_->enqueue(testing::invocation("req-after"));
  int calls = 0;
  const int status = run_handler(
      [&calls](const Request&) -> Response {
        if (++calls == 1) {
          throw std::runtime_error("boom");
        }
        return Response::success("{}");
      },
      2);

  EXPECT_EQ(status, 0);
  EXPECT_EQ(calls, 2);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 2U);
  expect_error_post(posts[0], "req-throw", "UnhandledException");
  EXPECT_EQ(body_json(posts[0]),
            (nlohmann::json{{"errorType", "UnhandledException"}, {"errorMessage", "boom"}}));
  EXPECT_EQ(posts[1].kind, Post::Kind::response);
  EXPECT_EQ(posts[1].request_id, "req-after");
}

TEST_F(RuntimeTest, ErrorTypeCannotInjectHeaders) {
  stub_->enqueue(testing::invocation("req-inject"));
  run_handler([](const Request&) { return Response::failure("Bad\r\nX-Injected: 1", "m"); }, 1);

  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].headers.count("x-injected"), 0U);
  EXPECT_EQ(posts[0].headers.at("lambda-runtime-function-error-type"), "Bad__X-Injected: 1");
}

TEST_F(RuntimeTest, DeadlineAndRemainingComeFromTheDeadlineHeader) {
  const auto deadline = std::chrono::system_clock::now() + 5s;
  const auto deadline_ms = epoch_ms(deadline);
  auto on_time = testing::invocation("req-deadline");
  on_time.deadline_ms = deadline_ms;
  auto late = testing::invocation("req-late");
  late.deadline_ms = deadline_ms - 60000;
  stub_->enqueue(on_time);
  stub_->enqueue(late);
  std::vector<std::chrono::system_clock::time_point> seen_deadlines;
  std::vector<std::chrono::milliseconds> seen_remaining;
  const int status = run_handler(
      [&](const Request& request) {
        seen_deadlines.push_back(request.deadline);
        seen_remaining.push_back(request.remaining());
        return Response::success("{}");
      },
      2);

  EXPECT_EQ(status, 0);
  ASSERT_EQ(seen_deadlines.size(), 2U);
  EXPECT_EQ(epoch_ms(seen_deadlines[0]), deadline_ms);
  EXPECT_GT(seen_remaining[0], 0ms);
  EXPECT_LE(seen_remaining[0], 5000ms);
  EXPECT_EQ(epoch_ms(seen_deadlines[1]), deadline_ms - 60000);
  EXPECT_EQ(seen_remaining[1], 0ms);  // past deadline: clamped, never negative
}

TEST_F(RuntimeTest, TraceIdAndInvocationHeadersAreExposed) {
  const std::string trace =
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  auto traced = testing::invocation("req-traced");
  traced.trace_id = trace;
  traced.function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:find-daily";
  traced.client_context = R"({"client":{}})";
  traced.cognito_identity = R"({"cognitoIdentityId":"id"})";
  stub_->enqueue(traced);
  stub_->enqueue(testing::invocation("req-untraced"));
  std::vector<Request> seen;
  std::vector<std::string> env_trace;
  const int status = run_handler(
      [&](const Request& request) {
        seen.push_back(request);
        const char* value = std::getenv("_X_AMZN_TRACE_ID");  // NOLINT(concurrency-mt-unsafe)
        env_trace.emplace_back(value == nullptr ? "<unset>" : value);
        return Response::success("{}");
      },
      2);

  EXPECT_EQ(status, 0);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].trace_id, trace);
  EXPECT_EQ(seen[0].function_arn, "arn:aws:lambda:eu-west-2:123456789012:function:find-daily");
  EXPECT_EQ(seen[0].client_context, R"({"client":{}})");
  EXPECT_EQ(seen[0].cognito_identity, R"({"cognitoIdentityId":"id"})");
  EXPECT_EQ(env_trace[0], trace);
  EXPECT_EQ(seen[1].trace_id, "");
  EXPECT_EQ(env_trace[1], "<unset>");
}

TEST_F(RuntimeTest, RepeatedRequestIdRunsTheHandlerOnce) {
  stub_->enqueue(testing::invocation("req-A", R"({"n":1})"));
  stub_->enqueue(testing::invocation("req-A", R"({"n":1})"));
  stub_->enqueue(testing::invocation("req-B", R"({"n":2})"));
  std::vector<std::string> handled;
  const int status = run_handler(
      [&](const Request& request) {
        handled.push_back(request.request_id);
        return Response::success(request.payload);
      },
      2);

  EXPECT_EQ(status, 0);
  EXPECT_EQ(handled, (std::vector<std::string>{"req-A", "req-B"}));
  EXPECT_EQ(stub_->next_requests(), 3U);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 2U);
  EXPECT_EQ(posts[0].request_id, "req-A");
  EXPECT_EQ(posts[1].request_id, "req-B");
  const auto warnings = lines_.with_message("repeated request id ignored");
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0]["level"], "WARN");
  EXPECT_EQ(warnings[0]["repeatedRequestId"], "req-A");
}

TEST_F(RuntimeTest, InitErrorIsPostedAndNoInvocationIsPolled) {
  const auto opts = options(1);
  const int status = run_bounded([&] {
    return run_with_init([]() -> Handler { throw std::runtime_error("CURSOR_SECRET_ARN not set"); },
                         opts);
  });

  EXPECT_NE(status, 0);
  EXPECT_EQ(stub_->next_requests(), 0U);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::init_error);
  EXPECT_EQ(posts[0].path, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(posts[0].headers.at("lambda-runtime-function-error-type"), "InitError");
  EXPECT_EQ(body_json(posts[0]), (nlohmann::json{{"errorType", "InitError"},
                                                 {"errorMessage", "CURSOR_SECRET_ARN not set"}}));
}

TEST_F(RuntimeTest, InitRunsOnceAndItsHandlerServesEveryInvocation) {
  stub_->enqueue(testing::invocation("req-1"));
  stub_->enqueue(testing::invocation("req-2"));
  int inits = 0;
  const auto opts = options(2);
  const int status = run_bounded([&] {
    return run_with_init(
        [&inits]() -> Handler {
          ++inits;
          std::string key = "config-" + std::to_string(inits);
          return [key](const Request&) { return Response::success(key); };
        },
        opts);
  });

  EXPECT_EQ(status, 0);
  EXPECT_EQ(inits, 1);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 2U);
  EXPECT_EQ(posts[0].body, "config-1");
  EXPECT_EQ(posts[1].body, "config-1");
}

TEST_F(RuntimeTest, OneConnectionIsReusedAcrossInvocations) {
  for (int i = 0; i < 4; ++i) {
    stub_->enqueue(testing::invocation("req-" + std::to_string(i)));
  }
  const int status = run_handler([](const Request&) { return Response::success("{}"); }, 4);

  EXPECT_EQ(status, 0);
  EXPECT_EQ(stub_->next_requests(), 4U);
  EXPECT_EQ(stub_->connections_accepted(), 1U);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 4U);
  for (const auto& post : posts) {
    EXPECT_EQ(post.connection, 1U);
  }
}

TEST_F(RuntimeTest, TransientNextErrorsAreRetried) {
  stub_->enqueue(testing::failing_next(500));
  stub_->enqueue(testing::invocation("req-ok"));
  auto opts = options(1);
  opts.max_attempts = 3;
  std::vector<std::string> handled;
  const int status = run_bounded([&] {
    return run(
        [&](const Request& request) {
          handled.push_back(request.request_id);
          return Response::success("{}");
        },
        opts);
  });

  EXPECT_EQ(status, 0);
  EXPECT_EQ(handled, (std::vector<std::string>{"req-ok"}));
  EXPECT_EQ(stub_->next_requests(), 2U);
}

TEST_F(RuntimeTest, PersistentNextErrorsEndTheLoopNonZeroAfterBoundedAttempts) {
  for (int i = 0; i < 5; ++i) {
    stub_->enqueue(testing::failing_next(503));
  }
  auto opts = options(1);
  opts.max_attempts = 3;
  bool called = false;
  const int status = run_bounded([&] {
    return run(
        [&](const Request&) {
          called = true;
          return Response::success("{}");
        },
        opts);
  });

  EXPECT_NE(status, 0);
  EXPECT_FALSE(called);
  EXPECT_EQ(stub_->next_requests(), 3U);
  EXPECT_EQ(lines_.with_message("runtime api call failed").size(), 3U);
}

TEST_F(RuntimeTest, UnreachableRuntimeApiEndsTheLoopNonZero) {
  auto opts = options(1);
  stub_.reset();  // nothing listens on that port any more
  opts.max_attempts = 2;
  const int status = run_bounded(
      [&] { return run([](const Request&) { return Response::success("{}"); }, opts); });
  EXPECT_NE(status, 0);
}

TEST_F(RuntimeTest, MissingRuntimeApiEndpointIsAnError) {
  (void)unsetenv("AWS_LAMBDA_RUNTIME_API");  // NOLINT(concurrency-mt-unsafe)
  Options opts;
  opts.max_invocations = 1;
  const int status = run([](const Request&) { return Response::success("{}"); }, opts);
  EXPECT_NE(status, 0);
  EXPECT_EQ(
      lines_.with_message("AWS_LAMBDA_RUNTIME_API is not set; not running inside Lambda").size(),
      1U);
}

TEST_F(RuntimeTest, EndpointIsReadFromTheEnvironment) {
  stub_->enqueue(testing::invocation("req-env"));
  const std::string endpoint = stub_->endpoint();
  (void)setenv("AWS_LAMBDA_RUNTIME_API", endpoint.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  Options opts;
  opts.max_invocations = 1;
  const int status = run_bounded(
      [&] { return run([](const Request&) { return Response::success("{}"); }, opts); });
  (void)unsetenv("AWS_LAMBDA_RUNTIME_API");  // NOLINT(concurrency-mt-unsafe)

  EXPECT_EQ(status, 0);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].request_id, "req-env");
}

TEST_F(RuntimeTest, OversizedResponseIsReportedAsAnError) {
  stub_->set_response_status(413);
  stub_->enqueue(testing::invocation("req-big"));
  const int status =
      run_handler([](const Request&) { return Response::success(std::string(1000, 'x')); }, 1);

  EXPECT_EQ(status, 0);
  const auto posts = stub_->posts();
  ASSERT_EQ(posts.size(), 2U);
  EXPECT_EQ(posts[0].kind, Post::Kind::response);
  EXPECT_EQ(posts[1].kind, Post::Kind::error);
  EXPECT_EQ(body_json(posts[1])["errorType"], "Function.ResponseSizeTooLarge");
}

TEST_F(RuntimeTest, LogsCarryTheRequestContextAndColdStart) {
  auto cold = testing::invocation("req-cold");
  cold.trace_id = "Root=1-a";
  stub_->enqueue(cold);
  stub_->enqueue(testing::invocation("req-warm"));
  const int status = run_handler(
      [](const Request& request) {
        logger().info("inside handler", {{"payloadBytes", request.payload.size()}});
        return Response::success("{}");
      },
      2);

  EXPECT_EQ(status, 0);
  const auto inside = lines_.with_message("inside handler");
  ASSERT_EQ(inside.size(), 2U);
  EXPECT_EQ(inside[0]["requestId"], "req-cold");
  EXPECT_EQ(inside[0]["coldStart"], true);
  EXPECT_EQ(inside[0]["traceId"], "Root=1-a");
  EXPECT_EQ(inside[0]["payloadBytes"], 2);
  EXPECT_EQ(inside[1]["requestId"], "req-warm");
  EXPECT_EQ(inside[1]["coldStart"], false);
  EXPECT_FALSE(inside[1].contains("traceId"));

  const auto finished = lines_.with_message("invocation finished");
  ASSERT_EQ(finished.size(), 2U);
  EXPECT_EQ(finished[0]["outcome"], "success");
  EXPECT_EQ(finished[0]["requestId"], "req-cold");
  EXPECT_TRUE(finished[0]["durationMs"].is_number());
  EXPECT_EQ(logger().context().request_id, "");  // cleared between invocations
}

TEST_F(RuntimeTest, FailedInvocationIsLoggedAtErrorWithItsReason) {
  stub_->enqueue(testing::invocation("req-fail"));
  run_handler([](const Request&) { return Response::failure("Downstream", "dynamodb timeout"); },
              1);

  const auto finished = lines_.with_message("invocation finished");
  ASSERT_EQ(finished.size(), 1U);
  EXPECT_EQ(finished[0]["level"], "ERROR");
  EXPECT_EQ(finished[0]["outcome"], "failure");
  EXPECT_EQ(finished[0]["errorType"], "Downstream");
  EXPECT_EQ(finished[0]["errorMessage"], "dynamodb timeout");
}

TEST_F(RuntimeTest, MetricsAreFlushedOncePerInvocation) {
  stub_->enqueue(testing::invocation("req-m1"));
  stub_->enqueue(testing::invocation("req-m2"));
  stub_->enqueue(testing::invocation("req-m3"));
  int call = 0;
  const int status = run_handler(
      [&call](const Request&) {
        ++call;
        if (call != 2) {  // the second invocation records nothing: no EMF line for it
          metrics().add("NotificationsQueued", 10.0 * call, Unit::Count);
          metrics().add("QueueLatency", 1.5, Unit::Milliseconds);
        }
        return Response::success("{}");
      },
      3);

  EXPECT_EQ(status, 0);
  const auto emf = lines_.emf();
  ASSERT_EQ(emf.size(), 2U);
  EXPECT_EQ(emf[0]["requestId"], "req-m1");
  EXPECT_EQ(emf[0]["NotificationsQueued"], 10.0);
  EXPECT_EQ(emf[0]["QueueLatency"], 1.5);
  EXPECT_EQ(emf[0]["_aws"]["CloudWatchMetrics"][0]["Metrics"].size(), 2U);
  EXPECT_EQ(emf[1]["requestId"], "req-m3");
  EXPECT_EQ(emf[1]["NotificationsQueued"], 30.0);
  EXPECT_TRUE(metrics().pending().empty());
}

}  // namespace
}  // namespace dn::runtime
