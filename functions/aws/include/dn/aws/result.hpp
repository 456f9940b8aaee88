// Result<T>: a value or an AWS-flavoured Error (C++20 has no std::expected).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace dn::aws {

// What went wrong with an AWS call. `code` is the AWS error code without its namespace
// (e.g. "ProvisionedThroughputExceededException", "NoSuchKey") or one of ours:
// "NetworkError", "DeadlineExceeded", "InvalidArgument", "InvalidResponse", "HttpError",
// "UnprocessedItems", "BatchEntriesFailed", "Aborted", "ConfigError".
struct Error {
  std::string code{};
  std::string message{};
  long http_status = 0;    // 0 when no HTTP response was received
  bool retryable = false;  // worth trying again later (throttling, 5xx, network, deadline)
  // A JSON protocol error's body, verbatim, for callers that read fields beyond code and
  // message (DynamoDB's CancellationReasons, or the Item of ReturnValuesOnConditionCheckFailure).
  // It may hold item data, so to_string() never includes it.
  std::string body{};

  // "code (HTTP 400): message" — safe to log: never contains credentials or request headers.
  [[nodiscard]] std::string to_string() const;
};

// Thrown only when value() is read from a failed Result (a programming error).
class BadResultAccess : public std::logic_error {
 public:
  explicit BadResultAccess(const Error& error)
      : std::logic_error("Result holds an error: " + error.to_string()) {}
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  [[nodiscard]] T& value() & {
    check();
    return std::get<0>(state_);
  }
  [[nodiscard]] const T& value() const& {
    check();
    return std::get<0>(state_);
  }
  [[nodiscard]] T&& value() && {
    check();
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  [[nodiscard]] const Error& error() const { return std::get<1>(state_); }

 private:
  void check() const {
    if (!ok()) throw BadResultAccess(std::get<1>(state_));
  }
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT implicit

  [[nodiscard]] bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // Throws BadResultAccess when the call failed; a no-op otherwise.
  void value() const {
    if (!ok_) throw BadResultAccess(error_);
  }
  // Precondition: !ok().
  [[nodiscard]] const Error& error() const { return error_; }

 private:
  Error error_{};
  bool ok_ = true;
};

}  // namespace dn::aws
