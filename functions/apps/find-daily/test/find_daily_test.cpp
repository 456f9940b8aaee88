// The find-daily handler over in-memory ports: the run marker's once-per-day rule, retries after
// failures, the time reserved to release the marker, and what is logged and counted.
#include "find_daily.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dn/core/keys.hpp"
#include "dn/core/message.hpp"
#include "dn/runtime/log.hpp"
#include "dynamo.hpp"
#include "fake_aws.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"
#include "setup.hpp"

namespace {

using dn::aws::Error;
using dn::core::Instant;
using dn::find_daily::Handler;
using nlohmann::json;

Instant at(const std::string& iso) {
  return dn::core::parse_timestamp(iso).value();
}

std::string attr(const json& item, const char* name) {
  const auto it = item.find(name);
  if (it == item.end()) return "<absent>";
  if (it->contains("S")) return (*it)["S"].get<std::string>();
  if (it->contains("N")) return (*it)["N"].get<std::string>();
  return it->dump();
}

// The run markers as the port promises them: claims decided by core::decide_claim (the one
// rule), complete/fail only while the marker is still the claim's.
struct StoredMarker {
  dn::core::RunMarker marker;
  dn::core::RunClaim claim;
  std::size_t queued = 0, skipped = 0;
  std::string reason;
};

class FakeMarkers final : public dn::find_daily::RunMarkers {
 public:
  std::map<std::string, StoredMarker> markers;
  std::optional<Error> claim_error, update_error;
  int claims = 0, updates = 0;

  const StoredMarker* marker(const std::string& date) const {
    const auto it = markers.find(date);
    return it == markers.end() ? nullptr : &it->second;
  }
  dn::aws::Result<dn::find_daily::ClaimOutcome> claim(const dn::core::RunClaim& c) override {
    ++claims;
    if (claim_error) return *claim_error;
    const auto it = markers.find(c.day.date);
    std::optional<dn::core::RunMarker> stored;
    if (it != markers.end()) stored = it->second.marker;
    const auto verdict = dn::core::decide_claim(stored, c);
    if (verdict != dn::core::ClaimVerdict::claim) {
      return dn::find_daily::ClaimOutcome{dn::find_daily::Taken{verdict, *stored}};
    }
    markers[c.day.date] =
        StoredMarker{{std::string(dn::core::kRunStarted), c.run_id, c.lease_until}, c, 0, 0, ""};
    return dn::find_daily::ClaimOutcome{dn::find_daily::Claimed{}};
  }
  dn::aws::Result<bool> complete(const dn::core::RunClaim& c, Instant, std::size_t queued,
                                 std::size_t skipped) override {
    return update(c, [&](StoredMarker& m) {
      m.marker.status = dn::core::kRunCompleted;
      m.queued = queued;
      m.skipped = skipped;
    });
  }
  dn::aws::Result<bool> fail(const dn::core::RunClaim& c, Instant,
                             std::string_view reason) override {
    return update(c, [&](StoredMarker& m) {
      m.marker.status = dn::core::kRunFailed;
      m.reason = std::string(reason);
    });
  }

 private:
  // `change` applied to the marker `c` still owns: false when another run owns it.
  template <class Change>
  dn::aws::Result<bool> update(const dn::core::RunClaim& c, const Change& change) {
    ++updates;
    if (update_error) return *update_error;
    auto* m = owned(c);
    if (m == nullptr) return false;
    change(*m);
    return true;
  }
  StoredMarker* owned(const dn::core::RunClaim& c) {
    const auto it = markers.find(c.day.date);
    return it == markers.end() || it->second.marker.run_id != c.run_id ? nullptr : &it->second;
  }
};

class FakeDay final : public dn::find_daily::DayNotifications {
 public:
  std::map<std::pair<std::string, std::string>, json> items_by_key;
  std::optional<Error> query_error;
  int queries = 0;

  void add(const json& item) { items_by_key[{attr(item, "pk"), attr(item, "sk")}] = item; }
  // Stored as items, read through the adapter's own reading of an item.
  dn::aws::Result<std::vector<dn::core::DayItem>> items(std::string_view date) override {
    ++queries;
    if (query_error) return *query_error;
    std::vector<dn::core::DayItem> out;
    for (const auto& [key, item] : items_by_key) {
      if (key.first == dn::core::keys::day_pk(date))
        out.push_back(dn::find_daily::day_item_of(item));
    }
    return out;
  }
};

// The definitions as items read through the adapter's own reading; freeze stores copies into the
// day (the first one wins), then the marker, and records every write in order.
class FakeDefinitions final : public dn::find_daily::Definitions {
 public:
  explicit FakeDefinitions(FakeDay& day) : day_(&day) {}
  std::vector<json> items;
  std::map<std::string, std::size_t> frozen_days;  // date -> copies counted by its marker
  std::vector<std::string> writes;                 // "copy <id>" / "marker <date>", in order
  std::optional<Error> frozen_error, definitions_error;
  int fail_write = -1;  // the n-th write (0-based, over the fake's life) fails
  int frozen_reads = 0, definition_reads = 0;

  void add(const std::string& id, const std::string& schedule, const std::string& segment = "all") {
    items.push_back(json{{"pk", {{"S", "DEFINITION"}}},
                         {"sk", {{"S", "NOTIF#" + id}}},
                         {"notificationId", {{"S", id}}},
                         {"title", {{"S", "Hi {{firstName}}"}}},
                         {"body", {{"S", "b"}}},
                         {"segment", {{"S", segment}}},
                         {"schedule", {{"S", schedule}}},
                         {"createdAt", {{"S", "2026-11-20T10:00:00Z"}}},
                         {"version", {{"N", "2"}}}});
  }
  dn::aws::Result<bool> frozen(std::string_view date) override {
    ++frozen_reads;
    if (frozen_error) return *frozen_error;
    return frozen_days.contains(std::string(date));
  }
  dn::aws::Result<std::vector<dn::core::StoredDefinition>> definitions() override {
    ++definition_reads;
    if (definitions_error) return *definitions_error;
    std::vector<dn::core::StoredDefinition> out;
    for (const auto& item : items) out.push_back(dn::find_daily::definition_of(item));
    return out;
  }
  dn::aws::Result<void> freeze(std::string_view date,
                               const std::vector<dn::core::FrozenCopy>& copies, Instant) override {
    for (const auto& copy : copies) {
      if (failed_write()) return Error{"InternalServerError", "boom", 500, true};
      writes.push_back("copy " + copy.notification_id);
      const json item = dn::find_daily::frozen_copy_item(date, copy);
      if (!day_->items_by_key.contains({attr(item, "pk"), attr(item, "sk")})) day_->add(item);
    }
    if (failed_write()) return Error{"InternalServerError", "boom", 500, true};
    writes.push_back("marker " + std::string(date));
    frozen_days.emplace(std::string(date), copies.size());
    return {};
  }

 private:
  bool failed_write() { return write_count_++ == fail_write; }
  FakeDay* day_;
  int write_count_ = 0;
};

class FakeQueue final : public dn::find_daily::Queue {
 public:
  std::vector<dn::aws::SqsMessage> sent;
  int calls = 0;
  int failures_left = 0;  // the next n calls fail

  dn::aws::Result<void> send_all(const std::string& queue_url,
                                 const std::vector<dn::aws::SqsMessage>& messages) override {
    ++calls;
    EXPECT_EQ(queue_url, "https://sqs.local/q");
    if (failures_left > 0) {
      --failures_left;
      return Error{"BatchEntriesFailed", "3 of 12 messages not sent: n0 ServiceUnavailable", 0,
                   true};
    }
    sent.insert(sent.end(), messages.begin(), messages.end());
    return {};
  }
};

json notification(const std::string& date, const std::string& id, const std::string& segment) {
  return json{{"pk", {{"S", "DAY#" + date}}},  {"sk", {{"S", "NOTIF#" + id}}},
              {"notificationId", {{"S", id}}}, {"segment", {{"S", segment}}},
              {"title", {{"S", "Hello"}}},     {"body", {{"S", "Hi {{displayName}}"}}}};
}

dn::core::TimeZone london() {
  return dn::core::TimeZone::from_posix("GMT0BST,M3.5.0/1,M10.5.0").value();
}

// Whether `r` is a failure of `error_type`.
::testing::AssertionResult failed_with(const dn::runtime::Response& r,
                                       std::string_view error_type) {
  if (r.is_success()) return ::testing::AssertionFailure() << "succeeded: " << r.body();
  if (r.error_type() != error_type) {
    return ::testing::AssertionFailure() << "failed with " << r.error_type();
  }
  return ::testing::AssertionSuccess();
}

class FindDaily : public ::testing::Test {
 protected:
  void SetUp() override {
    dn::runtime::set_line_sink([this](std::string_view line) { lines.emplace_back(line); });
    (void)dn::runtime::metrics().flush();  // drop anything an earlier test left
    lines.clear();
    for (int i = 0; i < 12; ++i) {
      day.add(notification("2026-11-24", std::string("n").append(std::to_string(i)),
                           i % 2 == 0 ? "all" : "vip"));
    }
    day.add(notification("2026-11-25", "other-day", "all"));
  }
  void TearDown() override {
    (void)dn::runtime::metrics().flush();
    dn::runtime::set_line_sink(nullptr);
  }

  std::chrono::system_clock::time_point deadline() const {
    return std::chrono::system_clock::time_point{} + (now - Instant{}) + std::chrono::seconds(60);
  }

  dn::runtime::Response invoke(const std::string& payload, const std::string& request_id = "r1") {
    lines.clear();
    (void)dn::runtime::metrics().flush();
    lines.clear();
    dn::runtime::Request request;
    request.payload = payload;
    request.request_id = request_id;
    request.deadline = deadline();
    return handler.handle(request);
  }

  // A handler over this fixture's ports, with `m` and `q` as its markers and queue.
  Handler handler_over(dn::find_daily::RunMarkers& m, dn::find_daily::Queue& q) {
    return Handler{dn::find_daily::Settings{"tbl", "https://sqs.local/q", "Europe/London"},
                   london(),
                   m,
                   definitions,
                   day,
                   q,
                   [this] { return now; }};
  }

  // kScheduled as invocation r1, with no deadline.
  static dn::runtime::Request scheduled() {
    dn::runtime::Request request;
    request.payload = kScheduled;
    request.request_id = "r1";
    return request;
  }

  // The one "daily run" line of the last invocation.
  json run_line() {
    std::vector<json> found;
    for (const auto& l : lines) {
      auto j = json::parse(l, nullptr, false);
      if (!j.is_discarded() && j.value("message", "") == "daily run") found.push_back(j);
    }
    EXPECT_EQ(found.size(), 1U);
    return found.empty() ? json::object() : found.front();
  }

  double metric(const std::string& name) {
    for (const auto& m : dn::runtime::metrics().pending()) {
      if (m.name == name && !m.values.empty()) return m.values.front();
    }
    return -1;
  }

  static constexpr const char* kScheduled =
      R"({"source":"aws.scheduler","scheduleArn":"arn:aws:scheduler:eu-west-2:1:schedule/d",)"
      R"("scheduledTime":"2026-11-24T06:00:00Z","executionId":"x1"})";

  FakeMarkers markers;
  FakeDay day;
  FakeDefinitions definitions{day};
  FakeQueue queue;
  Instant now = at("2026-11-24T06:00:03Z");
  std::vector<std::string> lines;
  std::vector<std::chrono::system_clock::time_point> call_deadlines;
  Handler handler{dn::find_daily::Settings{"tbl", "https://sqs.local/q", "Europe/London"},
                  london(),
                  markers,
                  definitions,
                  day,
                  queue,
                  [this] { return now; },
                  [this](std::chrono::system_clock::time_point t) { call_deadlines.push_back(t); }};
};

TEST_F(FindDaily, QueuesOneMessagePerNotificationOfTheDay) {
  const auto r = invoke(kScheduled);
  ASSERT_TRUE(r.is_success()) << r.error_message();
  EXPECT_EQ(json::parse(r.body()),
            (json{{"outcome", "queued"}, {"date", "2026-11-24"}, {"queued", 12}, {"skipped", 0}}));
  ASSERT_EQ(queue.sent.size(), 12U);
  std::set<std::string> ids;
  for (const auto& m : queue.sent) {
    auto decoded = dn::core::decode_message(m.body);
    ASSERT_TRUE(decoded.ok()) << m.body;
    const auto& g = decoded.value();
    EXPECT_EQ(g.date, "2026-11-24");
    EXPECT_FALSE(g.cursor);
    // The chain's first hop, named by the run: the scheduler's executionId.
    EXPECT_EQ(g.run.value_or(""), "x1");
    EXPECT_EQ(g.hop, 0);
    ids.insert(g.notification_id);
    EXPECT_LE(m.id.size(), 80U);
  }
  EXPECT_EQ(ids.size(), 12U);
  EXPECT_EQ(ids.count("other-day"), 0U);

  const StoredMarker* marker = markers.marker("2026-11-24");
  ASSERT_NE(marker, nullptr);
  EXPECT_EQ(marker->marker.status, "completed");
  EXPECT_EQ(marker->queued, 12U);
  EXPECT_EQ(marker->skipped, 0U);
  EXPECT_EQ(marker->marker.run_id, "x1");
  EXPECT_EQ(marker->claim.request_id, "r1");
  EXPECT_EQ(marker->claim.started_at, now);
  // The lease is the deadline plus seconds, not a minute.
  EXPECT_EQ(marker->marker.lease_until, at("2026-11-24T06:01:08Z"));

  EXPECT_EQ(metric("NotificationsQueued"), 12);
  EXPECT_EQ(metric("DailyRunCompleted"), 1);
  const json line = run_line();
  EXPECT_EQ(line["level"], "INFO");
  EXPECT_EQ(line["outcome"], "queued");
  EXPECT_EQ(line["date"], "2026-11-24");
  EXPECT_EQ(line["source"], "scheduledTime");
  EXPECT_EQ(line["runId"], "x1");
  EXPECT_EQ(line["queued"], 12);
  EXPECT_EQ(line["markerCompleted"], true);
}

TEST_F(FindDaily, TheWorkStopsEarlyEnoughToReleaseTheMarker) {
  queue.failures_left = 1;
  ASSERT_FALSE(invoke(kScheduled).is_success());
  // The work's calls stop kReleaseReserve + kReportMargin before the deadline; the release gets
  // the reserve.
  ASSERT_EQ(call_deadlines.size(), 2U);
  EXPECT_EQ(deadline() - call_deadlines[0],
            dn::find_daily::kReleaseReserve + dn::runtime::kDeadlineMargin);
  EXPECT_EQ(deadline() - call_deadlines[1], dn::runtime::kDeadlineMargin);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "failed");
}

TEST_F(FindDaily, SecondTriggerForTheDayIsANoOp) {
  ASSERT_TRUE(invoke(kScheduled, "r1").is_success());
  queue.sent.clear();
  const int queries = day.queries;
  const auto r = invoke(R"({"date":"2026-11-24"})", "r2");
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["outcome"], "already_ran");
  EXPECT_TRUE(queue.sent.empty());
  EXPECT_EQ(day.queries, queries);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.run_id, "x1");
  EXPECT_EQ(run_line()["outcome"], "already_ran");
  EXPECT_EQ(run_line()["heldBy"], "x1");
  EXPECT_EQ(metric("DailyRunCompleted"), -1);
}

TEST_F(FindDaily, ForceRunsTheDayAgain) {
  ASSERT_TRUE(invoke(kScheduled, "r1").is_success());
  queue.sent.clear();
  const auto r = invoke(R"({"date":"2026-11-24","force":true})", "r2");
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["outcome"], "queued");
  EXPECT_EQ(queue.sent.size(), 12U);
  const StoredMarker* marker = markers.marker("2026-11-24");
  EXPECT_EQ(marker->marker.run_id, "r2");  // no executionId: the request id names the run
  EXPECT_EQ(marker->marker.status, "completed");
  EXPECT_EQ(marker->claim.day.source, dn::core::DaySource::explicit_date);
  EXPECT_EQ(run_line()["force"], true);
}

TEST_F(FindDaily, SendFailureReleasesTheDayForTheRetry) {
  queue.failures_left = 1;
  const auto r = invoke(kScheduled, "r1");
  ASSERT_FALSE(r.is_success());
  EXPECT_EQ(r.error_type(), "SendFailed");
  EXPECT_NE(r.error_message().find("BatchEntriesFailed"), std::string::npos);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "failed");
  EXPECT_NE(markers.marker("2026-11-24")->reason.find("BatchEntriesFailed"), std::string::npos);
  json line = run_line();
  EXPECT_EQ(line["level"], "ERROR");
  EXPECT_EQ(line["outcome"], "failed");
  EXPECT_EQ(line["markerReleased"], true);
  EXPECT_EQ(metric("DailyRunCompleted"), -1);
  EXPECT_EQ(metric("NotificationsQueued"), -1);

  // Lambda's retry (same event, no force) runs the day again and completes it.
  const auto retry = invoke(kScheduled, "r1-retry");
  ASSERT_TRUE(retry.is_success()) << retry.error_message();
  EXPECT_EQ(queue.sent.size(), 12U);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "completed");
  EXPECT_EQ(metric("DailyRunCompleted"), 1);
}

TEST_F(FindDaily, QueryFailureReleasesTheDay) {
  day.query_error = Error{"ProvisionedThroughputExceededException", "slow down", 400, true};
  ASSERT_TRUE(failed_with(invoke(kScheduled), "QueryFailed"));
  EXPECT_EQ(queue.calls, 0);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "failed");
  day.query_error.reset();
  EXPECT_TRUE(invoke(R"({"date":"2026-11-24"})", "r2").is_success());
}

TEST_F(FindDaily, AnUnreleasedMarkerIsRetakenByTheSameRunAndNeverAnsweredAlreadyRan) {
  queue.failures_left = 1;
  markers.update_error = Error{"DeadlineExceeded", "the invocation deadline has passed", 0, true};
  const auto r = invoke(kScheduled, "r1");
  ASSERT_FALSE(r.is_success());
  const json line = run_line();
  EXPECT_EQ(line["markerReleased"], false);
  EXPECT_EQ(line["leaseUntil"], "2026-11-24T06:01:08Z");  // deadline + 5 s
  markers.update_error.reset();
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "started");

  // Another trigger before the lease ends: the day is not done, so it is an error (Lambda
  // retries it), never already_ran.
  const auto other = invoke(R"({"date":"2026-11-24"})", "r2");
  ASSERT_FALSE(other.is_success());
  EXPECT_EQ(other.error_type(), "RunInProgress");
  EXPECT_EQ(run_line()["outcome"], "in_progress");
  EXPECT_EQ(queue.calls, 1);

  // Lambda's retry of the same event (same executionId), a minute later, before or after the
  // lease: it is the same run, so it claims the day again.
  now = at("2026-11-24T06:01:03Z");
  const auto retry = invoke(kScheduled, "r1-retry");
  ASSERT_TRUE(retry.is_success()) << retry.error_message();
  EXPECT_EQ(json::parse(retry.body())["outcome"], "queued");
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "completed");
}

TEST_F(FindDaily, AnotherRunTakesAnExpiredLeaseOver) {
  queue.failures_left = 1;
  markers.update_error = Error{"NetworkError", "connection refused", 0, true};
  ASSERT_FALSE(invoke(R"({"date":"2026-11-24"})", "r1").is_success());
  markers.update_error.reset();
  now = at("2026-11-24T06:01:09Z");  // one second past deadline + 5 s
  const auto later = invoke(R"({"date":"2026-11-24"})", "r3");
  ASSERT_TRUE(later.is_success()) << later.error_message();
  EXPECT_EQ(json::parse(later.body())["outcome"], "queued");
  EXPECT_EQ(markers.marker("2026-11-24")->marker.run_id, "r3");
}

TEST_F(FindDaily, AMarkerThatCannotBeCompletedFailsTheInvocationAndTheRetryCompletesIt) {
  struct FailingComplete final : dn::find_daily::RunMarkers {
    FakeMarkers* inner = nullptr;
    int complete_failures = 1;
    dn::aws::Result<dn::find_daily::ClaimOutcome> claim(const dn::core::RunClaim& c) override {
      return inner->claim(c);
    }
    dn::aws::Result<bool> complete(const dn::core::RunClaim& c, Instant at, std::size_t q,
                                   std::size_t s) override {
      if (complete_failures-- > 0) return Error{"InternalServerError", "boom", 500, true};
      return inner->complete(c, at, q, s);
    }
    dn::aws::Result<bool> fail(const dn::core::RunClaim& c, Instant at,
                               std::string_view reason) override {
      return inner->fail(c, at, reason);
    }
  } flaky;
  flaky.inner = &markers;
  Handler h = handler_over(flaky, queue);
  const auto request = scheduled();
  const auto first = h.handle(request);
  ASSERT_FALSE(first.is_success());
  EXPECT_EQ(first.error_type(), "RunMarkerFailed");
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "started");
  const auto retry = h.handle(request);
  ASSERT_TRUE(retry.is_success()) << retry.error_message();
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "completed");
}

TEST_F(FindDaily, MarkerErrorIsARetryableFailure) {
  markers.claim_error = Error{"InternalServerError", "boom", 500, true};
  ASSERT_TRUE(failed_with(invoke(kScheduled), "RunMarkerFailed"));
  EXPECT_EQ(day.queries, 0);
  EXPECT_EQ(queue.calls, 0);
  EXPECT_EQ(run_line()["outcome"], "failed");
}

TEST_F(FindDaily, InvalidEventIsRejectedWithAReason) {
  for (const char* bad : {"{}", "not json", R"({"date":"2026-02-30"})",
                          R"({"source":"aws.scheduler","scheduledTime":"tomorrow"})"}) {
    const auto r = invoke(bad);
    ASSERT_FALSE(r.is_success()) << bad;
    EXPECT_EQ(r.error_type(), "InvalidEvent");
    EXPECT_FALSE(r.error_message().empty());
    const json line = run_line();
    EXPECT_EQ(line["outcome"], "rejected");
    EXPECT_EQ(line["reason"], r.error_message());
  }
  EXPECT_EQ(markers.claims, 0);
}

TEST_F(FindDaily, PlaceholderEventUsesNowInTheZone) {
  day.add(notification("2026-07-02", "summer", "all"));
  now = at("2026-07-01T23:30:00Z");  // 00:30 BST on 2 July
  const auto r =
      invoke(R"({"source":"aws.scheduler","scheduledTime":"<aws.scheduler.scheduled-time>",)"
             R"("executionId":"<aws.scheduler.execution-id>"})");
  ASSERT_TRUE(r.is_success()) << r.error_message();
  EXPECT_EQ(json::parse(r.body())["date"], "2026-07-02");
  ASSERT_EQ(queue.sent.size(), 1U);
  EXPECT_EQ(run_line()["source"], "now");
  EXPECT_EQ(run_line()["runId"], "r1");  // the placeholder is no run id
}

TEST_F(FindDaily, BadItemsAreSkippedAndReported) {
  json broken = notification("2026-11-24", "zz", "all");
  broken.erase("segment");
  day.add(broken);
  const auto r = invoke(kScheduled);
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["skipped"], 1);
  EXPECT_EQ(queue.sent.size(), 12U);
  const json line = run_line();
  EXPECT_EQ(line["level"], "WARN");
  EXPECT_EQ(line["skippedItems"],
            (json::array({{{"key", "NOTIF#zz"}, {"reason", "segment is missing"}}})));
  EXPECT_EQ(markers.marker("2026-11-24")->skipped, 1U);
}

TEST(FindDailyDynamo, ADayItemIsReadFromItsStringAttributes) {
  const auto read = dn::find_daily::day_item_of(notification("2026-11-24", "n1", "all"));
  EXPECT_EQ(read.sk, "NOTIF#n1");
  EXPECT_EQ(read.notification_id, "n1");
  EXPECT_EQ(read.segment, "all");
  EXPECT_FALSE(read.unreadable);
  json number_segment = notification("2026-11-24", "n4", "all");
  number_segment["segment"] = json{{"N", "5"}};
  EXPECT_FALSE(dn::find_daily::day_item_of(number_segment).segment);  // another type: absent
  EXPECT_EQ(dn::find_daily::day_item_of(json::array()).unreadable, "item is not an object");
}

TEST_F(FindDaily, EmptyDayCompletesWithoutSending) {
  const auto r = invoke(R"({"date":"2026-12-25"})");
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["queued"], 0);
  EXPECT_EQ(queue.calls, 0);
  EXPECT_EQ(markers.marker("2026-12-25")->marker.status, "completed");
  EXPECT_EQ(metric("NotificationsQueued"), 0);
  EXPECT_EQ(metric("DailyRunCompleted"), 1);
}

TEST_F(FindDaily, CompletionLostToAForcedRunIsLoggedNotFailed) {
  // A forced run takes the marker over while this one is sending.
  struct Racing final : dn::find_daily::Queue {
    FakeMarkers* markers = nullptr;
    dn::aws::Result<void> send_all(const std::string&,
                                   const std::vector<dn::aws::SqsMessage>&) override {
      markers->markers["2026-11-24"].marker.run_id = "forced";
      return {};
    }
  } racing;
  racing.markers = &markers;
  Handler h = handler_over(markers, racing);
  const auto request = scheduled();
  lines.clear();
  const auto r = h.handle(request);
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(run_line()["markerCompleted"], false);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "started");
}

// ------------------------------------------------------------ expansion and freezing

// The notification ids of the messages sent.
std::multiset<std::string> sent_ids(const FakeQueue& q) {
  std::multiset<std::string> ids;
  for (const auto& m : q.sent) ids.insert(dn::core::decode_message(m.body).value().notification_id);
  return ids;
}

TEST_F(FindDaily, AnUnfrozenDayGetsCopiesOfItsOccurringDefinitionsThenTheMarker) {
  // 2026-11-24 is a Tuesday.
  definitions.add("z-daily", R"({"rule":"daily","start":"2026-11-01"})", "vip");
  definitions.add("once", R"({"date":"2026-11-24"})");
  definitions.add("tomorrow", R"({"date":"2026-11-25"})");
  definitions.add("weekend", R"({"days":["sat","sun"],"rule":"days","start":"2026-11-01"})");
  definitions.add("a-weekdays", R"({"rule":"weekdays","start":"2026-11-24"})");
  const auto r = invoke(kScheduled);
  ASSERT_TRUE(r.is_success()) << r.error_message();
  EXPECT_EQ(definitions.writes, (std::vector<std::string>{"copy a-weekdays", "copy once",
                                                          "copy z-daily", "marker 2026-11-24"}));
  EXPECT_EQ(definitions.frozen_days.at("2026-11-24"), 3U);
  // The day's Query sees the copies next to the seeded items.
  EXPECT_EQ(json::parse(r.body())["queued"], 15);
  const auto ids = sent_ids(queue);
  EXPECT_EQ(ids.count("a-weekdays") + ids.count("once") + ids.count("z-daily"), 3U);
  EXPECT_EQ(ids.count("tomorrow") + ids.count("weekend"), 0U);
  const json copy = day.items_by_key.at({"DAY#2026-11-24", "NOTIF#z-daily"});
  EXPECT_EQ(attr(copy, "segment"), "vip");
  EXPECT_EQ(attr(copy, "definitionVersion"), "2");
  const json line = run_line();
  EXPECT_EQ(line["frozen"], "now");
  EXPECT_EQ(line["definitionsFrozen"], 3);
  EXPECT_EQ(line["level"], "INFO");
}

TEST_F(FindDaily, AFrozenDayReadsNoDefinition) {
  definitions.add("once", R"({"date":"2026-11-24"})");
  definitions.frozen_days["2026-11-24"] = 0;
  const auto r = invoke(kScheduled);
  ASSERT_TRUE(r.is_success()) << r.error_message();
  EXPECT_EQ(definitions.frozen_reads, 1);
  EXPECT_EQ(definitions.definition_reads, 0);
  EXPECT_TRUE(definitions.writes.empty());
  EXPECT_EQ(json::parse(r.body())["queued"], 12);
  EXPECT_EQ(sent_ids(queue).count("once"), 0U);
  EXPECT_EQ(run_line()["frozen"], "already");
}

TEST_F(FindDaily, ACopyAlreadyThereIsKeptAndSentOnce) {
  // n0 is seeded for the day (segment "all"); a definition of the same id does not replace it.
  definitions.add("n0", R"({"date":"2026-11-24"})", "vip");
  const auto r = invoke(kScheduled);
  ASSERT_TRUE(r.is_success()) << r.error_message();
  EXPECT_EQ(definitions.writes, (std::vector<std::string>{"copy n0", "marker 2026-11-24"}));
  EXPECT_EQ(json::parse(r.body())["queued"], 12);
  EXPECT_EQ(sent_ids(queue).count("n0"), 1U);
  EXPECT_EQ(attr(day.items_by_key.at({"DAY#2026-11-24", "NOTIF#n0"}), "segment"), "all");
}

TEST_F(FindDaily, AFailedFreezeFailsTheRunAndTheRetryFreezesTheDay) {
  definitions.add("a", R"({"date":"2026-11-24"})");
  definitions.add("b", R"({"date":"2026-11-24"})");
  definitions.fail_write = 1;  // b's copy: a is stored, the marker is not
  ASSERT_TRUE(failed_with(invoke(kScheduled, "r1"), "FreezeFailed"));
  EXPECT_EQ(definitions.writes, (std::vector<std::string>{"copy a"}));
  EXPECT_FALSE(definitions.frozen_days.contains("2026-11-24"));
  EXPECT_EQ(day.queries, 0);
  EXPECT_EQ(queue.calls, 0);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "failed");
  EXPECT_NE(markers.marker("2026-11-24")->reason.find("boom"), std::string::npos);
  EXPECT_EQ(run_line()["errorType"], "FreezeFailed");

  const auto retry = invoke(kScheduled, "r1-retry");
  ASSERT_TRUE(retry.is_success()) << retry.error_message();
  EXPECT_EQ(definitions.writes,
            (std::vector<std::string>{"copy a", "copy a", "copy b", "marker 2026-11-24"}));
  EXPECT_EQ(json::parse(retry.body())["queued"], 14);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "completed");
}

TEST_F(FindDaily, ReadingTheFreezeOrTheDefinitionsFailsTheRun) {
  definitions.frozen_error = Error{"InternalServerError", "frozen read", 500, true};
  ASSERT_TRUE(failed_with(invoke(kScheduled, "r1"), "FreezeFailed"));
  EXPECT_EQ(definitions.definition_reads, 0);
  definitions.frozen_error.reset();
  definitions.definitions_error = Error{"InternalServerError", "definitions", 500, true};
  ASSERT_TRUE(failed_with(invoke(kScheduled, "r2"), "FreezeFailed"));
  EXPECT_TRUE(definitions.writes.empty());
  EXPECT_EQ(day.queries, 0);
  EXPECT_EQ(markers.marker("2026-11-24")->marker.status, "failed");
}

TEST_F(FindDaily, AnUnreadableDefinitionIsSkippedAndCounted) {
  definitions.add("bad", R"({"rule":"hourly","start":"2026-11-01"})");
  definitions.add("good", R"({"date":"2026-11-24"})");
  definitions.add("untitled", R"({"date":"2026-11-24"})");
  definitions.items.back().erase("title");
  const auto r = invoke(kScheduled);
  ASSERT_TRUE(r.is_success()) << r.error_message();
  EXPECT_EQ(definitions.writes, (std::vector<std::string>{"copy good", "marker 2026-11-24"}));
  EXPECT_EQ(json::parse(r.body())["skipped"], 2);
  EXPECT_EQ(json::parse(r.body())["queued"], 13);
  EXPECT_EQ(markers.marker("2026-11-24")->skipped, 2U);
  const json line = run_line();
  EXPECT_EQ(line["level"], "WARN");
  ASSERT_EQ(line["skippedItems"].size(), 2U);
  EXPECT_EQ(line["skippedItems"][0]["key"], "DEFINITION/NOTIF#bad");
  EXPECT_NE(line["skippedItems"][0]["reason"].get<std::string>().find("schedule: "),
            std::string::npos);
  EXPECT_EQ(line["skippedItems"][1],
            (json{{"key", "DEFINITION/NOTIF#untitled"}, {"reason", "title is missing"}}));
}

// The adapter's requests, over the loopback stub and its in-memory table.
struct DynamoFixture {
  dn::aws::testing::FakeAws table;
  std::shared_ptr<dn::aws::testing::FakeTime> time = std::make_shared<dn::aws::testing::FakeTime>();
  dn::aws::testing::StubServer server{
      [this](const dn::aws::testing::StubRequest& r) { return table.handle(r); }};
  dn::aws::Client client{dn::aws::testing::test_config(server.url()),
                         dn::aws::testing::test_options(time)};
  dn::find_daily::DynamoDefinitions definitions{client, "notifications"};

  // The bodies of the requests of operation `op`, in order.
  [[nodiscard]] std::vector<json> bodies(const std::string& op) const {
    std::vector<json> out;
    for (const auto& r : server.requests()) {
      if (dn::aws::testing::FakeAws::operation(r) == op) out.push_back(json::parse(r.body));
    }
    return out;
  }
};

json s(const std::string& v) {
  return json{{"S", v}};
}

TEST(FindDailyDynamo, FrozenIsAConsistentQueryOfTheMarker) {
  DynamoFixture f;
  EXPECT_FALSE(f.definitions.frozen("2026-11-24").value());
  f.table.put({{"pk", s("DAY#2026-11-24")}, {"sk", s("FROZEN")}});
  f.table.put({{"pk", s("DAY#2026-11-25")}, {"sk", s("NOTIF#x")}});
  EXPECT_TRUE(f.definitions.frozen("2026-11-24").value());
  EXPECT_FALSE(f.definitions.frozen("2026-11-25").value());  // a NOTIF# item is no marker
  const auto queries = f.bodies("Query");
  ASSERT_EQ(queries.size(), 3U);
  EXPECT_EQ(queries[0], (json{{"TableName", "notifications"},
                              {"KeyConditionExpression", "pk = :day AND sk = :frozen"},
                              {"ExpressionAttributeValues",
                               {{":day", s("DAY#2026-11-24")}, {":frozen", s("FROZEN")}}},
                              {"ConsistentRead", true}}));
}

TEST(FindDailyDynamo, DefinitionsAreEveryDefinitionItemReadConsistently) {
  DynamoFixture f;
  const json item{{"pk", s("DEFINITION")},
                  {"sk", s("NOTIF#n1")},
                  {"notificationId", s("n1")},
                  {"title", s("t")},
                  {"body", s("b")},
                  {"segment", s("all")},
                  {"schedule", s(R"({"date":"2026-11-24"})")},
                  {"createdAt", s("2026-11-20T10:00:00Z")},
                  {"updatedAt", s("2026-11-21T10:00:00Z")},
                  {"version", json{{"N", "4"}}}};
  f.table.put(item);
  json other = item;
  other["sk"] = s("NOTIF#n0");
  other["notificationId"] = s("n0");
  other["version"] = json{{"N", "1.5"}};  // not an integer: read as absent
  f.table.put(other);
  f.table.put({{"pk", s("DAY#2026-11-24")}, {"sk", s("NOTIF#day")}});
  const auto read = f.definitions.definitions().value();
  ASSERT_EQ(read.size(), 2U);
  EXPECT_EQ(read[0].sk, "NOTIF#n0");
  EXPECT_FALSE(read[0].version);
  EXPECT_EQ(read[1].sk, "NOTIF#n1");
  EXPECT_EQ(read[1].notification_id, "n1");
  EXPECT_EQ(read[1].title, "t");
  EXPECT_EQ(read[1].body, "b");
  EXPECT_EQ(read[1].segment, "all");
  EXPECT_EQ(read[1].schedule, R"({"date":"2026-11-24"})");
  EXPECT_EQ(read[1].created_at, "2026-11-20T10:00:00Z");
  EXPECT_EQ(read[1].version, 4);
  EXPECT_FALSE(read[1].unreadable);
  EXPECT_EQ(f.bodies("Query").at(0),
            (json{{"TableName", "notifications"},
                  {"KeyConditionExpression", "pk = :definition AND begins_with(sk, :notif)"},
                  {"ExpressionAttributeValues",
                   {{":definition", s("DEFINITION")}, {":notif", s("NOTIF#")}}},
                  {"ConsistentRead", true}}));
  EXPECT_EQ(dn::find_daily::definition_of(json::array()).unreadable, "item is not an object");
}

TEST(FindDailyDynamo, FreezePutsEachNewCopyThenTheMarker) {
  DynamoFixture f;
  // n1's copy is there already (an earlier attempt, or a seeded item): it stays as it is.
  const json existing{{"pk", s("DAY#2026-11-24")}, {"sk", s("NOTIF#n1")}, {"title", s("old")}};
  f.table.put(existing);
  const std::vector<dn::core::FrozenCopy> copies{
      {"n0", "all", "Hi {{firstName}}", "b0", "2026-11-20T10:00:00Z", 3},
      {"n1", "vip", "new", "b1", "2026-11-21T10:00:00Z", 1}};
  ASSERT_TRUE(f.definitions.freeze("2026-11-24", copies, at("2026-11-24T06:00:03Z")).ok());
  const json copy0{{"pk", s("DAY#2026-11-24")},
                   {"sk", s("NOTIF#n0")},
                   {"notificationId", s("n0")},
                   {"segment", s("all")},
                   {"title", s("Hi {{firstName}}")},
                   {"body", s("b0")},
                   {"createdAt", s("2026-11-20T10:00:00Z")},
                   {"definitionVersion", json{{"N", "3"}}}};
  const json marker{{"pk", s("DAY#2026-11-24")},
                    {"sk", s("FROZEN")},
                    {"date", s("2026-11-24")},
                    {"frozenAt", s("2026-11-24T06:00:03Z")},
                    {"definitions", json{{"N", "2"}}}};
  const auto puts = f.bodies("PutItem");
  ASSERT_EQ(puts.size(), 3U);
  auto put = [](const json& item) {
    return json{{"TableName", "notifications"},
                {"Item", item},
                {"ConditionExpression", "attribute_not_exists(pk)"}};
  };
  EXPECT_EQ(puts[0], put(copy0));
  EXPECT_EQ(puts[1]["Item"]["sk"], s("NOTIF#n1"));
  EXPECT_EQ(puts[1]["ConditionExpression"], "attribute_not_exists(pk)");
  EXPECT_EQ(puts[2], put(marker));
  EXPECT_EQ(f.table.item("DAY#2026-11-24", "NOTIF#n0"), copy0);
  EXPECT_EQ(f.table.item("DAY#2026-11-24", "NOTIF#n1"), existing);
  EXPECT_EQ(f.table.item("DAY#2026-11-24", "FROZEN"), marker);
  // Freezing again (a retry whose first answer was lost) finds everything there: still fine.
  ASSERT_TRUE(f.definitions.freeze("2026-11-24", copies, at("2026-11-24T06:09:00Z")).ok());
  EXPECT_EQ(f.table.item("DAY#2026-11-24", "FROZEN"), marker);
}

TEST(FindDailyDynamo, AFailedCopyLeavesTheDayUnfrozen) {
  DynamoFixture f;
  f.server.set_hook([](const dn::aws::testing::StubRequest& r,
                       const dn::aws::testing::StubServer::Handler& next) {
    if (r.body.find("NOTIF#n1") != std::string::npos) {
      return dn::aws::testing::json_response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"no"})");
    }
    return next(r);
  });
  const std::vector<dn::core::FrozenCopy> copies{{"n0", "all", "t", "b", "c", 1},
                                                 {"n1", "all", "t", "b", "c", 1}};
  const auto r = f.definitions.freeze("2026-11-24", copies, at("2026-11-24T06:00:03Z"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().to_string().find("ValidationException"), std::string::npos);
  EXPECT_TRUE(f.table.item("DAY#2026-11-24", "NOTIF#n0"));
  EXPECT_FALSE(f.table.item("DAY#2026-11-24", "FROZEN"));
  EXPECT_EQ(f.bodies("PutItem").size(), 2U);
}

// ------------------------------------------------------------ start-up

TEST(Setup, ZoneNames) {
  for (const char* ok : {"Europe/London", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC",
                         "America/Port-au-Prince"}) {
    EXPECT_FALSE(dn::find_daily::check_zone_name(ok)) << ok;
  }
  for (const char* bad : {"", "/etc/passwd", "../etc/passwd", "Europe/../../x", "Europe//London",
                          "Europe/London/", ".hidden", "Europe/Lon don", "Europe\\London"}) {
    EXPECT_TRUE(dn::find_daily::check_zone_name(bad)) << bad;
  }
}

TEST(Setup, LoadsTheBundledZoneFirstThenTheSystemOne) {
  const auto dir = std::filesystem::temp_directory_path() /
                   std::string("find-daily-test-").append(std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "zoneinfo" / "Europe");
  // The bundled "Europe/London" is really Kolkata's file, so we can tell which one was read.
  std::filesystem::copy_file("/usr/share/zoneinfo/Asia/Kolkata", dir / "zoneinfo/Europe/London",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir / "zoneinfo/Broken", std::ios::binary) << "TZif2 truncated";
  const std::string root = dir.string();
  const auto roots = dn::find_daily::zoneinfo_roots(
      [&](const char* n) { return std::string(n) == "LAMBDA_TASK_ROOT" ? root.c_str() : nullptr; });
  ASSERT_EQ(roots.size(), 2U);
  EXPECT_EQ(roots[0], root + "/zoneinfo");
  EXPECT_EQ(roots[1], "/usr/share/zoneinfo");

  const Instant t = at("2026-06-01T00:00:00Z");
  EXPECT_EQ(dn::find_daily::load_zone("Europe/London", roots).utc_offset(t).count(), 19800);
  EXPECT_EQ(dn::find_daily::load_zone("Australia/Sydney", roots).utc_offset(t).count(), 36000);
  EXPECT_THROW(dn::find_daily::load_zone("Broken", roots), std::runtime_error);
  EXPECT_THROW(dn::find_daily::load_zone("Mars/Olympus_Mons", roots), std::runtime_error);
  EXPECT_THROW(dn::find_daily::load_zone("../../etc/passwd", roots), std::runtime_error);
  EXPECT_EQ(dn::find_daily::load_zone("UTC", {root + "/nowhere"}).utc_offset(t).count(), 0);
  std::filesystem::remove_all(dir);
}

TEST(Setup, MissingSettingsAreInitErrors) {
  const std::map<std::string, std::string> full = {{"TABLE_NAME", "tbl"},
                                                   {"QUEUE_URL", "https://sqs.local/q"},
                                                   {"TIMEZONE", "Europe/London"},
                                                   {"AWS_REGION", "eu-west-2"},
                                                   {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                                   {"AWS_SECRET_ACCESS_KEY", "secret"}};
  auto without = [&](const std::string& drop, const std::string& value = "") {
    auto env = full;
    if (value.empty()) {
      env.erase(drop);
    } else {
      env[drop] = value;
    }
    return [env](const char* n) -> const char* {
      const auto it = env.find(n);
      return it == env.end() ? nullptr : it->second.c_str();
    };
  };
  EXPECT_NO_THROW((void)dn::find_daily::handler_from_env(without("LAMBDA_TASK_ROOT"), {}));
  for (const char* name : {"TABLE_NAME", "QUEUE_URL", "TIMEZONE", "AWS_REGION"}) {
    try {
      (void)dn::find_daily::handler_from_env(without(name), {});
      ADD_FAILURE() << "no error without " << name;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW((void)dn::find_daily::handler_from_env(without("TIMEZONE", "Not/AZone"), {}),
               std::runtime_error);
}

}  // namespace
