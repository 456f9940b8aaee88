// The whole function as Lambda runs it: handler_from_env (cursor key from Secrets Manager) +
// dn::runtime over the stub Runtime API, DynamoDB served by the loopback AWS stub.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "dn/runtime/build.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "fake_aws.hpp"
#include "get_notifications.hpp"
#include "http_stub.hpp"

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

// alice has two inbox records (a non-empty page needs no profile lookup); any other user has
// nothing, profile included.
struct FakeAws {
  std::mutex mutex;
  std::map<std::string, int> calls;

  StubResponse handle(const StubRequest& r) {
    const std::lock_guard lock(mutex);
    const std::string target = r.header("x-amz-target");
    ++calls[target];
    const json body = json::parse(r.body, nullptr, false);
    if (target == "secretsmanager.GetSecretValue") {
      return json_response(
          200, json{{"ARN", body["SecretId"]}, {"SecretString", std::string(64, 'k')}}.dump());
    }
    const bool alice = body.dump().find("USER#alice") != std::string::npos;
    if (target == "DynamoDB_20120810.Query") {
      if (!alice) return json_response(200, R"({"Items":[],"Count":0})");
      if (body.value("Select", "") == "COUNT") return json_response(200, R"({"Count":2})");
      json items = json::array();
      for (const char* day : {"03", "02"}) {
        const std::string date = std::string("2026-11-") + day;
        items.push_back({{"pk", S("USER#alice")},
                         {"sk", S("INBOX#" + date + "#n")},
                         {"notificationId", S("n")},
                         {"date", S(date)},
                         {"title", S("t")},
                         {"body", S("b")},
                         {"createdAt", S(date + "T06:00:00Z")}});
      }
      return json_response(200, json{{"Items", items},
                                     {"Count", 2},
                                     {"LastEvaluatedKey",
                                      {{"pk", S("USER#alice")}, {"sk", S("INBOX#2026-11-02#n")}}}}
                                    .dump());
    }
    return json_response(400, R"({"__type":"UnknownOperation"})");
  }
};

std::map<std::string, std::string> get_notifications_env(const std::string& endpoint) {
  auto env = dn::aws::testing::stub_aws_env(endpoint);
  env.insert({{"TABLE_NAME", "notifications"},
              {"CURSOR_SECRET_ARN", "arn:aws:secretsmanager:eu-west-2:0:secret:cursor"}});
  return env;
}

std::string get(const std::string& user, const json& query,
                const char* resource = "/users/{userId}/notifications") {
  return json{{"resource", resource},
              {"httpMethod", "GET"},
              {"pathParameters", {{"userId", user}}},
              {"queryStringParameters", query}}
      .dump();
}

TEST(GetNotificationsRuntime, ServesPagesRejectsBadInputAndAnswers404) {
  FakeAws aws;
  dn::aws::testing::StubServer server([&](const StubRequest& r) { return aws.handle(r); });
  dn::runtime::testing::StubRuntimeApi api;
  api.enqueue(dn::runtime::testing::invocation("ok", get("alice", {{"limit", "2"}})));
  api.enqueue(dn::runtime::testing::invocation("bad-limit", get("alice", {{"limit", "0"}})));
  api.enqueue(dn::runtime::testing::invocation("unknown", get("nobody", nullptr)));
  api.enqueue(dn::runtime::testing::invocation(
      "count", get("alice", nullptr, "/users/{userId}/notifications/count")));

  const auto env = env_of(get_notifications_env(server.url()));
  const int rc = run_function([&] { return dn::get_notifications::handler_from_env(env); }, api, 4);
  ASSERT_EQ(rc, 0);

  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 4U);
  std::map<std::string, json> by_id;
  for (const auto& p : posts) {
    EXPECT_EQ(p.kind, Post::Kind::response)
        << p.request_id;  // API errors are responses, not crashes
    by_id[p.request_id] = json::parse(p.body);
  }
  const json ok_body = json::parse(by_id["ok"]["body"].get<std::string>());
  EXPECT_EQ(by_id["ok"]["statusCode"], 200);
  EXPECT_EQ(by_id["ok"]["headers"]["X-Build-Id"], std::string(dn::runtime::build_id()));
  ASSERT_EQ(ok_body["items"].size(), 2U);
  EXPECT_EQ(ok_body["items"][0]["date"], "2026-11-03");
  EXPECT_TRUE(ok_body["nextCursor"].is_string());
  EXPECT_EQ(by_id["bad-limit"]["statusCode"], 400);
  EXPECT_NE(by_id["bad-limit"]["body"].get<std::string>().find("limit"), std::string::npos);
  EXPECT_EQ(by_id["unknown"]["statusCode"], 404);
  EXPECT_EQ(json::parse(by_id["count"]["body"].get<std::string>()),
            json::parse(R"({"userId":"alice","unreadCount":2,"exact":true})"));
  // The key is read once, at init.
  EXPECT_EQ(aws.calls["secretsmanager.GetSecretValue"], 1);
}

TEST(GetNotificationsRuntime, AShortCursorKeyIsAnInitError) {
  dn::aws::testing::StubServer server(
      [](const StubRequest&) { return json_response(200, R"({"SecretString":"short"})"); });
  dn::runtime::testing::StubRuntimeApi api;
  const auto env = env_of(get_notifications_env(server.url()));
  const int rc = run_function([&] { return dn::get_notifications::handler_from_env(env); }, api, 1);
  EXPECT_NE(rc, 0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].kind, Post::Kind::init_error);
  EXPECT_NE(posts[0].body.find("at least 32 characters"), std::string::npos);
  EXPECT_EQ(posts[0].body.find("short"), std::string::npos);  // never the secret itself
}

TEST(GetNotificationsRuntime, AnExpiredRecordIsNeverServedBeforeTtlDeletesIt) {
  // The table still holds a record whose expiresAt has passed (TTL deletes within days, not at
  // the second): the query's filter keeps it out of the page.
  dn::aws::testing::FakeAws table;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& [date, expires] : {std::pair{std::string("2026-11-03"), now + 3600},
                                      std::pair{std::string("2026-11-02"), now - 1}}) {
    table.put({{"pk", S("USER#alice")},
               {"sk", S("INBOX#" + date + "#n")},
               {"notificationId", S("n")},
               {"date", S(date)},
               {"title", S("t")},
               {"body", S("b")},
               {"createdAt", S(date + "T06:00:00Z")},
               {"expiresAt", {{"N", std::to_string(expires)}}}});
  }
  dn::aws::testing::StubServer server([&](const StubRequest& r) {
    if (r.header("x-amz-target") == "secretsmanager.GetSecretValue") {
      return json_response(200, json{{"SecretString", std::string(64, 'k')}}.dump());
    }
    return table.handle(r);
  });
  dn::runtime::testing::StubRuntimeApi api;
  api.enqueue(dn::runtime::testing::invocation("ok", get("alice", {{"limit", "10"}})));
  const auto env = env_of(get_notifications_env(server.url()));
  ASSERT_EQ(run_function([&] { return dn::get_notifications::handler_from_env(env); }, api, 1), 0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  const json body = json::parse(json::parse(posts[0].body)["body"].get<std::string>());
  ASSERT_EQ(body["items"].size(), 1U) << body.dump();
  EXPECT_EQ(body["items"][0]["date"], "2026-11-03");
}

}  // namespace
