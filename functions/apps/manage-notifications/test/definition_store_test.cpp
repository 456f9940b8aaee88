// The DynamoDB adapter of the definitions: the exact requests it sends (keys, conditions, the
// one-date transaction) and how it reads DynamoDB's answers, over the loopback AWS stub.
#include "definition_store.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dn/aws/attributes.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"

namespace dn::manage_notifications {
namespace {

using aws::attr::num;
using aws::attr::str;
using aws::testing::json_response;
using aws::testing::script;
using aws::testing::StubResponse;
using nlohmann::json;

struct Fixture : aws::testing::StubbedClient {
  DynamoDefinitions store{client, "T"};
  explicit Fixture(std::vector<StubResponse> answers)
      : StubbedClient(script(std::move(answers)), 1) {}
  json request(std::size_t i) const { return json::parse(server.requests().at(i).body); }
  std::string target(std::size_t i) const { return server.requests().at(i).header("x-amz-target"); }
};

StubResponse cancelled(const char* first, const char* second) {
  return json_response(
      400, json{{"__type", "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"},
                {"message", "Transaction cancelled"},
                {"CancellationReasons", {{{"Code", first}}, {{"Code", second}}}}}
               .dump());
}

DefinitionRecord record() {
  return DefinitionRecord{"n1",
                          "Hello {{firstName}}",
                          "b",
                          "marketing",
                          R"({"date":"2026-12-03"})",
                          "2026-12-01T00:00:00Z",
                          "2026-12-02T10:00:00Z",
                          3,
                          1804032000};
}

json stored_item() {
  return json{{"pk", str("DEFINITION")},
              {"sk", str("NOTIF#n1")},
              {"notificationId", str("n1")},
              {"title", str("Hello {{firstName}}")},
              {"body", str("b")},
              {"segment", str("marketing")},
              {"schedule", str(R"({"date":"2026-12-03"})")},
              {"createdAt", str("2026-12-01T00:00:00Z")},
              {"updatedAt", str("2026-12-02T10:00:00Z")},
              {"expiresAt", num(1804032000)}};
}

TEST(ManageDynamo, TheOneDatePutIsOneTransactionOfTheFrozenCheckAndTheVersionedPut) {
  Fixture f({json_response(200, "{}"), cancelled("ConditionalCheckFailed", "None"),
             cancelled("None", "ConditionalCheckFailed"),
             cancelled("None", "TransactionConflict")});
  auto written = f.store.put_one_date(record(), 2, "2026-12-03");
  ASSERT_TRUE(written.ok()) << written.error().to_string();
  EXPECT_EQ(*written, PutOutcome::written);
  EXPECT_EQ(f.target(0), "DynamoDB_20120810.TransactWriteItems");
  json item = stored_item();
  item["version"] = num(3);
  EXPECT_EQ(f.request(0),
            (json{{"TransactItems",
                   {{{"ConditionCheck",
                      {{"TableName", "T"},
                       {"Key", {{"pk", str("DAY#2026-12-03")}, {"sk", str("FROZEN")}}},
                       {"ConditionExpression", "attribute_not_exists(pk)"}}}},
                    {{"Put",
                      {{"TableName", "T"},
                       {"Item", item},
                       {"ConditionExpression", "#version = :expected"},
                       {"ExpressionAttributeNames", {{"#version", "version"}}},
                       {"ExpressionAttributeValues", {{":expected", num(2)}}}}}}}}}));
  EXPECT_EQ(*f.store.put_one_date(record(), 2, "2026-12-03"), PutOutcome::day_frozen);
  EXPECT_EQ(*f.store.put_one_date(record(), 2, "2026-12-03"), PutOutcome::version_changed);
  EXPECT_EQ(*f.store.put_one_date(record(), 2, "2026-12-03"), PutOutcome::version_changed);
}

TEST(ManageDynamo, ANewOneDateIsPutOnlyWhereNoVersionIs) {
  Fixture f({json_response(200, "{}")});
  ASSERT_TRUE(f.store.put_one_date(record(), 0, "2026-12-03").ok());
  const auto put = f.request(0)["TransactItems"][1]["Put"];
  EXPECT_EQ(put["ConditionExpression"], "attribute_not_exists(#version)");
  EXPECT_EQ(put["Item"]["version"], num(1));
  EXPECT_FALSE(put.contains("ExpressionAttributeValues"));
}

TEST(ManageDynamo, ARuleIsOneConditionalPutItem) {
  Fixture f(
      {json_response(200, "{}"),
       json_response(
           400,
           R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"})")});
  DefinitionRecord rule = record();
  rule.schedule = R"({"rule":"daily","start":"2026-12-03"})";
  rule.expires_at.reset();
  EXPECT_EQ(*f.store.put_rule(rule, 0), PutOutcome::written);
  EXPECT_EQ(f.target(0), "DynamoDB_20120810.PutItem");
  const auto put = f.request(0);
  EXPECT_EQ(put["Item"]["schedule"], str(R"({"rule":"daily","start":"2026-12-03"})"));
  EXPECT_FALSE(put["Item"].contains("expiresAt"));
  EXPECT_EQ(put["ConditionExpression"], "attribute_not_exists(#version)");
  EXPECT_EQ(*f.store.put_rule(rule, 0), PutOutcome::version_changed);
}

TEST(ManageDynamo, GetReadsTheDefinitionConsistentlyWithItsVersion) {
  json item = stored_item();
  item["version"] = num(4);
  Fixture f(
      {json_response(200, json{{"Items", {item}}}.dump()), json_response(200, R"({"Items":[]})"),
       json_response(
           200,
           R"({"Items":[{"pk":{"S":"DEFINITION"},"sk":{"S":"NOTIF#n1"},"version":{"N":"7"}}]})")});
  auto got = f.store.get("n1");
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_EQ((*got)->title, "Hello {{firstName}}");
  EXPECT_EQ((*got)->version, 4);
  EXPECT_EQ((*got)->created_at, "2026-12-01T00:00:00Z");
  EXPECT_EQ((*got)->expires_at, 1804032000);
  const auto q = f.request(0);
  EXPECT_EQ(f.target(0), "DynamoDB_20120810.Query");
  EXPECT_EQ(q["ConsistentRead"], true);
  EXPECT_EQ(q["ExpressionAttributeValues"][":k0"], str("DEFINITION"));
  EXPECT_EQ(q["ExpressionAttributeValues"][":k1"], str("NOTIF#n1"));
  EXPECT_FALSE(*f.store.get("n1"));     // none
  auto unreadable = f.store.get("n1");  // no title, body...: only its id and version
  ASSERT_TRUE(unreadable.ok() && *unreadable);
  EXPECT_EQ((*unreadable)->id, "n1");
  EXPECT_EQ((*unreadable)->version, 7);
  EXPECT_TRUE((*unreadable)->created_at.empty());
}

TEST(ManageDynamo, DeleteAsksForTheOldItemToTellAnUnknownId) {
  Fixture f(
      {json_response(200, json{{"Attributes", stored_item()}}.dump()), json_response(200, "{}")});
  EXPECT_EQ(*f.store.remove("n1"), true);
  EXPECT_EQ(f.target(0), "DynamoDB_20120810.DeleteItem");
  EXPECT_EQ(f.request(0), (json{{"TableName", "T"},
                                {"Key", {{"pk", str("DEFINITION")}, {"sk", str("NOTIF#n1")}}},
                                {"ReturnValues", "ALL_OLD"}}));
  EXPECT_EQ(*f.store.remove("n1"), false);
}

TEST(ManageDynamo, ListPagesThroughEveryDefinitionAndCountsTheUnreadable) {
  json page1{{"Items", {stored_item(), {{"pk", str("DEFINITION")}, {"sk", str("NOTIF#x")}}}},
             {"LastEvaluatedKey", {{"pk", str("DEFINITION")}, {"sk", str("NOTIF#x")}}}};
  json other = stored_item();
  other["notificationId"] = str("n2");
  other["version"] = num(2);
  Fixture f(
      {json_response(200, page1.dump()), json_response(200, json{{"Items", {other}}}.dump())});
  std::size_t unreadable = 0;
  auto all = f.store.list(&unreadable);
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[1].id, "n2");
  EXPECT_EQ((*all)[1].version, 2);
  EXPECT_EQ(unreadable, 1U);
  const auto q = f.request(0);
  EXPECT_EQ(q["KeyConditionExpression"], "pk = :pk AND begins_with(sk, :prefix)");
  EXPECT_EQ(q["ExpressionAttributeValues"],
            (json{{":pk", str("DEFINITION")}, {":prefix", str("NOTIF#")}}));
  EXPECT_EQ(q["ConsistentRead"], true);
  EXPECT_EQ(f.request(1)["ExclusiveStartKey"], page1["LastEvaluatedKey"]);
}

TEST(ManageDynamo, TheDaysCopiesAndItsFrozenMarker) {
  Fixture f({json_response(200, json{{"Items",
                                      {{{"pk", str("DAY#2026-12-02")},
                                        {"sk", str("NOTIF#n1")},
                                        {"notificationId", str("n1")},
                                        {"title", str("t")},
                                        {"body", str("b")},
                                        {"segment", str("all-users")},
                                        {"definitionVersion", num(3)}},
                                       {{"pk", str("DAY#2026-12-02")},
                                        {"sk", str("NOTIF#seeded")},
                                        {"segment", str("marketing")}}}}}
                                    .dump()),
             json_response(200, R"({"Items":[{"pk":{"S":"DAY#2026-12-02"},"sk":{"S":"FROZEN"}}]})"),
             json_response(200, R"({"Items":[]})")});
  auto copies = f.store.day_copies("2026-12-02");
  ASSERT_TRUE(copies.ok());
  ASSERT_EQ(copies->size(), 2U);
  EXPECT_EQ((*copies)[0].definition_version, 3);
  EXPECT_EQ((*copies)[1].id, "seeded");  // from its sort key
  EXPECT_EQ((*copies)[1].definition_version, std::nullopt);
  EXPECT_EQ(f.request(0)["ExpressionAttributeValues"],
            (json{{":pk", str("DAY#2026-12-02")}, {":prefix", str("NOTIF#")}}));
  EXPECT_EQ(*f.store.is_frozen("2026-12-02"), true);
  const auto frozen = f.request(1);
  EXPECT_EQ(frozen["ConsistentRead"], true);
  EXPECT_EQ(frozen["ExpressionAttributeValues"][":k0"], str("DAY#2026-12-02"));
  EXPECT_EQ(frozen["ExpressionAttributeValues"][":k1"], str("FROZEN"));
  EXPECT_EQ(*f.store.is_frozen("2026-12-02"), false);
}

TEST(ManageDynamo, AFailedCallIsAnError) {
  Fixture f({json_response(
      400,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad"})")});
  auto r = f.store.put_one_date(record(), 0, "2026-12-03");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ValidationException");
}

}  // namespace
}  // namespace dn::manage_notifications
