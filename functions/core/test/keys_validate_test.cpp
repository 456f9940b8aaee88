#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "dn/core/keys.hpp"
#include "dn/core/validate.hpp"

namespace dn::core {
namespace {

TEST(CoreKeys, BuildEveryKeyOfTheModel) {
  const std::vector<std::pair<std::string, std::string>> built_and_expected{
      {keys::day_pk("2026-11-24"), "DAY#2026-11-24"},
      {keys::notification_sk("n1"), "NOTIF#n1"},
      {keys::segment_pk("all"), "SEGMENT#all"},
      {keys::member_sk("u1"), "USER#u1"},
      {keys::user_pk("u1"), "USER#u1"},
      {keys::inbox_sk("2026-11-24", "n1"), "INBOX#2026-11-24#n1"},
      {keys::run_pk("2026-11-24"), "RUN#2026-11-24"},
      {keys::definition_sk("n1"), "NOTIF#n1"},
      {std::string(keys::kDefinitionPk), "DEFINITION"},
      {std::string(keys::kFrozenSk), "FROZEN"}};
  for (const auto& [built, expected] : built_and_expected) EXPECT_EQ(built, expected);
}

TEST(CoreKeys, SameInputsGiveSameKeysSoRewritesAreIdempotent) {
  EXPECT_EQ(keys::inbox_sk("2026-01-02", "a"), keys::inbox_sk("2026-01-02", "a"));
  EXPECT_NE(keys::inbox_sk("2026-01-02", "a"), keys::inbox_sk("2026-01-03", "a"));
}

TEST(CoreKeys, StripPrefix) {
  EXPECT_EQ(keys::strip_prefix("USER#abc", keys::kUserPrefix), "abc");
  EXPECT_EQ(keys::strip_prefix("SEGMENT#abc", keys::kUserPrefix), "");
}

TEST(CoreValidate, UserIds) {
  EXPECT_TRUE(check_user_id("user-0001_A").ok());
  EXPECT_EQ(check_user_id("").error().text, "userId is required");
  EXPECT_FALSE(check_user_id(std::string(65, 'a')).ok());
  EXPECT_TRUE(check_user_id(std::string(64, 'a')).ok());
  EXPECT_FALSE(check_user_id("a#b").ok());
  EXPECT_FALSE(check_user_id("a b").ok());
  EXPECT_FALSE(check_user_id("é").ok());
  EXPECT_FALSE(check_segment("x/y").ok());
  EXPECT_FALSE(check_notification_id("n.1").ok());
}

TEST(CoreValidate, Dates) {
  for (const char* date : {"2026-11-24", "2024-02-29", "2000-02-29"}) {
    EXPECT_TRUE(check_date(date).ok()) << date;
  }
  for (const char* date : {"2023-02-29", "2100-02-29", "2026-13-01", "2026-00-01", "2026-04-31",
                           "2026-4-01", "1999-12-31", "2026-11-24T00", "2026/11/24"}) {
    EXPECT_FALSE(check_date(date).ok()) << date;
  }
  EXPECT_EQ(check_date("").error().text, "date is required");
  const auto d = parse_date("2026-03-09");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->year, 2026);
  EXPECT_EQ(d->month, 3U);
  EXPECT_EQ(d->day, 9U);
  EXPECT_EQ(format_date(*d), "2026-03-09");
}

}  // namespace
}  // namespace dn::core
