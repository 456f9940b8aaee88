#include "dn/aws/retry.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <string_view>
#include <thread>

namespace dn::aws {

std::string Error::to_string() const {
  std::string out = code;
  if (http_status != 0) out += " (HTTP " + std::to_string(http_status) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

std::chrono::milliseconds RetryPolicy::backoff_cap(int retry) const {
  // Beyond 2^30 every realistic cap is reached; clamping keeps the shift defined.
  const int exponent = std::clamp(retry - 1, 0, 30);
  const auto uncapped = base_delay.count() * (std::int64_t{1} << exponent);
  return std::chrono::milliseconds(std::min<std::int64_t>(uncapped, max_delay.count()));
}

RetryHooks RetryHooks::real() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return RetryHooks{[] { return Clock::now(); },
                    [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); },
                    [engine](std::chrono::milliseconds cap) {
                      std::uniform_int_distribution<std::int64_t> pick(
                          0, std::max<std::int64_t>(cap.count(), 0));
                      return std::chrono::milliseconds(pick(*engine));
                    }};
}

bool is_retryable_code(std::string_view code) {
  // Throttling and transient codes across DynamoDB, SQS, S3, Secrets Manager (as the AWS SDKs
  // classify them).
  static constexpr std::array<std::string_view, 22> kCodes{
      "Throttling",
      "ThrottlingException",
      "ThrottledException",
      "RequestThrottledException",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "TransactionInProgressException",
      "RequestLimitExceeded",
      "BandwidthLimitExceeded",
      "LimitExceededException",
      "RequestThrottled",
      "SlowDown",
      "PriorRequestNotComplete",
      "EC2ThrottledException",
      "RequestTimeout",
      "RequestTimeoutException",
      "InternalError",
      "InternalFailure",
      "InternalServerError",
      "ServiceUnavailable",
      "InternalServiceError",
      "NetworkError",
  };
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

bool is_retryable_status(long http_status) {
  return http_status == 429 || http_status == 500 || http_status == 502 || http_status == 503 ||
         http_status == 504;
}

Backoff::Backoff(RetryPolicy policy, RetryHooks hooks, std::optional<Clock::time_point> deadline)
    : policy_(policy), hooks_(std::move(hooks)), deadline_(deadline) {}

bool Backoff::deadline_passed() const {
  return deadline_ && hooks_.now() >= *deadline_;
}

bool Backoff::wait() {
  if (attempts_ >= policy_.max_attempts) return false;
  const auto delay = hooks_.jitter(policy_.backoff_cap(attempts_));
  if (deadline_ && hooks_.now() + delay >= *deadline_) return false;
  hooks_.sleep(delay);
  ++attempts_;
  return true;
}

}  // namespace dn::aws
