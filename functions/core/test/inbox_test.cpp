#include "dn/core/inbox.hpp"

#include <gtest/gtest.h>

namespace dn::core {
namespace {

using nlohmann::json;

json S(const std::string& v) {
  return json{{"S", v}};
}

Notification sample() {
  return Notification{"2026-11-24",
                      "n1",
                      "everyone",
                      "Hi {{displayName}}",
                      "Hello {{displayName}} ({{userId}}) {{other}}",
                      "2026-11-24T06:00:00Z"};
}

TEST(CoreRender, ReplacesKnownPlaceholdersOnly) {
  EXPECT_EQ(render("Hi {{displayName}}, id {{userId}} {{x}} {{", "u1", "Ann"),
            "Hi Ann, id u1 {{x}} {{");
  EXPECT_EQ(render("Hi {{displayName}}", "u1", ""), "Hi there");
  EXPECT_EQ(render("", "u1", "Ann"), "");
}

TEST(CoreRender, BoundsTheOutputWithoutSplittingUtf8) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "\xC3\xA9";  // é, two bytes each
  const auto out = render(text, "u", "n");
  EXPECT_LE(out.size(), kMaxRenderedLength);
  EXPECT_EQ(out.size() % 2, 0U);
  const auto big = render(std::string(100, 'a') + "{{displayName}}", "u", std::string(5000, 'b'));
  EXPECT_EQ(big.size(), kMaxRenderedLength);
}

TEST(CoreInbox, NotificationFromItem) {
  json item{{"pk", S("DAY#2026-11-24")}, {"sk", S("NOTIF#n1")}, {"segment", S("everyone")},
            {"title", S("t")},           {"body", S("b")},      {"createdAt", S("c")}};
  const auto n = notification_from_item(item);
  ASSERT_TRUE(std::holds_alternative<Notification>(n));
  EXPECT_EQ(std::get<Notification>(n).date, "2026-11-24");
  EXPECT_EQ(std::get<Notification>(n).notification_id, "n1");
  item.erase("segment");
  EXPECT_EQ(std::get<std::string>(notification_from_item(item)),
            "notification has no valid segment");
  item["segment"] = S("bad#seg");
  EXPECT_TRUE(std::holds_alternative<std::string>(notification_from_item(item)));
  EXPECT_TRUE(std::holds_alternative<std::string>(notification_from_item(json::array())));
}

TEST(CoreInbox, QueriesUseTheModelKeys) {
  const auto q = notification_query("T", "2026-11-24", "n1");
  EXPECT_EQ(q["ExpressionAttributeValues"][":pk"]["S"], "DAY#2026-11-24");
  EXPECT_EQ(q["ExpressionAttributeValues"][":sk"]["S"], "NOTIF#n1");
  auto a = audience_query("T", "everyone", 100);
  EXPECT_EQ(a["ExpressionAttributeValues"][":pk"]["S"], "SEGMENT#everyone");
  EXPECT_EQ(a["Limit"], 100);
  EXPECT_FALSE(a.contains("ExclusiveStartKey"));
  const auto start = std::get<json>(decode_audience_cursor("everyone", "user-7"));
  a = audience_query("T", "everyone", 100, start);
  EXPECT_EQ(a["ExclusiveStartKey"]["sk"]["S"], "USER#user-7");
  EXPECT_EQ(a["ExclusiveStartKey"]["pk"]["S"], "SEGMENT#everyone");
}

TEST(CoreInbox, ContinuationCursorRoundTripsAndRejectsGarbage) {
  const json last{{"pk", S("SEGMENT#everyone")}, {"sk", S("USER#user-9")}};
  const auto c = encode_audience_cursor(last);
  ASSERT_TRUE(c);
  EXPECT_EQ(std::get<json>(decode_audience_cursor("everyone", *c)), last);
  EXPECT_FALSE(encode_audience_cursor(json{{"sk", S("PROFILE")}}));
  EXPECT_FALSE(encode_audience_cursor(json(nullptr)));
  EXPECT_TRUE(std::holds_alternative<std::string>(decode_audience_cursor("s", "a#b")));
  EXPECT_TRUE(std::holds_alternative<std::string>(decode_audience_cursor("s", "")));
}

TEST(CoreInbox, ExpiresAtIsTheDayPlusTtlInEpochSeconds) {
  EXPECT_EQ(expires_at("2000-01-01", 1).value(), 946684800 + 86400);
  EXPECT_EQ(expires_at("2026-11-24", 7).value(), 1795478400 + 7 * 86400);
  EXPECT_EQ(expires_at("2024-02-29", 1).value(), 1709251200);  // 2024-03-01T00:00:00Z
  EXPECT_FALSE(expires_at("2026-02-30", 1));
  EXPECT_FALSE(expires_at("2026-11-24", 0));
}

TEST(CoreInbox, InboxItemIsRenderedAndKeyedIdempotently) {
  const json member{{"pk", S("SEGMENT#everyone")},
                    {"sk", S("USER#u1")},
                    {"userId", S("u1")},
                    {"displayName", S("Ann")}};
  const auto item = std::get<json>(inbox_item(sample(), member, 42));
  EXPECT_EQ(item["pk"]["S"], "USER#u1");
  EXPECT_EQ(item["sk"]["S"], "INBOX#2026-11-24#n1");
  EXPECT_EQ(item["title"]["S"], "Hi Ann");
  EXPECT_EQ(item["body"]["S"], "Hello Ann (u1) {{other}}");
  EXPECT_EQ(item["expiresAt"]["N"], "42");
  EXPECT_EQ(item, std::get<json>(inbox_item(sample(), member, 42)));
  const json nameless{{"sk", S("USER#u2")}};
  EXPECT_EQ(std::get<json>(inbox_item(sample(), nameless, 1))["title"]["S"], "Hi there");
  EXPECT_TRUE(std::holds_alternative<std::string>(inbox_item(sample(), json{{"sk", S("X#1")}}, 1)));
  const json mismatch{{"sk", S("USER#u1")}, {"userId", S("u9")}};
  EXPECT_EQ(std::get<std::string>(inbox_item(sample(), mismatch, 1)),
            "member userId does not match its key");
}

}  // namespace
}  // namespace dn::core
