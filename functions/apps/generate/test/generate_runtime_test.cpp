// The whole function as Lambda runs it: handler_from_env + dn::runtime over the stub Runtime
// API, with DynamoDB and SQS served by the loopback AWS stub (signed requests, real JSON).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dn/runtime/testing/function_harness.hpp"
#include "generate.hpp"
#include "http_stub.hpp"

namespace {

using dn::aws::testing::json_response;
using dn::aws::testing::StubRequest;
using dn::aws::testing::StubResponse;
using dn::runtime::testing::env_of;
using dn::runtime::testing::Post;
using dn::runtime::testing::run_function;
using nlohmann::json;

json S(const std::string& v) {
  return json{{"S", v}};
}

// The notification n1 of 2026-11-24 for segment "all", whose audience has more pages than fit.
struct FakeAws {
  std::mutex mutex;
  std::vector<json> puts;
  std::vector<json> sent;
  std::map<std::string, int> calls;

  StubResponse handle(const StubRequest& r) {
    const std::lock_guard lock(mutex);
    const std::string target = r.header("x-amz-target");
    ++calls[target];
    const json body = json::parse(r.body, nullptr, false);
    if (target == "DynamoDB_20120810.Query") {
      if (body.dump().find("NOTIF#n1") != std::string::npos) {
        const json item{{"pk", S("DAY#2026-11-24")},
                        {"sk", S("NOTIF#n1")},
                        {"notificationId", S("n1")},
                        {"segment", S("all")},
                        {"title", S("Hi {{displayName}}")},
                        {"body", S("For {{userId}}")},
                        {"createdAt", S("2026-11-24T06:00:00Z")}};
        return json_response(200, json{{"Items", {item}}, {"Count", 1}}.dump());
      }
      // An audience page of three members, with more to come.
      json items = json::array();
      for (const char* u : {"u1", "u2", "u3"}) {
        items.push_back({{"pk", S("SEGMENT#all")},
                         {"sk", S(std::string("USER#") + u)},
                         {"displayName", S(std::string("User ") + u)}});
      }
      return json_response(
          200, json{{"Items", items},
                    {"Count", 3},
                    {"LastEvaluatedKey", {{"pk", S("SEGMENT#all")}, {"sk", S("USER#u3")}}}}
                   .dump());
    }
    if (target == "DynamoDB_20120810.BatchWriteItem") {
      for (const auto& [table, requests] : body["RequestItems"].items()) {
        for (const auto& w : requests) puts.push_back(w["PutRequest"]["Item"]);
      }
      return json_response(200, R"({"UnprocessedItems":{}})");
    }
    if (target == "AmazonSQS.SendMessageBatch") {
      json ok = json::array();
      for (const auto& e : body["Entries"]) {
        sent.push_back(json::parse(e["MessageBody"].get<std::string>()));
        ok.push_back({{"Id", e["Id"]}, {"MessageId", "m"}, {"MD5OfMessageBody", "x"}});
      }
      return json_response(200, json{{"Successful", ok}, {"Failed", json::array()}}.dump());
    }
    return json_response(400, R"({"__type":"UnknownOperation"})");
  }
};

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

TEST(GenerateRuntime, WritesAPageContinuesNearTheDeadlineAndFailsOnlyThePoisonRecord) {
  FakeAws aws;
  dn::aws::testing::StubServer server([&](const StubRequest& r) { return aws.handle(r); });
  dn::runtime::testing::StubRuntimeApi api;
  const json event{
      {"Records",
       {{{"messageId", "good"},
         {"eventSource", "aws:sqs"},
         {"body", R"({"v":1,"date":"2026-11-24","notificationId":"n1","segment":"all"})"}},
        {{"messageId", "poison"}, {"eventSource", "aws:sqs"}, {"body", "not a message"}}}}};
  auto inv = dn::runtime::testing::invocation("req-1", event.dump());
  // Less time left than generate's reserve: one page, then a continuation message.
  inv.deadline_ms = epoch_ms_from_now(std::chrono::milliseconds(3000));
  api.enqueue(inv);

  const auto env = env_of(generate_env(server.url()));
  const int rc = run_function([&] { return dn::generate::handler_from_env(env); }, api, 1);
  ASSERT_EQ(rc, 0);

  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::response);
  EXPECT_EQ(json::parse(posts[0].body),
            (json{{"batchItemFailures", {{{"itemIdentifier", "poison"}}}}}));

  ASSERT_EQ(aws.puts.size(), 3U);
  EXPECT_EQ(aws.puts[0]["pk"], S("USER#u1"));
  EXPECT_EQ(aws.puts[0]["sk"], S("INBOX#2026-11-24#n1"));
  EXPECT_EQ(aws.puts[0]["title"], S("Hi User u1"));
  EXPECT_EQ(aws.calls["DynamoDB_20120810.Query"], 2);  // the notification, one audience page
  ASSERT_EQ(aws.sent.size(), 1U);
  EXPECT_EQ(aws.sent[0]["cursor"], "u3");
  EXPECT_EQ(aws.sent[0]["notificationId"], "n1");
  EXPECT_EQ(dn::aws::testing::unsigned_requests(server), std::vector<std::string>{});
}

TEST(GenerateRuntime, MissingQueueUrlIsAnInitError) {
  dn::runtime::testing::StubRuntimeApi api;
  const auto env = env_of({{"TABLE_NAME", "notifications"}});
  const int rc = run_function([&] { return dn::generate::handler_from_env(env); }, api, 1);
  EXPECT_NE(rc, 0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::init_error);
  EXPECT_NE(posts[0].body.find("QUEUE_URL"), std::string::npos);
}

}  // namespace
