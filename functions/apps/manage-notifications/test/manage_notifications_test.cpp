// The manage-notifications handler over an in-memory store: every route and status, the frozen
// day (checked first, and the freeze that races the write), versions, and init errors.
#include "manage_notifications.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "fake_definitions.hpp"
#include "proxy_answer.hpp"

namespace dn::manage_notifications {
namespace {

using nlohmann::json;
using testing::FakeDefinitions;

// 2026-12-02T10:00:00Z, a Wednesday: the handler's clock unless a test moves it.
constexpr std::int64_t kNow = 1796205600;

core::Instant at(std::int64_t seconds) {
  return core::Instant(std::chrono::seconds(seconds));
}

json one_date(const std::string& date, const std::string& title = "Hello {{firstName}}") {
  return json{{"title", title},
              {"body", "Hi {{displayName}}"},
              {"segment", "marketing"},
              {"schedule", {{"date", date}}}};
}

struct Fixture {
  FakeDefinitions store;
  std::int64_t now = kNow;
  Handler handler;

  explicit Fixture(core::TimeZone zone = core::TimeZone::utc())
      : handler({"all-users", "marketing"}, std::move(zone), store, [this] { return at(now); }) {}

  std::pair<int, json> send(const json& event) {
    return inbox::testing::proxy_answer(handler, event);
  }
  std::pair<int, json> put(const std::string& id, const json& body,
                           const std::string& method = "PUT") {
    return send(json{{"resource", std::string(core::kAdminItemResource)},
                     {"httpMethod", method},
                     {"pathParameters", {{"notificationId", id}}},
                     {"body", body.is_string() ? body.get<std::string>() : body.dump()}});
  }
  std::pair<int, json> remove(const std::string& id) {
    return send(json{{"resource", std::string(core::kAdminItemResource)},
                     {"httpMethod", "DELETE"},
                     {"pathParameters", {{"notificationId", id}}}});
  }
  std::pair<int, json> day(const json& query, const std::string& method = "GET") {
    return send(json{{"resource", std::string(core::kAdminListResource)},
                     {"httpMethod", method},
                     {"queryStringParameters", query}});
  }
};

json rule(const std::string& title, const json& schedule) {
  return json{{"title", title}, {"body", "b"}, {"segment", "all-users"}, {"schedule", schedule}};
}
json daily_from(const std::string& start) {
  return json{{"rule", "daily"}, {"start", start}};
}

// ------------------------------------------------------------ PUT

TEST(ManageNotifications, PutOfANewIdIs201WithVersionOneAndTheNextDate) {
  Fixture f;
  const auto [status, body] = f.put("n1", one_date("2026-12-03"));
  EXPECT_EQ(status, 201) << body.dump();
  EXPECT_EQ(body, (json{{"notificationId", "n1"},
                        {"created", true},
                        {"version", 1},
                        {"nextDate", "2026-12-03"}}));
  const auto& stored = f.store.definitions.at("n1");
  EXPECT_EQ(stored.title, "Hello {{firstName}}");
  EXPECT_EQ(stored.body, "Hi {{displayName}}");
  EXPECT_EQ(stored.segment, "marketing");
  EXPECT_EQ(stored.schedule, R"({"date":"2026-12-03"})");
  EXPECT_EQ(stored.created_at, "2026-12-02T10:00:00Z");
  EXPECT_EQ(stored.updated_at, "2026-12-02T10:00:00Z");
  EXPECT_EQ(stored.version, 1);
  EXPECT_EQ(stored.expires_at, (20790 + 90) * 86400LL);  // 00:00 UTC of 2026-12-03 + 90 days
}

TEST(ManageNotifications, PutOfAnExistingIdIs200WithTheNextVersionAndItsCreatedAt) {
  Fixture f;
  ASSERT_EQ(f.put("n1", one_date("2026-12-03")).first, 201);
  f.now += 3600;
  const auto [status, body] =
      f.put("n1", rule("t2", json{{"rule", "days"}, {"days", {"sun"}}, {"start", "2026-12-01"}}));
  EXPECT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["created"], false);
  EXPECT_EQ(body["version"], 2);
  EXPECT_EQ(body["nextDate"], "2026-12-06");  // the first Sunday from today
  const auto& stored = f.store.definitions.at("n1");
  EXPECT_EQ(stored.version, 2);
  EXPECT_EQ(stored.title, "t2");
  EXPECT_EQ(stored.created_at, "2026-12-02T10:00:00Z");
  EXPECT_EQ(stored.updated_at, "2026-12-02T11:00:00Z");
  EXPECT_EQ(stored.schedule, R"({"days":["sun"],"rule":"days","start":"2026-12-01"})");
  EXPECT_EQ(stored.expires_at, std::nullopt);  // a rule without an end never expires
  EXPECT_EQ(f.put("n1", one_date("2026-12-04")).second["version"], 3);
}

TEST(ManageNotifications, AOneDateWhoseDayIsFrozenIs409AndNothingIsWritten) {
  Fixture f;
  f.store.frozen.insert("2026-12-02");
  const auto [status, body] = f.put("n1", one_date("2026-12-02"));
  EXPECT_EQ(status, 409);
  EXPECT_EQ(
      body,
      (json{{"error", "Conflict"},
            {"message", "2026-12-02 has already run; its notifications can no longer change"}}));
  EXPECT_EQ(f.store.puts, 0);
  EXPECT_TRUE(f.store.definitions.empty());
}

TEST(ManageNotifications, AFreezeRacingThePutCancelsItsTransactionAndIs409) {
  Fixture f;
  f.store.freeze_before_next_put = true;  // frozen after the handler's first look
  const auto [status, body] = f.put("n1", one_date("2026-12-02"));
  EXPECT_EQ(status, 409);
  EXPECT_EQ(body["message"], "2026-12-02 has already run; its notifications can no longer change");
  EXPECT_TRUE(f.store.definitions.empty());
}

TEST(ManageNotifications, ARuleIsWrittenWhateverDaysAreFrozen) {
  Fixture f;
  f.store.frozen.insert("2026-12-02");
  const auto [status, body] =
      f.put("r1", rule("t", json{{"rule", "weekdays"}, {"start", "2026-12-02"}}));
  EXPECT_EQ(status, 201) << body.dump();
  EXPECT_EQ(body["nextDate"], "2026-12-02");
}

TEST(ManageNotifications, AWriterRacingThePutIsReadAgainThen409WhenItKeepsWinning) {
  Fixture f;
  f.store.racing_writers = 1;  // another request creates n1 between our read and write
  const auto [status, body] = f.put("n1", one_date("2026-12-03", "mine"));
  EXPECT_EQ(status, 200) << body.dump();  // ours is then an update of theirs
  EXPECT_EQ(body["created"], false);
  EXPECT_EQ(body["version"], 2);
  EXPECT_EQ(f.store.definitions.at("n1").title, "mine");

  f.store.racing_writers = kMaxPutRounds;
  const auto [again, refused] = f.put("n1", one_date("2026-12-03", "lost"));
  EXPECT_EQ(again, 409);
  EXPECT_EQ(refused["message"], "notification n1 is being changed by another request; try again");
  EXPECT_EQ(f.store.puts, 1 + 1 + kMaxPutRounds);
}

TEST(ManageNotifications, RefusedBodiesAre400WithTheReason) {
  Fixture f;
  const std::vector<std::pair<json, std::string>> cases{
      {one_date("2026-12-01"), "schedule.date 2026-12-01 is before today (2026-12-02)"},
      {one_date("2026-12-03", "Hi {{nickname}}"),
       "title uses the unknown placeholder {{nickname}}; known: {{displayName}}, {{firstName}}, "
       "{{userId}}, {{locale}}"},
      {json{{"title", "t"},
            {"body", "b"},
            {"segment", "vip"},
            {"schedule", {{"date", "2026-12-03"}}}},
       R"(segment "vip" is not configured; configured: all-users, marketing)"},
      {json("not json"), "request body must be a JSON object"},
      {json{{"notificationId", "n2"},
            {"title", "t"},
            {"body", "b"},
            {"segment", "marketing"},
            {"schedule", {{"date", "2026-12-03"}}}},
       R"(notificationId "n2" in the body differs from the path's "n1")"},
  };
  for (const auto& [body, reason] : cases) {
    const auto [status, answer] = f.put("n1", body);
    EXPECT_EQ(status, 400) << body.dump();
    EXPECT_EQ(answer, (json{{"error", "BadRequest"}, {"message", reason}})) << body.dump();
  }
  EXPECT_EQ(f.put("a#b", one_date("2026-12-03")).first, 400);
  EXPECT_EQ(f.store.puts, 0);
}

TEST(ManageNotifications, TodayIsTheConfiguredZonesDay) {
  // 10:00 UTC on 2026-12-02 is already 2026-12-03 at UTC+14.
  Fixture f(core::TimeZone::from_posix("<+14>-14").value());
  const auto [status, body] = f.put("n1", one_date("2026-12-02"));
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["message"], "schedule.date 2026-12-02 is before today (2026-12-03)");
  EXPECT_EQ(f.put("n1", one_date("2026-12-03")).first, 201);
}

// ------------------------------------------------------------ GET

DefinitionRecord record(const std::string& id, const std::string& schedule, std::int64_t version) {
  return DefinitionRecord{id, "t-" + id, "b-" + id, "all-users", schedule, "c", "u", version, {}};
}

TEST(ManageNotifications, AnUnfrozenDayListsItsDefinitionsAndStoredItemsSortedById) {
  Fixture f;
  f.store.definitions["n2"] = record("n2", R"({"rule":"weekdays","start":"2026-12-01"})", 1);
  f.store.definitions["n1"] = record("n1", R"({"date":"2026-12-04"})", 3);
  f.store.definitions["n3"] = record("n3", R"({"date":"2026-12-05"})", 1);  // another day
  f.store.definitions["n4"] = record("n4", R"({"rule":"weekdays","start":"2027-01-01"})", 1);
  f.store.definitions["bad"] = record("bad", "not json", 1);  // unreadable
  f.store.copies["2026-12-04"] = {DayCopy{"s1", "seeded", "sb", "marketing", std::nullopt}};
  const auto [status, body] = f.day(json{{"date", "2026-12-04"}});
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["date"], "2026-12-04");
  EXPECT_EQ(body["frozen"], false);
  const json expected = json::array(
      {{{"notificationId", "n1"},
        {"title", "t-n1"},
        {"body", "b-n1"},
        {"segment", "all-users"},
        {"schedule", {{"date", "2026-12-04"}}}},
       {{"notificationId", "n2"},
        {"title", "t-n2"},
        {"body", "b-n2"},
        {"segment", "all-users"},
        {"schedule", {{"rule", "weekdays"}, {"start", "2026-12-01"}}}},
       {{"notificationId", "s1"}, {"title", "seeded"}, {"body", "sb"}, {"segment", "marketing"}}});
  EXPECT_EQ(body["notifications"], expected);
  // A Saturday: the weekdays rule is not there.
  EXPECT_EQ(f.day(json{{"date", "2026-12-05"}}).second["notifications"].size(), 1U);
}

TEST(ManageNotifications, AFrozenDayListsOnlyItsCopiesAndAnEditDoesNotChangeThem) {
  Fixture f;
  ASSERT_EQ(f.put("n1", one_date("2026-12-02", "before the run")).first, 201);
  ASSERT_EQ(f.put("n2", rule("rule", daily_from("2026-12-01"))).first, 201);
  // find-daily runs the day: it copies both definitions and freezes the day.
  f.store.copies["2026-12-02"] = {
      DayCopy{"n1", "before the run", "Hi {{displayName}}", "marketing", 1},
      DayCopy{"n2", "rule", "b", "all-users", 1}};
  f.store.frozen.insert("2026-12-02");
  // The rule is edited after the run; a definition added for the day is not in it either.
  ASSERT_EQ(f.put("n2", rule("edited", daily_from("2026-12-01"))).first, 200);
  f.store.definitions["late"] = record("late", R"({"date":"2026-12-02"})", 1);
  const auto [status, body] = f.day(json{{"date", "2026-12-02"}});
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["frozen"], true);
  ASSERT_EQ(body["notifications"].size(), 2U);
  const auto& n1 = body["notifications"][0];
  EXPECT_EQ(n1["title"], "before the run");
  EXPECT_EQ(n1["schedule"], (json{{"date", "2026-12-02"}}));  // still the version copied
  const auto& n2 = body["notifications"][1];
  EXPECT_EQ(n2["title"], "rule");
  EXPECT_FALSE(n2.contains("schedule"));  // its definition has changed since the copy
  // The next day shows the edit.
  EXPECT_EQ(f.day(json{{"date", "2026-12-03"}}).second["notifications"][0]["title"], "edited");
}

TEST(ManageNotifications, ListRefusals) {
  Fixture f;
  const auto [missing, body] = f.day(nullptr);
  EXPECT_EQ(missing, 400);
  EXPECT_EQ(body["message"], "date is required");
  EXPECT_EQ(f.day(json{{"date", "2026-02-30"}}).first, 400);
  const auto [post, refused] = f.day(json{{"date", "2026-12-02"}}, "POST");
  EXPECT_EQ(post, 405);
  EXPECT_EQ(refused, (json{{"error", "MethodNotAllowed"}, {"message", "only GET is supported"}}));
}

// ------------------------------------------------------------ DELETE, routes, failures

TEST(ManageNotifications, DeleteIs200ThenTheIdIsUnknown404AndTheDaysCopyStays) {
  Fixture f;
  ASSERT_EQ(f.put("n1", one_date("2026-12-03")).first, 201);
  f.store.copies["2026-12-03"] = {DayCopy{"n1", "t", "b", "marketing", 1}};
  const auto [status, body] = f.remove("n1");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, (json{{"notificationId", "n1"}, {"deleted", true}}));
  EXPECT_TRUE(f.store.definitions.empty());
  const auto [again, missing] = f.remove("n1");
  EXPECT_EQ(again, 404);
  EXPECT_EQ(missing, (json{{"error", "NotFound"}, {"message", "no such notification"}}));
  EXPECT_EQ(f.store.copies["2026-12-03"].size(), 1U);
  EXPECT_EQ(f.remove("a#b").first, 400);
}

TEST(ManageNotifications, UnknownRoutesAndMethods) {
  Fixture f;
  const auto [status, body] = f.put("n1", one_date("2026-12-03"), "PATCH");
  EXPECT_EQ(status, 405);
  EXPECT_EQ(body["message"], "only PUT or DELETE is supported");
  const auto [route, none] = f.send(json{{"resource", "/admin/other"}, {"httpMethod", "GET"}});
  EXPECT_EQ(route, 404);
  EXPECT_EQ(none, (json{{"error", "NotFound"}, {"message", "no such route"}}));
  runtime::Request garbage;
  garbage.payload = "not an event";
  const auto proxy = json::parse(f.handler.handle(garbage).body());
  EXPECT_EQ(proxy["statusCode"], 400);
}

TEST(ManageNotifications, AStoreFailureIs500WithoutDetail) {
  Fixture f;
  f.store.fail = true;
  const json generic{{"error", "InternalError"},
                     {"message", "the request could not be completed; try again"}};
  for (const auto& [status, body] :
       {f.put("n1", one_date("2026-12-03")), f.remove("n1"), f.day(json{{"date", "2026-12-02"}})}) {
    EXPECT_EQ(status, 500);
    EXPECT_EQ(body, generic);
  }
}

// ------------------------------------------------------------ init

std::string init_error(const std::map<std::string, std::string>& vars) {
  const GetenvFn getenv = [vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
  try {
    (void)handler_from_env(getenv);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "<started>";
}

TEST(ManageNotifications, InitErrorsNameTheVariableNotItsValue) {
  EXPECT_EQ(init_error({{"TIMEZONE", "UTC"}, {"SEGMENTS", "a"}}), "TABLE_NAME is not set");
  EXPECT_EQ(init_error({{"TABLE_NAME", "t"}, {"SEGMENTS", "a"}}), "TIMEZONE is not set");
  EXPECT_EQ(init_error({{"TABLE_NAME", "t"}, {"TIMEZONE", "UTC"}}), "SEGMENTS is not set");
  const auto bad =
      init_error({{"TABLE_NAME", "t"}, {"TIMEZONE", "UTC"}, {"SEGMENTS", "ok,s3cr#t"}});
  EXPECT_EQ(bad, "SEGMENTS must be comma-separated segment names (letters, digits, '_' and '-')");
  EXPECT_EQ(bad.find("s3cr"), std::string::npos);
  EXPECT_NE(init_error({{"TABLE_NAME", "t"}, {"TIMEZONE", "Mars/Base"}, {"SEGMENTS", "a"}})
                .find("no such zone file"),
            std::string::npos);
}

}  // namespace
}  // namespace dn::manage_notifications
