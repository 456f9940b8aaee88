// The whole function as Lambda runs it: handler_from_env + dn::runtime over the stub Runtime
// API, with DynamoDB and SQS served by the loopback AWS stub (signed requests, real JSON).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dn/runtime/log.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/testing/stub_runtime_api.hpp"
#include "generate.hpp"
#include "http_stub.hpp"

namespace {

using dn::aws::testing::json_response;
using dn::aws::testing::StubRequest;
using dn::aws::testing::StubResponse;
using dn::runtime::testing::Post;
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
    if (target == "DynamoDB_20120810.GetItem" || target == "DynamoDB_20120810.Query") {
      if (body.dump().find("NOTIF#n1") != std::string::npos) {
        const json item{{"pk", S("DAY#2026-11-24")},
                        {"sk", S("NOTIF#n1")},
                        {"notificationId", S("n1")},
                        {"segment", S("all")},
                        {"title", S("Hi {{displayName}}")},
                        {"body", S("For {{userId}}")},
                        {"createdAt", S("2026-11-24T06:00:00Z")}};
        if (target == "DynamoDB_20120810.GetItem")
          return json_response(200, json{{"Item", item}}.dump());
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

std::function<const char*(const char*)> env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::int64_t epoch_ms_from_now(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             (std::chrono::system_clock::now() + d).time_since_epoch())
      .count();
}

TEST(GenerateRuntime, WritesAPageContinuesNearTheDeadlineAndFailsOnlyThePoisonRecord) {
  std::vector<std::string> lines;
  dn::runtime::set_line_sink([&](std::string_view l) { lines.emplace_back(l); });
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

  const auto env = env_of({{"TABLE_NAME", "notifications"},
                           {"QUEUE_URL", server.url() + "/000000000000/generate"},
                           {"INBOX_TTL_DAYS", "7"},
                           {"MAX_PAGES_PER_INVOCATION", "100"},
                           {"AWS_REGION", "eu-west-2"},
                           {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                           {"AWS_SECRET_ACCESS_KEY", "not-a-secret"},
                           {"AWS_ENDPOINT_URL", server.url()}});
  const int rc = dn::runtime::run_with_init(
      [&] { return dn::generate::handler_from_env(env); },
      dn::runtime::Options{.endpoint = api.endpoint(), .max_invocations = 1});
  dn::runtime::set_line_sink(nullptr);
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
  EXPECT_EQ(aws.calls["DynamoDB_20120810.Query"] + aws.calls["DynamoDB_20120810.GetItem"], 2);
  ASSERT_EQ(aws.sent.size(), 1U);
  EXPECT_EQ(aws.sent[0]["cursor"], "u3");
  EXPECT_EQ(aws.sent[0]["notificationId"], "n1");
  for (const auto& r : server.requests()) {
    EXPECT_EQ(r.header("authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0U);
  }
}

TEST(GenerateRuntime, MissingQueueUrlIsAnInitError) {
  dn::runtime::set_line_sink([](std::string_view) {});
  dn::runtime::testing::StubRuntimeApi api;
  const auto env = env_of({{"TABLE_NAME", "notifications"}});
  const int rc = dn::runtime::run_with_init(
      [&] { return dn::generate::handler_from_env(env); },
      dn::runtime::Options{.endpoint = api.endpoint(), .max_invocations = 1});
  dn::runtime::set_line_sink(nullptr);
  EXPECT_NE(rc, 0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::init_error);
  EXPECT_NE(posts[0].body.find("QUEUE_URL"), std::string::npos);
}

}  // namespace
