// Expected<T, E>: a value, or the E that says why there is none (C++20 has no std::expected).
// The one shape of every fallible answer: dn::aws::Result<T> is Expected<T, aws::Error>, and
// core's rules answer dn::core::Expected<T> (E = core::Reason, or core::ApiError at the API).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace dn::util {

// Thrown only when value() is read from an Expected that holds an error (a programming error).
class BadExpectedAccess : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
// What BadExpectedAccess says of `error`: its to_string() or its text, when it has one.
template <class E>
std::string describe(const E& error) {
  if constexpr (requires { error.to_string(); }) {
    return "holds an error: " + error.to_string();
  } else if constexpr (requires { std::string(error.text); }) {
    return "holds an error: " + std::string(error.text);
  } else {
    return "holds an error";
  }
}
}  // namespace detail

template <class T, class E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT implicit
  Expected(E error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

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
  T&& operator*() && { return std::move(*this).value(); }

  // Precondition: !ok().
  [[nodiscard]] const E& error() const { return std::get<1>(state_); }

 private:
  void check() const {
    if (!ok()) throw BadExpectedAccess(detail::describe(std::get<1>(state_)));
  }
  std::variant<T, E> state_;
};

// Success without a value, or the error.
template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT implicit

  [[nodiscard]] bool ok() const { return ok_; }
  // No conversion to bool: `if (check(x))` would read as "passed" to some and "failed" to others.
  explicit operator bool() const = delete;
  // Throws BadExpectedAccess when there is an error; a no-op otherwise.
  void value() const {
    if (!ok_) throw BadExpectedAccess(detail::describe(error_));
  }
  // Precondition: !ok().
  [[nodiscard]] const E& error() const { return error_; }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace dn::util
