// The admin API's routes: which request an event is, the 4xx of a bad one, and the bodies.
#include "dn/core/admin_api.hpp"

#include <gtest/gtest.h>

#include "dn/util/json.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

std::string event(const std::string& method, std::string_view resource, const json& path,
                  const json& query = nullptr, const json& body = nullptr) {
  return util::to_json(json{{"httpMethod", method},
                            {"resource", std::string(resource)},
                            {"pathParameters", path},
                            {"queryStringParameters", query},
                            {"body", body}});
}

ApiError refusal(const std::string& e) {
  auto r = parse_admin_request(e);
  return r.ok() ? ApiError{0, "<accepted>", ""} : r.error();
}

TEST(AdminApi, RoutesByResourceAndMethod) {
  auto put = parse_admin_request(
      event("PUT", kAdminItemResource, {{"notificationId", "n1"}}, nullptr, R"({"title":"t"})"));
  ASSERT_TRUE(put.ok());
  const auto& p = std::get<PutDefinitionRequest>(*put);
  EXPECT_EQ(p.id, "n1");
  EXPECT_EQ(p.body, R"({"title":"t"})");

  auto del = parse_admin_request(event("DELETE", kAdminItemResource, {{"notificationId", "n1"}}));
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(std::get<DeleteDefinitionRequest>(*del).id, "n1");

  auto list =
      parse_admin_request(event("GET", kAdminListResource, nullptr, {{"date", "2024-02-29"}}));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(std::get<ListDayRequest>(*list).date, "2024-02-29");
}

TEST(AdminApi, RefusesWithTheStatusAndReason) {
  EXPECT_EQ(refusal("not json").status, 400);
  EXPECT_EQ(refusal(event("GET", "/admin/other", nullptr)).status, 404);
  EXPECT_EQ(refusal(event("GET", "", nullptr)).status, 404);
  const auto post = refusal(event("POST", kAdminItemResource, {{"notificationId", "n1"}}));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.code, "MethodNotAllowed");
  EXPECT_EQ(post.message, "only PUT or DELETE is supported");
  const auto put_list = refusal(event("PUT", kAdminListResource, nullptr));
  EXPECT_EQ(put_list.status, 405);
  EXPECT_EQ(put_list.message, "only GET is supported");
  const auto no_date = refusal(event("GET", kAdminListResource, nullptr));
  EXPECT_EQ(no_date.status, 400);
  EXPECT_EQ(no_date.message, "date is required");
  EXPECT_EQ(refusal(event("GET", kAdminListResource, nullptr, {{"date", "2026-02-29"}})).message,
            "date must be a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)");
  EXPECT_EQ(refusal(event("GET", kAdminListResource, nullptr, "date=x")).message,
            "query string is malformed");
  EXPECT_EQ(refusal(event("DELETE", kAdminItemResource, {{"notificationId", "a#b"}})).message,
            "notificationId may contain only letters, digits, '_' and '-'");
  EXPECT_EQ(refusal(event("DELETE", kAdminItemResource, nullptr)).message,
            "notificationId is required");
  EXPECT_EQ(
      refusal(event("PUT", kAdminItemResource, {{"notificationId", "n1"}}, nullptr, 5)).message,
      "body must be JSON text");
}

TEST(AdminApi, Bodies) {
  EXPECT_EQ(put_definition_body("n1", true, 1, std::string("2026-12-03")),
            (json{{"notificationId", "n1"},
                  {"created", true},
                  {"version", 1},
                  {"nextDate", "2026-12-03"}}));
  EXPECT_TRUE(put_definition_body("n1", false, 2, std::nullopt)["nextDate"].is_null());
  EXPECT_EQ(deleted_body("n1"), (json{{"notificationId", "n1"}, {"deleted", true}}));
  EXPECT_EQ(no_such_notification().status, 404);
  const auto conflict = day_already_run("2026-12-02");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.code, "Conflict");
  EXPECT_EQ(conflict.message, "2026-12-02 has already run; its notifications can no longer change");

  Schedule one;
  one.date = "2026-12-02";
  const auto day = day_body(
      "2026-12-02", false,
      {{"zz", "t2", "b2", "all-users", std::nullopt}, {"aa", "t1", "b1", "marketing", one}});
  EXPECT_EQ(day, (json{{"date", "2026-12-02"},
                       {"frozen", false},
                       {"notifications",
                        {{{"notificationId", "aa"},
                          {"title", "t1"},
                          {"body", "b1"},
                          {"segment", "marketing"},
                          {"schedule", {{"date", "2026-12-02"}}}},
                         {{"notificationId", "zz"},
                          {"title", "t2"},
                          {"body", "b2"},
                          {"segment", "all-users"}}}}}));
}

}  // namespace
}  // namespace dn::core
