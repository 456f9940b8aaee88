// Retry policy: exponential backoff with full jitter, a capped attempt count, never past the
// deadline. Clock, sleeper and jitter are injectable so the policy is testable without waiting.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "dn/aws/result.hpp"

namespace dn::aws {

using Clock = std::chrono::system_clock;

struct RetryPolicy {
  int max_attempts = 5;  // total attempts, the first included (>= 1)
  std::chrono::milliseconds base_delay{50};
  std::chrono::milliseconds max_delay{5000};

  // Upper bound of the sleep before retry number `retry` (1 = the sleep after the first
  // failure): min(max_delay, base_delay * 2^(retry-1)).
  [[nodiscard]] std::chrono::milliseconds backoff_cap(int retry) const;
};

struct RetryHooks {
  std::function<Clock::time_point()> now;                // the current time
  std::function<void(std::chrono::milliseconds)> sleep;  // block for this long
  // A uniformly random duration in [0, cap] (full jitter).
  std::function<std::chrono::milliseconds(std::chrono::milliseconds cap)> jitter;

  // system_clock::now, std::this_thread::sleep_for, a std::mt19937_64 seeded from random_device.
  static RetryHooks real();
};

// Throttling and transient AWS error codes (ThrottlingException, SlowDown, RequestTimeout...).
bool is_retryable_code(std::string_view code);
// 429, 500, 502, 503, 504.
bool is_retryable_status(long http_status);

// Paces the retries of one logical operation. Usage:
//   Backoff backoff(policy, hooks, deadline);
//   while (true) { auto r = attempt(); if (done(r) || !backoff.wait()) return r; }
class Backoff {
 public:
  Backoff(RetryPolicy policy, RetryHooks hooks, std::optional<Clock::time_point> deadline);

  // Sleeps before the next attempt and returns true; returns false (without sleeping) when the
  // attempts are used up or the sleep would end at or past the deadline.
  bool wait();
  [[nodiscard]] int attempts() const { return attempts_; }  // attempts started so far (>= 1)
  // True when the deadline has passed (or none is set: false).
  [[nodiscard]] bool deadline_passed() const;

 private:
  RetryPolicy policy_;
  RetryHooks hooks_;
  std::optional<Clock::time_point> deadline_;
  int attempts_ = 1;
};

// Runs `attempt` until it succeeds, fails with a non-retryable error, the attempts are used up,
// or the next sleep would cross the deadline; returns the last result.
template <class T, class F>
Result<T> with_retries(const RetryPolicy& policy, const RetryHooks& hooks,
                       std::optional<Clock::time_point> deadline, F&& attempt) {
  Backoff backoff(policy, hooks, deadline);
  while (true) {
    Result<T> result = attempt();
    if (result.ok() || !result.error().retryable || !backoff.wait()) return result;
  }
}

}  // namespace dn::aws
