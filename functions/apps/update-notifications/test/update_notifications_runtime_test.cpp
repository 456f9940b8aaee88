// The whole function as Lambda runs it: handler_from_env + dn::runtime over the stub Runtime API,
// DynamoDB served by the loopback AWS stub, which answers as DynamoDB does: an UpdateItem whose
// condition fails returns the old item, a TransactWriteItems with a record that is no longer
// unread is cancelled with one reason per action.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "dn/runtime/testing/function_harness.hpp"
#include "http_stub.hpp"
#include "update_notifications.hpp"

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

struct FakeAws {
  std::mutex mutex;
  std::map<std::string, int> calls;
  std::vector<json> transactions;

  StubResponse handle(const StubRequest& r) {
    const std::lock_guard lock(mutex);
    const std::string target = r.header("x-amz-target");
    ++calls[target];
    const json body = json::parse(r.body, nullptr, false);
    if (target == "DynamoDB_20120810.UpdateItem") {
      const std::string sk = body["Key"]["sk"]["S"];
      if (sk == "INBOX#2026-11-24#digest") {  // exists, unread
        return json_response(200,
                             json{{"Attributes", {{"pk", S("USER#alice")}, {"sk", S(sk)}}}}.dump());
      }
      if (sk == "INBOX#2026-11-23#digest") {  // exists, archived: the condition fails
        return json_response(
            400,
            json{{"__type", "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"},
                 {"message", "The conditional request failed"},
                 {"Item",
                  {{"pk", S("USER#alice")},
                   {"sk", S(sk)},
                   {"readAt", S("2026-11-23T09:00:00Z")},
                   {"archivedAt", S("2026-11-23T09:00:00Z")},
                   {"expiresAt", {{"N", "4102444800"}}}}}}
                .dump());
      }
      return json_response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})");
    }
    if (target == "DynamoDB_20120810.Query") {  // one page of three unread records
      json items = json::array();
      for (const char* d : {"03", "02", "01"}) {
        items.push_back({{"sk", S(std::string("INBOX#2026-11-") + d + "#n")}});
      }
      return json_response(200, json{{"Items", items}, {"Count", 3}}.dump());
    }
    if (target == "DynamoDB_20120810.TransactWriteItems") {
      transactions.push_back(body);
      if (transactions.size() == 1) {  // the middle one was read meanwhile
        return json_response(
            400,
            R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},{"Code":"None"}]})");
      }
      return json_response(200, "{}");
    }
    return json_response(400, R"({"__type":"UnknownOperation"})");
  }
};

std::string patch(const std::string& id, const json& body) {
  return json{{"resource", "/users/{userId}/notifications/{id}"},
              {"httpMethod", "PATCH"},
              {"pathParameters", {{"userId", "alice"}, {"id", id}}},
              {"body", body.dump()}}
      .dump();
}

TEST(UpdateNotificationsRuntime, PatchesReadsAllAndAnswersEveryOutcome) {
  FakeAws aws;
  dn::aws::testing::StubServer server([&](const StubRequest& r) { return aws.handle(r); });
  dn::runtime::testing::StubRuntimeApi api;
  api.enqueue(
      dn::runtime::testing::invocation("read", patch("2026-11-24.digest", {{"read", true}})));
  api.enqueue(
      dn::runtime::testing::invocation("archived", patch("2026-11-23.digest", {{"read", false}})));
  api.enqueue(
      dn::runtime::testing::invocation("missing", patch("2026-11-22.digest", {{"read", true}})));
  api.enqueue(dn::runtime::testing::invocation(
      "all", json{{"resource", "/users/{userId}/notifications/read-all"},
                  {"httpMethod", "POST"},
                  {"pathParameters", {{"userId", "alice"}}}}
                 .dump()));

  auto vars = dn::aws::testing::stub_aws_env(server.url());
  vars.insert({"TABLE_NAME", "notifications"});
  const auto env = env_of(vars);
  const int rc =
      run_function([&] { return dn::update_notifications::handler_from_env(env); }, api, 4);
  ASSERT_EQ(rc, 0);
  std::map<std::string, json> by_id;
  for (const auto& p : api.posts()) {
    EXPECT_EQ(p.kind, Post::Kind::response) << p.request_id;
    by_id[p.request_id] = json::parse(p.body);
  }
  EXPECT_EQ(by_id["read"]["statusCode"], 200);
  EXPECT_TRUE(json::parse(by_id["read"]["body"].get<std::string>())["changed"]);
  EXPECT_EQ(by_id["archived"]["statusCode"], 409);
  EXPECT_EQ(by_id["missing"]["statusCode"], 404);
  EXPECT_EQ(by_id["all"]["statusCode"], 200);
  EXPECT_EQ(json::parse(by_id["all"]["body"].get<std::string>()),
            json::parse(R"({"userId":"alice","markedRead":2,"complete":true})"));
  // The cancelled transaction is resent without the record that failed its own condition.
  ASSERT_EQ(aws.transactions.size(), 2U);
  EXPECT_EQ(aws.transactions[0]["TransactItems"].size(), 3U);
  ASSERT_EQ(aws.transactions[1]["TransactItems"].size(), 2U);
  EXPECT_EQ(aws.transactions[1]["TransactItems"][1]["Update"]["Key"]["sk"]["S"],
            "INBOX#2026-11-01#n");
}

TEST(UpdateNotificationsRuntime, MissingTableNameIsAnInitError) {
  dn::aws::testing::StubServer server([](const StubRequest&) { return json_response(200, "{}"); });
  dn::runtime::testing::StubRuntimeApi api;
  const auto env = env_of(dn::aws::testing::stub_aws_env(server.url()));
  EXPECT_NE(run_function([&] { return dn::update_notifications::handler_from_env(env); }, api, 1),
            0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::init_error);
  EXPECT_NE(posts[0].body.find("TABLE_NAME"), std::string::npos);
}

}  // namespace
