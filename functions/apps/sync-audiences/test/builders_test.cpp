// The SQL and the DynamoDB requests sync-audiences builds.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dn/util/json.hpp"
#include "dynamo.hpp"
#include "pg_store.hpp"

namespace dn::sync_audiences {
namespace {

using audience::OpKind;

TEST(SyncBuilders, MemberItemCarriesTheProfile) {
  const audience::Profile p{"Ann", std::string("Annie"), std::string("en-GB"), std::nullopt};
  EXPECT_EQ(dn::util::to_json(write_request({OpKind::put_member, "u1", "push", p})),
            R"({"PutRequest":{"Item":{"displayName":{"S":"Ann"},"firstName":{"S":"Annie"},)"
            R"("locale":{"S":"en-GB"},"pk":{"S":"SEGMENT#push"},"sk":{"S":"USER#u1"},)"
            R"("userId":{"S":"u1"}}}})");
}

TEST(SyncBuilders, ProfileItemSaysItsSource) {
  const audience::Profile p{"Ann", std::nullopt, std::nullopt, std::string("Europe/Paris")};
  EXPECT_EQ(dn::util::to_json(write_request({OpKind::put_profile, "u1", "", p})),
            R"({"PutRequest":{"Item":{"displayName":{"S":"Ann"},"pk":{"S":"USER#u1"},)"
            R"("sk":{"S":"PROFILE"},"source":{"S":"users"},"timeZone":{"S":"Europe/Paris"},)"
            R"("userId":{"S":"u1"}}}})");
}

TEST(SyncBuilders, DeletesNameOnlyTheKey) {
  EXPECT_EQ(dn::util::to_json(write_request({OpKind::delete_member, "u1", "marketing", {}})),
            R"({"DeleteRequest":{"Key":{"pk":{"S":"SEGMENT#marketing"},"sk":{"S":"USER#u1"}}}})");
  EXPECT_EQ(dn::util::to_json(write_request({OpKind::delete_profile, "u1", "", {}})),
            R"({"DeleteRequest":{"Key":{"pk":{"S":"USER#u1"},"sk":{"S":"PROFILE"}}}})");
}

TEST(SyncBuilders, UsersTableIsQuoted) {
  EXPECT_EQ(users_table("public.users"), R"("public"."users")");
  EXPECT_EQ(users_table("users"), R"("public"."users")");
  EXPECT_EQ(users_table(R"(s"x.t)"), R"("s""x"."t")");
  EXPECT_THROW((void)users_table(".users"), std::invalid_argument);
  EXPECT_THROW((void)users_table("public."), std::invalid_argument);
}

TEST(SyncBuilders, UsersQueryNumbersThePredicatesParameters) {
  const auto rules = audience::parse_segments(R"([
    {"name":"all","rule":{"kind":"everyone"}},
    {"name":"push","rule":{"kind":"equals","column":"preferred_channel","value":"push"},"marketing":true},
    {"name":"en","rule":{"kind":"prefix","column":"locale","prefix":"en"}}])");
  ASSERT_TRUE(rules.ok());
  const auto q = users_query(*rules, R"("public"."users")", "u9", 1000);
  EXPECT_EQ(
      q.sql,
      R"(SELECT "user_id"::text, "display_name"::text, "first_name"::text, "locale"::text, )"
      R"("time_zone"::text, true, ("preferred_channel" = $2) IS TRUE AND )"
      R"("marketing_opt_in" IS TRUE, ("locale"::text COLLATE "C" LIKE $3 ESCAPE '\') IS TRUE )"
      R"(FROM "public"."users" WHERE "user_id" COLLATE "C" > $1 ORDER BY "user_id" COLLATE )"
      R"("C" LIMIT 1000)");
  EXPECT_EQ(q.params, (std::vector<std::string>{"u9", "push", "en%"}));
}

}  // namespace
}  // namespace dn::sync_audiences
