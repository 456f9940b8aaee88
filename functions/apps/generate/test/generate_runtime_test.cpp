// The whole function as Lambda runs it: handler_from_env + dn::runtime over the stub Runtime
// API, with DynamoDB and SQS served by the loopback AWS stub (signed requests, real JSON).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dn/aws/attributes.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "dn/util/text.hpp"
#include "fake_aws.hpp"
#include "generate.hpp"
#include "http_stub.hpp"

namespace {

using dn::aws::attr::str;
using dn::runtime::testing::env_of;
using dn::runtime::testing::run_function;
using nlohmann::json;

// The notification n1 of 2026-11-24 for segment "all", whose audience has more pages than fit.
void seed(dn::aws::testing::FakeAws& aws, int members) {
  aws.put({{"pk", str("DAY#2026-11-24")},
           {"sk", str("NOTIF#n1")},
           {"notificationId", str("n1")},
           {"segment", str("all")},
           {"title", str("Hi {{displayName}}")},
           {"body", str("For {{userId}}")},
           {"createdAt", str("2026-11-24T06:00:00Z")}});
  for (int i = 1; i <= members; ++i) {
    const std::string u = dn::util::numbered("u", i);
    aws.put(
        {{"pk", str("SEGMENT#all")}, {"sk", str("USER#" + u)}, {"displayName", str("User " + u)}});
  }
}

std::map<std::string, std::string> generate_env(const std::string& endpoint) {
  auto env = dn::aws::testing::stub_aws_env(endpoint);
  env.insert({{"TABLE_NAME", "notifications"},
              {"QUEUE_URL", endpoint + "/000000000000/generate"},
              {"INBOX_TTL_DAYS", "7"},
              {"MAX_PAGES_PER_INVOCATION", "100"}});
  return env;
}

std::int64_t epoch_ms_from_now(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             (std::chrono::system_clock::now() + d).time_since_epoch())
      .count();
}

TEST(GenerateRuntime, WritesThePagesOfItsBudgetContinuesAndFailsOnlyThePoisonRecord) {
  dn::aws::testing::FakeAws aws;
  seed(aws, 2400);  // 3 pages of 1000; MAX_PAGES_PER_INVOCATION=2
  std::map<std::string, int> calls;
  dn::aws::testing::StubServer server([&](const dn::aws::testing::StubRequest& r) {
    ++calls[dn::aws::testing::FakeAws::operation(r)];
    return aws.handle(r);
  });
  dn::runtime::testing::StubRuntimeApi api;
  const json event{
      {"Records",
       {{{"messageId", "good"},
         {"eventSource", "aws:sqs"},
         {"body",
          R"({"v":1,"date":"2026-11-24","notificationId":"n1","segment":"all","run":"r1","hop":0})"}},
        {{"messageId", "poison"}, {"eventSource", "aws:sqs"}, {"body", "not a message"}}}}};
  auto inv = dn::runtime::testing::invocation("req-1", event.dump());
  inv.deadline_ms = epoch_ms_from_now(std::chrono::seconds(60));
  api.enqueue(inv);

  auto vars = generate_env(server.url());
  vars["MAX_PAGES_PER_INVOCATION"] = "2";
  const auto env = env_of(vars);
  const int rc = run_function([&] { return dn::generate::handler_from_env(env); }, api, 1);
  ASSERT_EQ(rc, 0);

  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, dn::runtime::testing::Post::Kind::response);
  EXPECT_EQ(json::parse(posts[0].body),
            (json{{"batchItemFailures", {{{"itemIdentifier", "poison"}}}}}));

  const auto inbox = aws.items("USER#", "INBOX#2026-11-24#n1");
  ASSERT_EQ(inbox.size(), 2000U);
  const auto u1 = aws.item("USER#u1", "INBOX#2026-11-24#n1");
  ASSERT_TRUE(u1);
  EXPECT_EQ((*u1)["title"], str("Hi User u1"));
  EXPECT_EQ((*u1)["body"], str("For u1"));
  // The chain claim (read + put), the notification, two audience pages, 20 create-only
  // transactions (10 per page of 1000), the continuation and the chain's mark.
  EXPECT_EQ(calls["Query"], 4);
  EXPECT_EQ(calls["PutItem"], 1);
  EXPECT_EQ(calls["TransactWriteItems"], 20);
  EXPECT_EQ(calls["SendMessageBatch"], 1);
  EXPECT_EQ(calls["UpdateItem"], 1);
  const auto sent = aws.take_messages(vars["QUEUE_URL"]);
  ASSERT_EQ(sent.size(), 1U);
  const json next = json::parse(sent[0].body);
  EXPECT_EQ(next["hop"], 1);
  EXPECT_EQ(next["run"], "r1");
  const auto chain = aws.item("RUN#2026-11-24", "CHAIN#n1#r1");
  ASSERT_TRUE(chain);
  EXPECT_EQ((*chain)["status"], str("continued"));
  EXPECT_EQ((*chain)["owner"], str("good"));
  EXPECT_EQ(dn::aws::testing::unsigned_requests(server), std::vector<std::string>{});

  // The continuation, delivered twice (SQS is at-least-once; here with two message ids, as a
  // retried SendMessage makes): the first finishes the audience, the second is stopped.
  dn::runtime::testing::StubRuntimeApi api2;
  for (const char* id : {"c1", "c1-copy"}) {
    const json batch{{"Records", {{{"messageId", id}, {"body", sent[0].body}}}}};
    auto inv2 = dn::runtime::testing::invocation(std::string("req-") + id, batch.dump());
    inv2.deadline_ms = epoch_ms_from_now(std::chrono::seconds(60));
    api2.enqueue(inv2);
  }
  ASSERT_EQ(run_function([&] { return dn::generate::handler_from_env(env); }, api2, 2), 0);
  EXPECT_EQ(aws.items("USER#", "INBOX#2026-11-24#n1").size(), 2400U);
  EXPECT_EQ((*aws.item("RUN#2026-11-24", "CHAIN#n1#r1"))["status"], str("done"));
  EXPECT_EQ(calls["TransactWriteItems"], 24);  // 400 more records: the copy wrote none
  EXPECT_TRUE(aws.take_messages(vars["QUEUE_URL"]).empty());
}

TEST(GenerateRuntime, MissingQueueUrlIsAnInitError) {
  const auto env = env_of({{"TABLE_NAME", "notifications"}});
  const auto error =
      dn::runtime::testing::init_error([&] { return dn::generate::handler_from_env(env); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("QUEUE_URL"), std::string::npos);
}

}  // namespace
