// Throughput of the log and EMF formatters (every function formats a line per event).
#include <benchmark/benchmark.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "dn/runtime/log.hpp"

namespace {

using dn::runtime::LogContext;
using dn::runtime::LogLevel;

void runtime_log_line_format(benchmark::State& state) {
  const LogContext context{.service = "generate",
                           .request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                           .trace_id = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700",
                           .cold_start = false};
  const nlohmann::json fields = {{"date", "2024-03-31"},
                                 {"notificationId", "n-000123"},
                                 {"segment", "all-users"},
                                 {"written", 25}};
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        dn::runtime::format_log_line(LogLevel::Info, "inbox page written", fields, context, now));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(runtime_log_line_format);

void runtime_emf_format(benchmark::State& state) {
  const std::vector<dn::runtime::Metric> metrics = {
      {"NotificationsQueued", dn::runtime::Unit::Count, {12}},
      {"InboxRecordsWritten", dn::runtime::Unit::Count, {25, 25, 7}},
      {"GenerateLatency", dn::runtime::Unit::Milliseconds, {3.5}}};
  const nlohmann::json properties = {{"requestId", "8476a536-e9f4-11e8-9739-2dfe598c3fcd"}};
  const auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        dn::runtime::format_emf_lines("DailyNotifications", "generate", metrics, properties, now));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(runtime_emf_format);

}  // namespace

BENCHMARK_MAIN();
