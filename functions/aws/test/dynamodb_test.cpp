#include "dn/aws/dynamodb.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_aws.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"

namespace dn::aws {
namespace {

using nlohmann::json;
using testing::json_response;
using testing::script;

json item(int i) {
  return {{"pk", {{"S", "USER#" + std::to_string(i)}}}, {"sk", {{"S", "X"}}}};
}

json put(int i) {
  return {{"PutRequest", {{"Item", item(i)}}}};
}

struct Fixture : testing::StubbedClient {
  using StubbedClient::StubbedClient;
  DynamoDb ddb{client};
};

TEST(AwsDynamoDb, QueryReturnsItemsAndLastEvaluatedKey) {
  Fixture f(script({json_response(
      200, json{{"Items", {item(1), item(2)}}, {"LastEvaluatedKey", item(2)}}.dump())}));
  auto page = f.ddb.query({{"TableName", "Notifications"}, {"Limit", 2}});
  ASSERT_TRUE(page.ok()) << page.error().to_string();
  EXPECT_EQ(page->items.size(), 2U);
  EXPECT_EQ(page->last_evaluated_key, item(2));
  const auto q = f.server.requests().at(0);
  EXPECT_EQ(q.header("x-amz-target"), "DynamoDB_20120810.Query");
  EXPECT_EQ(json::parse(q.body)["TableName"], "Notifications");
}

TEST(AwsDynamoDb, QueryPagesFollowsLastEvaluatedKeyAndCanStop) {
  Fixture f(
      script({json_response(200, json{{"Items", {item(1)}}, {"LastEvaluatedKey", item(1)}}.dump()),
              json_response(200, json{{"Items", {item(2)}}, {"LastEvaluatedKey", item(2)}}.dump()),
              json_response(200, json{{"Items", {item(3)}}}.dump())}));
  auto all = f.ddb.query_all({{"TableName", "T"}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<json>{item(1), item(2), item(3)}));
  const auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_FALSE(json::parse(requests[0].body).contains("ExclusiveStartKey"));
  EXPECT_EQ(json::parse(requests[1].body)["ExclusiveStartKey"], item(1));
  EXPECT_EQ(json::parse(requests[2].body)["ExclusiveStartKey"], item(2));

  Fixture g(script(
      {json_response(200, json{{"Items", {item(1)}}, {"LastEvaluatedKey", item(1)}}.dump())}));
  int pages = 0;
  auto stopped = g.ddb.query_pages({{"TableName", "T"}}, [&](const QueryPage&) {
    ++pages;
    return false;
  });
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(*stopped, item(1));  // where to resume
  EXPECT_EQ(pages, 1);
}

TEST(AwsDynamoDb, BatchWriteSplitsIntoCallsOf25) {
  Fixture f(script({json_response(200, R"({"UnprocessedItems":{}})")}));
  std::vector<json> writes;
  writes.reserve(60);
  for (int i = 0; i < 60; ++i) writes.push_back(put(i));
  ASSERT_TRUE(f.ddb.batch_write("Notifications", writes).ok());
  const auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 3U);
  std::vector<std::size_t> sizes;
  std::vector<json> seen;
  for (const auto& r : requests) {
    EXPECT_EQ(r.header("x-amz-target"), "DynamoDB_20120810.BatchWriteItem");
    const auto batch = json::parse(r.body)["RequestItems"]["Notifications"];
    sizes.push_back(batch.size());
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{25, 25, 10}));
  EXPECT_EQ(seen, writes);
}

TEST(AwsDynamoDb, BatchWriteResendsUnprocessedItemsUntilDone) {
  Fixture f(
      script({json_response(200, json{{"UnprocessedItems", {{"T", {put(3), put(4)}}}}}.dump()),
              json_response(200, json{{"UnprocessedItems", {{"T", {put(4)}}}}}.dump()),
              json_response(200, R"({"UnprocessedItems":{}})")}));
  ASSERT_TRUE(f.ddb.batch_write("T", {put(1), put(2), put(3), put(4)}).ok());
  const auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(json::parse(requests[1].body)["RequestItems"]["T"], json({put(3), put(4)}));
  EXPECT_EQ(json::parse(requests[2].body)["RequestItems"]["T"], json({put(4)}));
  EXPECT_EQ(f.time->sleeps.size(), 2U);  // backoff between resends
}

TEST(AwsDynamoDb, BatchWriteReportsWhatStaysUnprocessed) {
  Fixture f(script({json_response(200, json{{"UnprocessedItems", {{"T", {put(2)}}}}}.dump())}), 3);
  std::vector<json> writes;
  writes.reserve(30);
  for (int i = 0; i < 30; ++i) writes.push_back(put(i));
  auto r = f.ddb.batch_write("T", writes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "UnprocessedItems");
  EXPECT_TRUE(r.error().retryable);
  // One item of the first 25 never went through, and the last 5 were never sent.
  EXPECT_EQ(r.error().message.rfind("6 of 30 write requests left unprocessed in table T", 0), 0U)
      << r.error().message;
  EXPECT_EQ(f.server.requests().size(), 3U);
}

TEST(AwsDynamoDb, BatchWriteSurfacesCallErrors) {
  Fixture f(script({json_response(
      400,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"})")}));
  auto r = f.ddb.batch_write("T", {put(1)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ResourceNotFoundException");
}

TEST(AwsDynamoDb, PutItemMapsConditionalCheckFailure) {
  Fixture f(script(
      {json_response(200, "{}"),
       json_response(
           400,
           R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})"),
       json_response(
           400,
           R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad"})")}));
  const json request{
      {"TableName", "T"}, {"Item", item(1)}, {"ConditionExpression", "attribute_not_exists(pk)"}};
  auto first = f.ddb.put_item(request);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, WriteStatus::written);
  auto second = f.ddb.put_item(request);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, WriteStatus::condition_failed);
  auto third = f.ddb.put_item(request);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, "ValidationException");
  EXPECT_EQ(f.server.requests().at(0).header("x-amz-target"), "DynamoDB_20120810.PutItem");
}

TEST(AwsDynamoDb, UpdateItemReturnsAttributesOrConditionFailure) {
  Fixture f(script(
      {json_response(200, R"({"Attributes":{"n":{"N":"2"}}})"),
       json_response(
           400,
           R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"})")}));
  auto updated = f.ddb.update_item({{"TableName", "T"}, {"Key", item(1)}});
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->status, WriteStatus::written);
  EXPECT_EQ(updated->attributes["n"]["N"], "2");
  auto failed = f.ddb.update_item({{"TableName", "T"}, {"Key", item(1)}});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, WriteStatus::condition_failed);
  EXPECT_EQ(f.server.requests().at(0).header("x-amz-target"), "DynamoDB_20120810.UpdateItem");
  EXPECT_TRUE(failed->failed_item.is_null());
}

TEST(AwsDynamoDb, UpdateItemReturnsTheOldItemOfAFailedCondition) {
  Fixture f(script({json_response(
      400, json{{"__type", "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"},
                {"message", "The conditional request failed"},
                {"Item", item(7)}}
               .dump())}));
  auto failed = f.ddb.update_item(
      {{"TableName", "T"}, {"Key", item(7)}, {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, WriteStatus::condition_failed);
  EXPECT_EQ(failed->failed_item, item(7));
}

TEST(AwsDynamoDb, DeleteItemReturnsTheDeletedItemOrNull) {
  Fixture f(
      script({json_response(200, json{{"Attributes", item(3)}}.dump()), json_response(200, "{}")}));
  auto gone =
      f.ddb.delete_item({{"TableName", "T"}, {"Key", item(3)}, {"ReturnValues", "ALL_OLD"}});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(*gone, item(3));
  EXPECT_EQ(f.server.requests().at(0).header("x-amz-target"), "DynamoDB_20120810.DeleteItem");
  auto none =
      f.ddb.delete_item({{"TableName", "T"}, {"Key", item(3)}, {"ReturnValues", "ALL_OLD"}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->is_null());
}

TEST(AwsDynamoDb, TransactWriteReportsEachActionOfACancelledTransaction) {
  Fixture f(script(
      {json_response(200, "{}"),
       json_response(
           400, json{{"__type", "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"},
                     {"message", "Transaction cancelled, please refer cancellation reasons"},
                     {"CancellationReasons",
                      {{{"Code", "None"}},
                       {{"Code", "ConditionalCheckFailed"},
                        {"Message", "The conditional request failed"},
                        {"Item", item(2)}}}}}
                    .dump()),
       json_response(
           400, R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException"})"),
       json_response(
           400,
           R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad"})")}));
  const json request{
      {"TransactItems", json::array({{{"Put", {{"TableName", "T"}, {"Item", item(1)}}}},
                                     {{"Put", {{"TableName", "T"}, {"Item", item(2)}}}}})}};
  auto ok = f.ddb.transact_write(request);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->committed);
  EXPECT_EQ(f.server.requests().at(0).header("x-amz-target"),
            "DynamoDB_20120810.TransactWriteItems");
  EXPECT_EQ(json::parse(f.server.requests().at(0).body), request);

  auto cancelled = f.ddb.transact_write(request);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_FALSE(cancelled->committed);
  ASSERT_EQ(cancelled->reasons.size(), 2U);
  EXPECT_EQ(cancelled->reasons[0].code, "None");
  EXPECT_EQ(cancelled->reasons[1].code, "ConditionalCheckFailed");
  EXPECT_EQ(cancelled->reasons[1].item, item(2));

  // A cancellation without its reasons, and any other error, are errors (and never retried
  // as if they were throttling).
  auto unexplained = f.ddb.transact_write(request);
  ASSERT_FALSE(unexplained.ok());
  EXPECT_NE(unexplained.error().message.find("CancellationReasons"), std::string::npos);
  auto invalid = f.ddb.transact_write(request);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, "ValidationException");
  EXPECT_EQ(f.server.requests().size(), 4U);
  // The error body is kept for the caller but never printed.
  EXPECT_EQ(invalid.error().to_string().find("__type"), std::string::npos);
}

TEST(AwsDynamoDb, BatchWriteReportsTheWrittenPrefix) {
  // The first call of 25 goes through, the second keeps one item unprocessed to the end.
  Fixture f(script({json_response(200, R"({"UnprocessedItems":{}})"),
                    json_response(200, json{{"UnprocessedItems", {{"T", {put(27)}}}}}.dump())}),
            3);
  std::vector<json> writes;
  writes.reserve(60);
  for (int i = 0; i < 60; ++i) writes.push_back(put(i));
  std::size_t prefix = 99;
  auto r = f.ddb.batch_write("T", writes, &prefix);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(prefix, 25U);  // resuming after the 25th request loses nothing
  Fixture ok(script({json_response(200, R"({"UnprocessedItems":{}})")}));
  ASSERT_TRUE(ok.ddb.batch_write("T", {put(1), put(2)}, &prefix).ok());
  EXPECT_EQ(prefix, 2U);
}

TEST(AwsDynamoDb, VersionedPutsWriteOnlyOverTheVersionTheyRead) {
  testing::FakeAws table;
  Fixture f([&](const testing::StubRequest& r) { return table.handle(r); });
  const json key{{"pk", {{"S", "RUN#d"}}}, {"sk", {{"S", "RUN"}}}};
  auto none = f.ddb.read_versioned("T", key);
  ASSERT_TRUE(none.ok()) << none.error().to_string();
  EXPECT_TRUE(none->item.is_null());
  EXPECT_EQ(none->version, 0);

  json item = key;
  item["status"] = {{"S", "a"}};
  EXPECT_EQ(*f.ddb.put_versioned("T", item, 0), WriteStatus::written);
  // A second writer that read "no item" loses.
  EXPECT_EQ(*f.ddb.put_versioned("T", item, 0), WriteStatus::condition_failed);
  auto one = f.ddb.read_versioned("T", key);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->version, 1);
  EXPECT_EQ(one->item["status"]["S"], "a");
  item["status"] = {{"S", "b"}};
  EXPECT_EQ(*f.ddb.put_versioned("T", item, 1), WriteStatus::written);
  EXPECT_EQ(*f.ddb.put_versioned("T", item, 1), WriteStatus::condition_failed);
  EXPECT_EQ(f.ddb.read_versioned("T", key)->version, 2);
  // An item written without a version counts as version 0.
  table.put({{"pk", {{"S", "RUN#e"}}}, {"sk", {{"S", "RUN"}}}, {"status", {{"S", "old"}}}});
  const json old_key{{"pk", {{"S", "RUN#e"}}}, {"sk", {{"S", "RUN"}}}};
  EXPECT_EQ(f.ddb.read_versioned("T", old_key)->version, 0);
  EXPECT_EQ(*f.ddb.put_versioned("T", old_key, 0), WriteStatus::written);
  EXPECT_FALSE(f.ddb.read_versioned("T", json{{"pk", {{"S", "x"}}}}).ok());  // one-part key
}

}  // namespace
}  // namespace dn::aws
