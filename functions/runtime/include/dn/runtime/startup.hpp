// One start-up path for every function: configuration is read once from the environment at
// init, a missing or bad setting is an init error whose message names the variable (never its
// value), and each invocation's AWS calls stop one fixed margin before Lambda's deadline.
//
//   int main() { return dn::runtime::start(dn::generate::handler_from_env); }
//
//   runtime::Handler handler_from_env(const runtime::GetenvFn& getenv) {
//     const runtime::Env env(getenv);
//     auto parts = std::make_shared<Parts>(env.required("TABLE_NAME"), ...);
//     return runtime::serve(parts);  // parts->client gets the deadline, parts->handler handles
//   }
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dn/runtime/runtime.hpp"

namespace dn::runtime {

// A getenv: nullptr for an unset variable (std::getenv's contract). Tests inject one.
using GetenvFn = std::function<const char*(const char*)>;

// The process environment. Read at init only, before any other thread exists.
GetenvFn process_env();

// Settings read through a GetenvFn. A failure throws std::runtime_error naming the variable and
// what it must be, never the value it has, so an init error cannot leak a secret.
class Env {
 public:
  explicit Env(GetenvFn getenv) : getenv_(std::move(getenv)) {}

  // The value; "<NAME> is not set" when unset or empty.
  [[nodiscard]] std::string required(const char* name) const;
  // The value, or `fallback` when unset or empty.
  [[nodiscard]] std::string value_or(const char* name, std::string fallback) const;
  // An integer in 1..max, or `fallback` when unset or empty; "<NAME> must be an integer 1..<max>".
  [[nodiscard]] int positive_int(const char* name, int fallback, int max) const;
  // One of `allowed`, or `fallback` when unset or empty; "<NAME> must be a, b or c".
  [[nodiscard]] std::string one_of(const char* name, const std::vector<std::string>& allowed,
                                   std::string fallback) const;

  [[nodiscard]] const GetenvFn& getenv() const { return getenv_; }

 private:
  GetenvFn getenv_;
};

// How long before Lambda's deadline every function stops its AWS calls (retries included), so
// that it can still log, flush metrics and post its result.
inline constexpr std::chrono::seconds kDeadlineMargin{2};

// Lambda's deadline minus kDeadlineMargin; nullopt when the invocation has none (a direct call
// outside Lambda).
std::optional<std::chrono::system_clock::time_point> working_deadline(const Request& request);

// The runtime handler of a function whose parts `parts` owns for the life of the process: before
// each invocation `parts->client->set_deadline(working_deadline(request))`, then
// `parts->handler->handle(request)`.
template <typename Parts>
Handler serve(std::shared_ptr<Parts> parts) {
  return [parts = std::move(parts)](const Request& request) {
    parts->client->set_deadline(working_deadline(request));
    return parts->handler->handle(request);
  };
}

// A function's whole main: `init` gets the process environment once, then the loop runs
// (run_with_init: an exception from init is posted as the init error, and start returns 1).
int start(const std::function<Handler(const GetenvFn&)>& init);

}  // namespace dn::runtime
