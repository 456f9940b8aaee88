#include "dn/core/inbox.hpp"

#include <gtest/gtest.h>

namespace dn::core {
namespace {

Notification sample() {
  return Notification{"2026-11-24",
                      "n1",
                      "everyone",
                      "Hi {{firstName}}",
                      "Hello {{displayName}} ({{userId}}, {{locale}}) {{other}}",
                      "2026-11-24T06:00:00Z"};
}

TEST(CoreRender, ReplacesKnownPlaceholdersOnly) {
  const RenderFields ann{
      .user_id = "u1", .display_name = "Ann Lee", .first_name = "Ann", .locale = "fr-FR"};
  EXPECT_EQ(render("Hi {{displayName}}, id {{userId}} {{x}} {{", ann),
            "Hi Ann Lee, id u1 {{x}} {{");
  EXPECT_EQ(render("{{firstName}}/{{locale}}/{{displayName}}/{{userId}}", ann),
            "Ann/fr-FR/Ann Lee/u1");
  EXPECT_EQ(render("{{firstname}} {{ locale }} {{firstName", ann),  // near misses stay verbatim
            "{{firstname}} {{ locale }} {{firstName");
  EXPECT_EQ(render("", ann), "");
}

TEST(CoreRender, EachFieldHasItsFallback) {
  const auto all = "{{displayName}}|{{firstName}}|{{locale}}|{{userId}}";
  // No first name: the display name stands in for it.
  EXPECT_EQ(render(all, {.user_id = "u1", .display_name = "Ann Lee", .locale = "en-GB"}),
            "Ann Lee|Ann Lee|en-GB|u1");
  // No names at all: "there" for both; no locale: "en".
  EXPECT_EQ(render(all, {.user_id = "u1"}), "there|there|en|u1");
  // A first name alone does not replace a missing display name.
  EXPECT_EQ(render(all, {.user_id = "u1", .first_name = "Ann"}), "there|Ann|en|u1");
}

TEST(CoreRender, BoundsTheOutputWithoutSplittingUtf8) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "\xC3\xA9";  // é, two bytes each
  const auto out = render(text, {.user_id = "u", .display_name = "n"});
  EXPECT_LE(out.size(), kMaxRenderedLength);
  EXPECT_EQ(out.size() % 2, 0U);
  const std::string long_name(5000, 'b');
  const auto big = render(std::string(100, 'a') + "{{firstName}}", {.first_name = long_name});
  EXPECT_EQ(big.size(), kMaxRenderedLength);
  // A placeholder's value that would end inside a UTF-8 sequence is cut before it.
  const auto cut =
      render(std::string(kMaxRenderedLength - 1, 'a') + "{{locale}}", {.locale = "\xC3\xA9"});
  EXPECT_EQ(cut, std::string(kMaxRenderedLength - 1, 'a'));
}

TEST(CoreInbox, NotificationFromItem) {
  StoredNotification item{.pk = "DAY#2026-11-24",
                          .sk = "NOTIF#n1",
                          .segment = "everyone",
                          .title = "t",
                          .body = "b",
                          .created_at = "c"};
  const auto n = notification_from_item(item);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value().date, "2026-11-24");
  EXPECT_EQ(n.value().notification_id, "n1");
  item.segment.reset();
  EXPECT_EQ(notification_from_item(item).error().text, "notification has no valid segment");
  item.segment = "bad#seg";
  EXPECT_FALSE(notification_from_item(item).ok());
  EXPECT_FALSE(notification_from_item(StoredNotification{}).ok());
}

TEST(CoreInbox, ExpiresAtIsTheDayPlusTtlInEpochSeconds) {
  EXPECT_EQ(expires_at("2000-01-01", 1).value(), 946684800 + 86400);
  EXPECT_EQ(expires_at("2026-11-24", 7).value(), 1795478400 + 7 * 86400);
  EXPECT_EQ(expires_at("2024-02-29", 1).value(), 1709251200);  // 2024-03-01T00:00:00Z
  EXPECT_FALSE(expires_at("2026-02-30", 1));
  EXPECT_FALSE(expires_at("2026-11-24", 0));
}

TEST(CoreInbox, InboxRecordIsRenderedForTheMember) {
  const StoredMember member{.sk = "USER#u1",
                            .user_id = "u1",
                            .display_name = "Ann Lee",
                            .first_name = "Ann",
                            .locale = "fr-FR"};
  const auto r = inbox_record(sample(), member, 42).value();
  EXPECT_EQ(r.user_id, "u1");
  EXPECT_EQ(r.date, "2026-11-24");
  EXPECT_EQ(r.notification_id, "n1");
  EXPECT_EQ(r.title, "Hi Ann");
  EXPECT_EQ(r.body, "Hello Ann Lee (u1, fr-FR) {{other}}");
  EXPECT_EQ(r.created_at, "2026-11-24T06:00:00Z");
  EXPECT_EQ(r.expires_at, 42);
  const StoredMember no_first{.sk = "USER#u3", .display_name = "Bo Ng"};
  EXPECT_EQ(inbox_record(sample(), no_first, 1).value().title, "Hi Bo Ng");
  const StoredMember nameless{.sk = "USER#u2", .display_name = "", .first_name = "", .locale = ""};
  const auto bare = inbox_record(sample(), nameless, 1).value();
  EXPECT_EQ(bare.title, "Hi there");
  EXPECT_EQ(bare.body, "Hello there (u2, en) {{other}}");
  EXPECT_FALSE(inbox_record(sample(), StoredMember{.sk = "X#1"}, 1).ok());
  const StoredMember mismatch{.sk = "USER#u1", .user_id = "u9"};
  EXPECT_EQ(inbox_record(sample(), mismatch, 1).error().text,
            "member userId does not match its key");
}

}  // namespace
}  // namespace dn::core
