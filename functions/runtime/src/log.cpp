#include "dn/runtime/log.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <utility>

#include "dn/util/json.hpp"
#include "dn/util/names.hpp"

namespace dn::runtime {
namespace {

using ordered = nlohmann::ordered_json;

constexpr auto kLevels = std::to_array<util::Name<LogLevel>>({{LogLevel::Debug, "DEBUG"},
                                                              {LogLevel::Info, "INFO"},
                                                              {LogLevel::Warn, "WARN"},
                                                              {LogLevel::Error, "ERROR"}});
constexpr auto kUnits = std::to_array<util::Name<Unit>>({{Unit::None, "None"},
                                                         {Unit::Count, "Count"},
                                                         {Unit::CountPerSecond, "Count/Second"},
                                                         {Unit::Seconds, "Seconds"},
                                                         {Unit::Milliseconds, "Milliseconds"},
                                                         {Unit::Microseconds, "Microseconds"},
                                                         {Unit::Bytes, "Bytes"},
                                                         {Unit::Kilobytes, "Kilobytes"},
                                                         {Unit::Megabytes, "Megabytes"},
                                                         {Unit::Percent, "Percent"}});
// EMF limits per directive: 100 metrics, 100 values per metric.
constexpr std::size_t kMaxMetricsPerLine = 100;
constexpr std::size_t kMaxValuesPerMetric = 100;
constexpr std::size_t kMaxMetricNameLength = 255;

std::string env_or(const char* name, std::string fallback) {
  // Read once per process at start-up, before any handler thread exists.
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  return (value != nullptr && *value != '\0') ? std::string(value) : std::move(fallback);
}

std::string dump(const ordered& value) {
  return dn::util::to_json_lossy(value);
}

std::mutex& sink_mutex() {
  static std::mutex mutex;
  return mutex;
}

LineSink& sink_slot() {
  static LineSink sink;
  return sink;
}

void emit(std::string_view line) {
  const std::lock_guard lock(sink_mutex());
  if (const auto& sink = sink_slot()) {
    sink(line);
    return;
  }
  // One write per line so concurrent writers never interleave inside a line.
  std::string buffer;
  buffer.reserve(line.size() + 1);
  buffer.append(line);
  buffer.push_back('\n');
  (void)std::fwrite(buffer.data(), 1, buffer.size(), stdout);
  (void)std::fflush(stdout);
}

bool reserved_key(std::string_view key) {
  static constexpr std::array<std::string_view, 7> kFixed = {
      "timestamp", "level", "message", "service", "requestId", "coldStart", "traceId"};
  for (auto fixed : kFixed) {
    if (fixed == key) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  std::string upper(text);
  for (auto& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (upper == "WARNING") return LogLevel::Warn;
  return util::value_named(kLevels, upper);
}

std::string_view log_level_name(LogLevel level) {
  return util::name_of(kLevels, level);
}

std::string format_timestamp(std::chrono::system_clock::time_point when) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto since_epoch = duration_cast<milliseconds>(when.time_since_epoch()).count();
  auto seconds = static_cast<std::time_t>(since_epoch / 1000);
  auto millis = since_epoch % 1000;
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    seconds -= 1;
  }
  std::tm utc{};
  (void)gmtime_r(&seconds, &utc);
  std::array<char, 40> buffer{};
  const int written = std::snprintf(
      buffer.data(), buffer.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
      utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return {buffer.data(), written > 0 ? static_cast<std::size_t>(written) : 0U};
}

std::string format_log_line(LogLevel level, std::string_view message, const nlohmann::json& fields,
                            const LogContext& context, std::chrono::system_clock::time_point now) {
  ordered line;
  line["timestamp"] = format_timestamp(now);
  line["level"] = log_level_name(level);
  line["message"] = message;
  line["service"] = context.service;
  if (context.request_id.empty()) {
    line["requestId"] = nullptr;
  } else {
    line["requestId"] = context.request_id;
  }
  line["coldStart"] = context.cold_start;
  if (!context.trace_id.empty()) {
    line["traceId"] = context.trace_id;
  }
  if (fields.is_object()) {
    ordered clashes = ordered::object();
    for (const auto& [key, value] : fields.items()) {
      auto& target = reserved_key(key) || key == "context" ? clashes[key] : line[key];
      target = ordered(value);
    }
    if (!clashes.empty()) {
      line["context"] = std::move(clashes);
    }
  } else if (!fields.is_null()) {
    line["data"] = ordered(fields);
  }
  return dump(line);
}

void set_line_sink(LineSink sink) {
  const std::lock_guard lock(sink_mutex());
  sink_slot() = std::move(sink);
}

Logger::Logger() {
  level_ = parse_log_level(env_or("LOG_LEVEL", "INFO")).value_or(LogLevel::Info);
  context_.service = env_or("SERVICE_NAME", "service_undefined");
}

void Logger::debug(std::string_view message, const nlohmann::json& fields) {
  log(LogLevel::Debug, message, fields);
}
void Logger::info(std::string_view message, const nlohmann::json& fields) {
  log(LogLevel::Info, message, fields);
}
void Logger::warn(std::string_view message, const nlohmann::json& fields) {
  log(LogLevel::Warn, message, fields);
}
void Logger::error(std::string_view message, const nlohmann::json& fields) {
  log(LogLevel::Error, message, fields);
}

void Logger::log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  LogContext snapshot;
  {
    const std::lock_guard lock(mutex_);
    if (level < level_) {
      return;
    }
    snapshot = context_;
  }
  emit(format_log_line(level, message, fields, snapshot, std::chrono::system_clock::now()));
}

bool Logger::enabled(LogLevel level) const {
  const std::lock_guard lock(mutex_);
  return level >= level_;
}

void Logger::set_level(LogLevel level) {
  const std::lock_guard lock(mutex_);
  level_ = level;
}

void Logger::set_service(std::string service) {
  const std::lock_guard lock(mutex_);
  context_.service = std::move(service);
}

void Logger::begin_invocation(std::string request_id, std::string trace_id, bool cold_start) {
  const std::lock_guard lock(mutex_);
  context_.request_id = std::move(request_id);
  context_.trace_id = std::move(trace_id);
  context_.cold_start = cold_start;
}

void Logger::end_invocation() {
  const std::lock_guard lock(mutex_);
  context_.request_id.clear();
  context_.trace_id.clear();
  context_.cold_start = false;
}

LogContext Logger::context() const {
  const std::lock_guard lock(mutex_);
  return context_;
}

Logger& logger() {
  static Logger instance;
  return instance;
}

std::string_view unit_name(Unit unit) {
  return util::name_of(kUnits, unit);
}

std::vector<std::string> format_emf_lines(std::string_view metrics_namespace,
                                          std::string_view service,
                                          const std::vector<Metric>& metrics,
                                          const nlohmann::json& properties,
                                          std::chrono::system_clock::time_point now) {
  // Split into chunks that respect both EMF limits: each chunk is a list of
  // (metric index, first value, value count).
  struct Slice {
    std::size_t metric;
    std::size_t first;
    std::size_t count;
  };
  std::vector<std::vector<Slice>> chunks;
  for (std::size_t round = 0;; ++round) {
    std::vector<Slice> slices;
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const auto first = round * kMaxValuesPerMetric;
      if (first < metrics[i].values.size()) {
        slices.push_back(
            {i, first, std::min(kMaxValuesPerMetric, metrics[i].values.size() - first)});
      }
    }
    if (slices.empty()) {
      break;
    }
    for (std::size_t start = 0; start < slices.size(); start += kMaxMetricsPerLine) {
      const auto end = std::min(slices.size(), start + kMaxMetricsPerLine);
      chunks.emplace_back(slices.begin() + static_cast<std::ptrdiff_t>(start),
                          slices.begin() + static_cast<std::ptrdiff_t>(end));
    }
  }

  const auto timestamp =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::vector<std::string> lines;
  lines.reserve(chunks.size());
  for (const auto& chunk : chunks) {
    ordered definitions = ordered::array();
    ordered line;
    line["_aws"]["Timestamp"] = timestamp;
    for (const auto& slice : chunk) {
      const auto& metric = metrics[slice.metric];
      definitions.push_back({{"Name", metric.name}, {"Unit", unit_name(metric.unit)}});
    }
    line["_aws"]["CloudWatchMetrics"] = ordered::array({{{"Namespace", metrics_namespace},
                                                         {"Dimensions", {{"service"}}},
                                                         {"Metrics", definitions}}});
    line["service"] = service;
    if (properties.is_object()) {
      for (const auto& [key, value] : properties.items()) {
        if (key != "_aws" && key != "service") {
          line[key] = ordered(value);
        }
      }
    }
    for (const auto& slice : chunk) {
      const auto& metric = metrics[slice.metric];
      if (slice.count == 1) {
        line[metric.name] = metric.values[slice.first];
      } else {
        auto begin = metric.values.begin() + static_cast<std::ptrdiff_t>(slice.first);
        line[metric.name] =
            std::vector<double>(begin, begin + static_cast<std::ptrdiff_t>(slice.count));
      }
    }
    lines.push_back(dump(line));
  }
  return lines;
}

Metrics::Metrics()
    : namespace_(env_or("METRICS_NAMESPACE", "DailyNotifications")),
      service_(env_or("SERVICE_NAME", "service_undefined")) {}

void Metrics::add(std::string_view name, double value, Unit unit) {
  const bool bad_name = name.empty() || name.size() > kMaxMetricNameLength || name == "_aws" ||
                        name == "service" || name == "requestId" || name == "traceId";
  if (bad_name || !std::isfinite(value)) {
    logger().warn("metric dropped", {{"metric", std::string(name)},
                                     {"reason", bad_name ? "invalid name" : "non-finite value"}});
    return;
  }
  const std::lock_guard lock(mutex_);
  for (auto& metric : pending_) {
    if (metric.name == name) {
      metric.values.push_back(value);
      return;
    }
  }
  pending_.push_back({std::string(name), unit, {value}});
}

std::size_t Metrics::flush() {
  std::vector<Metric> batch;
  std::string ns;
  std::string service;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(pending_);
    ns = namespace_;
    service = service_;
  }
  if (batch.empty()) {
    return 0;
  }
  const auto context = logger().context();
  nlohmann::json properties = nlohmann::json::object();
  if (!context.request_id.empty()) {
    properties["requestId"] = context.request_id;
  }
  if (!context.trace_id.empty()) {
    properties["traceId"] = context.trace_id;
  }
  const auto lines =
      format_emf_lines(ns, service, batch, properties, std::chrono::system_clock::now());
  for (const auto& line : lines) {
    emit(line);
  }
  return lines.size();
}

std::vector<Metric> Metrics::pending() const {
  const std::lock_guard lock(mutex_);
  return pending_;
}

void Metrics::set_namespace(std::string metrics_namespace) {
  const std::lock_guard lock(mutex_);
  namespace_ = std::move(metrics_namespace);
}

void Metrics::set_service(std::string service) {
  const std::lock_guard lock(mutex_);
  service_ = std::move(service);
}

Metrics& metrics() {
  static Metrics instance;
  return instance;
}

}  // namespace dn::runtime
