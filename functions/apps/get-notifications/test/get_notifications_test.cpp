#include "get_notifications.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dn/runtime/build.hpp"
#include "fake_inbox.hpp"
#include "proxy_answer.hpp"

namespace dn::get_notifications {
namespace {

using inbox::testing::FakeInbox;
using nlohmann::json;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef";
// 2026-11-26T00:00:00Z: the handler's clock in these tests.
constexpr std::int64_t kNow = 1795651200;

std::string day(int d) {
  return "2026-11-" + std::string(d < 10 ? "0" : "") + std::to_string(d);
}

struct Fixture {
  FakeInbox store;
  Handler handler{kKey, store, [] { return core::Instant(std::chrono::seconds(kNow)); }};

  Fixture() {
    for (const char* user : {"alice", "bob", "carol"}) store.profiles.insert(user);
    for (int d = 1; d <= 25; ++d) store.add("alice", day(d), "n");
    store.add("bob", day(1), "x");
  }

  // (status, body) of a GET of `resource`.
  std::pair<int, json> get(const std::string& user, const json& query = nullptr,
                           const std::string& method = "GET",
                           std::string_view resource = core::kListResource) {
    json event{{"resource", std::string(resource)},
               {"httpMethod", method},
               {"pathParameters", {{"userId", user}}},
               {"queryStringParameters", query}};
    return inbox::testing::proxy_answer(handler, event);
  }
  std::pair<int, json> count(const std::string& user) {
    return get(user, nullptr, "GET", core::kCountResource);
  }

  // Every item of a filter, following the cursors.
  std::vector<json> walk(const std::string& user, const std::string& status, int limit) {
    std::vector<json> items;
    json query{{"limit", std::to_string(limit)}, {"status", status}};
    for (int pages = 0; pages < 100; ++pages) {
      const auto [code, body] = get(user, query);
      EXPECT_EQ(code, 200) << body.dump();
      for (const auto& i : body["items"]) items.push_back(i);
      if (body["nextCursor"].is_null()) break;
      query["cursor"] = body["nextCursor"];
    }
    return items;
  }
};

TEST(GetNotifications, PagesNewestFirstThroughEveryItemWithoutDuplicates) {
  Fixture f;
  std::vector<std::string> dates;
  for (const auto& item : f.walk("alice", "all", 10)) dates.push_back(item["date"]);
  ASSERT_EQ(dates.size(), 25U);
  EXPECT_EQ(dates.front(), "2026-11-25");
  EXPECT_EQ(dates.back(), "2026-11-01");
  EXPECT_TRUE(std::is_sorted(dates.rbegin(), dates.rend()));
  EXPECT_EQ(std::set<std::string>(dates.begin(), dates.end()).size(), 25U);
}

TEST(GetNotifications, DefaultLimitIsTwentyAndItemsCarryIdAndState) {
  Fixture f;
  const auto [status, body] = f.get("alice");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["items"].size(), 20U);
  EXPECT_TRUE(body["nextCursor"].is_string());
  EXPECT_EQ(body["userId"], "alice");
  EXPECT_EQ(body["status"], "all");
  EXPECT_EQ(body["items"][0]["id"], "2026-11-25.n");
  EXPECT_TRUE(body["items"][0]["readAt"].is_null());
  EXPECT_TRUE(body["items"][0]["archivedAt"].is_null());
}

TEST(GetNotifications, StatusFiltersListOnlyTheirRecordsAndAllLeavesOutArchived) {
  Fixture f;
  for (int d = 1; d <= 25; d += 3)
    f.store.users["alice"][core::keys::inbox_sk(day(d), "n")].record.state.read_at =
        "2026-11-25T10:00:00Z";
  for (int d = 2; d <= 25; d += 6) {  // 2, 8, 14, 20: none of them read above
    auto& s = f.store.users["alice"][core::keys::inbox_sk(day(d), "n")].record.state;
    s.read_at = s.archived_at = "2026-11-25T11:00:00Z";
  }
  const auto all = f.walk("alice", "all", 4);
  const auto unread = f.walk("alice", "unread", 4);
  const auto read = f.walk("alice", "read", 4);
  EXPECT_EQ(all.size(), 25U - 4U);
  EXPECT_EQ(read.size(), 9U);
  EXPECT_EQ(unread.size(), 25U - 9U - 4U);
  for (const auto& i : unread) EXPECT_TRUE(i["readAt"].is_null()) << i.dump();
  for (const auto& i : read) EXPECT_EQ(i["readAt"], "2026-11-25T10:00:00Z") << i.dump();
  for (const auto& i : all) EXPECT_TRUE(i["archivedAt"].is_null()) << i.dump();
}

TEST(GetNotifications, ACursorWorksOnlyForItsUserAndItsStatus) {
  Fixture f;
  const auto first = f.get("alice", {{"limit", "5"}}).second;
  std::string cursor = first["nextCursor"];
  EXPECT_EQ(f.get("alice", {{"cursor", cursor}}).first, 200);
  EXPECT_EQ(f.get("bob", {{"cursor", cursor}}).first, 400);
  const auto [status, body] = f.get("alice", {{"cursor", cursor}, {"status", "unread"}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["message"], "cursor is invalid or was issued for another request");
  cursor[cursor.size() / 2] = cursor[cursor.size() / 2] == 'A' ? 'B' : 'A';
  const auto tampered = f.get("alice", {{"cursor", cursor}});
  EXPECT_EQ(tampered.first, 400);
  EXPECT_EQ(tampered.second["error"], "BadRequest");
  EXPECT_FALSE(tampered.second["message"].get<std::string>().empty());
  EXPECT_EQ(f.get("alice", {{"cursor", "garbage!"}}).first, 400);
}

TEST(GetNotifications, BadInputIs4xxWithAReason) {
  Fixture f;
  EXPECT_EQ(f.get("alice", {{"limit", "0"}}).first, 400);
  EXPECT_EQ(f.get("alice", {{"limit", "1000"}}).second["message"],
            "limit must be an integer from 1 to 100");
  EXPECT_EQ(f.get("alice", {{"status", "archived"}}).second["message"],
            "status must be one of all, unread, read");
  EXPECT_EQ(f.get("al#ice").first, 400);
  EXPECT_EQ(f.get("alice", nullptr, "DELETE").first, 405);
  EXPECT_EQ(f.get("alice", nullptr, "POST", core::kCountResource).first, 405);
  EXPECT_EQ(f.store.reads, 0);  // rejected before touching the table
}

TEST(GetNotifications, UnknownUserIs404AndKnownUserWithoutInboxIsEmpty) {
  Fixture f;
  const auto [status, body] = f.get("nobody");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body["error"], "NotFound");
  const auto carol = f.get("carol");
  EXPECT_EQ(carol.first, 200);
  EXPECT_TRUE(carol.second["items"].empty());
  EXPECT_TRUE(carol.second["nextCursor"].is_null());
  EXPECT_EQ(f.get("carol", {{"status", "unread"}}).first, 200);
  EXPECT_EQ(f.count("nobody").first, 404);
}

TEST(GetNotifications, OneQueryWhenTheInboxHasItems) {
  Fixture f;
  f.get("bob");
  EXPECT_EQ(f.store.reads, 1);
  f.count("bob");
  EXPECT_EQ(f.store.reads, 2);
}

TEST(GetNotifications, ExpiredRecordsAreNeverServedOrCounted) {
  Fixture f;
  f.store.add("bob", day(2), "old", {}, kNow);  // expiresAt == now: expired
  f.store.add("bob", day(3), "older", {}, kNow - 86400);
  const auto items = f.walk("bob", "all", 1);
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(items[0]["notificationId"], "x");
  EXPECT_EQ(f.count("bob").second["unreadCount"], 1);
}

TEST(GetNotifications, UnreadCountIsExactUpToTheCap) {
  Fixture f;
  auto [status, body] = f.count("alice");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, json::parse(R"({"userId":"alice","unreadCount":25,"exact":true})"));
  f.store.users["alice"][core::keys::inbox_sk(day(1), "n")].record.state.read_at = "t";
  EXPECT_EQ(f.count("alice").second["unreadCount"], 24);
  EXPECT_EQ(f.count("carol").second,
            json::parse(R"({"userId":"carol","unreadCount":0,"exact":true})"));
  for (int i = 0; i < core::kUnreadCountCap + 10; ++i)
    f.store.add("carol", day(1), inbox::testing::numbered('n', i));
  EXPECT_EQ(f.count("carol").second,
            json::parse(R"({"userId":"carol","unreadCount":100,"exact":false})"));
}

TEST(GetNotifications, StoreFailureIs500WithoutDetail) {
  Fixture f;
  f.store.fail = true;
  for (const auto& [status, body] : {f.get("alice"), f.count("alice")}) {
    EXPECT_EQ(status, 500);
    EXPECT_EQ(body["error"], "InternalError");
    EXPECT_EQ(body.dump().find("10.0.0.7"), std::string::npos);
  }
}

TEST(GetNotifications, InitFailsWithoutConfiguration) {
  auto env = [](const std::map<std::string, std::string>& vars) {
    return [vars](const char* n) -> const char* {
      auto it = vars.find(n);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  EXPECT_THROW(handler_from_env(env({{"TABLE_NAME", "t"}})), std::runtime_error);
  EXPECT_THROW(handler_from_env(env({{"CURSOR_SECRET_ARN", "s"}})), std::runtime_error);
}

}  // namespace
}  // namespace dn::get_notifications
