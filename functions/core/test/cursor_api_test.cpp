#include <gtest/gtest.h>

#include "dn/core/api.hpp"
#include "dn/core/cursor.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

std::string reason(const Expected<std::string>& r) {
  return r.ok() ? std::string() : r.error().text;
}

TEST(CoreCursor, Base64UrlRoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    std::string back;
    ASSERT_TRUE(base64url_decode(base64url_encode(bytes), back));
    EXPECT_EQ(back, bytes);
    bytes += static_cast<char>(n * 37);
  }
  std::string out;
  EXPECT_FALSE(base64url_decode("a", out));
  EXPECT_FALSE(base64url_decode("ab+c", out));
  EXPECT_FALSE(base64url_decode("ab=", out));
  EXPECT_FALSE(base64url_decode("AB", out));  // non-zero leftover bits: not canonical
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

constexpr auto kAll = InboxFilter::all;

TEST(CoreCursor, RoundTripsForItsUserOnly) {
  const auto c = encode_cursor("k1", "alice", kAll, "INBOX#2026-11-24#n1");
  const auto ok = decode_cursor("k1", "alice", kAll, c);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value(), "INBOX#2026-11-24#n1");
  EXPECT_EQ(reason(decode_cursor("k1", "bob", kAll, c)),
            "cursor is invalid or was issued for another request");
  EXPECT_EQ(reason(decode_cursor("k2", "alice", kAll, c)),
            "cursor is invalid or was issued for another request");
}

TEST(CoreCursor, TheDocumentedExampleIsWhatTheCodeWrites) {
  // docs/DATA_MODEL.md, "The API's pagination cursor".
  EXPECT_EQ(encode_cursor(std::string(64, 'k'), "user-00001", kAll, "INBOX#2026-11-23#digest"),
            "AnVzZXItMDAwMDEAYWxsAElOQk9YIzIwMjYtMTEtMjMjZGlnZXN0az3qhBc5AsF-mgLnQQ37IuuPs5wVQZdb-"
            "K2c7Zn3GUc");
}

TEST(CoreCursor, IsBoundToTheFilterItWasIssuedFor) {
  for (auto issued : {InboxFilter::all, InboxFilter::unread, InboxFilter::read}) {
    const auto c = encode_cursor("k", "alice", issued, "INBOX#2026-11-24#n1");
    for (auto used : {InboxFilter::all, InboxFilter::unread, InboxFilter::read}) {
      EXPECT_EQ(decode_cursor("k", "alice", used, c).ok(), issued == used)
          << filter_name(issued) << " used as " << filter_name(used);
    }
  }
  // A user id that ends like a filter name cannot pass for another (user, filter) pair.
  const auto c = encode_cursor("k", "a", InboxFilter::read, "INBOX#2026-11-24#n1");
  EXPECT_FALSE(decode_cursor("k", "a\0read", InboxFilter::all, c).ok());
}

TEST(CoreCursor, EveryModifiedByteIsRejected) {
  const auto c = encode_cursor("k", "alice", InboxFilter::unread, "INBOX#2026-11-24#n1");
  std::string raw;
  ASSERT_TRUE(base64url_decode(c, raw));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string m = raw;
    m[i] = static_cast<char>(m[i] ^ 0x01);
    EXPECT_FALSE(decode_cursor("k", "alice", InboxFilter::unread, base64url_encode(m)).ok()) << i;
  }
}

TEST(CoreCursor, GarbageAndForeignKeysAreRejected) {
  EXPECT_EQ(reason(decode_cursor("k", "a", kAll, "")), "cursor is malformed");
  EXPECT_EQ(reason(decode_cursor("k", "a", kAll, "!!!!")), "cursor is malformed");
  EXPECT_EQ(reason(decode_cursor("k", "a", kAll, std::string(600, 'A'))), "cursor is malformed");
  EXPECT_EQ(reason(decode_cursor("k", "a", kAll, encode_cursor("k", "a", kAll, "PROFILE"))),
            "cursor is malformed");
}

TEST(CoreApi, ParsesAValidRequest) {
  const auto r = parse_inbox_request(
      R"({"httpMethod":"GET","pathParameters":{"userId":"user-1"},"queryStringParameters":{"limit":"5","cursor":"abc"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->user_id, "user-1");
  EXPECT_EQ(r->limit, 5);
  EXPECT_EQ(r->cursor.value_or(""), "abc");
  const auto d = parse_inbox_request(
      R"({"httpMethod":"GET","pathParameters":{"userId":"u"},"queryStringParameters":null})");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->limit, kDefaultLimit);
  EXPECT_FALSE(d->cursor);
}

TEST(CoreApi, RejectsBadInputWithAReason) {
  auto err = [](std::string_view e) {
    const auto r = parse_inbox_request(e);
    return r.ok() ? ApiError{0, "", ""} : r.error();
  };
  EXPECT_EQ(err("nope").status, 400);
  EXPECT_EQ(err(R"({"httpMethod":"POST","pathParameters":{"userId":"u"}})").status, 405);
  EXPECT_EQ(err(R"({"pathParameters":{"userId":"a#b"}})").message,
            "userId may contain only letters, digits, '_' and '-'");
  EXPECT_EQ(err(R"({"pathParameters":{}})").message, "userId is required");
  for (const char* limit : {"0", "101", "abc", "5x", "", "-1", "99999999999"}) {
    const std::string e =
        std::string(R"({"pathParameters":{"userId":"u"},"queryStringParameters":{"limit":")") +
        limit + "\"}}";
    EXPECT_EQ(err(e).message, "limit must be an integer from 1 to 100") << limit;
  }
  EXPECT_EQ(
      err(R"({"pathParameters":{"userId":"u"},"queryStringParameters":{"cursor":""}})").message,
      "cursor must be a non-empty string");
}

TEST(CoreApi, ResponsesHaveTheDocumentedShape) {
  InboxEntry record{"2026-11-24", "n1", "t", "", "c0", {}};
  record.state.read_at = "2026-11-24T07:00:00Z";
  const auto body = inbox_body("u1", InboxFilter::read, {record}, std::string("c"));
  EXPECT_EQ(body["status"], "read");
  EXPECT_EQ(body["items"][0]["id"], "2026-11-24.n1");
  EXPECT_EQ(body["items"][0]["notificationId"], "n1");
  EXPECT_EQ(body["items"][0]["body"], "");
  EXPECT_EQ(body["items"][0]["readAt"], "2026-11-24T07:00:00Z");
  EXPECT_TRUE(body["items"][0]["archivedAt"].is_null());
  EXPECT_EQ(body["nextCursor"], "c");
  EXPECT_TRUE(inbox_body("u1", InboxFilter::all, {}, std::nullopt)["nextCursor"].is_null());
  EXPECT_EQ(count_body("u1", {100, false}),
            json::parse(R"({"userId":"u1","unreadCount":100,"exact":false})"));
  EXPECT_EQ(state_body("u1", {"2026-11-24", "n1"}, record.state, true)["id"], "2026-11-24.n1");
  EXPECT_EQ(read_all_body("u1", 7, true)["markedRead"], 7);
  const auto r = json::parse(error_response({404, "NotFound", "no such user"}));
  EXPECT_EQ(r["statusCode"], 404);
  EXPECT_EQ(r["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(json::parse(r["body"].get<std::string>())["error"], "NotFound");
  const auto i = json::parse(internal_error_response());
  EXPECT_EQ(i["statusCode"], 500);
  EXPECT_EQ(json::parse(i["body"].get<std::string>())["message"],
            "the request could not be completed; try again");
}

}  // namespace
}  // namespace dn::core
