#include "dn/core/audience.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dn::core::audience {
namespace {

constexpr std::string_view kDesignSegments = R"([
  {"name":"all-users","rule":{"kind":"everyone"}},
  {"name":"marketing","rule":{"kind":"equals","column":"marketing_opt_in","value":true},"marketing":true},
  {"name":"push","rule":{"kind":"equals","column":"preferred_channel","value":"push"}},
  {"name":"locale-en","rule":{"kind":"prefix","column":"locale","prefix":"en"}}])";

std::string refusal(std::string_view text) {
  const auto parsed = parse_segments(text);
  return parsed.ok() ? "accepted" : parsed.error().text;
}

TEST(AudienceSegments, ParsesTheDesignsConfiguration) {
  const auto rules = parse_segments(kDesignSegments);
  ASSERT_TRUE(rules.ok()) << rules.error().text;
  ASSERT_EQ(rules->size(), 4U);
  EXPECT_EQ((*rules)[0].name, "all-users");
  EXPECT_EQ((*rules)[0].kind, RuleKind::everyone);
  EXPECT_FALSE((*rules)[0].marketing);
  EXPECT_EQ((*rules)[1].kind, RuleKind::equals);
  EXPECT_EQ((*rules)[1].column, "marketing_opt_in");
  EXPECT_EQ((*rules)[1].value, "true");
  EXPECT_TRUE((*rules)[1].marketing);
  EXPECT_EQ((*rules)[2].value, "push");
  EXPECT_EQ((*rules)[3].kind, RuleKind::prefix);
  EXPECT_EQ((*rules)[3].column, "locale");
  EXPECT_EQ((*rules)[3].value, "en");
}

TEST(AudienceSegments, NumbersAreTheirJsonText) {
  const auto rules = parse_segments(
      R"([{"name":"h9","rule":{"kind":"equals","column":"digest_hour","value":9}}])");
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(rules->at(0).value, "9");
}

TEST(AudienceSegments, RefusesEachBadEntryByPosition) {
  EXPECT_EQ(refusal("{}"), "segments must be a JSON array");
  EXPECT_EQ(refusal("not json"), "segments must be a JSON array");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"sometimes"}}])"),
            "segments[0]: rule.kind must be everyone, equals or prefix");
  EXPECT_EQ(refusal(R"([{"name":"","rule":{"kind":"everyone"}}])"),
            "segments[0]: name is not a valid segment name (1-64 of A-Z a-z 0-9 _ -)");
  EXPECT_EQ(refusal(R"([{"name":"a#b","rule":{"kind":"everyone"}}])"),
            "segments[0]: name is not a valid segment name (1-64 of A-Z a-z 0-9 _ -)");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"everyone"}},
                        {"name":"a","rule":{"kind":"everyone"}}])"),
            "segments[1]: repeats the name of segments[0]");
  EXPECT_EQ(refusal(R"([{"name":"a"}])"), "segments[0]: has no rule");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"everyone"},"colour":1}])"),
            "segments[0]: has the unknown member colour");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"equals","value":1}}])"),
            "segments[0]: rule.column must be a column name of 1 to 63 bytes");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"equals","column":"c"}}])"),
            "segments[0]: rule.value must be a string, number or boolean");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"equals","column":"c","value":null}}])"),
            "segments[0]: rule.value must be a string, number or boolean");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"prefix","column":"c","prefix":""}}])"),
            "segments[0]: rule.prefix must be a non-empty string");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"prefix","column":"c","value":"x"}}])"),
            "segments[0]: rule has the unknown member value");
  EXPECT_EQ(refusal(R"([{"name":"a","rule":{"kind":"everyone"},"marketing":"yes"}])"),
            "segments[0]: marketing must be true or false");
}

TEST(AudienceSql, ColumnsAreQuotedIdentifiersAndValuesParameters) {
  SegmentRule rule{"odd", RuleKind::equals, R"(we"ird col)", "x'; DROP TABLE users; --", false};
  const auto p = predicate(rule, 3);
  EXPECT_EQ(p.sql, R"(("we""ird col" = $3) IS TRUE)");
  EXPECT_EQ(p.params, std::vector<std::string>{"x'; DROP TABLE users; --"});
}

TEST(AudienceSql, EveryoneAndMarketing) {
  EXPECT_EQ(predicate({"all", RuleKind::everyone, "", "", false}, 1).sql, "true");
  const auto p = predicate({"m", RuleKind::everyone, "", "", true}, 1);
  EXPECT_EQ(p.sql, R"(true AND "marketing_opt_in" IS TRUE)");
  EXPECT_TRUE(p.params.empty());
  EXPECT_EQ(predicate({"m", RuleKind::equals, "preferred_channel", "push", true}, 2).sql,
            R"(("preferred_channel" = $2) IS TRUE AND "marketing_opt_in" IS TRUE)");
}

TEST(AudienceSql, PrefixIsAnEscapedLikePattern) {
  const auto p = predicate({"l", RuleKind::prefix, "locale", R"(e%n_\)", false}, 1);
  EXPECT_EQ(p.sql, R"(("locale"::text COLLATE "C" LIKE $1 ESCAPE '\') IS TRUE)");
  EXPECT_EQ(p.params, std::vector<std::string>{R"(e\%n\_\\%)"});
  EXPECT_EQ(like_prefix("en"), "en%");
}

Audience user(const std::string& id, const std::string& name, std::vector<std::string> segments) {
  return {id, Profile{name, std::nullopt, std::string("en-GB"), std::nullopt}, std::move(segments)};
}

TEST(AudienceMerge, PairsByKeyAndStopsAtTheSmallerFullBatch) {
  // users full up to "c"; published full up to "d": the batch ends at "c", "d" comes next time.
  const auto m = merge({user("a", "A", {}), user("c", "C", {})}, true,
                       {user("b", "B", {}), user("c", "C", {}), user("d", "D", {})}, true);
  ASSERT_EQ(m.upper, std::optional<std::string>("c"));
  ASSERT_EQ(m.pairs.size(), 3U);
  EXPECT_EQ(m.pairs[0].user_id, "a");
  EXPECT_TRUE(m.pairs[0].desired && !m.pairs[0].published);
  EXPECT_EQ(m.pairs[1].user_id, "b");
  EXPECT_TRUE(!m.pairs[1].desired && m.pairs[1].published);
  EXPECT_EQ(m.pairs[2].user_id, "c");
  EXPECT_TRUE(m.pairs[2].desired && m.pairs[2].published);
}

TEST(AudienceMerge, NeitherFullEndsThePass) {
  const auto m = merge({user("b", "B", {})}, false, {user("a", "A", {})}, false);
  EXPECT_FALSE(m.upper);
  ASSERT_EQ(m.pairs.size(), 2U);
  EXPECT_EQ(m.pairs[0].user_id, "a");
  EXPECT_EQ(m.pairs[1].user_id, "b");
}

TEST(AudienceMerge, OnlyPublishedFullBoundsTheUsers) {
  const auto m = merge({user("a", "A", {}), user("z", "Z", {})}, false, {user("m", "M", {})}, true);
  EXPECT_EQ(m.upper, std::optional<std::string>("m"));
  ASSERT_EQ(m.pairs.size(), 2U);  // "z" waits for the next batch
  EXPECT_EQ(m.pairs[1].user_id, "m");
}

TEST(AudienceMerge, ComparesBytesLikeCollateC) {
  // 'B' (0x42) < 'a' (0x61) < 0xC3 (first byte of a UTF-8 letter), as in COLLATE "C".
  const auto m =
      merge({user("a", "", {}), user("\xC3\xA9", "", {})}, false, {user("B", "", {})}, false);
  ASSERT_EQ(m.pairs.size(), 3U);
  EXPECT_EQ(m.pairs[0].user_id, "B");
  EXPECT_EQ(m.pairs[1].user_id, "a");
  EXPECT_EQ(m.pairs[2].user_id, "\xC3\xA9");
}

Pair pair(std::optional<Audience> desired, std::optional<Audience> published) {
  const std::string id = desired ? desired->user_id : published->user_id;
  return {id, std::move(desired), std::move(published)};
}

TEST(AudienceDiff, UnchangedProducesNothing) {
  const auto u = user("u1", "Ann", {"all-users", "marketing"});
  const auto d = diff({pair(u, u)});
  EXPECT_TRUE(d.ops.empty());
  EXPECT_TRUE(d.upserts.empty());
  EXPECT_TRUE(d.removed.empty());
}

TEST(AudienceDiff, NewUserGetsMembersAndProfile) {
  const auto u = user("u1", "Ann", {"all-users", "push"});
  const auto d = diff({pair(u, std::nullopt)});
  const std::vector<Op> expected{{OpKind::put_member, "u1", "all-users", u.profile},
                                 {OpKind::put_member, "u1", "push", u.profile},
                                 {OpKind::put_profile, "u1", "", u.profile}};
  EXPECT_EQ(d.ops, expected);
  EXPECT_EQ(d.upserts, std::vector<Audience>{u});
  EXPECT_EQ(d.members_written, 2U);
}

TEST(AudienceDiff, OptOutLeavesMarketingOnly) {
  const auto before = user("u1", "Ann", {"all-users", "marketing"});
  const auto after = user("u1", "Ann", {"all-users"});
  const auto d = diff({pair(after, before)});
  EXPECT_EQ(d.ops, (std::vector<Op>{{OpKind::delete_member, "u1", "marketing", {}}}));
  EXPECT_EQ(d.upserts, std::vector<Audience>{after});
  EXPECT_EQ(d.members_removed, 1U);
  EXPECT_EQ(d.members_written, 0U);
}

TEST(AudienceDiff, AUserGoneLosesEverything) {
  const auto before = user("u1", "Ann", {"all-users", "push"});
  const auto d = diff({pair(std::nullopt, before)});
  const std::vector<Op> expected{{OpKind::delete_member, "u1", "all-users", {}},
                                 {OpKind::delete_member, "u1", "push", {}},
                                 {OpKind::delete_profile, "u1", "", {}}};
  EXPECT_EQ(d.ops, expected);
  EXPECT_EQ(d.removed, std::vector<std::string>{"u1"});
  EXPECT_TRUE(d.upserts.empty());
}

TEST(AudienceDiff, ChangedDisplayNameRewritesEveryMembershipAndTheProfile) {
  const auto before = user("u1", "Ann", {"all-users", "push"});
  const auto after = user("u1", "Anne", {"all-users", "push"});
  const auto d = diff({pair(after, before)});
  const std::vector<Op> expected{{OpKind::put_member, "u1", "all-users", after.profile},
                                 {OpKind::put_member, "u1", "push", after.profile},
                                 {OpKind::put_profile, "u1", "", after.profile}};
  EXPECT_EQ(d.ops, expected);
  EXPECT_EQ(d.upserts, std::vector<Audience>{after});
}

TEST(AudienceDiff, ASegmentRemovedFromConfigRemovesItsMembers) {
  // "old" is no longer configured: no user desires it, so every published member leaves it.
  const auto d =
      diff({pair(user("u1", "A", {"all-users"}), user("u1", "A", {"all-users", "old"})),
            pair(user("u2", "B", {"all-users"}), user("u2", "B", {"all-users", "old"}))});
  const std::vector<Op> expected{{OpKind::delete_member, "u1", "old", {}},
                                 {OpKind::delete_member, "u2", "old", {}}};
  EXPECT_EQ(d.ops, expected);
  EXPECT_EQ(d.upserts.size(), 2U);
}

TEST(AudienceDiff, EveryDeleteComesBeforeAnyPut) {
  const auto d =
      diff({pair(user("a", "A", {"x"}), std::nullopt), pair(std::nullopt, user("b", "B", {"x"})),
            pair(user("c", "C", {"y"}), user("c", "C", {"x"}))});
  ASSERT_EQ(d.ops.size(), 6U);
  EXPECT_EQ(d.ops[0], (Op{OpKind::delete_member, "b", "x", {}}));
  EXPECT_EQ(d.ops[1], (Op{OpKind::delete_member, "c", "x", {}}));
  for (std::size_t i = 2; i < d.ops.size(); ++i) EXPECT_NE(d.ops[i].kind, OpKind::delete_member);
}

TEST(AudienceDiff, SegmentsOfFollowsTheFlags) {
  const auto rules = parse_segments(kDesignSegments);
  ASSERT_TRUE(rules.ok());
  EXPECT_EQ(segments_of(*rules, {true, false, true, false}),
            (std::vector<std::string>{"all-users", "push"}));
}

}  // namespace
}  // namespace dn::core::audience
