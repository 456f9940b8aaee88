#include "dn/aws/retry.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace dn::aws {
namespace {

using std::chrono::milliseconds;
using testing::FakeTime;

TEST(AwsRetry, BackoffCapDoublesUpToMaxDelay) {
  const RetryPolicy policy{6, milliseconds(50), milliseconds(300)};
  EXPECT_EQ(policy.backoff_cap(1), milliseconds(50));
  EXPECT_EQ(policy.backoff_cap(2), milliseconds(100));
  EXPECT_EQ(policy.backoff_cap(3), milliseconds(200));
  EXPECT_EQ(policy.backoff_cap(4), milliseconds(300));
  EXPECT_EQ(policy.backoff_cap(100), milliseconds(300));
}

TEST(AwsRetry, FullJitterDrawsBelowTheCap) {
  auto hooks = RetryHooks::real();
  for (int i = 0; i < 200; ++i) {
    const auto d = hooks.jitter(milliseconds(40));
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 40);
  }
}

TEST(AwsRetry, RetriesRetryableErrorsUntilAttemptsRunOut) {
  auto time = std::make_shared<FakeTime>();
  const RetryPolicy policy{4, milliseconds(10), milliseconds(1000)};
  int calls = 0;
  const Result<int> r = with_retries<int>(policy, testing::fake_hooks(time), std::nullopt, [&] {
    ++calls;
    return Result<int>(Error{"ThrottlingException", "", 400, true});
  });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(time->sleeps,
            (std::vector<milliseconds>{milliseconds(10), milliseconds(20), milliseconds(40)}));
}

TEST(AwsRetry, StopsAtNonRetryableErrorAndOnSuccess) {
  auto time = std::make_shared<FakeTime>();
  const RetryPolicy policy{5, milliseconds(10), milliseconds(1000)};
  int calls = 0;
  auto r = with_retries<int>(policy, testing::fake_hooks(time), std::nullopt, [&] {
    ++calls;
    return Result<int>(Error{"ValidationException", "", 400, false});
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.error().code, "ValidationException");

  calls = 0;
  auto ok = with_retries<int>(policy, testing::fake_hooks(time), std::nullopt, [&] {
    ++calls;
    return calls < 3 ? Result<int>(Error{"InternalServerError", "", 500, true}) : Result<int>(42);
  });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  EXPECT_EQ(calls, 3);
}

TEST(AwsRetry, NeverSleepsPastTheDeadline) {
  auto time = std::make_shared<FakeTime>();
  const RetryPolicy policy{10, milliseconds(100), milliseconds(10000)};
  // Sleeps would be 100, 200, 400, 800: the deadline 750 ms away admits 100 + 200 + 400 only if
  // each sleep ends before it; 100+200 = 300 < 750, +400 = 700 < 750, +800 crosses it.
  const auto deadline = time->now + milliseconds(750);
  int calls = 0;
  auto r = with_retries<int>(policy, testing::fake_hooks(time), deadline, [&] {
    ++calls;
    return Result<int>(Error{"SlowDown", "", 503, true});
  });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(calls, 4);
  EXPECT_LT(time->now, deadline);
  EXPECT_EQ(time->sleeps.size(), 3U);
}

TEST(AwsRetry, ClassifiesCodesAndStatuses) {
  for (const char* code :
       {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "TooManyRequestsException", "SlowDown", "RequestTimeout", "InternalServerError"}) {
    EXPECT_TRUE(is_retryable_code(code)) << code;
  }
  for (const char* code : {"ValidationException", "AccessDenied", "NoSuchKey",
                           "ConditionalCheckFailedException", ""}) {
    EXPECT_FALSE(is_retryable_code(code)) << code;
  }
  for (long status : {429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(status));
  for (long status : {200L, 400L, 403L, 404L, 501L}) EXPECT_FALSE(is_retryable_status(status));
}

}  // namespace
}  // namespace dn::aws
