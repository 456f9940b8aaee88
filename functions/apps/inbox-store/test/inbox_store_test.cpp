// The DynamoDB adapter of the inbox ports: which requests it sends (index, partition, expiry
// filter, conditions) and how it reads DynamoDB's answers, over the loopback AWS stub.
#include "inbox_store.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dn/aws/attributes.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"

namespace dn::inbox {
namespace {

using aws::attr::str;
using aws::testing::json_response;
using aws::testing::script;
using aws::testing::StubServer;
using nlohmann::json;

const Now& now() {
  static const Now kNow{"2026-11-26T00:00:00Z", 1795651200};
  return kNow;
}

struct Fixture {
  std::shared_ptr<aws::testing::FakeTime> time = std::make_shared<aws::testing::FakeTime>();
  StubServer server;
  aws::Client client;
  DynamoInbox inbox{client, "T"};
  explicit Fixture(StubServer::Handler handler)
      : server(std::move(handler)),
        client(aws::testing::test_config(server.url()), aws::testing::test_options(time)) {}
  json request(std::size_t i) const { return json::parse(server.requests().at(i).body); }
};

const char* kConditionFailed =
    R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed")";

TEST(InboxStore, ListQueriesTheFiltersIndexPartitionNewestFirstWithoutExpired) {
  Fixture f(script({json_response(200, json{{"Items",
                                             {{{"pk", str("USER#u1")},
                                               {"sk", str("INBOX#2026-11-25#d")},
                                               {"title", str("t")},
                                               {"readAt", str("2026-11-25T08:00:00Z")}},
                                              {{"pk", str("USER#u1")}, {"sk", str("PROFILE")}}}},
                                            {"LastEvaluatedKey",
                                             {{"pk", str("USER#u1")},
                                              {"sk", str("INBOX#2026-11-25#d")},
                                              {"statePk", str("USER#u1#read")}}}}
                                           .dump())}));
  auto page =
      f.inbox.list("u1", core::InboxFilter::read, 5, std::string("INBOX#2026-11-26#x"), now());
  ASSERT_TRUE(page.ok()) << page.error().to_string();
  ASSERT_EQ(page->records.size(), 1U);  // a non-inbox item is dropped
  EXPECT_EQ(page->records[0].notification_id, "d");
  EXPECT_EQ(page->records[0].state.read_at, "2026-11-25T08:00:00Z");
  EXPECT_EQ(page->next_sk, "INBOX#2026-11-25#d");
  const auto q = f.request(0);
  EXPECT_EQ(q["IndexName"], "state");
  EXPECT_EQ(q["ExpressionAttributeNames"]["#part"], "statePk");
  EXPECT_EQ(q["ExpressionAttributeValues"][":part"]["S"], "USER#u1#read");
  EXPECT_EQ(q["FilterExpression"], "(attribute_not_exists(expiresAt) OR expiresAt > :now)");
  EXPECT_EQ(q["ExpressionAttributeValues"][":now"]["N"], "1795651200");
  EXPECT_EQ(q["ScanIndexForward"], false);
  EXPECT_EQ(q["Limit"], 5);
  // An index Query resumes from the base key plus the index key.
  EXPECT_EQ(q["ExclusiveStartKey"], (json{{"pk", str("USER#u1")},
                                          {"sk", str("INBOX#2026-11-26#x")},
                                          {"statePk", str("USER#u1#read")}}));
}

TEST(InboxStore, AllIsTheUsersPartitionWithoutArchivedAndTheCountIsBounded) {
  Fixture f(
      script({json_response(200, R"({"Items":[]})"),
              json_response(200, R"({"Count":101,"LastEvaluatedKey":{"pk":{"S":"USER#u1"}}})")}));
  ASSERT_TRUE(
      f.inbox.list("u1", core::InboxFilter::all, 20, std::string("INBOX#2026-11-26#x"), now())
          .ok());
  const auto list = f.request(0);
  EXPECT_FALSE(list.contains("IndexName"));
  EXPECT_EQ(list["KeyConditionExpression"], "#part = :part AND begins_with(sk, :inbox)");
  EXPECT_EQ(list["ExpressionAttributeNames"]["#part"], "pk");
  EXPECT_EQ(list["ExpressionAttributeValues"][":part"]["S"], "USER#u1");
  EXPECT_EQ(list["ExpressionAttributeValues"][":inbox"]["S"], "INBOX#");
  EXPECT_EQ(
      list["FilterExpression"],
      "(attribute_not_exists(expiresAt) OR expiresAt > :now) AND attribute_not_exists(archivedAt)");
  EXPECT_EQ(list["ExclusiveStartKey"],
            (json{{"pk", str("USER#u1")}, {"sk", str("INBOX#2026-11-26#x")}}));
  auto tally = f.inbox.count_unread("u1", 101, now());
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(tally->counted, 101);
  EXPECT_TRUE(tally->more);
  const auto count = f.request(1);
  EXPECT_EQ(count["Select"], "COUNT");
  EXPECT_EQ(count["Limit"], 101);
  EXPECT_EQ(count["ExpressionAttributeValues"][":part"]["S"], "USER#u1#unread");
}

TEST(InboxStore, ApplyIsOneConditionalUpdateOfTheUsersRecord) {
  Fixture f(script(
      {json_response(200, json{{"Attributes", {{"sk", str("INBOX#2026-11-24#d")}}}}.dump())}));
  auto r = f.inbox.apply("u1", {"2026-11-24", "d"}, core::StateChange::mark_read, now());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->kind, Applied::Kind::applied);
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->state.read_at, now().text);
  const auto u = f.request(0);
  EXPECT_EQ(f.server.requests().at(0).header("x-amz-target"), "DynamoDB_20120810.UpdateItem");
  EXPECT_EQ(u["Key"], (json{{"pk", str("USER#u1")}, {"sk", str("INBOX#2026-11-24#d")}}));
  EXPECT_EQ(u["UpdateExpression"], "SET readAt = if_not_exists(readAt, :now), statePk = :read");
  EXPECT_EQ(u["ConditionExpression"],
            "attribute_exists(pk) AND (attribute_not_exists(expiresAt) OR expiresAt > :epoch) AND "
            "attribute_not_exists(archivedAt)");
  EXPECT_EQ(u["ExpressionAttributeValues"][":read"]["S"], "USER#u1#read");
  EXPECT_EQ(u["ReturnValues"], "ALL_OLD");
  EXPECT_EQ(u["ReturnValuesOnConditionCheckFailure"], "ALL_OLD");
}

TEST(InboxStore, AFailedConditionIsReadFromTheOldItem) {
  const json archived{{"pk", str("USER#u1")},
                      {"sk", str("INBOX#2026-11-24#d")},
                      {"readAt", str("2026-11-24T09:00:00Z")},
                      {"archivedAt", str("2026-11-24T09:00:00Z")},
                      {"expiresAt", {{"N", "4102444800"}}}};
  const json expired{
      {"pk", str("USER#u1")}, {"sk", str("INBOX#2026-11-24#d")}, {"expiresAt", {{"N", "100"}}}};
  Fixture f(script(
      {json_response(400, std::string(kConditionFailed) + "}"),
       json_response(400, std::string(kConditionFailed) + R"(,"Item":)" + archived.dump() + "}"),
       json_response(400, std::string(kConditionFailed) + R"(,"Item":)" + archived.dump() + "}"),
       json_response(400, std::string(kConditionFailed) + R"(,"Item":)" + expired.dump() + "}")}));
  const core::RecordRef ref{"2026-11-24", "d"};
  EXPECT_EQ(f.inbox.apply("u1", ref, core::StateChange::mark_read, now())->kind,
            Applied::Kind::not_found);
  const auto noop = f.inbox.apply("u1", ref, core::StateChange::mark_read, now());
  EXPECT_EQ(noop->kind, Applied::Kind::applied);
  EXPECT_FALSE(noop->changed);
  EXPECT_EQ(noop->state.archived_at, "2026-11-24T09:00:00Z");
  EXPECT_EQ(f.inbox.apply("u1", ref, core::StateChange::mark_unread, now())->kind,
            Applied::Kind::conflict);
  EXPECT_EQ(f.inbox.apply("u1", ref, core::StateChange::archive, now())->kind,
            Applied::Kind::not_found);
}

TEST(InboxStore, EachChangeWritesTheIndexKeysOfItsNewState) {
  Fixture f(script({json_response(200, "{}")}));
  for (auto c :
       {core::StateChange::mark_unread, core::StateChange::archive, core::StateChange::unarchive}) {
    ASSERT_TRUE(f.inbox.apply("u1", {"2026-11-24", "d"}, c, now()).ok());
  }
  EXPECT_EQ(f.request(0)["UpdateExpression"], "REMOVE readAt SET statePk = :unread");
  EXPECT_EQ(
      f.request(1)["UpdateExpression"],
      "SET archivedAt = if_not_exists(archivedAt, :now), readAt = if_not_exists(readAt, :now) "
      "REMOVE statePk");
  EXPECT_EQ(f.request(2)["UpdateExpression"], "REMOVE archivedAt SET statePk = :read");
  EXPECT_NE(
      f.request(2)["ConditionExpression"].get<std::string>().find("attribute_exists(archivedAt)"),
      std::string::npos);
}

// DynamoDB refuses a value no expression names ("Value provided in ExpressionAttributeValues
// unused in expressions"), so each change sends exactly the values its expressions name.
TEST(InboxStore, EachChangeSendsOnlyTheValuesItsExpressionsName) {
  Fixture f(script({json_response(200, "{}")}));
  const std::vector<core::StateChange> changes{
      core::StateChange::mark_read, core::StateChange::mark_unread, core::StateChange::archive,
      core::StateChange::unarchive};
  for (auto c : changes) ASSERT_TRUE(f.inbox.apply("u1", {"2026-11-24", "d"}, c, now()).ok());
  const std::vector<std::vector<std::string>> expected{
      {":epoch", ":now", ":read"}, {":epoch", ":unread"}, {":epoch", ":now"}, {":epoch", ":read"}};
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto u = f.request(i);
    const std::string expressions = u["UpdateExpression"].get<std::string>() + " " +
                                    u["ConditionExpression"].get<std::string>();
    std::vector<std::string> sent;
    for (const auto& [placeholder, value] : u["ExpressionAttributeValues"].items()) {
      sent.push_back(placeholder);
      EXPECT_NE(expressions.find(placeholder), std::string::npos) << placeholder << " unused";
    }
    EXPECT_EQ(sent, expected[i]) << expressions;  // json objects iterate in key order
  }
}

TEST(InboxStore, MarkReadSendsTransactionsOfAtMost100AndRetriesConflicts) {
  std::vector<std::string> sks;
  sks.reserve(150);
  for (int i = 0; i < 150; ++i) sks.push_back("INBOX#2026-11-20#n" + std::to_string(1000 + i));
  std::string reasons = R"([{"Code":"TransactionConflict"})";
  for (int i = 1; i < 50; ++i) reasons += R"(,{"Code":"None"})";
  reasons += "]";
  Fixture f(script(
      {json_response(200, "{}"),
       json_response(
           400,
           R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"x","CancellationReasons":)" +
               reasons + "}"),
       json_response(200, "{}")}));
  auto marked = f.inbox.mark_read("u1", sks, now());
  ASSERT_TRUE(marked.ok()) << marked.error().to_string();
  EXPECT_EQ(*marked, 150);
  ASSERT_EQ(f.server.requests().size(), 3U);
  EXPECT_EQ(f.request(0)["TransactItems"].size(), 100U);
  EXPECT_EQ(f.request(1)["TransactItems"].size(), 50U);
  EXPECT_EQ(f.request(2)["TransactItems"].size(), 50U);  // the conflict: the same set again
  EXPECT_EQ(f.time->sleeps.size(), 1U);                  // after a backoff
  const json update = f.request(0)["TransactItems"][0]["Update"];
  EXPECT_EQ(update["ConditionExpression"], "statePk = :unread");
  EXPECT_EQ(update["ExpressionAttributeValues"][":unread"]["S"], "USER#u1#unread");
}

TEST(InboxStore, StoreErrorsAreErrors) {
  Fixture f(script({json_response(500, R"({"__type":"InternalServerError","message":"boom"})")}));
  EXPECT_FALSE(f.inbox.list("u1", core::InboxFilter::all, 1, std::nullopt, now()).ok());
  EXPECT_FALSE(f.inbox.mark_read("u1", {"INBOX#2026-11-20#n"}, now()).ok());
}

}  // namespace
}  // namespace dn::inbox
