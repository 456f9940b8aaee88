// One log and metric shape for every function: a JSON object per line on stdout, and metrics as
// CloudWatch Embedded Metric Format (EMF) lines. The runtime loop sets the request context
// (request id, trace id, cold start) and flushes metrics once per invocation, so handlers only
// call logger().info(...) and metrics().add(...).
//
//   dn::runtime::logger().info("queued", {{"date", date}, {"count", n}});
//   dn::runtime::metrics().add("NotificationsQueued", n, dn::runtime::Unit::Count);
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dn::runtime {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

// "DEBUG" / "INFO" / "WARN" (or "WARNING") / "ERROR", case-insensitive; nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);  // "DEBUG", "INFO", "WARN", "ERROR"

// What every line carries besides its message.
struct LogContext {
  std::string service{};     // SERVICE_NAME
  std::string request_id{};  // empty outside an invocation (logged as null)
  std::string trace_id{};    // omitted from the line when empty
  bool cold_start = true;    // true until the second invocation of the process begins
};

// ISO-8601 UTC with milliseconds, e.g. 2024-03-31T01:02:03.004Z.
std::string format_timestamp(std::chrono::system_clock::time_point when);

// Pure: one log line (no trailing newline) with the fixed keys timestamp, level, message,
// service, requestId, coldStart, traceId (when known), followed by `fields` (an object; null
// means none, any other value is stored under "data"). A field whose name clashes with a fixed
// key is kept under "context" instead of overwriting it. Invalid UTF-8 is replaced, not thrown.
std::string format_log_line(LogLevel level, std::string_view message, const nlohmann::json& fields,
                            const LogContext& context, std::chrono::system_clock::time_point now);

// Where finished lines go: stdout by default. Tests may capture them; pass nullptr to restore.
using LineSink = std::function<void(std::string_view line)>;
void set_line_sink(LineSink sink);

class Logger {
 public:
  // Level from LOG_LEVEL (default INFO), service from SERVICE_NAME.
  Logger();

  void debug(std::string_view message, const nlohmann::json& fields = nullptr);
  void info(std::string_view message, const nlohmann::json& fields = nullptr);
  void warn(std::string_view message, const nlohmann::json& fields = nullptr);
  void error(std::string_view message, const nlohmann::json& fields = nullptr);
  void log(LogLevel level, std::string_view message, const nlohmann::json& fields = nullptr);

  [[nodiscard]] bool enabled(LogLevel level) const;
  void set_level(LogLevel level);
  void set_service(std::string service);

  // Called by the runtime loop around each invocation.
  void begin_invocation(std::string request_id, std::string trace_id, bool cold_start);
  void end_invocation();
  [[nodiscard]] LogContext context() const;

 private:
  mutable std::mutex mutex_;
  LogLevel level_ = LogLevel::Info;
  LogContext context_;
};

// The process-wide logger.
Logger& logger();

// CloudWatch units accepted in EMF.
enum class Unit {
  None,
  Count,
  CountPerSecond,
  Seconds,
  Milliseconds,
  Microseconds,
  Bytes,
  Kilobytes,
  Megabytes,
  Percent,
};
std::string_view unit_name(Unit unit);  // "Count", "Milliseconds", ...

struct Metric {
  std::string name{};
  Unit unit = Unit::Count;
  std::vector<double> values{};  // one or more samples of this invocation
};

// Pure: the EMF lines (usually one) for `metrics`, dimension set [["service"]], `_aws.Timestamp`
// in epoch milliseconds. EMF allows 100 metrics per line and 100 values per metric; larger sets
// are split over several lines. `properties` (an object or null) adds non-metric keys such as
// requestId. Returns no line for an empty set.
std::vector<std::string> format_emf_lines(std::string_view metrics_namespace,
                                          std::string_view service,
                                          const std::vector<Metric>& metrics,
                                          const nlohmann::json& properties,
                                          std::chrono::system_clock::time_point now);

class Metrics {
 public:
  // Namespace from METRICS_NAMESPACE (default "DailyNotifications"), service from SERVICE_NAME.
  Metrics();

  // Adds a sample. Repeated names keep every sample (first unit wins). An invalid name (empty,
  // longer than 255, or a reserved key) or a non-finite value is logged as a warning and dropped.
  void add(std::string_view name, double value, Unit unit = Unit::Count);

  // Writes the pending samples as EMF line(s) with the current request id, then clears them.
  // Returns the number of lines written. The runtime loop calls this after each invocation.
  std::size_t flush();

  [[nodiscard]] std::vector<Metric> pending() const;
  void set_namespace(std::string metrics_namespace);
  void set_service(std::string service);

 private:
  mutable std::mutex mutex_;
  std::string namespace_;
  std::string service_;
  std::vector<Metric> pending_;
};

// The process-wide metrics buffer.
Metrics& metrics();

}  // namespace dn::runtime
