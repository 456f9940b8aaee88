#include "update_notifications.hpp"

#include <gtest/gtest.h>

#include <map>

#include "dn/runtime/build.hpp"
#include "fake_inbox.hpp"
#include "proxy_answer.hpp"

namespace dn::update_notifications {
namespace {

using inbox::testing::FakeInbox;
using nlohmann::json;

// 2026-11-26T00:00:00Z: the handler's clock in these tests.
constexpr std::int64_t kNow = 1795651200;
constexpr const char* kNowText = "2026-11-26T00:00:00Z";

struct Fixture {
  FakeInbox store;
  Handler handler{Settings{}, store, [] { return core::Instant(std::chrono::seconds(kNow)); }};

  Fixture() {
    store.add("alice", "2026-11-24", "digest");
    store.add("alice", "2026-11-25", "digest");
    store.add("bob", "2026-11-24", "beta");
    store.profiles.insert("carol");
  }

  std::pair<int, json> call(const json& event, const runtime::Request& base = {}) {
    return inbox::testing::proxy_answer(handler, event, base);
  }
  std::pair<int, json> patch(const std::string& user, const std::string& id, const json& body) {
    return call(json{{"resource", std::string(core::kRecordResource)},
                     {"httpMethod", "PATCH"},
                     {"pathParameters", {{"userId", user}, {"id", id}}},
                     {"body", body.is_string() ? body : json(body.dump())}});
  }
  std::pair<int, json> read_all(const std::string& user, const runtime::Request& base = {}) {
    return call(json{{"resource", std::string(core::kReadAllResource)},
                     {"httpMethod", "POST"},
                     {"pathParameters", {{"userId", user}}},
                     {"body", nullptr}},
                base);
  }
};

TEST(UpdateNotifications, MarkReadThenUnreadIsIdempotentAndReportsTheState) {
  Fixture f;
  auto [status, body] = f.patch("alice", "2026-11-24.digest", {{"read", true}});
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body,
            json::parse(std::string(R"({"userId":"alice","id":"2026-11-24.digest","readAt":")") +
                        kNowText + R"(","archivedAt":null,"changed":true})"));
  EXPECT_EQ(f.store.state("alice", "2026-11-24", "digest").read_at, kNowText);
  const auto again = f.patch("alice", "2026-11-24.digest", {{"read", true}});
  EXPECT_EQ(again.first, 200);
  EXPECT_FALSE(again.second["changed"]);
  const auto unread = f.patch("alice", "2026-11-24.digest", {{"read", false}});
  EXPECT_EQ(unread.first, 200);
  EXPECT_TRUE(unread.second["readAt"].is_null());
  EXPECT_FALSE(f.store.state("alice", "2026-11-24", "digest").read());
}

TEST(UpdateNotifications, ArchiveAndUnarchive) {
  Fixture f;
  const auto a = f.patch("alice", "2026-11-25.digest", {{"archived", true}});
  EXPECT_EQ(a.first, 200);
  EXPECT_EQ(a.second["archivedAt"], kNowText);
  EXPECT_EQ(a.second["readAt"], kNowText);
  const auto unread = f.patch("alice", "2026-11-25.digest", {{"read", false}});
  EXPECT_EQ(unread.first, 409);
  EXPECT_EQ(unread.second["error"], "Conflict");
  EXPECT_TRUE(f.store.state("alice", "2026-11-25", "digest").archived());
  EXPECT_EQ(f.patch("alice", "2026-11-25.digest", {{"archived", true}}).second["changed"], false);
  const auto back = f.patch("alice", "2026-11-25.digest", {{"archived", false}});
  EXPECT_EQ(back.first, 200);
  EXPECT_TRUE(back.second["archivedAt"].is_null());
  EXPECT_EQ(back.second["readAt"], kNowText);
}

TEST(UpdateNotifications, AnotherUsersIdIs404AndChangesNothing) {
  Fixture f;
  // bob has 2026-11-24.beta; alice does not.
  const auto [status, body] = f.patch("alice", "2026-11-24.beta", {{"read", true}});
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body["error"], "NotFound");
  EXPECT_FALSE(f.store.state("bob", "2026-11-24", "beta").read());
  EXPECT_EQ(f.patch("nobody", "2026-11-24.digest", {{"read", true}}).first, 404);
}

TEST(UpdateNotifications, AnExpiredRecordIs404) {
  Fixture f;
  f.store.add("alice", "2026-11-01", "old", {}, kNow);
  EXPECT_EQ(f.patch("alice", "2026-11-01.old", {{"read", true}}).first, 404);
}

TEST(UpdateNotifications, BadRequestsAre4xxWithAReasonAndTouchNothing) {
  Fixture f;
  EXPECT_EQ(f.patch("alice", "2026-11-24.digest", json("{}")).second["message"],
            R"(body must be {"read": true|false} or {"archived": true|false})");
  EXPECT_EQ(f.patch("alice", "2026-11-24.digest", {{"read", "yes"}}).second["message"],
            "read must be true or false");
  EXPECT_EQ(f.patch("alice", "digest", {{"read", true}}).first, 400);
  EXPECT_EQ(f.patch("a#b", "2026-11-24.digest", {{"read", true}}).first, 400);
  EXPECT_EQ(f.call(json{{"resource", std::string(core::kRecordResource)},
                        {"httpMethod", "GET"},
                        {"pathParameters", {{"userId", "alice"}, {"id", "2026-11-24.digest"}}}})
                .first,
            405);
  EXPECT_EQ(f.store.writes, 0);
  EXPECT_EQ(f.store.reads, 0);
}

TEST(UpdateNotifications, ReadAllMarksEveryUnreadRecordAndIsIdempotent) {
  Fixture f;
  for (int i = 0; i < 250; ++i)
    f.store.add("carol", "2026-11-20", inbox::testing::numbered('n', i));
  f.store.add("carol", "2026-11-19", "gone", {}, kNow - 1);  // expired: left alone
  f.patch("carol", "2026-11-20.n7", {{"archived", true}});
  const auto [status, body] = f.read_all("carol");
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body, json::parse(R"({"userId":"carol","markedRead":249,"complete":true})"));
  for (const auto& [sk, r] : f.store.users["carol"]) {
    EXPECT_EQ(r.record.state.read(), sk != "INBOX#2026-11-19#gone") << sk;
  }
  EXPECT_TRUE(f.store.state("carol", "2026-11-20", "n7").archived());
  EXPECT_EQ(f.read_all("carol").second["markedRead"], 0);
}

TEST(UpdateNotifications, ReadAllStopsNearTheDeadlineAndSaysSo) {
  Fixture f;
  for (int i = 0; i < 250; ++i)
    f.store.add("carol", "2026-11-20", inbox::testing::numbered('n', i));
  runtime::Request near;
  near.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(500);
  const auto [status, body] = f.read_all("carol", near);
  EXPECT_EQ(status, 200);
  EXPECT_FALSE(body["complete"]);
  EXPECT_EQ(body["markedRead"], 0);
  const auto rest = f.read_all("carol");
  EXPECT_TRUE(rest.second["complete"]);
  EXPECT_EQ(rest.second["markedRead"], 250);
}

TEST(UpdateNotifications, ReadAllForAnUnknownUserIs404) {
  Fixture f;
  EXPECT_EQ(f.read_all("nobody").first, 404);
  EXPECT_EQ(f.read_all("carol").first, 200);  // a user without notifications
}

TEST(UpdateNotifications, StoreFailureIs500WithoutDetail) {
  Fixture f;
  f.store.fail = true;
  for (const auto& [status, body] :
       {f.patch("alice", "2026-11-24.digest", {{"read", true}}), f.read_all("alice")}) {
    EXPECT_EQ(status, 500);
    EXPECT_EQ(body["error"], "InternalError");
    EXPECT_EQ(body.dump().find("10.0.0.7"), std::string::npos);
  }
}

TEST(UpdateNotifications, InitFailsWithoutConfiguration) {
  EXPECT_THROW(handler_from_env([](const char*) -> const char* { return nullptr; }),
               std::runtime_error);
}

}  // namespace
}  // namespace dn::update_notifications
