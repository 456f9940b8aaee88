// generate's DynamoDB adapters against the loopback AWS stub: a page's BatchWriteItem calls run
// concurrently and the written prefix stays exact when one of them fails.
#include "dynamo.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "fake_aws.hpp"
#include "http_stub.hpp"

namespace dn::generate {
namespace {

using aws::testing::StubRequest;
using aws::testing::StubResponse;

std::vector<core::InboxRecord> records(int n) {
  std::vector<core::InboxRecord> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string u = std::to_string(i);
    u.insert(0, 3 - u.size(), '0');
    core::InboxRecord r;
    r.user_id = "u" + u;
    r.date = "2026-11-24";
    r.notification_id = "n1";
    r.title = "t";
    r.body = "b";
    r.created_at = "2026-11-24T06:00:00Z";
    r.expires_at = 1800000000;
    out.push_back(std::move(r));
  }
  return out;
}

aws::Client client_for(const aws::testing::StubServer& server) {
  auto config =
      aws::Config::from_env(runtime::testing::env_of(aws::testing::stub_aws_env(server.url())), {});
  EXPECT_TRUE(config.ok());
  return aws::Client(std::move(*config));
}

// Each TransactWriteItems waits (up to 2 s) for a second one to arrive: calls made one after
// another never overlap, so max_in_flight stays 1.
struct Overlap {
  std::mutex mutex;
  std::condition_variable cv;
  int in_flight = 0;
  int max_in_flight = 0;

  StubResponse around(const StubRequest& r, const dn::testing::Handler& next) {
    if (aws::testing::FakeAws::operation(r) != "TransactWriteItems") return next(r);
    {
      std::unique_lock lock(mutex);
      ++in_flight;
      max_in_flight = std::max(max_in_flight, in_flight);
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(2), [&] { return in_flight >= 2; });
    }
    StubResponse response = next(r);
    const std::lock_guard lock(mutex);
    --in_flight;
    return response;
  }
};

// The fake table behind the stub, every TransactWriteItems through `overlap`.
struct OverlappedTable {
  aws::testing::FakeAws fake;
  Overlap overlap;
  aws::testing::StubServer server{[this](const StubRequest& r) { return fake.handle(r); }};
  aws::Client client = client_for(server);

  OverlappedTable() {
    server.set_hook([this](const StubRequest& r, const dn::testing::Handler& next) {
      return overlap.around(r, next);
    });
  }
};

TEST(GenerateDynamo, APagesWritesRunConcurrentlyAndEveryRecordIsStoredOnce) {
  OverlappedTable table;
  CallTimes times;
  DynamoInbox inbox(table.client, "notifications", &times, 4);
  const auto batch = records(250);
  const auto out = inbox.write(batch);
  EXPECT_FALSE(out.error) << out.error->to_string();
  EXPECT_EQ(out.written, 250U);
  EXPECT_GE(table.overlap.max_in_flight, 2);
  EXPECT_LE(table.overlap.max_in_flight, 4);
  EXPECT_EQ(table.fake.items("USER#", "INBOX#2026-11-24#n1").size(), 250U);
  EXPECT_EQ(times.to_json()["TransactWriteItems inbox"]["n"], 3);
}

TEST(GenerateDynamo, OneFailedCallOfAPageLeavesTheStoredPrefixBeforeIt) {
  aws::testing::FakeAws fake;
  aws::testing::StubServer server([&](const StubRequest& r) { return fake.handle(r); });
  // The second call (records 100..199) is refused for good; the others are applied.
  server.set_hook([&](const StubRequest& r, const dn::testing::Handler& next) -> StubResponse {
    if (r.body.find("USER#u150") != std::string::npos) {
      return aws::testing::json_response(
          400, R"({"__type":"com.amazon.coral.validate#ValidationException","message":"no"})");
    }
    return next(r);
  });
  auto client = client_for(server);
  DynamoInbox inbox(client, "notifications", nullptr, 4);
  const auto out = inbox.write(records(250));
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->code, "ValidationException");
  EXPECT_EQ(out.written, 100U);
  for (int i = 0; i < 100; ++i) {
    std::string u = std::to_string(i);
    u.insert(0, 3 - u.size(), '0');
    EXPECT_TRUE(fake.item("USER#u" + u, "INBOX#2026-11-24#n1")) << u;
  }
}

TEST(GenerateDynamo, WithOneCallInFlightTheWritesAreSequential) {
  OverlappedTable table;
  DynamoInbox inbox(table.client, "notifications", nullptr, 1);
  const auto out = inbox.write(records(60));
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.written, 60U);
  EXPECT_EQ(table.overlap.max_in_flight, 1);
}

}  // namespace
}  // namespace dn::generate
