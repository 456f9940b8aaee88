// The log line and EMF shapes, checked by parsing what the pure formatters produce.
#include "dn/runtime/log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capture.hpp"
#include "dn/util/text.hpp"

namespace dn::runtime {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// 2024-03-31T01:02:03.004Z
constexpr std::chrono::system_clock::time_point kWhen{1711846923004ms};

LogContext invocation_context() {
  return {.service = "find-daily",
          .request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
          .trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700",
          .cold_start = true};
}

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) {
    keys.push_back(item.key());
  }
  return keys;
}

TEST(FormatTimestamp, IsIso8601UtcWithMilliseconds) {
  EXPECT_EQ(format_timestamp(kWhen), "2024-03-31T01:02:03.004Z");
  EXPECT_EQ(format_timestamp(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(std::chrono::system_clock::time_point{-1ms}),
            "1969-12-31T23:59:59.999Z");
}

TEST(ParseLogLevel, AcceptsTheFourLevelsInAnyCase) {
  EXPECT_EQ(parse_log_level("DEBUG"), LogLevel::Debug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::Info);
  EXPECT_EQ(parse_log_level("Warn"), LogLevel::Warn);
  EXPECT_EQ(parse_log_level("WARNING"), LogLevel::Warn);
  EXPECT_EQ(parse_log_level("error"), LogLevel::Error);
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
}

TEST(FormatLogLine, HasTheFixedKeysFirstThenTheFields) {
  const auto line =
      format_log_line(LogLevel::Info, "queued", {{"date", "2024-03-31"}, {"count", 12}},
                      invocation_context(), kWhen);
  EXPECT_EQ(line.find('\n'), std::string::npos);  // one line
  // Key order is part of the shape: fixed keys first (readable in the console), then the fields
  // (in nlohmann::json's sorted order).
  const auto parsed = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (const auto& item : parsed.items()) {
    keys.push_back(item.key());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"timestamp", "level", "message", "service", "requestId",
                                            "coldStart", "traceId", "count", "date"}));
  const auto object = json::parse(line);
  EXPECT_EQ(object["timestamp"], "2024-03-31T01:02:03.004Z");
  EXPECT_EQ(object["level"], "INFO");
  EXPECT_EQ(object["message"], "queued");
  EXPECT_EQ(object["service"], "find-daily");
  EXPECT_EQ(object["requestId"], "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(object["coldStart"], true);
  EXPECT_EQ(object["traceId"], "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700");
  EXPECT_EQ(object["date"], "2024-03-31");
  EXPECT_EQ(object["count"], 12);
}

TEST(FormatLogLine, OutsideAnInvocationRequestIdIsNullAndTraceIdAbsent) {
  LogContext context;
  context.service = "generate";
  context.cold_start = true;
  const auto object =
      json::parse(format_log_line(LogLevel::Error, "init failed", nullptr, context, kWhen));
  EXPECT_EQ(keys_of(object).size(), 6U);
  EXPECT_TRUE(object["requestId"].is_null());
  EXPECT_FALSE(object.contains("traceId"));
  EXPECT_EQ(object["level"], "ERROR");
  EXPECT_EQ(object["coldStart"], true);
}

TEST(FormatLogLine, FieldsCannotOverwriteFixedKeys) {
  const json fields = {{"level", "DEBUG"}, {"requestId", "forged"}, {"userId", "u-1"}};
  const auto object =
      json::parse(format_log_line(LogLevel::Warn, "m", fields, invocation_context(), kWhen));
  EXPECT_EQ(object["level"], "WARN");
  EXPECT_EQ(object["requestId"], "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(object["userId"], "u-1");
  EXPECT_EQ(object["context"], (json{{"level", "DEBUG"}, {"requestId", "forged"}}));
}

TEST(FormatLogLine, NonObjectFieldsGoUnderData) {
  const auto object = json::parse(
      format_log_line(LogLevel::Info, "m", json::array({1, 2}), invocation_context(), kWhen));
  EXPECT_EQ(object["data"], json::array({1, 2}));
}

TEST(FormatLogLine, InvalidUtf8IsReplacedNotThrown) {
  const std::string bad = "caf\xC3";  // truncated sequence
  std::string line;
  ASSERT_NO_THROW(
      line = format_log_line(LogLevel::Info, bad, {{"name", bad}}, invocation_context(), kWhen));
  const auto object = json::parse(line);
  EXPECT_EQ(object["message"], "caf\xEF\xBF\xBD");  // U+FFFD
  EXPECT_EQ(object["name"], "caf\xEF\xBF\xBD");
}

TEST(FormatLogLine, EscapesQuotesAndNewlinesSoALineStaysOneLine) {
  const auto line = format_log_line(LogLevel::Info, "a \"quoted\"\nsecond line", nullptr,
                                    invocation_context(), kWhen);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(json::parse(line)["message"], "a \"quoted\"\nsecond line");
}

TEST(LoggerTest, LevelFilterDropsLinesBelowTheLevel) {
  const test::CapturedLines lines;
  logger().set_level(LogLevel::Warn);
  logger().debug("d");
  logger().info("i");
  logger().warn("w");
  logger().error("e", {{"k", 1}});
  const auto parsed = lines.parsed();
  ASSERT_EQ(parsed.size(), 2U);
  EXPECT_EQ(parsed[0]["message"], "w");
  EXPECT_EQ(parsed[1]["message"], "e");
  EXPECT_EQ(parsed[1]["k"], 1);
  EXPECT_FALSE(logger().enabled(LogLevel::Info));
  EXPECT_TRUE(logger().enabled(LogLevel::Error));
}

TEST(LoggerTest, ContextIsSetPerInvocationAndClearedAfter) {
  const test::CapturedLines lines;
  logger().set_service("get-notifications");
  logger().begin_invocation("req-1", "Root=1-x", true);
  logger().info("during");
  logger().end_invocation();
  logger().info("after");
  const auto parsed = lines.parsed();
  ASSERT_EQ(parsed.size(), 2U);
  EXPECT_EQ(parsed[0]["service"], "get-notifications");
  EXPECT_EQ(parsed[0]["requestId"], "req-1");
  EXPECT_EQ(parsed[0]["traceId"], "Root=1-x");
  EXPECT_EQ(parsed[0]["coldStart"], true);
  EXPECT_TRUE(parsed[1]["requestId"].is_null());
  EXPECT_FALSE(parsed[1].contains("traceId"));
  EXPECT_EQ(parsed[1]["coldStart"], false);
}

TEST(FormatEmf, OneLineWithTheDirectiveTheDimensionAndTheValues) {
  const std::vector<Metric> metrics = {{"NotificationsQueued", Unit::Count, {12}},
                                       {"GenerateLatency", Unit::Milliseconds, {3.5, 4.25}}};
  const auto lines = format_emf_lines("DailyNotifications", "find-daily", metrics,
                                      {{"requestId", "req-1"}}, kWhen);
  ASSERT_EQ(lines.size(), 1U);
  const auto emf = json::parse(lines[0]);
  EXPECT_EQ(emf["_aws"]["Timestamp"], 1711846923004);
  const auto& directive = emf["_aws"]["CloudWatchMetrics"];
  ASSERT_EQ(directive.size(), 1U);
  EXPECT_EQ(directive[0]["Namespace"], "DailyNotifications");
  EXPECT_EQ(directive[0]["Dimensions"], json::parse(R"([["service"]])"));
  EXPECT_EQ(directive[0]["Metrics"], json::parse(R"([{"Name":"NotificationsQueued","Unit":"Count"},
                                                    {"Name":"GenerateLatency","Unit":"Milliseconds"}])"));
  EXPECT_EQ(emf["service"], "find-daily");
  EXPECT_EQ(emf["requestId"], "req-1");
  EXPECT_EQ(emf["NotificationsQueued"], 12);
  EXPECT_EQ(emf["GenerateLatency"], json::array({3.5, 4.25}));
  EXPECT_EQ(keys_of(emf).size(), 5U);
}

TEST(FormatEmf, NoMetricsNoLine) {
  EXPECT_TRUE(format_emf_lines("N", "s", {}, nullptr, kWhen).empty());
}

TEST(FormatEmf, SplitsAtOneHundredMetricsPerLine) {
  std::vector<Metric> metrics;
  metrics.reserve(150);
  for (int i = 0; i < 150; ++i) {
    metrics.push_back({util::numbered("M", i), Unit::Count, {static_cast<double>(i)}});
  }
  const auto lines = format_emf_lines("N", "s", metrics, nullptr, kWhen);
  ASSERT_EQ(lines.size(), 2U);
  const auto first = json::parse(lines[0]);
  const auto second = json::parse(lines[1]);
  EXPECT_EQ(first["_aws"]["CloudWatchMetrics"][0]["Metrics"].size(), 100U);
  EXPECT_EQ(second["_aws"]["CloudWatchMetrics"][0]["Metrics"].size(), 50U);
  EXPECT_EQ(first["M0"], 0);
  EXPECT_EQ(second["M149"], 149);
  EXPECT_FALSE(first.contains("M100"));
}

TEST(FormatEmf, SplitsAtOneHundredValuesPerMetric) {
  Metric latency{"Latency", Unit::Milliseconds, {}};
  for (int i = 0; i < 250; ++i) {
    latency.values.push_back(i);
  }
  const auto lines = format_emf_lines("N", "s", {latency}, nullptr, kWhen);
  ASSERT_EQ(lines.size(), 3U);
  std::vector<double> all;
  for (const auto& line : lines) {
    const auto values = json::parse(line)["Latency"];
    EXPECT_LE(values.size(), 100U);
    for (const auto& value : values) {
      all.push_back(value.get<double>());
    }
  }
  EXPECT_EQ(all, latency.values);
}

TEST(FormatEmf, PropertiesCannotReplaceTheDirectiveOrTheDimension) {
  const auto lines =
      format_emf_lines("N", "svc", {{"Count", Unit::Count, {1}}},
                       {{"_aws", "x"}, {"service", "forged"}, {"date", "2024-03-31"}}, kWhen);
  ASSERT_EQ(lines.size(), 1U);
  const auto emf = json::parse(lines[0]);
  EXPECT_TRUE(emf["_aws"].is_object());
  EXPECT_EQ(emf["service"], "svc");
  EXPECT_EQ(emf["date"], "2024-03-31");
}

TEST(UnitName, UsesCloudWatchSpelling) {
  EXPECT_EQ(unit_name(Unit::Count), "Count");
  EXPECT_EQ(unit_name(Unit::CountPerSecond), "Count/Second");
  EXPECT_EQ(unit_name(Unit::Milliseconds), "Milliseconds");
  EXPECT_EQ(unit_name(Unit::Bytes), "Bytes");
  EXPECT_EQ(unit_name(Unit::None), "None");
}

TEST(MetricsTest, FlushWritesOneLineWithEveryMetricAndClears) {
  const test::CapturedLines lines;
  Metrics buffer;
  buffer.set_namespace("DailyNotifications");
  buffer.set_service("generate");
  buffer.add("InboxRecordsWritten", 25, Unit::Count);
  buffer.add("InboxRecordsWritten", 5, Unit::Count);
  buffer.add("DailyRunCompleted", 1, Unit::Count);
  EXPECT_EQ(buffer.pending().size(), 2U);
  EXPECT_EQ(buffer.flush(), 1U);
  EXPECT_TRUE(buffer.pending().empty());
  EXPECT_EQ(buffer.flush(), 0U);  // nothing pending: no line
  const auto emf = lines.emf();
  ASSERT_EQ(emf.size(), 1U);
  EXPECT_EQ(emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"], "DailyNotifications");
  EXPECT_EQ(emf[0]["service"], "generate");
  EXPECT_EQ(emf[0]["InboxRecordsWritten"], json::array({25, 5}));
  EXPECT_EQ(emf[0]["DailyRunCompleted"], 1);
}

TEST(MetricsTest, InvalidSamplesAreDroppedWithAWarning) {
  const test::CapturedLines lines;
  Metrics buffer;
  buffer.add("", 1);
  buffer.add("service", 1);
  buffer.add(std::string(256, 'm'), 1);
  buffer.add("NaN", std::nan(""));
  buffer.add("Inf", std::numeric_limits<double>::infinity());
  EXPECT_TRUE(buffer.pending().empty());
  const auto warnings = lines.with_message("metric dropped");
  ASSERT_EQ(warnings.size(), 5U);
  EXPECT_EQ(warnings[0]["reason"], "invalid name");
  EXPECT_EQ(warnings[3]["reason"], "non-finite value");
}

}  // namespace
}  // namespace dn::runtime
