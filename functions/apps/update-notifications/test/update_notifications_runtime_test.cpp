// The whole function as Lambda runs it: handler_from_env + dn::runtime over the stub Runtime API,
// DynamoDB served by the loopback AWS stub, which answers as DynamoDB does: an UpdateItem whose
// condition fails returns the old item, a TransactWriteItems with a record that is no longer
// unread is cancelled with one reason per action.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "inbox_route_testing.hpp"
#include "update_notifications.hpp"

namespace dn::inbox::testing {
namespace {

// alice's inbox as DynamoDB answers for it; the TransactWriteItems it is sent, in order.
struct AliceInbox {
  std::vector<json> transactions;

  StubResponse answer(const std::string& target, const json& body) {
    if (target == "DynamoDB_20120810.UpdateItem") {
      const std::string sk = body["Key"]["sk"]["S"];
      if (sk == "INBOX#2026-11-24#digest") {  // exists, unread
        return json_response(
            200, json{{"Attributes", {{"pk", str("USER#alice")}, {"sk", str(sk)}}}}.dump());
      }
      if (sk == "INBOX#2026-11-23#digest") {  // exists, archived: the condition fails
        return json_response(
            400,
            json{{"__type", "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"},
                 {"message", "The conditional request failed"},
                 {"Item",
                  {{"pk", str("USER#alice")},
                   {"sk", str(sk)},
                   {"readAt", str("2026-11-23T09:00:00Z")},
                   {"archivedAt", str("2026-11-23T09:00:00Z")},
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
        items.push_back({{"sk", str(std::string("INBOX#2026-11-") + d + "#n")}});
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
  return route_event("PATCH", "/users/{userId}/notifications/{id}",
                     {{"userId", "alice"}, {"id", id}}, std::nullopt, body);
}

TEST(UpdateNotificationsRuntime, PatchesReadsAllAndAnswersEveryOutcome) {
  AliceInbox inbox;
  ScriptedAws aws(
      [&](const std::string& target, const json& body) { return inbox.answer(target, body); });
  StubServer server([&](const auto& r) { return aws.handle(r); });
  StubRuntimeApi api;
  api.enqueue(invocation("read", patch("2026-11-24.digest", {{"read", true}})));
  api.enqueue(invocation("archived", patch("2026-11-23.digest", {{"read", false}})));
  api.enqueue(invocation("missing", patch("2026-11-22.digest", {{"read", true}})));
  api.enqueue(invocation(
      "all", route_event("POST", "/users/{userId}/notifications/read-all", {{"userId", "alice"}})));

  auto vars = aws::testing::stub_aws_env(server.url());
  vars.insert({"TABLE_NAME", "notifications"});
  const auto env = env_of(vars);
  const int rc = run_function([&] { return update_notifications::handler_from_env(env); }, api, 4);
  ASSERT_EQ(rc, 0);
  auto by_id = answers_by_id(api);
  EXPECT_EQ(by_id["read"]["statusCode"], 200);
  EXPECT_TRUE(body_of(by_id["read"])["changed"]);
  EXPECT_EQ(by_id["archived"]["statusCode"], 409);
  EXPECT_EQ(by_id["missing"]["statusCode"], 404);
  EXPECT_EQ(by_id["all"]["statusCode"], 200);
  EXPECT_EQ(body_of(by_id["all"]),
            json::parse(R"({"userId":"alice","markedRead":2,"complete":true})"));
  // The cancelled transaction is resent without the record that failed its own condition.
  ASSERT_EQ(inbox.transactions.size(), 2U);
  EXPECT_EQ(inbox.transactions[0]["TransactItems"].size(), 3U);
  ASSERT_EQ(inbox.transactions[1]["TransactItems"].size(), 2U);
  EXPECT_EQ(inbox.transactions[1]["TransactItems"][1]["Update"]["Key"]["sk"]["S"],
            "INBOX#2026-11-01#n");
}

TEST(UpdateNotificationsRuntime, MissingTableNameIsAnInitError) {
  StubServer server([](const auto&) { return json_response(200, "{}"); });
  const auto env = env_of(aws::testing::stub_aws_env(server.url()));
  const auto error = init_error([&] { return update_notifications::handler_from_env(env); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("TABLE_NAME"), std::string::npos);
}

}  // namespace
}  // namespace dn::inbox::testing
