#include "get_notifications.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dn/runtime/build.hpp"

namespace dn::get_notifications {
namespace {

using nlohmann::json;

json S(const std::string& v) {
  return json{{"S", v}};
}

// Answers the inbox Query (descending, Limit, ExclusiveStartKey) and the PROFILE Query.
class FakeTable final : public Table {
 public:
  std::map<std::string, std::map<std::string, json>> items;
  bool fail = false;
  int queries = 0;

  aws::Result<aws::QueryPage> query(const json& r) override {
    ++queries;
    if (fail) return aws::Error{"InternalServerError", "table exploded at 10.0.0.7", 500, true};
    const auto& v = r["ExpressionAttributeValues"];
    auto& part = items[v[":pk"]["S"].get<std::string>()];
    aws::QueryPage page;
    if (v.contains(":sk")) {
      if (auto it = part.find(v[":sk"]["S"].get<std::string>()); it != part.end()) {
        page.items.push_back(it->second);
      }
      return page;
    }
    EXPECT_EQ(r["ScanIndexForward"], false);
    const std::size_t limit = r["Limit"];
    auto it = r.contains("ExclusiveStartKey")
                  ? std::make_reverse_iterator(part.lower_bound(r["ExclusiveStartKey"]["sk"]["S"]))
                  : part.rbegin();
    for (; it != part.rend() && page.items.size() < limit; ++it) {
      if (it->first.starts_with("INBOX#")) page.items.push_back(it->second);
    }
    if (it != part.rend() && !page.items.empty()) {
      page.last_evaluated_key =
          json{{"pk", page.items.back()["pk"]}, {"sk", page.items.back()["sk"]}};
    }
    return page;
  }
};

constexpr const char* kKey = "0123456789abcdef0123456789abcdef";

struct Fixture {
  FakeTable table;
  Handler handler{"T", kKey, table};

  Fixture() {
    for (const char* user : {"alice", "bob", "carol"}) {
      table.items[std::string("USER#") + user]["PROFILE"] = json{{"userId", S(user)}};
    }
    for (int day = 1; day <= 25; ++day) {
      const std::string date = "2026-11-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
      const std::string sk = "INBOX#" + date + "#n";
      table.items["USER#alice"][sk] = json{
          {"pk", S("USER#alice")}, {"sk", S(sk)},    {"notificationId", S("n")}, {"date", S(date)},
          {"title", S("t")},       {"body", S("b")}, {"createdAt", S("c")}};
    }
    table.items["USER#bob"]["INBOX#2026-11-01#x"] =
        json{{"pk", S("USER#bob")}, {"sk", S("INBOX#2026-11-01#x")}};
  }

  // (status, body) of a GET.
  std::pair<int, json> get(const std::string& user, const json& query = nullptr,
                           const std::string& method = "GET") {
    json event{{"httpMethod", method},
               {"pathParameters", {{"userId", user}}},
               {"queryStringParameters", query}};
    runtime::Request req;
    req.payload = event.dump();
    const auto resp = handler.handle(req);
    EXPECT_TRUE(resp.is_success());
    const auto proxy = json::parse(resp.body());
    // Every response, success or error, names the build that served it.
    EXPECT_EQ(proxy["headers"].value("X-Build-Id", ""), std::string(runtime::build_id()));
    EXPECT_EQ(proxy["headers"].value("Content-Type", ""), "application/json");
    return {proxy["statusCode"].get<int>(), json::parse(proxy["body"].get<std::string>())};
  }
};

TEST(GetNotifications, PagesNewestFirstThroughEveryItemWithoutDuplicates) {
  Fixture f;
  std::vector<std::string> dates;
  json query{{"limit", "10"}};
  for (int pages = 0; pages < 10; ++pages) {
    const auto [status, body] = f.get("alice", query);
    ASSERT_EQ(status, 200) << body.dump();
    for (const auto& item : body["items"]) dates.push_back(item["date"]);
    if (body["nextCursor"].is_null()) break;
    query["cursor"] = body["nextCursor"];
  }
  ASSERT_EQ(dates.size(), 25U);
  EXPECT_EQ(dates.front(), "2026-11-25");
  EXPECT_EQ(dates.back(), "2026-11-01");
  EXPECT_TRUE(std::is_sorted(dates.rbegin(), dates.rend()));
  EXPECT_EQ(std::set<std::string>(dates.begin(), dates.end()).size(), 25U);
}

TEST(GetNotifications, DefaultLimitIsTwenty) {
  Fixture f;
  const auto [status, body] = f.get("alice");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["items"].size(), 20U);
  EXPECT_TRUE(body["nextCursor"].is_string());
  EXPECT_EQ(body["userId"], "alice");
}

TEST(GetNotifications, TamperedOrForeignCursorsAre400) {
  Fixture f;
  const auto first = f.get("alice", {{"limit", "5"}}).second;
  std::string cursor = first["nextCursor"];
  EXPECT_EQ(f.get("bob", {{"cursor", cursor}}).first, 400);
  cursor[cursor.size() / 2] = cursor[cursor.size() / 2] == 'A' ? 'B' : 'A';
  const auto [status, body] = f.get("alice", {{"cursor", cursor}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], "BadRequest");
  EXPECT_FALSE(body["message"].get<std::string>().empty());
  EXPECT_EQ(f.get("alice", {{"cursor", "garbage!"}}).first, 400);
}

TEST(GetNotifications, BadInputIs4xxWithAReason) {
  Fixture f;
  EXPECT_EQ(f.get("alice", {{"limit", "0"}}).first, 400);
  EXPECT_EQ(f.get("alice", {{"limit", "1000"}}).second["message"],
            "limit must be an integer from 1 to 100");
  EXPECT_EQ(f.get("al#ice").first, 400);
  EXPECT_EQ(f.get("alice", nullptr, "DELETE").first, 405);
  EXPECT_EQ(f.table.queries, 0);  // rejected before touching the table
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
}

TEST(GetNotifications, OneQueryWhenTheInboxHasItems) {
  Fixture f;
  f.get("bob");
  EXPECT_EQ(f.table.queries, 1);
}

TEST(GetNotifications, StoreFailureIs500WithoutDetail) {
  Fixture f;
  f.table.fail = true;
  const auto [status, body] = f.get("alice");
  EXPECT_EQ(status, 500);
  EXPECT_EQ(body["error"], "InternalError");
  EXPECT_EQ(body.dump().find("10.0.0.7"), std::string::npos);
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
