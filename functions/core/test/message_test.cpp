#include "dn/core/message.hpp"

#include <gtest/gtest.h>

namespace dn::core {
namespace {

GenerateMessage decoded(std::string_view body) {
  auto r = decode_message(body);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().text;
    return GenerateMessage{};
  }
  return r.value();
}

std::string reason(std::string_view body) {
  auto r = decode_message(body);
  return r.ok() ? "" : r.error().text;
}

TEST(CoreMessage, RoundTripsWithAndWithoutCursor) {
  GenerateMessage m{"2026-11-24", "n1", "all"};
  const auto a = decoded(encode_message(m));
  EXPECT_EQ(a.date, "2026-11-24");
  EXPECT_EQ(a.notification_id, "n1");
  EXPECT_EQ(a.segment, "all");
  EXPECT_FALSE(a.cursor);
  m.cursor = "opaque";
  EXPECT_EQ(decoded(encode_message(m)).cursor.value_or(""), "opaque");
  EXPECT_EQ(encode_message(GenerateMessage{"2026-11-24", "n1", "all"}),
            R"({"date":"2026-11-24","notificationId":"n1","segment":"all","v":1})");
}

TEST(CoreMessage, ChainFieldsRoundTrip) {
  GenerateMessage m{"2026-11-24", "n1", "all"};
  m.run = "run-1";
  m.hop = 7;
  m.owner = "msg-1";
  m.stalls = 2;
  const auto a = decoded(encode_message(m));
  EXPECT_EQ(a.run.value_or(""), "run-1");
  EXPECT_EQ(a.hop, 7);
  EXPECT_EQ(a.owner.value_or(""), "msg-1");
  EXPECT_EQ(a.stalls, 2);
  const auto plain = decoded(R"({"v":1,"date":"2026-11-24","notificationId":"n","segment":"s"})");
  EXPECT_FALSE(plain.run);
  EXPECT_EQ(plain.hop, 0);
  EXPECT_FALSE(plain.owner);
  EXPECT_EQ(plain.stalls, 0);
  const std::string base = R"({"v":1,"date":"2026-11-24","notificationId":"n","segment":"s",)";
  EXPECT_EQ(reason(base + R"("run":"a#b"})"), "run must be 1-64 of [A-Za-z0-9_-] when present");
  EXPECT_EQ(reason(base + R"("owner":7})"), "owner must be 1-64 of [A-Za-z0-9_-] when present");
  EXPECT_EQ(reason(base + R"("hop":-1})"), "hop must be an integer 0..2147483647 when present");
  EXPECT_EQ(reason(base + R"("hop":"1"})"), "hop must be an integer 0..2147483647 when present");
  EXPECT_EQ(reason(base + R"("stalls":1.5})"),
            "stalls must be an integer 0..2147483647 when present");
}

TEST(CoreMessage, RejectsPoisonBodiesWithAReason) {
  EXPECT_EQ(reason("not json"), "body is not a JSON object");
  EXPECT_EQ(reason("[1]"), "body is not a JSON object");
  EXPECT_EQ(reason(R"({"v":2,"date":"2026-11-24","notificationId":"n","segment":"s"})"),
            "unsupported message version (want v=1)");
  EXPECT_EQ(reason(R"({"v":1,"date":"2026-11-24","notificationId":1,"segment":"s"})"),
            "date, notificationId and segment must be strings");
  EXPECT_NE(reason(R"({"v":1,"date":"2026-02-30","notificationId":"n","segment":"s"})"), "");
  EXPECT_NE(reason(R"({"v":1,"date":"2026-11-24","notificationId":"n#x","segment":"s"})"), "");
  EXPECT_EQ(reason(R"({"v":1,"date":"2026-11-24","notificationId":"n","segment":"s","cursor":""})"),
            "cursor must be a non-empty string when present");
  EXPECT_EQ(
      reason(R"({"v":1,"date":"2026-11-24","notificationId":"n","segment":"s","cursor":null})"),
      "");
}

}  // namespace
}  // namespace dn::core
