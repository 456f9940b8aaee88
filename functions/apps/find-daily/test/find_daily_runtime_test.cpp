// The whole function as Lambda runs it: handler_from_env + dn::runtime over the stub Runtime
// API, with DynamoDB and SQS served by the loopback AWS stub (signed requests, real JSON).
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "dn/runtime/testing/function_harness.hpp"
#include "http_stub.hpp"
#include "setup.hpp"

namespace {

using dn::aws::testing::StubRequest;
using dn::aws::testing::StubResponse;
using dn::runtime::testing::env_of;
using dn::runtime::testing::Post;
using dn::runtime::testing::run_function;
using nlohmann::json;

// DynamoDB + SQS in one stub, by X-Amz-Target: the marker exists after the first PutItem.
struct FakeAws {
  std::mutex mutex;
  bool marker = false;
  std::vector<json> sent_bodies;
  std::map<std::string, int> calls;

  StubResponse handle(const StubRequest& r) {
    const std::lock_guard lock(mutex);
    const std::string target = r.header("x-amz-target");
    ++calls[target];
    const json body = json::parse(r.body, nullptr, false);
    if (target == "DynamoDB_20120810.PutItem") {
      if (marker && body.contains("ConditionExpression")) {
        return dn::aws::testing::json_response(
            400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
                 R"("message":"The conditional request failed"})");
      }
      marker = true;
      return dn::aws::testing::json_response(200, "{}");
    }
    if (target == "DynamoDB_20120810.Query") {
      // Two pages, to show every page is read.
      json items = json::array();
      const bool first = !body.contains("ExclusiveStartKey");
      for (int i = first ? 0 : 2; i < (first ? 2 : 3); ++i) {
        const std::string id = std::string("n").append(std::to_string(i));
        items.push_back({{"sk", {{"S", "NOTIF#" + id}}},
                         {"notificationId", {{"S", id}}},
                         {"segment", {{"S", "all"}}}});
      }
      json page{{"Items", items}, {"Count", items.size()}, {"ScannedCount", items.size()}};
      if (first) page["LastEvaluatedKey"] = {{"pk", {{"S", "DAY#x"}}}, {"sk", {{"S", "NOTIF#n1"}}}};
      return dn::aws::testing::json_response(200, page.dump());
    }
    if (target == "DynamoDB_20120810.UpdateItem") {
      return dn::aws::testing::json_response(200, "{}");
    }
    if (target == "AmazonSQS.SendMessageBatch") {
      json ok = json::array();
      for (const auto& e : body["Entries"]) {
        sent_bodies.push_back(json::parse(e["MessageBody"].get<std::string>()));
        ok.push_back({{"Id", e["Id"]},
                      {"MessageId", std::string("m-").append(e["Id"].get<std::string>())},
                      {"MD5OfMessageBody", "x"}});
      }
      return dn::aws::testing::json_response(
          200, json{{"Successful", ok}, {"Failed", json::array()}}.dump());
    }
    return dn::aws::testing::json_response(400, R"({"__type":"UnknownOperation"})");
  }
};

std::map<std::string, std::string> base_env(const std::string& endpoint) {
  auto env = dn::aws::testing::stub_aws_env(endpoint);
  env.insert({{"TABLE_NAME", "notifications"},
              {"QUEUE_URL", endpoint + "/000000000000/generate"},
              {"TIMEZONE", "Europe/London"}});
  return env;
}

TEST(FindDailyRuntime, RunsThenIgnoresTheSecondTriggerForTheDay) {
  std::vector<std::string> lines;
  FakeAws aws;
  dn::aws::testing::StubServer server([&](const StubRequest& r) { return aws.handle(r); });
  dn::runtime::testing::StubRuntimeApi api;
  const std::string event =
      R"({"source":"aws.scheduler","scheduleArn":"arn","scheduledTime":"2026-06-30T23:30:00Z",)"
      R"("executionId":"e"})";
  api.enqueue(dn::runtime::testing::invocation("req-1", event));
  api.enqueue(dn::runtime::testing::invocation("req-2", event));

  const auto env = env_of(base_env(server.url()));
  const int rc =
      run_function([&] { return dn::find_daily::handler_from_env(env, {}); }, api, 2, &lines);
  ASSERT_EQ(rc, 0);

  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 2U);
  EXPECT_EQ(posts[0].kind, Post::Kind::response);
  EXPECT_EQ(posts[0].request_id, "req-1");
  // 23:30 UTC on 30 June is 00:30 BST on 1 July.
  EXPECT_EQ(json::parse(posts[0].body),
            (json{{"outcome", "queued"}, {"date", "2026-07-01"}, {"queued", 3}, {"skipped", 0}}));
  EXPECT_EQ(posts[1].kind, Post::Kind::response);
  EXPECT_EQ(json::parse(posts[1].body)["outcome"], "already_ran");

  EXPECT_EQ(aws.calls["DynamoDB_20120810.Query"], 2);
  EXPECT_EQ(aws.calls["AmazonSQS.SendMessageBatch"], 1);
  EXPECT_EQ(aws.calls["DynamoDB_20120810.UpdateItem"], 1);
  std::set<std::string> ids;
  for (const auto& b : aws.sent_bodies) {
    EXPECT_EQ(b["v"], 1);
    EXPECT_EQ(b["date"], "2026-07-01");
    ids.insert(b["notificationId"].get<std::string>());
  }
  EXPECT_EQ(ids, (std::set<std::string>{"n0", "n1", "n2"}));
  // Requests are signed.
  EXPECT_EQ(dn::aws::testing::unsigned_requests(server), std::vector<std::string>{});
  // One EMF line carries the run's metrics.
  int emf = 0;
  for (const auto& l : lines) {
    const auto j = json::parse(l, nullptr, false);
    if (!j.is_discarded() && j.contains("_aws")) {
      ++emf;
      EXPECT_EQ(j["NotificationsQueued"], 3);
      EXPECT_EQ(j["DailyRunCompleted"], 1);
    }
  }
  EXPECT_EQ(emf, 1);
}

TEST(FindDailyRuntime, UnknownTimezoneIsAnInitError) {
  dn::runtime::testing::StubRuntimeApi api;
  auto vars = base_env("http://127.0.0.1:9");
  vars["TIMEZONE"] = "Mars/Olympus_Mons";
  const auto env = env_of(vars);
  const int rc = run_function([&] { return dn::find_daily::handler_from_env(env, {}); }, api, 1);
  EXPECT_NE(rc, 0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::init_error);
  EXPECT_NE(posts[0].body.find("Mars/Olympus_Mons"), std::string::npos);
}

}  // namespace
