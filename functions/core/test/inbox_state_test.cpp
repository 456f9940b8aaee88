// The inbox state rules: transitions, list membership, index partitions, record ids, PATCH
// bodies and the capped unread count.
#include "dn/core/inbox_state.hpp"

#include <gtest/gtest.h>

#include <array>

#include "dn/core/api.hpp"

namespace dn::core {
namespace {

constexpr const char* kT1 = "2026-11-24T07:00:00Z";
constexpr const char* kT2 = "2026-11-24T08:00:00Z";

InboxState unread() {
  return {};
}
InboxState read_at(const char* at) {
  return InboxState{std::string(at), std::nullopt};
}
InboxState archived(const char* at) {
  return InboxState{std::string(at), std::string(at)};
}

Transition ok(const InboxState& s, StateChange c, const char* now) {
  auto r = apply_change(s, c, now);
  EXPECT_TRUE(r.ok()) << change_name(c);
  return r.ok() ? *r : Transition{};
}

TEST(CoreInboxState, MarkReadSetsReadAtOnceAndIsIdempotent) {
  const auto first = ok(unread(), StateChange::mark_read, kT1);
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(first.state, read_at(kT1));
  const auto again = ok(first.state, StateChange::mark_read, kT2);
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.state.read_at, kT1);  // the first read time is kept
}

TEST(CoreInboxState, MarkUnreadClearsReadAtAndIsIdempotent) {
  const auto r = ok(read_at(kT1), StateChange::mark_unread, kT2);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.state, unread());
  EXPECT_FALSE(ok(unread(), StateChange::mark_unread, kT2).changed);
}

TEST(CoreInboxState, ArchiveMarksReadAndKeepsTheFirstTimes) {
  const auto a = ok(unread(), StateChange::archive, kT1);
  EXPECT_TRUE(a.changed);
  EXPECT_EQ(a.state, archived(kT1));
  const auto b = ok(read_at(kT1), StateChange::archive, kT2);
  EXPECT_EQ(b.state.read_at, kT1);
  EXPECT_EQ(b.state.archived_at, kT2);
  const auto again = ok(b.state, StateChange::archive, "2026-11-25T00:00:00Z");
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(again.state, b.state);
}

TEST(CoreInboxState, ArchivedRecordsAreReadUntilUnarchived) {
  // Marking read is a no-op (already read); marking unread is refused with a reason.
  EXPECT_FALSE(ok(archived(kT1), StateChange::mark_read, kT2).changed);
  const auto refused = apply_change(archived(kT1), StateChange::mark_unread, kT2);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().text.find("unarchive"), std::string::npos);
  const auto back = ok(archived(kT1), StateChange::unarchive, kT2);
  EXPECT_TRUE(back.changed);
  EXPECT_EQ(back.state, read_at(kT1));
  EXPECT_FALSE(ok(read_at(kT1), StateChange::unarchive, kT2).changed);
  EXPECT_FALSE(ok(unread(), StateChange::unarchive, kT2).changed);
}

TEST(CoreInboxState, EveryChangeAppliedTwiceEqualsOnce) {
  const std::array states{unread(), read_at(kT1), archived(kT1)};
  for (const auto& s : states) {
    for (auto c : {StateChange::mark_read, StateChange::mark_unread, StateChange::archive,
                   StateChange::unarchive}) {
      const auto once = apply_change(s, c, kT2);
      if (!once.ok()) continue;
      const auto twice = apply_change(once->state, c, "2027-01-01T00:00:00Z");
      ASSERT_TRUE(twice.ok());
      EXPECT_EQ(twice->state, once->state);
      EXPECT_FALSE(twice->changed);
    }
  }
}

TEST(CoreInboxState, FiltersAndIndexPartitionsAgree) {
  const std::array states{unread(), read_at(kT1), archived(kT1)};
  for (const auto& s : states) {
    const auto part = state_partition("u1", s);
    for (auto f : {InboxFilter::all, InboxFilter::unread, InboxFilter::read}) {
      const auto where = listing("u1", f);
      // A record is in an index listing exactly when it carries that partition key; the table
      // listing (all) holds every record and leaves the archived ones out.
      const bool listed = where.index.empty() ? !(where.holds_archived && s.archived())
                                              : part.has_value() && *part == where.partition;
      EXPECT_EQ(in_filter(s, f), listed)
          << filter_name(f) << " read=" << s.read() << " archived=" << s.archived();
    }
  }
  EXPECT_EQ(state_partition("u1", unread()), "USER#u1#unread");
  EXPECT_EQ(state_partition("u1", read_at(kT1)), "USER#u1#read");
  EXPECT_FALSE(state_partition("u1", archived(kT1)));
  EXPECT_TRUE(listing("u1", InboxFilter::all).index.empty());
  EXPECT_EQ(listing("u1", InboxFilter::all).partition, "USER#u1");
  EXPECT_EQ(listing("u1", InboxFilter::unread).index, "state");
  EXPECT_EQ(listing("u1", InboxFilter::read).partition, "USER#u1#read");
}

TEST(CoreInboxState, FilterNamesRoundTrip) {
  for (auto f : {InboxFilter::all, InboxFilter::unread, InboxFilter::read}) {
    EXPECT_EQ(parse_filter(filter_name(f)), f);
  }
  EXPECT_FALSE(parse_filter("archived"));
  EXPECT_FALSE(parse_filter("UNREAD"));
  EXPECT_FALSE(parse_filter(""));
}

TEST(CoreInboxState, RecordIdsRoundTripAndRejectWithReasons) {
  EXPECT_EQ(record_id("2026-11-24", "digest"), "2026-11-24.digest");
  const auto r = parse_record_id("2026-11-24.digest");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->date, "2026-11-24");
  EXPECT_EQ(r->notification_id, "digest");
  for (const char* bad : {"", "digest", "2026-11-24", "2026-11-24.", "2026-02-30.x", "x.digest",
                          "2026-11-24.a.b", "2026-11-24.a#b", "2026-11-24#digest"}) {
    const auto e = parse_record_id(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_FALSE(e.error().text.empty());
  }
  EXPECT_EQ(parse_record_id("2026-11-24." + std::string(65, 'a')).error().text,
            "id: notificationId must be at most 64 characters");
  const auto from_sk = record_from_sk("INBOX#2026-11-24#digest");
  ASSERT_TRUE(from_sk);
  EXPECT_EQ(record_id(from_sk->date, from_sk->notification_id), "2026-11-24.digest");
  EXPECT_FALSE(record_from_sk("PROFILE"));
  EXPECT_FALSE(record_from_sk("INBOX#2026-11-24"));
}

TEST(CoreInboxState, PatchBodies) {
  auto change = [](std::string_view body) {
    const auto r = parse_state_patch(body);
    return r.ok() ? std::string(change_name(*r)) : "error: " + r.error().text;
  };
  EXPECT_EQ(change(R"({"read": true})"), "read");
  EXPECT_EQ(change(R"({"read": false})"), "unread");
  EXPECT_EQ(change(R"({"archived": true})"), "archive");
  EXPECT_EQ(change(R"({"archived": false})"), "unarchive");
  const std::string shape =
      R"(error: body must be {"read": true|false} or {"archived": true|false})";
  for (const char* bad : {"", "null", "[]", "{}", "true", R"({"read": true, "archived": true})",
                          R"({"seen": true})", "{not json"}) {
    EXPECT_EQ(change(bad), shape) << bad;
  }
  EXPECT_EQ(change(R"({"read": "yes"})"), "error: read must be true or false");
  EXPECT_EQ(change(R"({"archived": 1})"), "error: archived must be true or false");
  EXPECT_EQ(change(R"({"read": true})" + std::string(kMaxPatchBody, ' ')),
            "error: body must be at most 1024 bytes");
}

TEST(CoreInboxState, UnreadCountIsExactUpToTheCap) {
  EXPECT_EQ(unread_count(0, false).count, 0);
  EXPECT_TRUE(unread_count(0, false).exact);
  EXPECT_EQ(unread_count(kUnreadCountCap, false).count, kUnreadCountCap);
  EXPECT_TRUE(unread_count(kUnreadCountCap, false).exact);
  // One more than the cap was seen: "at least the cap".
  EXPECT_EQ(unread_count(kUnreadCountCap + 1, true).count, kUnreadCountCap);
  EXPECT_FALSE(unread_count(kUnreadCountCap + 1, true).exact);
  EXPECT_FALSE(unread_count(kUnreadCountCap + 1, false).exact);
  // The store stopped early (records filtered out, e.g. expired): a lower bound.
  EXPECT_EQ(unread_count(40, true).count, 40);
  EXPECT_FALSE(unread_count(40, true).exact);
}

TEST(CoreApiRoutes, ReadRoutes) {
  const auto list = parse_read_request(
      R"({"resource":"/users/{userId}/notifications","httpMethod":"GET","pathParameters":{"userId":"u1"},"queryStringParameters":{"status":"unread","limit":"3"}})");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->index(), 0U);
  EXPECT_EQ(std::get<InboxRequest>(*list).filter, InboxFilter::unread);
  EXPECT_EQ(std::get<InboxRequest>(*list).limit, 3);
  const auto count = parse_read_request(
      R"({"resource":"/users/{userId}/notifications/count","httpMethod":"GET","pathParameters":{"userId":"u1"}})");
  ASSERT_TRUE(count.ok());
  ASSERT_EQ(count->index(), 1U);
  EXPECT_EQ(std::get<CountRequest>(*count).user_id, "u1");
  auto error = [](std::string_view e) {
    const auto r = parse_read_request(e);
    return r.ok() ? ApiError{0, "", ""} : r.error();
  };
  EXPECT_EQ(
      error(R"({"pathParameters":{"userId":"u1"},"queryStringParameters":{"status":"archived"}})")
          .message,
      "status must be one of all, unread, read");
  EXPECT_EQ(
      error(R"({"pathParameters":{"userId":"u1"},"queryStringParameters":{"status":7}})").status,
      400);
  EXPECT_EQ(
      error(
          R"({"resource":"/users/{userId}/notifications/count","httpMethod":"POST","pathParameters":{"userId":"u1"}})")
          .status,
      405);
  EXPECT_EQ(
      error(R"({"resource":"/users/{userId}/notifications/count","pathParameters":{}})").message,
      "userId is required");
  EXPECT_EQ(error(R"({"resource":"/elsewhere","pathParameters":{"userId":"u1"}})").status, 404);
}

TEST(CoreApiRoutes, WriteRoutes) {
  const auto patch = parse_write_request(
      R"({"resource":"/users/{userId}/notifications/{id}","httpMethod":"PATCH","pathParameters":{"userId":"u1","id":"2026-11-24.digest"},"body":"{\"archived\":true}"})");
  ASSERT_TRUE(patch.ok());
  ASSERT_EQ(patch->index(), 0U);
  EXPECT_EQ(std::get<StateRequest>(*patch).record.notification_id, "digest");
  EXPECT_EQ(std::get<StateRequest>(*patch).change, StateChange::archive);
  for (const char* body : {R"(null)", R"("")", R"("{}")"}) {
    const auto r = parse_write_request(
        std::string(
            R"({"resource":"/users/{userId}/notifications/read-all","httpMethod":"POST","pathParameters":{"userId":"u1"},"body":)") +
        body + "}");
    ASSERT_TRUE(r.ok()) << body;
    ASSERT_EQ(r->index(), 1U) << body;
    EXPECT_EQ(std::get<ReadAllRequest>(*r).user_id, "u1");
  }
  auto error = [](std::string_view e) {
    const auto r = parse_write_request(e);
    return r.ok() ? ApiError{0, "", ""} : r.error();
  };
  const std::string record = R"({"resource":"/users/{userId}/notifications/{id}",)";
  EXPECT_EQ(
      error(
          record +
          R"("httpMethod":"PUT","pathParameters":{"userId":"u1","id":"2026-11-24.d"},"body":"{\"read\":true}"})")
          .status,
      405);
  EXPECT_EQ(
      error(
          record +
          R"("httpMethod":"PATCH","pathParameters":{"userId":"u1","id":"nope"},"body":"{\"read\":true}"})")
          .message,
      "id must be <date>.<notificationId>, e.g. 2026-11-24.digest");
  EXPECT_EQ(
      error(
          record +
          R"("httpMethod":"PATCH","pathParameters":{"userId":"u1","id":"2026-11-24.d"},"body":"{\"read\":1}"})")
          .message,
      "read must be true or false");
  EXPECT_EQ(
      error(
          record +
          R"("httpMethod":"PATCH","pathParameters":{"userId":"u1","id":"2026-11-24.d"},"body":"e30=","isBase64Encoded":true})")
          .message,
      "body must be JSON text");
  EXPECT_EQ(
      error(
          record +
          R"("httpMethod":"PATCH","pathParameters":{"userId":"u#1","id":"2026-11-24.d"},"body":"{\"read\":true}"})")
          .status,
      400);
  EXPECT_EQ(
      error(
          R"({"resource":"/users/{userId}/notifications/read-all","httpMethod":"POST","pathParameters":{"userId":"u1"},"body":"{\"before\":1}"})")
          .message,
      "read-all takes no body (or {})");
  EXPECT_EQ(error(R"({"httpMethod":"POST","pathParameters":{"userId":"u1"}})").status, 404);
}

}  // namespace
}  // namespace dn::core
