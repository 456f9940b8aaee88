// The whole function as Lambda runs it: handler_from_env + dn::runtime over the stub Runtime
// API, with DynamoDB and SQS served by the loopback AWS stub (signed requests, real JSON).
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "dn/aws/attributes.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "fake_aws.hpp"
#include "http_stub.hpp"
#include "setup.hpp"

namespace {

using dn::aws::attr::str;
using dn::runtime::testing::run_function;
using nlohmann::json;

// Three notifications on 1 July 2026 in the fake table, and one daily definition.
void seed(dn::aws::testing::FakeAws& aws) {
  for (const char* id : {"n0", "n1", "n2"}) {
    aws.put({{"pk", str("DAY#2026-07-01")},
             {"sk", str(std::string("NOTIF#") + id)},
             {"notificationId", str(id)},
             {"segment", str("all")}});
  }
  aws.put({{"pk", str("DEFINITION")},
           {"sk", str("NOTIF#d0")},
           {"notificationId", str("d0")},
           {"title", str("Hi {{firstName}}")},
           {"body", str("b")},
           {"segment", str("all")},
           {"schedule", str(R"({"rule":"daily","start":"2026-06-01"})")},
           {"createdAt", str("2026-06-01T09:00:00Z")},
           {"version", json{{"N", "1"}}}});
}

std::map<std::string, std::string> base_env(const std::string& endpoint) {
  auto env = dn::aws::testing::stub_aws_env(endpoint);
  env.insert({{"TABLE_NAME", "notifications"},
              {"QUEUE_URL", endpoint + "/000000000000/generate"},
              {"TIMEZONE", "Europe/London"}});
  return env;
}

TEST(FindDailyRuntime, RunsThenIgnoresTheSecondTriggerForTheDay) {
  std::vector<std::string> lines;
  dn::aws::testing::FakeAws aws;
  seed(aws);
  std::map<std::string, int> calls;
  dn::aws::testing::StubServer server([&](const dn::aws::testing::StubRequest& r) {
    ++calls[dn::aws::testing::FakeAws::operation(r)];
    return aws.handle(r);
  });
  dn::runtime::testing::StubRuntimeApi api;
  const std::string event =
      R"({"source":"aws.scheduler","scheduleArn":"arn","scheduledTime":"2026-06-30T23:30:00Z",)"
      R"("executionId":"e"})";
  api.enqueue(dn::runtime::testing::invocation("req-1", event));
  api.enqueue(dn::runtime::testing::invocation("req-2", event));

  const auto env = dn::runtime::testing::env_of(base_env(server.url()));
  const int rc =
      run_function([&] { return dn::find_daily::handler_from_env(env, {}); }, api, 2, &lines);
  ASSERT_EQ(rc, 0);

  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 2U);
  EXPECT_EQ(posts[0].kind, dn::runtime::testing::Post::Kind::response);
  EXPECT_EQ(posts[0].request_id, "req-1");
  // 23:30 UTC on 30 June is 00:30 BST on 1 July.
  EXPECT_EQ(json::parse(posts[0].body),
            (json{{"outcome", "queued"}, {"date", "2026-07-01"}, {"queued", 4}, {"skipped", 0}}));
  EXPECT_EQ(posts[1].kind, dn::runtime::testing::Post::Kind::response);
  EXPECT_EQ(json::parse(posts[1].body)["outcome"], "already_ran");

  // Each claim reads the marker; the first also writes it, reads the day's FROZEN marker and the
  // definitions, puts the copy and the FROZEN marker, queries the day and completes the run.
  EXPECT_EQ(calls["Query"], 5);
  EXPECT_EQ(calls["PutItem"], 3);
  EXPECT_EQ(calls["SendMessageBatch"], 1);
  EXPECT_EQ(calls["UpdateItem"], 1);
  std::set<std::string> ids;
  for (const auto& m : aws.take_messages(base_env(server.url())["QUEUE_URL"])) {
    const json b = json::parse(m.body);
    EXPECT_EQ(b["v"], 1);
    EXPECT_EQ(b["date"], "2026-07-01");
    EXPECT_EQ(b["run"], "e");
    ids.insert(b["notificationId"].get<std::string>());
  }
  EXPECT_EQ(ids, (std::set<std::string>{"d0", "n0", "n1", "n2"}));
  const auto frozen = aws.item("DAY#2026-07-01", "FROZEN");
  ASSERT_TRUE(frozen);
  EXPECT_EQ((*frozen)["definitions"]["N"], "1");
  EXPECT_EQ((*aws.item("DAY#2026-07-01", "NOTIF#d0"))["title"], str("Hi {{firstName}}"));
  const auto marker = aws.item("RUN#2026-07-01", "RUN");
  ASSERT_TRUE(marker);
  EXPECT_EQ((*marker)["status"], str("completed"));
  EXPECT_EQ((*marker)["runId"], str("e"));
  EXPECT_EQ((*marker)["version"]["N"], "1");
  // The marker expires by TTL, 90 days after its day (2026-09-29T00:00:00Z).
  EXPECT_EQ((*marker)["expiresAt"]["N"], "1790640000");
  // Requests are signed.
  EXPECT_EQ(dn::aws::testing::unsigned_requests(server), std::vector<std::string>{});
  // One EMF line carries the run's metrics.
  int emf = 0;
  for (const auto& l : lines) {
    const auto j = json::parse(l, nullptr, false);
    if (!j.is_discarded() && j.contains("_aws")) {
      ++emf;
      EXPECT_EQ(j["NotificationsQueued"], 4);
      EXPECT_EQ(j["DailyRunCompleted"], 1);
    }
  }
  EXPECT_EQ(emf, 1);
}

TEST(FindDailyRuntime, AClaimWhoseAnswerIsLostIsTakenAgainNotAnsweredAlreadyRan) {
  dn::aws::testing::FakeAws aws;
  seed(aws);
  int puts = 0;
  dn::aws::testing::StubServer server([&](const dn::aws::testing::StubRequest& r) {
    auto response = aws.handle(r);
    // The first PutItem is applied, then its answer is lost: the client retries it, and the
    // retry's condition fails against the marker the first one wrote.
    if (dn::aws::testing::FakeAws::operation(r) == "PutItem" && puts++ == 0) {
      response.fault = dn::aws::testing::Fault::drop;
    }
    return response;
  });
  dn::runtime::testing::StubRuntimeApi api;
  api.enqueue(dn::runtime::testing::invocation("req-1", R"({"date":"2026-07-01"})"));
  const auto env = dn::runtime::testing::env_of(base_env(server.url()));
  ASSERT_EQ(run_function([&] { return dn::find_daily::handler_from_env(env, {}); }, api, 1), 0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(json::parse(posts[0].body)["outcome"], "queued") << posts[0].body;
  // applied-and-lost, the retry refused by the condition, the re-claim; then d0's copy and the
  // FROZEN marker.
  EXPECT_EQ(puts, 5);
  EXPECT_EQ(aws.take_messages(base_env(server.url())["QUEUE_URL"]).size(), 4U);
  EXPECT_EQ((*aws.item("RUN#2026-07-01", "RUN"))["status"], str("completed"));
}

TEST(FindDailyRuntime, UnknownTimezoneIsAnInitError) {
  auto vars = base_env("http://127.0.0.1:9");
  vars["TIMEZONE"] = "Mars/Olympus_Mons";
  const auto env = dn::runtime::testing::env_of(vars);
  const auto error =
      dn::runtime::testing::init_error([&] { return dn::find_daily::handler_from_env(env, {}); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("Mars/Olympus_Mons"), std::string::npos);
}

}  // namespace
