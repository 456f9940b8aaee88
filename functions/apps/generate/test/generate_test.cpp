// The generate handler over in-memory ports: one record per member, hand-overs that carry the
// progress, the chain check that stops duplicate and stale messages, definitions rejected once.
#include "generate.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "dn/aws/attributes.hpp"
#include "dn/core/message.hpp"
#include "dn/runtime/log.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "dn/util/text.hpp"
#include "dynamo.hpp"

namespace dn::generate {
namespace {

using aws::attr::str;
using nlohmann::json;
using Clock = std::chrono::system_clock;

class FakeStore final : public NotificationStore {
 public:
  std::map<std::string, json> items;  // "<date>/<id>" -> item
  std::optional<aws::Error> error;
  // Stored as items, read through the adapter's own reading of an item.
  aws::Result<std::optional<core::StoredNotification>> load(std::string_view date,
                                                            std::string_view id) override {
    if (error) return *error;
    const auto it = items.find(std::string(date) + "/" + std::string(id));
    if (it == items.end()) return std::optional<core::StoredNotification>{};
    return std::optional<core::StoredNotification>{notification_of(it->second)};
  }
};

class FakeAudience final : public Audience {
 public:
  std::map<std::string, std::map<std::string, json>> members;  // segment -> user -> item
  int pages = 0;
  std::function<void()> on_page;  // e.g. advance the fake clock
  aws::Result<AudiencePage> page(std::string_view segment, const std::optional<std::string>& after,
                                 int limit) override {
    ++pages;
    if (on_page) on_page();
    auto& part = members[std::string(segment)];
    auto it = after ? part.upper_bound(*after) : part.begin();
    AudiencePage out;
    for (; it != part.end() && out.members.size() < static_cast<std::size_t>(limit); ++it) {
      out.members.push_back(member_of(it->second));
    }
    if (it != part.end()) out.next = std::prev(it)->first;
    return out;
  }
};

class FakeInbox final : public InboxWriter {
 public:
  std::map<std::string, core::InboxRecord> records;  // "<user>/<date>/<id>"
  std::map<std::string, int> writes_per_key;
  // Throttled after this many more records (the rest of the call is not stored).
  std::optional<std::size_t> budget;
  bool permanent = false;  // the error is not retryable
  std::function<void()> before_write;
  WriteOutcome write(const std::vector<core::InboxRecord>& batch) override {
    if (before_write) before_write();
    std::size_t n = 0;
    for (const auto& r : batch) {
      if (budget && *budget == 0) {
        return {n, aws::Error{
                       permanent ? "ValidationException" : "ProvisionedThroughputExceededException",
                       "throttled", 400, !permanent}};
      }
      if (budget) --*budget;
      const std::string key = r.user_id + "/" + r.date + "/" + r.notification_id;
      records[key] = r;
      ++writes_per_key[key];
      ++n;
    }
    return {n, std::nullopt};
  }
};

class FakeChains final : public Chains {
 public:
  struct Stored {
    core::ChainState state;
    std::int64_t version = 0;
    std::string reason;
  };
  std::map<std::string, Stored> chains;
  static std::string name(const ChainKey& k) {
    return k.date + "/" + k.notification_id + "/" + k.run;
  }
  aws::Result<HopClaim> claim(const ChainKey& key, std::int64_t hop,
                              const std::string& owner) override {
    const auto it = chains.find(name(key));
    std::optional<core::ChainState> stored;
    if (it != chains.end()) stored = it->second.state;
    const auto verdict = core::decide_hop(stored, hop, owner);
    if (verdict != core::HopVerdict::proceed) return HopClaim{verdict, 0};
    auto& s = chains[name(key)];
    s.state = {hop, owner, std::string(core::kChainRunning)};
    return HopClaim{verdict, ++s.version};
  }
  std::optional<aws::Error> mark_error;  // the next mark fails with it (once)
  aws::Result<bool> mark(const ChainKey& key, const HopClaim& claim, std::string_view status,
                         std::string_view reason) override {
    if (mark_error) return *std::exchange(mark_error, std::nullopt);
    auto& s = chains[name(key)];
    if (s.version != claim.version) return false;
    s.state.status = std::string(status);
    s.reason = std::string(reason);
    ++s.version;
    return true;
  }
};

class FakeQueue final : public Queue {
 public:
  std::vector<aws::SqsMessage> sent;
  aws::Result<void> send(const std::string&, const aws::SqsMessage& m) override {
    sent.push_back(m);
    return {};
  }
};

struct Fixture {
  FakeStore store;
  FakeAudience audience;
  FakeInbox inbox;
  FakeChains chains;
  FakeQueue queue;
  Settings settings{"T", "Q", 30, 2, 10, std::chrono::milliseconds(5000)};
  Clock::time_point now = Clock::time_point(std::chrono::seconds(1790000000));
  std::vector<std::string> lines;
  int next_id = 0;

  explicit Fixture(int members = 35, const std::string& segment = "everyone") {
    store.items["2026-11-24/n1"] = {
        {"pk", str("DAY#2026-11-24")},        {"sk", str("NOTIF#n1")}, {"segment", str(segment)},
        {"title", str("Hi {{displayName}}")}, {"body", str("b")},      {"createdAt", str("c")}};
    for (int i = 0; i < members; ++i) {
      std::string id = std::to_string(i);
      id.insert(0, 3 - id.size(), '0');
      id.insert(0, 1, 'u');
      audience.members[segment][id] = {{"pk", str("SEGMENT#" + segment)},
                                       {"sk", str("USER#" + id)},
                                       {"userId", str(id)},
                                       {"displayName", str(std::string("N") + id)}};
    }
    runtime::set_line_sink([this](std::string_view l) { lines.emplace_back(l); });
    (void)runtime::metrics().flush();
  }
  ~Fixture() { runtime::set_line_sink(nullptr); }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  json run(const std::vector<std::pair<std::string, std::string>>& records,
           std::chrono::milliseconds left = std::chrono::minutes(1)) {
    json event{{"Records", json::array()}};
    for (const auto& [id, body] : records)
      event["Records"].push_back({{"messageId", id}, {"body", body}});
    runtime::Request req;
    req.payload = event.dump();
    req.deadline = now + left;
    Handler h(settings, Ports{&store, &audience, &inbox, &chains, &queue}, {},
              [this] { return now; });
    lines.clear();
    const auto resp = h.handle(req);
    return json::parse(resp.body());
  }

  // Delivers every queued message (each once, with a fresh message id) until none is left.
  int drain(int max_rounds = 50) {
    int rounds = 0;
    while (!queue.sent.empty() && rounds++ < max_rounds) {
      const auto m = queue.sent.front();
      queue.sent.erase(queue.sent.begin());
      EXPECT_TRUE(run({{dn::util::numbered("q", ++next_id), m.body}})["batchItemFailures"].empty());
    }
    return rounds;
  }

  std::vector<json> outcomes() {
    std::vector<json> out;
    for (const auto& l : lines) {
      const auto j = json::parse(l, nullptr, false);
      if (!j.is_discarded() && j.value("message", "") == "message processed") out.push_back(j);
    }
    return out;
  }

  double metric(const std::string& name) {
    double sum = 0;
    bool seen = false;
    for (const auto& m : runtime::metrics().pending()) {
      if (m.name == name) {
        for (double v : m.values) sum += v;
        seen = true;
      }
    }
    return seen ? sum : -1;
  }

  [[nodiscard]] bool each_member_once(int members) const {
    if (inbox.records.size() != static_cast<std::size_t>(members)) return false;
    return std::all_of(inbox.records.begin(), inbox.records.end(),
                       [](const auto& r) { return r.second.date == "2026-11-24"; });
  }
};

std::string message(const std::optional<std::string>& cursor = std::nullopt,
                    const std::optional<std::string>& run = std::nullopt, std::int64_t hop = 0) {
  core::GenerateMessage m{"2026-11-24", "n1", "everyone", cursor};
  m.run = run;
  m.hop = hop;
  return core::encode_message(m);
}

core::GenerateMessage decoded(const aws::SqsMessage& m) {
  return (core::decode_message(m.body)).value();
}

// The invocation failed nothing, wrote `records` records from `pages` audience pages, and
// handed the rest over in one continuation that resumes after `cursor`.
void expect_handed_over(const Fixture& f, const json& out, std::size_t records, int pages,
                        const std::string& cursor) {
  EXPECT_TRUE(out.at("batchItemFailures").empty());
  EXPECT_EQ(f.inbox.records.size(), records);
  EXPECT_EQ(f.audience.pages, pages);
  ASSERT_EQ(f.queue.sent.size(), 1U);
  EXPECT_EQ(decoded(f.queue.sent[0]).cursor.value_or(""), cursor);
}

TEST(Generate, WritesOneInboxRecordPerMemberAndContinuesAfterThePageBudget) {
  Fixture f(35);  // page size 10, 2 pages per invocation -> 20 written, then a continuation
  auto out = f.run({{"m1", message(std::nullopt, "run1")}});
  EXPECT_TRUE(out["batchItemFailures"].empty());
  EXPECT_EQ(f.inbox.records.size(), 20U);
  ASSERT_EQ(f.queue.sent.size(), 1U);
  const auto next = decoded(f.queue.sent[0]);
  EXPECT_EQ(next.cursor.value_or(""), "u019");
  EXPECT_EQ(next.hop, 1);
  EXPECT_EQ(next.run.value_or(""), "run1");
  EXPECT_FALSE(next.owner);
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.status, core::kChainContinued);
  f.drain();
  EXPECT_TRUE(f.each_member_once(35));
  for (const auto& [key, n] : f.inbox.writes_per_key) EXPECT_EQ(n, 1) << key;
  const auto& rec = f.inbox.records["u007/2026-11-24/n1"];
  EXPECT_EQ(rec.title, "Hi Nu007");
  EXPECT_EQ(rec.expires_at, 1795478400 + 30 * 86400);
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.status, core::kChainDone);
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.hop, 1);
}

TEST(Generate, AMessageWithoutARunIsWalkedWithoutTheChainCheck) {
  Fixture f(8);
  f.run({{"m1", message()}});
  f.run({{"m1", message()}});
  EXPECT_TRUE(f.each_member_once(8));
  EXPECT_TRUE(f.queue.sent.empty());
  EXPECT_TRUE(f.chains.chains.empty());
}

TEST(Generate, ADuplicateContinuationIsStoppedAndWritesNothing) {
  Fixture f(55);
  f.run({{"m1", message(std::nullopt, "run1")}});
  ASSERT_EQ(f.queue.sent.size(), 1U);
  // The continuation's SendMessage was retried after its answer was lost: two copies.
  const std::string body = f.queue.sent[0].body;
  f.queue.sent.clear();
  f.run({{"c1", body}});
  const auto written = f.inbox.records.size();
  (void)runtime::metrics().flush();
  auto out = f.run({{"c1-copy", body}});
  EXPECT_TRUE(out["batchItemFailures"].empty());
  EXPECT_EQ(f.outcomes().at(0)["outcome"], "duplicate");
  EXPECT_EQ(f.inbox.records.size(), written);
  EXPECT_EQ(f.metric("MessagesStopped"), 1);
  EXPECT_EQ(f.metric("InboxRecordsWritten"), 0);  // not inflated
  ASSERT_EQ(f.queue.sent.size(), 1U);             // only c1's continuation
  f.drain();
  EXPECT_TRUE(f.each_member_once(55));
  for (const auto& [key, n] : f.inbox.writes_per_key) EXPECT_EQ(n, 1) << key;
}

TEST(Generate, ABatchRedeliveredAfterItsContinuationWasSentIsStale) {
  Fixture f(35);
  f.run({{"m1", message(std::nullopt, "run1")}});
  // m1 is redelivered (say, the invocation timed out on a later record of its batch).
  f.run({{"m1", message(std::nullopt, "run1")}});
  EXPECT_EQ(f.outcomes().at(0)["outcome"], "stale");
  EXPECT_EQ(f.queue.sent.size(), 1U);
  f.drain();
  EXPECT_TRUE(f.each_member_once(35));
  for (const auto& [key, n] : f.inbox.writes_per_key) EXPECT_EQ(n, 1) << key;
}

TEST(Generate, TheOwnersRedeliveryOfARunningHopResumesIt) {
  Fixture f(5);
  core::ChainState crashed{0, "m1", std::string(core::kChainRunning)};
  f.chains.chains["2026-11-24/n1/run1"] = {crashed, 1, ""};
  f.run({{"m1", message(std::nullopt, "run1")}});
  EXPECT_TRUE(f.each_member_once(5));
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.status, core::kChainDone);
}

TEST(Generate, AChainWhoseEndCannotBeRecordedIsDeliveredAgainAndEndsDone) {
  Fixture f(5);
  f.chains.mark_error = aws::Error{"NetworkError", "connection reset", 0, true};
  auto out = f.run({{"m1", message(std::nullopt, "run1")}});
  ASSERT_EQ(out["batchItemFailures"].size(), 1U);
  EXPECT_EQ(out["batchItemFailures"][0]["itemIdentifier"], "m1");
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.status, core::kChainRunning);
  f.run({{"m1", message(std::nullopt, "run1")}});  // SQS's redelivery, same message id
  EXPECT_TRUE(f.each_member_once(5));
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.status, core::kChainDone);
}

TEST(Generate, ThrottlingHandsOverWithTheProgressMade) {
  Fixture f(35);
  f.inbox.budget = 15;  // throttled for the rest of this invocation after 15 records
  auto out = f.run({{"m1", message(std::nullopt, "run1")}});
  EXPECT_TRUE(out["batchItemFailures"].empty());
  EXPECT_EQ(f.inbox.records.size(), 15U);
  ASSERT_EQ(f.queue.sent.size(), 1U);
  const auto next = decoded(f.queue.sent[0]);
  EXPECT_EQ(next.cursor.value_or(""), "u014");  // after the last record stored
  EXPECT_EQ(next.hop, 1);
  EXPECT_EQ(next.stalls, 0);
  EXPECT_FALSE(f.queue.sent[0].delay_seconds);
  f.inbox.budget.reset();
  f.drain();
  EXPECT_TRUE(f.each_member_once(35));
  for (const auto& [key, n] : f.inbox.writes_per_key) EXPECT_EQ(n, 1) << key;
}

TEST(Generate, AThrottleWithoutProgressStallsWithADelayAndFailsAfterTheLimit) {
  Fixture f(35);
  f.inbox.budget = 0;
  f.run({{"m1", message(std::nullopt, "run1")}});
  ASSERT_EQ(f.queue.sent.size(), 1U);
  EXPECT_EQ(decoded(f.queue.sent[0]).stalls, 1);
  EXPECT_EQ(f.queue.sent[0].delay_seconds.value_or(0), kStallDelaySeconds);
  // Keep throttling: every hand-over stalls again, until the record is failed (-> DLQ, alarm).
  json out;
  for (int i = 0; i < kMaxStalls + 1 && !f.queue.sent.empty(); ++i) {
    const auto m = f.queue.sent.front();
    f.queue.sent.clear();
    out = f.run({{dn::util::numbered("q", i), m.body}});
  }
  ASSERT_EQ(out["batchItemFailures"].size(), 1U);
  EXPECT_NE(f.outcomes().at(0)["reason"].get<std::string>().find("no progress"), std::string::npos);
  EXPECT_TRUE(f.inbox.records.empty());
}

TEST(Generate, APermanentWriteErrorFailsTheRecordForRetry) {
  Fixture f(25);
  f.inbox.budget = 12;
  f.inbox.permanent = true;
  auto out = f.run({{"m1", message()}});
  ASSERT_EQ(out["batchItemFailures"].size(), 1U);
  EXPECT_EQ(out["batchItemFailures"][0]["itemIdentifier"], "m1");
  EXPECT_TRUE(f.queue.sent.empty());
}

TEST(Generate, InvalidDefinitionsAreRejectedOnceRecordedAndCounted) {
  Fixture f(5);
  f.store.items["2026-11-24/notitle"] = {{"pk", str("DAY#2026-11-24")},
                                         {"sk", str("NOTIF#notitle")},
                                         {"segment", str("everyone")},
                                         {"body", str("b")}};
  core::GenerateMessage missing{"2026-11-24", "missing", "everyone"};
  missing.run = "run1";
  core::GenerateMessage notitle{"2026-11-24", "notitle", "everyone"};
  notitle.run = "run1";
  core::GenerateMessage wrong_segment{"2026-11-24", "n1", "vip"};
  wrong_segment.run = "run1";
  auto out = f.run({{"a", core::encode_message(missing)},
                    {"b", core::encode_message(notitle)},
                    {"c", core::encode_message(wrong_segment)}});
  // Not failures: a retry cannot fix them, so they never wait for the DLQ.
  EXPECT_TRUE(out["batchItemFailures"].empty());
  EXPECT_EQ(f.metric("DefinitionsRejected"), 3);
  for (const auto& o : f.outcomes()) {
    EXPECT_EQ(o["outcome"], "rejected");
    EXPECT_EQ(o["level"], "ERROR");
  }
  EXPECT_EQ(f.chains.chains["2026-11-24/missing/run1"].state.status, core::kChainRejected);
  EXPECT_EQ(f.chains.chains["2026-11-24/missing/run1"].reason, "notification missing not found");
  EXPECT_EQ(f.chains.chains["2026-11-24/notitle/run1"].reason, "notification has no title/body");
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].reason,
            "message segment differs from the notification's");
  // A redelivered copy stops at the recorded rejection.
  (void)runtime::metrics().flush();
  f.run({{"a2", core::encode_message(missing)}});
  EXPECT_EQ(f.outcomes().at(0)["outcome"], "rejected");
  EXPECT_TRUE(f.inbox.records.empty());
}

TEST(Generate, PoisonAndBadCursorFailOnlyTheirRecords) {
  Fixture f(5);
  auto out = f.run({{"bad", "{not json"}, {"ok", message()}, {"badcursor", message("a#b")}});
  std::vector<std::string> ids;
  for (const auto& x : out["batchItemFailures"]) ids.push_back(x["itemIdentifier"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"bad", "badcursor"}));
  EXPECT_TRUE(f.each_member_once(5));
}

TEST(Generate, NearTheDeadlineItHandsOverAfterThePageInProgress) {
  Fixture f(35);
  f.settings.max_pages = 100;
  // Each page takes 20 s of the minute: after two, 20 s are left, less than the 5 s reserve plus
  // the 20 s a page was measured to take, so no third page starts.
  f.audience.on_page = [&] { f.now += std::chrono::seconds(20); };
  expect_handed_over(f, f.run({{"m1", message(std::nullopt, "run1")}}), 20, 2, "u019");
}

TEST(Generate, LaterRecordsOfABatchAreHandedOverWhenTheTimeIsUsed) {
  Fixture f(35);
  f.settings.max_pages = 100;
  f.audience.on_page = [&] { f.now += std::chrono::seconds(20); };
  core::GenerateMessage other{"2026-11-24", "n1", "everyone"};
  other.run = "run2";
  auto out = f.run({{"m1", message(std::nullopt, "run1")}, {"m2", core::encode_message(other)}});
  EXPECT_TRUE(out["batchItemFailures"].empty());
  ASSERT_EQ(f.queue.sent.size(), 2U);
  // m2 never started: a copy of it, same hop, keeping m2's claim (owner), no stall.
  const auto copy = decoded(f.queue.sent[1]);
  EXPECT_EQ(copy.run.value_or(""), "run2");
  EXPECT_EQ(copy.hop, 0);
  EXPECT_EQ(copy.owner.value_or(""), "m2");
  EXPECT_EQ(copy.stalls, 0);
  EXPECT_EQ(f.outcomes().at(1)["outcome"], "deferred");
  f.audience.on_page = nullptr;
  f.drain();
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.status, core::kChainDone);
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run2"].state.status, core::kChainDone);
}

TEST(Generate, TheNextPageIsFetchedWhileThisOneIsWritten) {
  Fixture f(35);  // pages of 10: 10, 10, 10, 5
  f.settings.max_pages = 100;
  f.settings.prefetch = true;
  std::mutex mutex;
  std::condition_variable cv;
  int requested = 0;
  int writes = 0;
  int overlapped = 0;
  f.audience.on_page = [&] {
    const std::lock_guard lock(mutex);
    ++requested;
    cv.notify_all();
  };
  // Write k is of page k + 1; it overlaps when page k + 2 is requested while it runs (waited
  // for up to 2 s: fetched only after the write, it never is).
  f.inbox.before_write = [&] {
    std::unique_lock lock(mutex);
    const int page = ++writes;
    if (cv.wait_for(lock, std::chrono::seconds(2), [&] { return requested > page; })) {
      ++overlapped;
    }
  };
  auto out = f.run({{"m1", message(std::nullopt, "run1")}});
  EXPECT_TRUE(out["batchItemFailures"].empty());
  // Not while the first page is written (no page measured yet), and the last has no next one.
  EXPECT_EQ(overlapped, 2);
  EXPECT_EQ(f.audience.pages, 4);
  EXPECT_TRUE(f.each_member_once(35));
  EXPECT_EQ(f.chains.chains["2026-11-24/n1/run1"].state.status, core::kChainDone);
}

TEST(Generate, NoPageIsFetchedAheadBeforeOneIsMeasured) {
  Fixture f(35);
  f.settings.max_pages = 100;
  f.settings.prefetch = true;
  // Writing a page takes 30 s of the minute: after the first, 30 s are left, less than the
  // reserve plus that page, so the walk hands over. A second page fetched ahead while the first
  // was written (nothing measured yet) would have been thrown away.
  f.inbox.before_write = [&] { f.now += std::chrono::seconds(30); };
  expect_handed_over(f, f.run({{"m1", message(std::nullopt, "run1")}}), 10, 1, "u009");
}

TEST(Generate, AnInvocationTooShortForAnyWorkStalls) {
  Fixture f(5);
  auto out = f.run({{"m1", message(std::nullopt, "run1")}}, std::chrono::milliseconds(1000));
  EXPECT_TRUE(out["batchItemFailures"].empty());
  ASSERT_EQ(f.queue.sent.size(), 1U);
  EXPECT_EQ(decoded(f.queue.sent[0]).stalls, 1);  // cannot loop forever
}

TEST(Generate, NotAnSqsEventIsAnInvocationError) {
  Fixture f(1);
  runtime::Request req;
  req.payload = R"({"hello":1})";
  Handler h(f.settings, Ports{&f.store, &f.audience, &f.inbox, &f.chains, &f.queue});
  EXPECT_FALSE(h.handle(req).is_success());
}

TEST(Generate, SettingsComeFromTheEnvironment) {
  using runtime::testing::env_of;
  EXPECT_THROW(handler_from_env(env_of({{"QUEUE_URL", "q"}})), std::runtime_error);
  EXPECT_THROW(handler_from_env(env_of(
                   {{"TABLE_NAME", "t"}, {"QUEUE_URL", "q"}, {"MAX_PAGES_PER_INVOCATION", "0"}})),
               std::runtime_error);
}

}  // namespace
}  // namespace dn::generate
