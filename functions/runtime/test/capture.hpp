// Captures the lines the logger and metrics write, for the duration of a test.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dn/runtime/log.hpp"

namespace dn::runtime::test {

class CapturedLines {
 public:
  CapturedLines() {
    set_line_sink([this](std::string_view line) {
      const std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~CapturedLines() {
    set_line_sink(nullptr);
    logger().set_level(LogLevel::Info);
  }
  CapturedLines(const CapturedLines&) = delete;
  CapturedLines& operator=(const CapturedLines&) = delete;
  CapturedLines(CapturedLines&&) = delete;
  CapturedLines& operator=(CapturedLines&&) = delete;

  [[nodiscard]] std::vector<nlohmann::json> parsed() const {
    const std::lock_guard lock(mutex_);
    std::vector<nlohmann::json> out;
    out.reserve(lines_.size());
    for (const auto& line : lines_) {
      out.push_back(nlohmann::json::parse(line));  // throws (fails the test) on a non-JSON line
    }
    return out;
  }

  // Log lines (not EMF) whose message equals `message`.
  [[nodiscard]] std::vector<nlohmann::json> with_message(std::string_view message) const {
    std::vector<nlohmann::json> out;
    for (auto& line : parsed()) {
      if (line.contains("message") && line["message"] == message) {
        out.push_back(std::move(line));
      }
    }
    return out;
  }

  [[nodiscard]] std::vector<nlohmann::json> emf() const {
    std::vector<nlohmann::json> out;
    for (auto& line : parsed()) {
      if (line.contains("_aws")) {
        out.push_back(std::move(line));
      }
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace dn::runtime::test
