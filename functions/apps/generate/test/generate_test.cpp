#include "generate.hpp"

#include <gtest/gtest.h>

#include <map>

#include "dn/core/message.hpp"
#include "dn/runtime/testing/function_harness.hpp"

namespace dn::generate {
namespace {

using nlohmann::json;

json S(const std::string& v) {
  return json{{"S", v}};
}

// An in-memory table that answers the two Query shapes generate issues, ordered by sk.
class FakeTable final : public Table {
 public:
  std::map<std::string, std::map<std::string, json>> items;  // pk -> sk -> item
  int fail_writes_after = -1;                                // batch_write calls that succeed
  int write_calls = 0;
  int audience_queries = 0;

  void put(const json& item) { items[item["pk"]["S"]][item["sk"]["S"]] = item; }

  aws::Result<aws::QueryPage> query(const json& r) override {
    const auto& v = r["ExpressionAttributeValues"];
    const std::string pk = v[":pk"]["S"];
    aws::QueryPage page;
    auto& part = items[pk];
    if (v.contains(":sk")) {
      if (auto it = part.find(v[":sk"]["S"].get<std::string>()); it != part.end()) {
        page.items.push_back(it->second);
      }
      return page;
    }
    ++audience_queries;
    const std::string prefix = v[":user"]["S"];
    const std::size_t limit = r.value("Limit", 1000);
    auto it = r.contains("ExclusiveStartKey")
                  ? part.upper_bound(r["ExclusiveStartKey"]["sk"]["S"].get<std::string>())
                  : part.begin();
    for (; it != part.end() && page.items.size() < limit; ++it) {
      if (it->first.starts_with(prefix)) page.items.push_back(it->second);
    }
    if (it != part.end()) {
      const auto& last = page.items.back();
      page.last_evaluated_key = json{{"pk", last["pk"]}, {"sk", last["sk"]}};
    }
    return page;
  }

  aws::Result<void> batch_write(const std::string&, std::vector<json> requests) override {
    if (fail_writes_after >= 0 && write_calls >= fail_writes_after) {
      return aws::Error{"ProvisionedThroughputExceededException", "throttled", 400, true};
    }
    ++write_calls;
    for (const auto& r : requests) put(r["PutRequest"]["Item"]);
    return {};
  }

  [[nodiscard]] std::size_t inbox_count() const {
    std::size_t n = 0;
    for (const auto& [pk, part] : items) {
      for (const auto& [sk, item] : part) n += sk.starts_with("INBOX#") ? 1 : 0;
    }
    return n;
  }
};

class FakeQueue final : public Queue {
 public:
  std::vector<std::string> sent;
  aws::Result<void> send(const std::string&, const aws::SqsMessage& m) override {
    sent.push_back(m.body);
    return {};
  }
};

struct Fixture {
  FakeTable table;
  FakeQueue queue;
  Settings settings{"T", "Q", 30, 2, 10, std::chrono::milliseconds(5000)};

  Fixture(int members = 35, const std::string& segment = "everyone") {
    table.put({{"pk", S("DAY#2026-11-24")},
               {"sk", S("NOTIF#n1")},
               {"segment", S(segment)},
               {"title", S("Hi {{displayName}}")},
               {"body", S("b")},
               {"createdAt", S("c")}});
    for (int i = 0; i < members; ++i) {
      std::string id = std::to_string(i);
      id.insert(0, 3 - id.size(), '0');
      id.insert(0, 1, 'u');
      table.put({{"pk", S("SEGMENT#" + segment)},
                 {"sk", S("USER#" + id)},
                 {"userId", S(id)},
                 {"displayName", S(std::string("N") + id)}});
    }
  }

  json run(const std::vector<std::pair<std::string, std::string>>& records,
           std::chrono::milliseconds left = std::chrono::minutes(1)) {
    json event{{"Records", json::array()}};
    for (const auto& [id, body] : records)
      event["Records"].push_back({{"messageId", id}, {"body", body}});
    runtime::Request req;
    req.payload = event.dump();
    req.deadline = std::chrono::system_clock::now() + left;
    Handler h(settings, table, queue);
    const auto resp = h.handle(req);
    return json::parse(resp.body());
  }
};

std::string message(const std::optional<std::string>& cursor = std::nullopt) {
  return core::encode_message(core::GenerateMessage{"2026-11-24", "n1", "everyone", cursor});
}

TEST(Generate, WritesOneInboxRecordPerMemberAndContinuesAfterThePageBudget) {
  Fixture f(35);  // page size 10, 2 pages per invocation -> 20 written, then a continuation
  auto out = f.run({{"m1", message()}});
  EXPECT_TRUE(out["batchItemFailures"].empty());
  EXPECT_EQ(f.table.inbox_count(), 20U);
  ASSERT_EQ(f.queue.sent.size(), 1U);
  // Follow the continuation chain until the audience is exhausted.
  for (int hops = 0; hops < 5 && !f.queue.sent.empty(); ++hops) {
    const auto next = f.queue.sent.back();
    f.queue.sent.clear();
    EXPECT_TRUE(f.run({{"c", next}})["batchItemFailures"].empty());
  }
  EXPECT_TRUE(f.queue.sent.empty());
  EXPECT_EQ(f.table.inbox_count(), 35U);
  const auto& rec = f.table.items["USER#u007"]["INBOX#2026-11-24#n1"];
  EXPECT_EQ(rec["title"]["S"], "Hi Nu007");
  EXPECT_EQ(rec["expiresAt"]["N"], std::to_string(1795478400 + 30 * 86400));
}

TEST(Generate, RerunWritesTheSameKeys) {
  Fixture f(8);
  f.run({{"m1", message()}});
  f.run({{"m1", message()}});
  EXPECT_EQ(f.table.inbox_count(), 8U);
  EXPECT_TRUE(f.queue.sent.empty());
}

TEST(Generate, PoisonAndMissingNotificationFailOnlyTheirRecords) {
  Fixture f(5);
  auto out = f.run({{"bad", "{not json"},
                    {"ok", message()},
                    {"gone", core::encode_message({"2026-11-24", "missing", "everyone", {}})},
                    {"badcursor", message("a#b")}});
  std::vector<std::string> ids;
  for (const auto& x : out["batchItemFailures"]) ids.push_back(x["itemIdentifier"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"bad", "gone", "badcursor"}));
  EXPECT_EQ(f.table.inbox_count(), 5U);
}

TEST(Generate, AWriteFailureFailsTheRecordForRetry) {
  Fixture f(25);
  f.table.fail_writes_after = 1;
  auto out = f.run({{"m1", message()}});
  ASSERT_EQ(out["batchItemFailures"].size(), 1U);
  EXPECT_EQ(out["batchItemFailures"][0]["itemIdentifier"], "m1");
  EXPECT_TRUE(f.queue.sent.empty());
}

TEST(Generate, NearTheDeadlineItContinuesAfterOnePage) {
  Fixture f(35);
  f.settings.max_pages = 100;
  auto out = f.run({{"m1", message()}}, std::chrono::milliseconds(1000));  // < 5 s reserve
  EXPECT_TRUE(out["batchItemFailures"].empty());
  EXPECT_EQ(f.table.inbox_count(), 10U);
  EXPECT_EQ(f.table.audience_queries, 1);
  ASSERT_EQ(f.queue.sent.size(), 1U);
  EXPECT_NE(f.queue.sent[0].find("\"cursor\":\"u009\""), std::string::npos);
}

TEST(Generate, NotAnSqsEventIsAnInvocationError) {
  Fixture f(1);
  runtime::Request req;
  req.payload = R"({"hello":1})";
  Handler h(f.settings, f.table, f.queue);
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
