#include "dn/aws/sqs.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dn/util/text.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"

namespace dn::aws {
namespace {

using nlohmann::json;
using testing::json_response;
using testing::StubRequest;
using testing::StubServer;

constexpr const char* kQueue = "http://127.0.0.1/000000000000/generate";

std::vector<SqsMessage> messages(int n) {
  std::vector<SqsMessage> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.push_back({util::numbered("m", i), util::numbered("body ", i), {}});
  }
  return out;
}

// Answers SendMessageBatch: every entry succeeds except the ids in `fail` (SenderFault per map).
StubServer::Handler answer(const std::shared_ptr<std::map<std::string, bool>>& fail) {
  return [fail](const StubRequest& request) {
    json ok = json::array();
    json failed = json::array();
    const json doc = json::parse(request.body);
    for (const auto& entry : doc["Entries"]) {
      const std::string id = entry["Id"];
      if (const auto it = fail->find(id); it != fail->end()) {
        failed.push_back({{"Id", id},
                          {"SenderFault", it->second},
                          {"Code", it->second ? "InvalidParameterValue" : "InternalError"},
                          {"Message", "m"}});
        if (!it->second) fail->erase(it);  // a transient failure clears on the next try
      } else {
        ok.push_back({{"Id", id}, {"MessageId", "mid-" + id}});
      }
    }
    return json_response(200, json{{"Successful", ok}, {"Failed", failed}}.dump());
  };
}

struct Fixture : testing::StubbedClient {
  using StubbedClient::StubbedClient;
  Sqs sqs{client};
};

TEST(AwsSqs, SendMessageBatchSplitsIntoTensAndSendsTheJsonProtocol) {
  Fixture f(answer(std::make_shared<std::map<std::string, bool>>()));
  auto batch = messages(23);
  batch[0].delay_seconds = 5;
  auto r = f.sqs.send_message_batch(kQueue, batch);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->successful.size(), 23U);
  EXPECT_TRUE(r->failed.empty());
  const auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].header("x-amz-target"), "AmazonSQS.SendMessageBatch");
  EXPECT_EQ(requests[0].header("content-type"), "application/x-amz-json-1.0");
  const auto first = json::parse(requests[0].body);
  EXPECT_EQ(first["QueueUrl"], kQueue);
  EXPECT_EQ(first["Entries"].size(), 10U);
  EXPECT_EQ(first["Entries"][0],
            json({{"Id", "m0"}, {"MessageBody", "body 0"}, {"DelaySeconds", 5}}));
  EXPECT_FALSE(first["Entries"][1].contains("DelaySeconds"));
  EXPECT_EQ(json::parse(requests[2].body)["Entries"].size(), 3U);
}

TEST(AwsSqs, ReportsPerEntryFailuresAndEntriesMissingFromTheAnswer) {
  Fixture f([](const StubRequest&) {
    return json_response(
        200,
        R"({"Successful":[{"Id":"m0"}],)"
        R"("Failed":[{"Id":"m1","SenderFault":true,"Code":"InvalidParameterValue","Message":"too big"}]})");
  });
  auto r = f.sqs.send_message_batch(kQueue, messages(3));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->successful, std::vector<std::string>{"m0"});
  ASSERT_EQ(r->failed.size(), 2U);
  EXPECT_EQ(r->failed[0].id, "m1");
  EXPECT_EQ(r->failed[0].code, "InvalidParameterValue");
  EXPECT_TRUE(r->failed[0].sender_fault);
  EXPECT_EQ(r->failed[1].id, "m2");
  EXPECT_EQ(r->failed[1].code, "MissingFromResponse");
}

TEST(AwsSqs, SendAllResendsOnlyTransientFailures) {
  auto fail = std::make_shared<std::map<std::string, bool>>(
      std::map<std::string, bool>{{"m3", false}, {"m7", false}});
  Fixture f(answer(fail));
  ASSERT_TRUE(f.sqs.send_all(kQueue, messages(12)).ok());
  const auto requests = f.server.requests();
  ASSERT_EQ(requests.size(), 3U);  // 10 + 2, then the two failed ones again
  const auto resent = json::parse(requests[2].body)["Entries"];
  ASSERT_EQ(resent.size(), 2U);
  EXPECT_EQ(resent[0]["Id"], "m3");
  EXPECT_EQ(resent[1]["Id"], "m7");
  EXPECT_EQ(f.time->sleeps.size(), 1U);
}

TEST(AwsSqs, SendAllReportsSenderFaultsWithoutResending) {
  auto fail =
      std::make_shared<std::map<std::string, bool>>(std::map<std::string, bool>{{"m1", true}});
  Fixture f(answer(fail));
  auto r = f.sqs.send_all(kQueue, messages(3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "BatchEntriesFailed");
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(r.error().message, "1 of 3 messages not sent: m1 InvalidParameterValue");
  EXPECT_EQ(f.server.requests().size(), 1U);
}

TEST(AwsSqs, SendAllGivesUpOnPersistentTransientFailures) {
  Fixture f([](const StubRequest&) {
    return json_response(
        200,
        R"({"Successful":[],"Failed":[{"Id":"m0","SenderFault":false,"Code":"InternalError"}]})");
  });
  auto r = f.sqs.send_all(kQueue, messages(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "BatchEntriesFailed");
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(f.server.requests().size(), 4U);  // max_attempts
}

TEST(AwsSqs, InvalidEntryIdsAreRejectedBeforeSending) {
  Fixture f(answer(std::make_shared<std::map<std::string, bool>>()));
  auto bad = messages(2);
  bad[1].id = "has space";
  EXPECT_EQ(f.sqs.send_message_batch(kQueue, bad).error().code, "InvalidArgument");
  auto dup = messages(2);
  dup[1].id = dup[0].id;
  EXPECT_EQ(f.sqs.send_message_batch(kQueue, dup).error().code, "InvalidArgument");
  EXPECT_TRUE(f.server.requests().empty());
}

}  // namespace
}  // namespace dn::aws
