// Hot paths of the domain logic: what generate does per recipient (render + inbox record) and
// what get-notifications does per request (cursor encode/decode).
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <variant>

#include "dn/core/cursor.hpp"
#include "dn/core/inbox.hpp"

namespace {

// 64 characters, like the deployed cursor secret.
constexpr std::string_view kKey =
    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";

void core_render(benchmark::State& state) {
  const std::string text =
      "Good morning {{firstName}}, your digest for today is ready ({{userId}}, {{locale}}).";
  const dn::core::RenderFields fields{"user-0001234", "Ada Lovelace", "Ada", "en-GB"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(dn::core::render(text, fields));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(core_render);

// One inbox record per recipient: the generate loop's body (without the BatchWriteItem call).
void core_inbox_record(benchmark::State& state) {
  dn::core::Notification n;
  n.date = "2026-11-24";
  n.notification_id = "digest";
  n.segment = "everyone";
  n.title = "Your daily digest";
  n.body = "Good morning {{displayName}}, here is your day.";
  n.created_at = "2026-11-24T06:00:00Z";
  const dn::core::StoredMember member{.sk = "USER#user-0001234", .display_name = "Ada Lovelace"};
  for (auto _ : state) {
    auto item = dn::core::inbox_record(n, member, 1796083200);
    benchmark::DoNotOptimize(item);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(core_inbox_record);

void core_cursor_encode(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(dn::core::encode_cursor(
        kKey, "user-0001234", dn::core::InboxFilter::all, "INBOX#2026-11-24#digest"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(core_cursor_encode);

void core_cursor_decode(benchmark::State& state) {
  const std::string cursor = dn::core::encode_cursor(
      kKey, "user-0001234", dn::core::InboxFilter::all, "INBOX#2026-11-24#digest");
  for (auto _ : state) {
    auto decoded =
        dn::core::decode_cursor(kKey, "user-0001234", dn::core::InboxFilter::all, cursor);
    if (!decoded.ok()) state.SkipWithError("a valid cursor was rejected");
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(core_cursor_decode);

}  // namespace

BENCHMARK_MAIN();
