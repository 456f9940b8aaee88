#include "dn/runtime/startup.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace dn::runtime {

GetenvFn process_env() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at init, before any other thread exists
  return [](const char* name) { return std::getenv(name); };
}

std::string Env::required(const char* name) const {
  const char* v = getenv_(name);
  if (v == nullptr || *v == '\0') throw std::runtime_error(std::string(name) + " is not set");
  return v;
}

std::string Env::value_or(const char* name, std::string fallback) const {
  const char* v = getenv_(name);
  return v == nullptr || *v == '\0' ? std::move(fallback) : std::string(v);
}

int Env::positive_int(const char* name, int fallback, int max) const {
  const char* v = getenv_(name);
  if (v == nullptr || *v == '\0') return fallback;
  int out = 0;
  const std::string_view s(v);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || out < 1 || out > max) {
    throw std::runtime_error(std::string(name) + " must be an integer 1.." + std::to_string(max));
  }
  return out;
}

std::string Env::one_of(const char* name, const std::vector<std::string>& allowed,
                        std::string fallback) const {
  std::string value = value_or(name, std::move(fallback));
  for (const auto& a : allowed) {
    if (value == a) return value;
  }
  std::string message = std::string(name) + " must be ";
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) message += i + 1 == allowed.size() ? " or " : ", ";
    message += allowed[i];
  }
  throw std::runtime_error(message);
}

std::optional<std::chrono::system_clock::time_point> working_deadline(const Request& request) {
  if (request.deadline.time_since_epoch().count() == 0) return std::nullopt;
  return request.deadline - kDeadlineMargin;
}

int start(const std::function<Handler(const GetenvFn&)>& init) {
  return run_with_init([&init] { return init(process_env()); });
}

}  // namespace dn::runtime
