// The whole function as Lambda runs it: handler_from_env (cursor key from Secrets Manager) +
// dn::runtime over the stub Runtime API, DynamoDB served by the loopback AWS stub.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "dn/runtime/build.hpp"
#include "fake_aws.hpp"
#include "get_notifications.hpp"
#include "inbox_route_testing.hpp"

namespace dn::inbox::testing {
namespace {

// An inbox record of alice's on `date`, in AttributeValue form.
json alice_record(const std::string& date) {
  return {{"pk", str("USER#alice")},
          {"sk", str("INBOX#" + date + "#n")},
          {"notificationId", str("n")},
          {"date", str(date)},
          {"title", str("t")},
          {"body", str("b")},
          {"createdAt", str(date + "T06:00:00Z")}};
}

// alice has two inbox records (a non-empty page needs no profile lookup); any other user has
// nothing, profile included.
StubResponse alice_inbox(const std::string& target, const json& body) {
  if (target == "secretsmanager.GetSecretValue") {
    return json_response(
        200, json{{"ARN", body["SecretId"]}, {"SecretString", std::string(64, 'k')}}.dump());
  }
  const bool alice = body.dump().find("USER#alice") != std::string::npos;
  if (target == "DynamoDB_20120810.Query") {
    if (!alice) return json_response(200, R"({"Items":[],"Count":0})");
    if (body.value("Select", "") == "COUNT") return json_response(200, R"({"Count":2})");
    json items = json::array();
    for (const char* day : {"03", "02"})
      items.push_back(alice_record(std::string("2026-11-") + day));
    return json_response(200, json{{"Items", items},
                                   {"Count", 2},
                                   {"LastEvaluatedKey",
                                    {{"pk", str("USER#alice")}, {"sk", str("INBOX#2026-11-02#n")}}}}
                                  .dump());
  }
  return json_response(400, R"({"__type":"UnknownOperation"})");
}

std::map<std::string, std::string> get_notifications_env(const std::string& endpoint) {
  auto env = aws::testing::stub_aws_env(endpoint);
  env.insert({{"TABLE_NAME", "notifications"},
              {"CURSOR_SECRET_ARN", "arn:aws:secretsmanager:eu-west-2:0:secret:cursor"}});
  return env;
}

std::string get(const std::string& user, const json& query,
                const char* resource = "/users/{userId}/notifications") {
  return route_event("GET", resource, {{"userId", user}}, query);
}

TEST(GetNotificationsRuntime, ServesPagesRejectsBadInputAndAnswers404) {
  ScriptedAws aws(alice_inbox);
  StubServer server([&](const auto& r) { return aws.handle(r); });
  StubRuntimeApi api;
  api.enqueue(invocation("ok", get("alice", {{"limit", "2"}})));
  api.enqueue(invocation("bad-limit", get("alice", {{"limit", "0"}})));
  api.enqueue(invocation("unknown", get("nobody", nullptr)));
  api.enqueue(invocation("count", get("alice", nullptr, "/users/{userId}/notifications/count")));

  const auto env = env_of(get_notifications_env(server.url()));
  const int rc = run_function([&] { return get_notifications::handler_from_env(env); }, api, 4);
  ASSERT_EQ(rc, 0);

  ASSERT_EQ(api.posts().size(), 4U);
  auto by_id = answers_by_id(api);
  const json ok_body = body_of(by_id["ok"]);
  EXPECT_EQ(by_id["ok"]["statusCode"], 200);
  EXPECT_EQ(by_id["ok"]["headers"]["X-Build-Id"], std::string(runtime::build_id()));
  ASSERT_EQ(ok_body["items"].size(), 2U);
  EXPECT_EQ(ok_body["items"][0]["date"], "2026-11-03");
  EXPECT_TRUE(ok_body["nextCursor"].is_string());
  EXPECT_EQ(by_id["bad-limit"]["statusCode"], 400);
  EXPECT_NE(by_id["bad-limit"]["body"].get<std::string>().find("limit"), std::string::npos);
  EXPECT_EQ(by_id["unknown"]["statusCode"], 404);
  EXPECT_EQ(body_of(by_id["count"]),
            json::parse(R"({"userId":"alice","unreadCount":2,"exact":true})"));
  // The key is read once, at init.
  EXPECT_EQ(aws.calls("secretsmanager.GetSecretValue"), 1);
}

TEST(GetNotificationsRuntime, AShortCursorKeyIsAnInitError) {
  StubServer server([](const auto&) { return json_response(200, R"({"SecretString":"short"})"); });
  const auto env = env_of(get_notifications_env(server.url()));
  const auto error = init_error([&] { return get_notifications::handler_from_env(env); });
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("at least 32 characters"), std::string::npos);
  EXPECT_EQ(error->find("short"), std::string::npos);  // never the secret itself
}

TEST(GetNotificationsRuntime, AnExpiredRecordIsNeverServedBeforeTtlDeletesIt) {
  // The table still holds a record whose expiresAt has passed (TTL deletes within days, not at
  // the second): the query's filter keeps it out of the page.
  aws::testing::FakeAws table;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (const auto& [date, expires] : {std::pair{std::string("2026-11-03"), now + 3600},
                                      std::pair{std::string("2026-11-02"), now - 1}}) {
    auto record = alice_record(date);
    record["expiresAt"] = aws::attr::num(expires);
    table.put(record);
  }
  StubServer server([&](const auto& r) {
    if (r.header("x-amz-target") == "secretsmanager.GetSecretValue") {
      return json_response(200, json{{"SecretString", std::string(64, 'k')}}.dump());
    }
    return table.handle(r);
  });
  StubRuntimeApi api;
  api.enqueue(invocation("ok", get("alice", {{"limit", "10"}})));
  const auto env = env_of(get_notifications_env(server.url()));
  ASSERT_EQ(run_function([&] { return get_notifications::handler_from_env(env); }, api, 1), 0);
  const auto posts = api.posts();
  ASSERT_EQ(posts.size(), 1U);
  const json body = body_of(json::parse(posts[0].body));
  ASSERT_EQ(body["items"].size(), 1U) << body.dump();
  EXPECT_EQ(body["items"][0]["date"], "2026-11-03");
}

}  // namespace
}  // namespace dn::inbox::testing
