// The find-daily handler over an in-memory table and queue: the run marker's once-per-day rule,
// retries after failures, and what is logged and counted.
#include "find_daily.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "dn/core/keys.hpp"
#include "dn/core/message.hpp"
#include "dn/runtime/log.hpp"
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

// A table that stores items and honours the run marker's conditions (through the same rule
// dn::core::run_marker_claimable documents) and the `SET a = :v, #b = :w` updates.
class FakeTable final : public dn::find_daily::Table {
 public:
  std::map<std::pair<std::string, std::string>, json> items;
  std::optional<Error> put_error, update_error, query_error;
  int puts = 0, updates = 0, queries = 0;

  void add(const json& item) { items[{attr(item, "pk"), attr(item, "sk")}] = item; }
  const json* marker(const std::string& date) {
    const auto it = items.find({dn::core::keys::run_pk(date), "RUN"});
    return it == items.end() ? nullptr : &it->second;
  }

  dn::aws::Result<dn::aws::WriteStatus> put_item(const json& request) override {
    ++puts;
    if (put_error) return *put_error;
    const json& item = request.at("Item");
    const std::pair<std::string, std::string> key{attr(item, "pk"), attr(item, "sk")};
    if (request.contains("ConditionExpression")) {
      dn::core::RunClaim claim;
      claim.day.force = false;
      claim.started_at = Instant{std::chrono::seconds{
          std::stoll(request["ExpressionAttributeValues"][":now"]["N"].get<std::string>())}};
      const auto it = items.find(key);
      if (!dn::core::run_marker_claimable(it == items.end() ? nullptr : &it->second, claim)) {
        return dn::aws::WriteStatus::condition_failed;
      }
    }
    items[key] = item;
    return dn::aws::WriteStatus::written;
  }

  dn::aws::Result<dn::aws::UpdateResult> update_item(const json& request) override {
    ++updates;
    if (update_error) return *update_error;
    const json& k = request.at("Key");
    const auto it = items.find({attr(k, "pk"), attr(k, "sk")});
    const json& values = request.at("ExpressionAttributeValues");
    if (it == items.end() || request.value("ConditionExpression", "") != "requestId = :rid" ||
        attr(it->second, "requestId") != values[":rid"]["S"]) {
      return dn::aws::UpdateResult{dn::aws::WriteStatus::condition_failed, nullptr};
    }
    std::string expr = request.at("UpdateExpression");
    EXPECT_EQ(expr.rfind("SET ", 0), 0U);
    std::istringstream parts(expr.substr(4));
    std::string part;
    while (std::getline(parts, part, ',')) {
      std::istringstream words(part);
      std::string name, eq, value;
      words >> name >> eq >> value;
      if (name.front() == '#') name = request["ExpressionAttributeNames"][name];
      it->second[name] = values.at(value);
    }
    return dn::aws::UpdateResult{dn::aws::WriteStatus::written, nullptr};
  }

  dn::aws::Result<std::vector<json>> query_all(const json& request) override {
    ++queries;
    if (query_error) return *query_error;
    const std::string pk = request["ExpressionAttributeValues"][":pk"]["S"];
    const std::string prefix = request["ExpressionAttributeValues"][":prefix"]["S"];
    std::vector<json> out;
    for (const auto& [key, item] : items) {
      if (key.first == pk && key.second.rfind(prefix, 0) == 0) out.push_back(item);
    }
    return out;
  }
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
  return std::get<dn::core::TimeZone>(dn::core::TimeZone::from_posix("GMT0BST,M3.5.0/1,M10.5.0"));
}

class FindDaily : public ::testing::Test {
 protected:
  void SetUp() override {
    dn::runtime::set_line_sink([this](std::string_view line) { lines.emplace_back(line); });
    (void)dn::runtime::metrics().flush();  // drop anything an earlier test left
    lines.clear();
    for (int i = 0; i < 12; ++i) {
      table.add(notification("2026-11-24", std::string("n").append(std::to_string(i)),
                             i % 2 == 0 ? "all" : "vip"));
    }
    table.add(notification("2026-11-25", "other-day", "all"));
  }
  void TearDown() override {
    (void)dn::runtime::metrics().flush();
    dn::runtime::set_line_sink(nullptr);
  }

  dn::runtime::Response invoke(const std::string& payload, const std::string& request_id = "r1") {
    lines.clear();
    (void)dn::runtime::metrics().flush();
    lines.clear();
    dn::runtime::Request request;
    request.payload = payload;
    request.request_id = request_id;
    request.deadline =
        std::chrono::system_clock::time_point{} + (now - Instant{}) + std::chrono::seconds(60);
    return handler.handle(request);
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

  FakeTable table;
  FakeQueue queue;
  Instant now = at("2026-11-24T06:00:03Z");
  std::vector<std::string> lines;
  Handler handler{dn::find_daily::Settings{"tbl", "https://sqs.local/q", "Europe/London"}, london(),
                  table, queue, [this] { return now; }};
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
    ASSERT_TRUE(std::holds_alternative<dn::core::GenerateMessage>(decoded)) << m.body;
    const auto& g = std::get<dn::core::GenerateMessage>(decoded);
    EXPECT_EQ(g.date, "2026-11-24");
    EXPECT_FALSE(g.cursor);
    ids.insert(g.notification_id);
    EXPECT_LE(m.id.size(), 80U);
  }
  EXPECT_EQ(ids.size(), 12U);
  EXPECT_EQ(ids.count("other-day"), 0U);

  const json* marker = table.marker("2026-11-24");
  ASSERT_NE(marker, nullptr);
  EXPECT_EQ(attr(*marker, "status"), "completed");
  EXPECT_EQ(attr(*marker, "notificationsQueued"), "12");
  EXPECT_EQ(attr(*marker, "itemsSkipped"), "0");
  EXPECT_EQ(attr(*marker, "requestId"), "r1");
  EXPECT_EQ(attr(*marker, "startedAt"), "2026-11-24T06:00:03Z");

  EXPECT_EQ(metric("NotificationsQueued"), 12);
  EXPECT_EQ(metric("DailyRunCompleted"), 1);
  const json line = run_line();
  EXPECT_EQ(line["level"], "INFO");
  EXPECT_EQ(line["outcome"], "queued");
  EXPECT_EQ(line["date"], "2026-11-24");
  EXPECT_EQ(line["source"], "scheduledTime");
  EXPECT_EQ(line["queued"], 12);
  EXPECT_EQ(line["markerCompleted"], true);
}

TEST_F(FindDaily, SecondTriggerForTheDayIsANoOp) {
  ASSERT_TRUE(invoke(kScheduled, "r1").is_success());
  queue.sent.clear();
  const int queries = table.queries;
  const auto r = invoke(kScheduled, "r2");
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["outcome"], "already_ran");
  EXPECT_TRUE(queue.sent.empty());
  EXPECT_EQ(table.queries, queries);
  EXPECT_EQ(attr(*table.marker("2026-11-24"), "requestId"), "r1");
  EXPECT_EQ(run_line()["outcome"], "already_ran");
  EXPECT_EQ(metric("DailyRunCompleted"), -1);
  // The same day asked for by date, without force, is also a no-op.
  EXPECT_EQ(json::parse(invoke(R"({"date":"2026-11-24"})", "r3").body())["outcome"], "already_ran");
}

TEST_F(FindDaily, ForceRunsTheDayAgain) {
  ASSERT_TRUE(invoke(kScheduled, "r1").is_success());
  queue.sent.clear();
  const auto r = invoke(R"({"date":"2026-11-24","force":true})", "r2");
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["outcome"], "queued");
  EXPECT_EQ(queue.sent.size(), 12U);
  const json* marker = table.marker("2026-11-24");
  EXPECT_EQ(attr(*marker, "requestId"), "r2");
  EXPECT_EQ(attr(*marker, "status"), "completed");
  EXPECT_EQ(attr(*marker, "source"), "date");
  EXPECT_EQ(run_line()["force"], true);
}

TEST_F(FindDaily, SendFailureReleasesTheDayForTheRetry) {
  queue.failures_left = 1;
  const auto r = invoke(kScheduled, "r1");
  ASSERT_FALSE(r.is_success());
  EXPECT_EQ(r.error_type(), "SendFailed");
  EXPECT_NE(r.error_message().find("BatchEntriesFailed"), std::string::npos);
  EXPECT_EQ(attr(*table.marker("2026-11-24"), "status"), "failed");
  EXPECT_NE(attr(*table.marker("2026-11-24"), "failureReason").find("BatchEntriesFailed"),
            std::string::npos);
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
  EXPECT_EQ(attr(*table.marker("2026-11-24"), "status"), "completed");
  EXPECT_EQ(metric("DailyRunCompleted"), 1);
}

TEST_F(FindDaily, QueryFailureReleasesTheDay) {
  table.query_error = Error{"ProvisionedThroughputExceededException", "slow down", 400, true};
  const auto r = invoke(kScheduled);
  ASSERT_FALSE(r.is_success());
  EXPECT_EQ(r.error_type(), "QueryFailed");
  EXPECT_EQ(queue.calls, 0);
  EXPECT_EQ(attr(*table.marker("2026-11-24"), "status"), "failed");
  table.query_error.reset();
  EXPECT_TRUE(invoke(kScheduled, "r2").is_success());
}

TEST_F(FindDaily, UnreleasableMarkerIsFreedByItsLease) {
  queue.failures_left = 1;
  table.update_error = Error{"NetworkError", "connection refused", 0, true};
  const auto r = invoke(kScheduled, "r1");
  ASSERT_FALSE(r.is_success());
  const json line = run_line();
  EXPECT_EQ(line["markerReleased"], false);
  EXPECT_EQ(line["leaseUntil"], "2026-11-24T06:02:03Z");  // deadline (+60 s) + 60 s margin
  table.update_error.reset();
  // Before the lease ends a retry is a no-op; after it, the retry takes the day over.
  EXPECT_EQ(json::parse(invoke(kScheduled, "r2").body())["outcome"], "already_ran");
  now = at("2026-11-24T06:02:04Z");
  const auto later = invoke(kScheduled, "r3");
  ASSERT_TRUE(later.is_success()) << later.error_message();
  EXPECT_EQ(json::parse(later.body())["outcome"], "queued");
  EXPECT_EQ(attr(*table.marker("2026-11-24"), "requestId"), "r3");
}

TEST_F(FindDaily, MarkerWriteErrorIsARetryableFailure) {
  table.put_error = Error{"InternalServerError", "boom", 500, true};
  const auto r = invoke(kScheduled);
  ASSERT_FALSE(r.is_success());
  EXPECT_EQ(r.error_type(), "RunMarkerFailed");
  EXPECT_EQ(table.queries, 0);
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
  EXPECT_EQ(table.puts, 0);
}

TEST_F(FindDaily, PlaceholderEventUsesNowInTheZone) {
  table.add(notification("2026-07-02", "summer", "all"));
  now = at("2026-07-01T23:30:00Z");  // 00:30 BST on 2 July
  const auto r =
      invoke(R"({"source":"aws.scheduler","scheduledTime":"<aws.scheduler.scheduled-time>"})");
  ASSERT_TRUE(r.is_success()) << r.error_message();
  EXPECT_EQ(json::parse(r.body())["date"], "2026-07-02");
  ASSERT_EQ(queue.sent.size(), 1U);
  EXPECT_EQ(run_line()["source"], "now");
}

TEST_F(FindDaily, BadItemsAreSkippedAndReported) {
  json broken = notification("2026-11-24", "zz", "all");
  broken.erase("segment");
  table.add(broken);
  const auto r = invoke(kScheduled);
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["skipped"], 1);
  EXPECT_EQ(queue.sent.size(), 12U);
  const json line = run_line();
  EXPECT_EQ(line["level"], "WARN");
  EXPECT_EQ(line["skippedItems"],
            (json::array({{{"key", "NOTIF#zz"}, {"reason", "segment is missing"}}})));
  EXPECT_EQ(attr(*table.marker("2026-11-24"), "itemsSkipped"), "1");
}

TEST_F(FindDaily, EmptyDayCompletesWithoutSending) {
  const auto r = invoke(R"({"date":"2026-12-25"})");
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(json::parse(r.body())["queued"], 0);
  EXPECT_EQ(queue.calls, 0);
  EXPECT_EQ(attr(*table.marker("2026-12-25"), "status"), "completed");
  EXPECT_EQ(metric("NotificationsQueued"), 0);
  EXPECT_EQ(metric("DailyRunCompleted"), 1);
}

TEST_F(FindDaily, CompletionLostToAForcedRunIsLoggedNotFailed) {
  // A forced run takes the marker over while this one is sending.
  struct Racing final : dn::find_daily::Queue {
    FakeTable* table = nullptr;
    dn::aws::Result<void> send_all(const std::string&,
                                   const std::vector<dn::aws::SqsMessage>&) override {
      json& m = table->items[{"RUN#2026-11-24", "RUN"}];
      m["requestId"] = json{{"S", "forced"}};
      return {};
    }
  } racing;
  racing.table = &table;
  Handler h{dn::find_daily::Settings{"tbl", "https://sqs.local/q", "Europe/London"}, london(),
            table, racing, [this] { return now; }};
  dn::runtime::Request request;
  request.payload = kScheduled;
  request.request_id = "r1";
  lines.clear();
  const auto r = h.handle(request);
  ASSERT_TRUE(r.is_success());
  EXPECT_EQ(run_line()["markerCompleted"], false);
  EXPECT_EQ(attr(*table.marker("2026-11-24"), "status"), "started");
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
