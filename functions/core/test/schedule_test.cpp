// find-daily's pure decisions: which day an event asks for, whether a run may claim the day, and
// the messages built from the day's items.
#include "dn/core/schedule.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dn::core {
namespace {

Instant at(const std::string& iso) {
  return parse_timestamp(iso).value();
}

TimeZone london() {
  // GMT/BST as a rule (the TZif files are exercised in timezone_test).
  return TimeZone::from_posix("GMT0BST,M3.5.0/1,M10.5.0").value();
}
TimeZone new_york() {
  return TimeZone::from_posix("EST5EDT,M3.2.0,M11.1.0").value();
}

RunDay resolve(const std::string& event, const std::string& now = "2030-01-01T12:00:00Z",
               const TimeZone& zone = london()) {
  auto r = resolve_run_day(event, at(now), zone);
  if (!r.ok()) {
    throw std::runtime_error("unexpected error: " + r.error().text);
  }
  return r.value();
}

std::string error_of(const std::string& event) {
  auto r = resolve_run_day(event, at("2030-01-01T12:00:00Z"), london());
  return r.ok() ? "<accepted>" : r.error().text;
}

// ------------------------------------------------------------ timestamps

TEST(Timestamp, ParsesRfc3339) {
  EXPECT_EQ(at("1970-01-01T00:00:00Z").time_since_epoch().count(), 0);
  EXPECT_EQ(at("2026-11-24T06:00:00Z").time_since_epoch().count(), 1795500000);
  EXPECT_EQ(at("2026-11-24T06:00:00.123Z"), at("2026-11-24T06:00:00Z"));
  EXPECT_EQ(at("2026-11-24T07:00:00+01:00"), at("2026-11-24T06:00:00Z"));
  EXPECT_EQ(at("2026-11-24T01:30:00-04:30"), at("2026-11-24T06:00:00Z"));
  EXPECT_EQ(at("2024-02-29t00:00:00z"), at("2024-02-29T00:00:00Z"));
  for (const char* bad :
       {"", "2026-11-24", "2026-11-24T06:00:00", "2026-11-24 06:00:00Z", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T06:60:00Z",
        "2026-11-24T06:00:60Z", "2026-11-24T06:00:00.Z", "2026-11-24T06:00:00+0100",
        "2026-11-24T06:00:00+24:00", "2026-11-24T06:00:00Zjunk", "２026-11-24T06:00:00Z",
        "+2026-11-24T06:00:00Z"}) {
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
  }
}

TEST(Timestamp, Formats) {
  EXPECT_EQ(format_timestamp(at("2026-11-24T06:07:08Z")), "2026-11-24T06:07:08Z");
  EXPECT_EQ(format_timestamp(Instant{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(at("1969-12-31T23:59:59Z")), "1969-12-31T23:59:59Z");
  EXPECT_EQ(
      format_timestamp(Instant{std::chrono::seconds{std::numeric_limits<std::int64_t>::max()}}),
      "9999-12-31T23:59:59Z");
}

// ------------------------------------------------------------ resolving the day

TEST(ResolveRunDay, SchedulerEventUsesScheduledTimeInTheZone) {
  const auto day = resolve(R"({"source":"aws.scheduler","scheduleArn":"arn:x","scheduledTime":)"
                           R"("2026-11-24T06:00:00Z","executionId":"e1"})");
  EXPECT_EQ(day.date, "2026-11-24");
  EXPECT_FALSE(day.force);
  EXPECT_EQ(day.source, DaySource::scheduled_time);
  EXPECT_EQ(day_source_name(day.source), "scheduledTime");
}

TEST(ResolveRunDay, LocalMidnightDecidesTheDay) {
  const std::string ev = R"({"source":"aws.scheduler","scheduledTime":")";
  // London in summer: 23:00 UTC is already tomorrow.
  EXPECT_EQ(resolve(ev + R"(2026-06-30T22:59:59Z"})").date, "2026-06-30");
  EXPECT_EQ(resolve(ev + R"(2026-06-30T23:00:00Z"})").date, "2026-07-01");
  // New York: 03:00 UTC is still yesterday.
  EXPECT_EQ(resolve(ev + R"(2026-11-24T03:00:00Z"})", "2030-01-01T00:00:00Z", new_york()).date,
            "2026-11-23");
  EXPECT_EQ(resolve(ev + R"(2026-11-24T05:00:00Z"})", "2030-01-01T00:00:00Z", new_york()).date,
            "2026-11-24");
  // A DST change day: 2026-03-29 in London (clocks go forward at 01:00 UTC).
  EXPECT_EQ(resolve(ev + R"(2026-03-29T00:30:00Z"})").date, "2026-03-29");
  EXPECT_EQ(resolve(ev + R"(2026-03-29T22:59:59Z"})").date, "2026-03-29");
  EXPECT_EQ(resolve(ev + R"(2026-03-29T23:00:00Z"})").date, "2026-03-30");
}

TEST(ResolveRunDay, PlaceholderOrMissingTimeFallsBackToNow) {
  for (const char* ev :
       {R"({"source":"aws.scheduler","scheduledTime":"<aws.scheduler.scheduled-time>",)"
        R"("scheduleArn":"<aws.scheduler.schedule-arn>"})",
        R"({"source":"aws.scheduler"})", R"({"source":"aws.scheduler","scheduledTime":null})",
        R"({"source":"aws.scheduler","scheduledTime":""})"}) {
    const auto day = resolve(ev, "2026-07-01T23:30:00Z");  // 00:30 BST on July 2
    EXPECT_EQ(day.date, "2026-07-02") << ev;
    EXPECT_EQ(day.source, DaySource::now) << ev;
    EXPECT_EQ(day_source_name(day.source), "now");
  }
}

TEST(ResolveRunDay, ExplicitDateAndForce) {
  auto day = resolve(R"({"date":"2026-11-24"})");
  EXPECT_EQ(day.date, "2026-11-24");
  EXPECT_FALSE(day.force);
  EXPECT_EQ(day.source, DaySource::explicit_date);
  day = resolve(R"({"date":"2024-02-29","force":true})");
  EXPECT_EQ(day.date, "2024-02-29");
  EXPECT_TRUE(day.force);
  EXPECT_FALSE(resolve(R"({"date":"2024-02-29","force":false})").force);
  EXPECT_FALSE(resolve(R"({"date":"2024-02-29","force":null})").force);
  EXPECT_EQ(day_source_name(DaySource::explicit_date), "date");
}

TEST(ResolveRunDay, RejectsEverythingElseWithAReason) {
  const std::string shape = error_of("[]");
  EXPECT_NE(shape.find("EventBridge Scheduler"), std::string::npos);
  for (const char* ev :
       {"", "not json", "null", "42", R"("2026-11-24")", "{}",
        R"({"source":"aws.events","detail-type":"Scheduled Event"})", R"({"Records":[]})"}) {
    EXPECT_EQ(error_of(ev), shape) << ev;
  }
  EXPECT_EQ(error_of(R"({"date":"2026-02-30"})"),
            "date must be a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)");
  EXPECT_EQ(error_of(R"({"date":"1999-12-31"})"),
            "date must be a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)");
  EXPECT_EQ(error_of(R"({"date":""})"), "date is required");
  EXPECT_EQ(error_of(R"({"date":20261124})"), "date must be a string written YYYY-MM-DD");
  EXPECT_EQ(error_of(R"({"date":"2026-11-24","force":"yes"})"), "force must be true or false");
  EXPECT_EQ(error_of(R"({"source":"aws.scheduler","scheduledTime":"yesterday"})"),
            "scheduledTime must be an RFC 3339 timestamp such as 2026-11-24T06:00:00Z");
  EXPECT_EQ(error_of(R"({"source":"aws.scheduler","scheduledTime":123})"),
            "scheduledTime must be a string");
  EXPECT_EQ(error_of(R"({"source":"aws.scheduler","scheduledTime":"1990-01-01T00:00:00Z"})"),
            "the scheduled instant falls outside the supported days (2000-01-01..2999-12-31)");
}

// ------------------------------------------------------------ run marker

RunClaim claim(bool force = false, const std::string& run = "run-1") {
  RunClaim c;
  c.day = RunDay{"2026-11-24", force, DaySource::scheduled_time};
  c.run_id = run;
  c.request_id = "req-1";
  c.started_at = at("2026-11-24T06:00:05Z");
  c.lease_until = at("2026-11-24T06:00:40Z");
  return c;
}

RunMarker marker(std::string_view status, const std::string& run, const std::string& lease) {
  return RunMarker{std::string(status), run, at(lease)};
}

TEST(RunMarker, NoMarkerOrForceClaims) {
  EXPECT_EQ(decide_claim(std::nullopt, claim()), ClaimVerdict::claim);
  const auto done = marker(kRunCompleted, "other", "2026-11-24T07:00:00Z");
  EXPECT_EQ(decide_claim(done, claim()), ClaimVerdict::completed);
  EXPECT_EQ(decide_claim(done, claim(true)), ClaimVerdict::claim);
}

TEST(RunMarker, AnotherRunsLiveLeaseIsInProgressNeverAlreadyRan) {
  const RunClaim c = claim();
  // Live until 06:00:05 inclusive ("<", not "<="), expired one second later.
  EXPECT_EQ(decide_claim(marker("started", "other", "2026-11-24T06:00:06Z"), c),
            ClaimVerdict::in_progress);
  EXPECT_EQ(decide_claim(marker("started", "other", "2026-11-24T06:00:05Z"), c),
            ClaimVerdict::in_progress);
  EXPECT_EQ(decide_claim(marker("started", "other", "2026-11-24T06:00:04Z"), c),
            ClaimVerdict::claim);
  EXPECT_EQ(decide_claim(marker("failed", "other", "2026-11-24T09:00:00Z"), c),
            ClaimVerdict::claim);
  // A status this code does not know is never taken over, and never called completed.
  EXPECT_EQ(decide_claim(marker("paused", "other", "2026-11-24T05:00:00Z"), c),
            ClaimVerdict::in_progress);
}

TEST(RunMarker, TheSameRunTakesItsOwnMarkerAgain) {
  // A retried claim whose first answer was lost, or Lambda's retry of the same event, finds its
  // own live marker: it may run the day (again), unless it already completed it.
  EXPECT_EQ(decide_claim(marker("started", "run-1", "2026-11-24T09:00:00Z"), claim()),
            ClaimVerdict::claim);
  EXPECT_EQ(decide_claim(marker("completed", "run-1", "2026-11-24T09:00:00Z"), claim()),
            ClaimVerdict::completed);
  // An empty run id never matches an empty stored one.
  EXPECT_EQ(decide_claim(marker("started", "", "2026-11-24T09:00:00Z"), claim(false, "")),
            ClaimVerdict::in_progress);
}

TEST(RunMarker, RunIdIsTheExecutionIdWhenUsable) {
  EXPECT_EQ(run_id_for("3f1c-aa", "req"), "3f1c-aa");
  EXPECT_EQ(run_id_for("", "req"), "req");
  EXPECT_EQ(run_id_for("a#b", "req"), "req");
  EXPECT_EQ(run_id_for(std::string(65, 'a'), "req"), "req");
  const auto day = resolve(
      R"({"source":"aws.scheduler","scheduledTime":"2026-11-24T06:00:00Z","executionId":"ex-1"})");
  EXPECT_EQ(day.execution_id, "ex-1");
  EXPECT_EQ(resolve(R"({"source":"aws.scheduler","executionId":"<aws.scheduler.execution-id>"})")
                .execution_id,
            "");
}

TEST(RunMarker, ExpiresNinetyDaysAfterItsDay) {
  EXPECT_EQ(run_marker_expiry("2026-11-24").value(), at("2027-02-22T00:00:00Z"));
  EXPECT_FALSE(run_marker_expiry("2026-02-30"));
}

// ------------------------------------------------------------ the day's messages

DayItem notif(const std::string& id, const std::string& segment) {
  return DayItem{.sk = "NOTIF#" + id, .notification_id = id, .segment = segment};
}

TEST(DayMessages, OneMessagePerValidItem) {
  const auto out = build_day_messages("2026-11-24", {notif("n1", "all"), notif("n2", "vip")});
  ASSERT_EQ(out.messages.size(), 2U);
  EXPECT_TRUE(out.skipped.empty());
  EXPECT_EQ(out.messages[0].date, "2026-11-24");
  EXPECT_EQ(out.messages[0].notification_id, "n1");
  EXPECT_EQ(out.messages[0].segment, "all");
  EXPECT_FALSE(out.messages[0].cursor);
  EXPECT_EQ(encode_message(out.messages[1]),
            R"({"date":"2026-11-24","notificationId":"n2","segment":"vip","v":1})");
}

TEST(DayMessages, IdFromTheSortKeyWhenTheAttributeIsAbsent) {
  DayItem item = notif("n9", "all");
  item.notification_id.reset();
  const auto out = build_day_messages("2026-11-24", {item});
  ASSERT_EQ(out.messages.size(), 1U);
  EXPECT_EQ(out.messages[0].notification_id, "n9");
}

TEST(DayMessages, BadItemsAreReportedNotFatal) {
  DayItem no_segment = notif("n2", "all");
  no_segment.segment.reset();
  DayItem bad_segment = notif("n3", "a#b");
  // A segment of another type reads as absent (find-daily's adapter; its test covers the read).
  DayItem number_segment = notif("n4", "all");
  number_segment.segment.reset();
  DayItem mismatch = notif("n5", "all");
  mismatch.notification_id = "other";
  const DayItem no_id{.segment = "all"};
  DayItem bad_id = notif("n 6", "all");
  const DayItem not_an_object{.unreadable = "item is not an object"};
  const auto out = build_day_messages(
      "2026-11-24", {notif("n1", "all"), no_segment, bad_segment, number_segment, mismatch, no_id,
                     bad_id, not_an_object, notif("n1", "vip"), notif("n7", "vip")});
  ASSERT_EQ(out.messages.size(), 2U);
  EXPECT_EQ(out.messages[0].notification_id, "n1");
  EXPECT_EQ(out.messages[1].notification_id, "n7");
  ASSERT_EQ(out.skipped.size(), 8U);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"NOTIF#n2", "segment is missing"},
      {"NOTIF#n3", "segment may contain only letters, digits, '_' and '-'"},
      {"NOTIF#n4", "segment is missing"},
      {"NOTIF#n5", "notificationId does not match the sort key"},
      {"item 5", "notificationId is missing"},
      {"NOTIF#n 6", "notificationId may contain only letters, digits, '_' and '-'"},
      {"item 7", "item is not an object"},
      {"NOTIF#n1", "duplicate notificationId"},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(out.skipped[i].key, want[i].first) << i;
    EXPECT_EQ(out.skipped[i].reason, want[i].second) << i;
  }
}

TEST(DayMessages, EmptyDay) {
  const auto out = build_day_messages("2026-11-24", {});
  EXPECT_TRUE(out.messages.empty());
  EXPECT_TRUE(out.skipped.empty());
}

}  // namespace
}  // namespace dn::core
