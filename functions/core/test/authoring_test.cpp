// Authoring rules: schedules (parsing, canonical text, the days they occur on) and the PUT body's
// refusals.
#include "dn/core/authoring.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dn/util/json.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

Schedule schedule(const std::string& text) {
  auto s = parse_schedule_text(text);
  if (!s.ok()) throw std::runtime_error("unexpected refusal: " + s.error().text);
  return *std::move(s);
}

std::string schedule_error(const std::string& text) {
  auto s = parse_schedule_text(text);
  return s.ok() ? "<accepted>" : s.error().text;
}

const AuthoringRules& rules() {
  static const AuthoringRules kRules{{"all-users", "marketing"}, "2026-12-02"};
  return kRules;
}

std::string body_with(const json& schedule_value) {
  return util::to_json(json{{"title", "Hello {{firstName}}"},
                            {"body", "Hi {{displayName}} ({{userId}}, {{locale}})"},
                            {"segment", "marketing"},
                            {"schedule", schedule_value}});
}

std::string definition_error(const std::string& body, const std::string& id = "n1",
                             const AuthoringRules& with = rules()) {
  auto d = parse_definition(id, body, with);
  return d.ok() ? "<accepted>" : d.error().text;
}

std::string replaced(const std::string& member, const json& value) {
  json doc = util::parse_json(body_with(json{{"date", "2026-12-03"}}));
  doc[member] = value;
  return util::to_json(doc);
}

// ------------------------------------------------------------ weekdays and days

TEST(AuthoringWeekday, OfKnownDates) {
  EXPECT_EQ(weekday_of("1970-01-01"), std::nullopt);  // before check_date's range
  EXPECT_EQ(weekday_of("2000-01-01"), Weekday::sat);
  EXPECT_EQ(weekday_of("2026-11-30"), Weekday::mon);
  EXPECT_EQ(weekday_of("2026-12-02"), Weekday::wed);
  EXPECT_EQ(weekday_of("2026-12-06"), Weekday::sun);
  EXPECT_EQ(weekday_of("2026-12-07"), Weekday::mon);
  EXPECT_EQ(weekday_of("2024-02-29"), Weekday::thu);
  EXPECT_EQ(weekday_of("2024-03-01"), Weekday::fri);
  EXPECT_EQ(weekday_of("2100-03-01"), Weekday::mon);  // 2100 is not a leap year
  EXPECT_EQ(weekday_of("2026-02-29"), std::nullopt);
  EXPECT_EQ(weekday_of("not a date"), std::nullopt);
}

TEST(AuthoringWeekday, NamesRoundTrip) {
  for (const auto d : {Weekday::mon, Weekday::tue, Weekday::wed, Weekday::thu, Weekday::fri,
                       Weekday::sat, Weekday::sun}) {
    EXPECT_EQ(parse_weekday(weekday_name(d)), d);
  }
  EXPECT_EQ(weekday_name(Weekday::sun), "sun");
  EXPECT_EQ(parse_weekday("Mon"), std::nullopt);
  EXPECT_EQ(parse_weekday("monday"), std::nullopt);
}

TEST(AuthoringWeekday, NextDayCrossesMonthsYearsAndLeapDays) {
  EXPECT_EQ(next_day("2026-12-31"), "2027-01-01");
  EXPECT_EQ(next_day("2024-02-28"), "2024-02-29");
  EXPECT_EQ(next_day("2024-02-29"), "2024-03-01");
  EXPECT_EQ(next_day("2026-02-28"), "2026-03-01");
  EXPECT_EQ(next_day("2000-02-28"), "2000-02-29");  // 2000 is a leap year (divisible by 400)
  EXPECT_EQ(next_day("2999-12-31"), std::nullopt);
  EXPECT_EQ(next_day("2026-13-01"), std::nullopt);
}

// ------------------------------------------------------------ parse_schedule

TEST(AuthoringSchedule, ParsesEveryForm) {
  const auto one = schedule(R"({"date":"2026-12-03"})");
  EXPECT_EQ(one.date, "2026-12-03");
  EXPECT_TRUE(one.rule.empty());

  const auto daily = schedule(R"({"rule":"daily","start":"2026-12-03","end":"2026-12-31"})");
  EXPECT_FALSE(daily.date);
  EXPECT_EQ(daily.rule, "daily");
  EXPECT_EQ(daily.start, "2026-12-03");
  EXPECT_EQ(daily.end, "2026-12-31");

  const auto weekdays = schedule(R"({"rule":"weekdays","start":"2026-12-03"})");
  EXPECT_EQ(weekdays.rule, "weekdays");
  EXPECT_FALSE(weekdays.end);

  const auto days = schedule(R"({"rule":"days","days":["thu","mon","thu"],"start":"2026-12-03"})");
  EXPECT_EQ(days.days, (std::vector<Weekday>{Weekday::mon, Weekday::thu}));  // sorted, no repeats
}

TEST(AuthoringSchedule, EndOnTheStartIsOneDay) {
  const auto s = schedule(R"({"rule":"daily","start":"2026-12-03","end":"2026-12-03"})");
  EXPECT_TRUE(occurs_on(s, "2026-12-03"));
  EXPECT_FALSE(occurs_on(s, "2026-12-04"));
}

TEST(AuthoringSchedule, RefusesWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"([])", "schedule must be an object"},
      {R"("2026-12-03")", "schedule must be an object"},
      {R"({})", "schedule needs a date or a rule"},
      {R"({"date":"2026-12-03","rule":"daily"})", "schedule has either a date or a rule, not both"},
      {R"({"date":"2026-12-03","start":"2026-12-03"})",
       R"(schedule has the unknown member "start"; known: date)"},
      {R"({"date":"2026-02-29"})",
       "schedule.date must be a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)"},
      {R"({"date":20261203})", "schedule.date must be a string"},
      {R"({"rule":"monthly","start":"2026-12-03"})",
       "schedule.rule must be one of daily, weekdays, days"},
      {R"({"rule":7,"start":"2026-12-03"})", "schedule.rule must be a string"},
      {R"({"rule":"daily"})", "schedule.start is required with a rule"},
      {R"({"rule":"daily","start":"2026-12-3"})",
       "schedule.start must be a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)"},
      {R"({"rule":"daily","start":"2026-12-03","end":"2026-12-02"})",
       "schedule.end 2026-12-02 is before schedule.start 2026-12-03"},
      {R"({"rule":"daily","start":"2026-12-03","end":"2026-13-01"})",
       "schedule.end must be a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)"},
      {R"({"rule":"daily","start":"2026-12-03","days":["mon"]})",
       R"(schedule has the unknown member "days"; known: rule, start, end)"},
      {R"({"rule":"days","start":"2026-12-03"})",
       "schedule.days must list at least one weekday (mon, tue, wed, thu, fri, sat, sun)"},
      {R"({"rule":"days","days":[],"start":"2026-12-03"})",
       "schedule.days must list at least one weekday (mon, tue, wed, thu, fri, sat, sun)"},
      {R"({"rule":"days","days":"mon","start":"2026-12-03"})",
       "schedule.days must list at least one weekday (mon, tue, wed, thu, fri, sat, sun)"},
      {R"({"rule":"days","days":["mon","funday"],"start":"2026-12-03"})",
       R"(schedule.days has the unknown weekday "funday"; known: mon, tue, wed, thu, fri, sat, sun)"},
      {R"({"rule":"days","days":[1],"start":"2026-12-03"})",
       "schedule.days has the unknown weekday 1; known: mon, tue, wed, thu, fri, sat, sun"},
      {R"({"rule":"days","days":["mon"],"start":"2026-12-03","every":2})",
       R"(schedule has the unknown member "every"; known: rule, days, start, end)"},
      {"not json", "schedule is not JSON"},
  };
  for (const auto& [text, reason] : cases) EXPECT_EQ(schedule_error(text), reason) << text;
}

TEST(AuthoringSchedule, CanonicalTextIsStableAndRoundTrips) {
  EXPECT_EQ(schedule_text(schedule(R"({"date":"2026-12-03"})")), R"({"date":"2026-12-03"})");
  EXPECT_EQ(schedule_text(schedule(R"({"start":"2026-12-03","end":"2026-12-31","rule":"daily"})")),
            R"({"end":"2026-12-31","rule":"daily","start":"2026-12-03"})");
  EXPECT_EQ(schedule_text(schedule(R"({"rule":"days","start":"2026-12-03","days":["sun","mon"]})")),
            R"({"days":["mon","sun"],"rule":"days","start":"2026-12-03"})");
  for (const char* text :
       {R"({"date":"2026-12-03"})", R"({"rule":"weekdays","start":"2026-12-03"})",
        R"({"rule":"daily","start":"2024-02-29","end":"2024-03-01"})",
        R"({"rule":"days","days":["fri","tue","sat"],"start":"2026-12-03"})"}) {
    const Schedule s = schedule(text);
    const Schedule again = schedule(schedule_text(s));
    EXPECT_EQ(again, s) << text;
    EXPECT_EQ(schedule_text(again), schedule_text(s)) << text;
  }
}

// ------------------------------------------------------------ occurs_on, first_day_from

TEST(AuthoringOccurs, OneDateOnlyOnItsDay) {
  const auto s = schedule(R"({"date":"2024-02-29"})");
  EXPECT_TRUE(occurs_on(s, "2024-02-29"));
  EXPECT_FALSE(occurs_on(s, "2024-02-28"));
  EXPECT_FALSE(occurs_on(s, "2024-03-01"));
  EXPECT_FALSE(occurs_on(s, "garbage"));
}

TEST(AuthoringOccurs, DailyStartAndEndInclusive) {
  const auto s = schedule(R"({"rule":"daily","start":"2024-02-28","end":"2024-03-01"})");
  EXPECT_FALSE(occurs_on(s, "2024-02-27"));
  EXPECT_TRUE(occurs_on(s, "2024-02-28"));
  EXPECT_TRUE(occurs_on(s, "2024-02-29"));
  EXPECT_TRUE(occurs_on(s, "2024-03-01"));
  EXPECT_FALSE(occurs_on(s, "2024-03-02"));
  const auto open = schedule(R"({"rule":"daily","start":"2026-12-03"})");
  EXPECT_TRUE(occurs_on(open, "2999-12-31"));
  EXPECT_FALSE(occurs_on(open, "2026-12-02"));
}

TEST(AuthoringOccurs, WeekdaysAreMondayToFriday) {
  const auto s = schedule(R"({"rule":"weekdays","start":"2026-11-29"})");  // a Sunday
  EXPECT_FALSE(occurs_on(s, "2026-11-29"));                                // Sun
  EXPECT_TRUE(occurs_on(s, "2026-11-30"));                                 // Mon
  EXPECT_TRUE(occurs_on(s, "2026-12-04"));                                 // Fri
  EXPECT_FALSE(occurs_on(s, "2026-12-05"));                                // Sat
  EXPECT_FALSE(occurs_on(s, "2026-12-06"));                                // Sun
  EXPECT_TRUE(occurs_on(s, "2026-12-07"));                                 // Mon
}

TEST(AuthoringOccurs, GivenDaysIncludingSunday) {
  const auto s = schedule(R"({"rule":"days","days":["sun","mon"],"start":"2026-11-30"})");
  EXPECT_TRUE(occurs_on(s, "2026-11-30"));   // Mon
  EXPECT_FALSE(occurs_on(s, "2026-12-01"));  // Tue
  EXPECT_FALSE(occurs_on(s, "2026-12-05"));  // Sat
  EXPECT_TRUE(occurs_on(s, "2026-12-06"));   // Sun
  EXPECT_TRUE(occurs_on(s, "2026-12-07"));   // Mon
  EXPECT_FALSE(occurs_on(s, "2026-11-29"));  // a Sunday before the start
}

TEST(AuthoringNext, OneDate) {
  const auto s = schedule(R"({"date":"2026-12-03"})");
  EXPECT_EQ(first_day_from(s, "2026-12-02"), "2026-12-03");
  EXPECT_EQ(first_day_from(s, "2026-12-03"), "2026-12-03");
  EXPECT_EQ(first_day_from(s, "2026-12-04"), std::nullopt);
}

TEST(AuthoringNext, RulesFromBeforeOnAndAfterTheStart) {
  const auto daily = schedule(R"({"rule":"daily","start":"2026-12-03","end":"2026-12-05"})");
  EXPECT_EQ(first_day_from(daily, "2026-11-01"), "2026-12-03");
  EXPECT_EQ(first_day_from(daily, "2026-12-04"), "2026-12-04");
  EXPECT_EQ(first_day_from(daily, "2026-12-05"), "2026-12-05");  // the end is inclusive
  EXPECT_EQ(first_day_from(daily, "2026-12-06"), std::nullopt);

  const auto weekdays = schedule(R"({"rule":"weekdays","start":"2026-12-01"})");
  EXPECT_EQ(first_day_from(weekdays, "2026-12-05"), "2026-12-07");  // Sat -> Mon
  EXPECT_EQ(first_day_from(weekdays, "2026-12-06"), "2026-12-07");  // Sun -> Mon

  // Sunday only, from a Monday: six days later; across a year end.
  const auto sunday = schedule(R"({"rule":"days","days":["sun"],"start":"2026-12-01"})");
  EXPECT_EQ(first_day_from(sunday, "2026-12-28"), "2027-01-03");
  EXPECT_EQ(first_day_from(sunday, "2027-01-03"), "2027-01-03");
  // Across a leap day: Thursday 2024-02-29.
  const auto thursday = schedule(R"({"rule":"days","days":["thu"],"start":"2024-02-01"})");
  EXPECT_EQ(first_day_from(thursday, "2024-02-23"), "2024-02-29");
}

TEST(AuthoringNext, NoneWhenTheRangeHoldsNoMatchingDay) {
  // Monday only, from a Tuesday to the Sunday after: never.
  const auto s =
      schedule(R"({"rule":"days","days":["mon"],"start":"2026-12-01","end":"2026-12-06"})");
  EXPECT_EQ(first_day_from(s, "2026-12-01"), std::nullopt);
  const auto end_monday =
      schedule(R"({"rule":"days","days":["mon"],"start":"2026-12-01","end":"2026-12-07"})");
  EXPECT_EQ(first_day_from(end_monday, "2026-12-01"), "2026-12-07");
  EXPECT_EQ(first_day_from(s, "bad"), std::nullopt);
  EXPECT_EQ(first_day_from(schedule(R"({"rule":"daily","start":"2999-12-31"})"), "2999-12-31"),
            "2999-12-31");
}

TEST(AuthoringExpiry, NinetyDaysAfterTheLastDay) {
  using std::chrono::seconds;
  const auto one = definition_expiry(schedule(R"({"date":"2026-12-03"})"));
  // 2026-12-03 is day 20790 since the epoch; + 90 days, at 00:00 UTC.
  ASSERT_TRUE(one);
  EXPECT_EQ(one->time_since_epoch(), seconds((20790 + 90) * 86400LL));
  const auto ended =
      definition_expiry(schedule(R"({"rule":"daily","start":"2026-12-01","end":"2026-12-03"})"));
  EXPECT_EQ(ended, one);
  EXPECT_EQ(definition_expiry(schedule(R"({"rule":"daily","start":"2026-12-01"})")), std::nullopt);
}

// ------------------------------------------------------------ placeholders

TEST(AuthoringPlaceholders, KnownUnknownAndNotPlaceholders) {
  EXPECT_EQ(unknown_placeholder("{{displayName}} {{firstName}} {{userId}} {{locale}}"),
            std::nullopt);
  EXPECT_EQ(unknown_placeholder("Hi {{nickname}}"), "{{nickname}}");
  EXPECT_EQ(unknown_placeholder("{{firstName}} and {{ firstName }}"), "{{ firstName }}");
  EXPECT_EQ(unknown_placeholder("{{}}"), "{{}}");
  EXPECT_EQ(unknown_placeholder("{{{firstName}}}"), std::nullopt);  // renders as {Ann}
  EXPECT_EQ(unknown_placeholder("a {{ b and c }} d"), "{{ b and c }}");
  EXPECT_EQ(unknown_placeholder("open {{ only"), std::nullopt);
  EXPECT_EQ(unknown_placeholder("close }} only {x}"), std::nullopt);
  EXPECT_EQ(unknown_placeholder("{{userId}} }} {{FirstName}}"), "{{FirstName}}");
}

// ------------------------------------------------------------ parse_definition

TEST(AuthoringDefinition, AcceptsAndKeepsTheFields) {
  auto d = parse_definition("n1", body_with(json{{"date", "2026-12-02"}}), rules());  // today
  ASSERT_TRUE(d.ok()) << d.error().text;
  EXPECT_EQ(d->id, "n1");
  EXPECT_EQ(d->title, "Hello {{firstName}}");
  EXPECT_EQ(d->body, "Hi {{displayName}} ({{userId}}, {{locale}})");
  EXPECT_EQ(d->segment, "marketing");
  EXPECT_EQ(d->schedule.date, "2026-12-02");

  json doc = util::parse_json(body_with(json{{"rule", "weekdays"}, {"start", "2026-01-01"}}));
  doc["notificationId"] = "n1";
  auto rule = parse_definition("n1", util::to_json(doc), rules());  // a start in the past is fine
  ASSERT_TRUE(rule.ok()) << rule.error().text;
  EXPECT_EQ(rule->schedule.rule, "weekdays");
}

TEST(AuthoringDefinition, SizesInBytes) {
  // 200 bytes of "é" (2 bytes each) are 100 characters: accepted; 201 bytes are refused.
  std::string title;
  for (int i = 0; i < 100; ++i) title += "é";
  EXPECT_EQ(definition_error(replaced("title", title)), "<accepted>");
  EXPECT_EQ(definition_error(replaced("title", title + "x")), "title must be 1 to 200 bytes");
  EXPECT_EQ(definition_error(replaced("title", "")), "title must be 1 to 200 bytes");
  EXPECT_EQ(definition_error(replaced("body", std::string(2000, 'b'))), "<accepted>");
  EXPECT_EQ(definition_error(replaced("body", std::string(2001, 'b'))),
            "body must be 1 to 2000 bytes");
  EXPECT_EQ(definition_error(replaced("body", "")), "body must be 1 to 2000 bytes");
}

TEST(AuthoringDefinition, WholeBodyLimit) {
  const std::string base = body_with(json{{"date", "2026-12-03"}});
  // Padding with whitespace keeps the document valid: exactly the limit passes, one more fails.
  const std::string at_limit = base + std::string(kMaxDefinitionBytes - base.size(), ' ');
  EXPECT_EQ(definition_error(at_limit), "<accepted>");
  EXPECT_EQ(definition_error(at_limit + " "), "request body must be at most 16384 bytes");
}

TEST(AuthoringDefinition, RefusesWithTheReason) {
  const std::string one = R"("schedule":{"date":"2026-12-03"})";
  const std::string ok_fields = R"("title":"t","body":"b","segment":"marketing",)";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "request body must be a JSON object"},
      {"[]", "request body must be a JSON object"},
      {"\"text\"", "request body must be a JSON object"},
      {"{", "request body must be a JSON object"},
      {"{\"title\":\"\xff\"}", "request body must be valid UTF-8"},
      {"{" + ok_fields + one + R"(,"extra":1})",
       R"(unknown member "extra"; known: notificationId, title, body, segment, schedule)"},
      {"{" + ok_fields + one + R"(,"notificationId":"n2"})",
       R"(notificationId "n2" in the body differs from the path's "n1")"},
      {"{" + ok_fields + one + R"(,"notificationId":1})", "notificationId must be a string"},
      {R"({"body":"b","segment":"marketing",)" + one + "}", "title is required"},
      {R"({"title":1,"body":"b","segment":"marketing",)" + one + "}", "title must be a string"},
      {R"({"title":"t","segment":"marketing",)" + one + "}", "body is required"},
      {R"({"title":"t","body":"b",)" + one + "}", "segment is required"},
      {R"({"title":"t","body":"b","segment":"marketing"})", "schedule is required"},
      {R"({"title":"Hi {{nickname}}","body":"b","segment":"marketing",)" + one + "}",
       "title uses the unknown placeholder {{nickname}}; known: {{displayName}}, {{firstName}}, "
       "{{userId}}, {{locale}}"},
      {R"({"title":"t","body":"{{userId}} {{points}}","segment":"marketing",)" + one + "}",
       "body uses the unknown placeholder {{points}}; known: {{displayName}}, {{firstName}}, "
       "{{userId}}, {{locale}}"},
      {R"({"title":"t","body":"b","segment":"x",)" + one + "}",
       R"(segment "x" is not configured; configured: all-users, marketing)"},
      {"{" + ok_fields + R"("schedule":{"date":"2026-12-01"}})",
       "schedule.date 2026-12-01 is before today (2026-12-02)"},
      {"{" + ok_fields + R"("schedule":{"rule":"daily","start":"2026-11-01","end":"2026-12-01"}})",
       "schedule.end 2026-12-01 is before today (2026-12-02)"},
      {"{" + ok_fields + R"("schedule":{"rule":"daily","start":"2026-12-04","end":"2026-12-03"}})",
       "schedule.end 2026-12-03 is before schedule.start 2026-12-04"},
      {"{" + ok_fields + R"("schedule":{"rule":"days","days":[],"start":"2026-12-03"}})",
       "schedule.days must list at least one weekday (mon, tue, wed, thu, fri, sat, sun)"},
      {"{" + ok_fields + R"("schedule":{"rule":"days","days":["xyz"],"start":"2026-12-03"}})",
       R"(schedule.days has the unknown weekday "xyz"; known: mon, tue, wed, thu, fri, sat, sun)"},
      {"{" + ok_fields +
           R"("schedule":{"rule":"days","days":["mon"],"start":"2026-12-01","end":"2026-12-06"}})",
       "schedule never occurs on or after today (2026-12-02)"},
  };
  for (const auto& [body, reason] : cases) EXPECT_EQ(definition_error(body), reason) << body;
}

TEST(AuthoringDefinition, EndOnTodayIsAccepted) {
  EXPECT_EQ(definition_error(
                body_with(json{{"rule", "daily"}, {"start", "2026-11-01"}, {"end", "2026-12-02"}})),
            "<accepted>");
}

TEST(AuthoringDefinition, RefusesABadPathId) {
  EXPECT_EQ(definition_error(body_with(json{{"date", "2026-12-03"}}), "a#b"),
            "notificationId may contain only letters, digits, '_' and '-'");
  EXPECT_EQ(definition_error(body_with(json{{"date", "2026-12-03"}}), ""),
            "notificationId is required");
}

TEST(AuthoringDefinition, LongUnknownSegmentListsConfiguredOnes) {
  const AuthoringRules rules{{"all-users", "marketing", "push", "locale-en"}, "2026-12-02"};
  EXPECT_EQ(
      definition_error(replaced("segment", "vip"), "n1", rules),
      R"(segment "vip" is not configured; configured: all-users, marketing, push, locale-en)");
}

// ------------------------------------------------------------ SEGMENTS

TEST(AuthoringSegments, ParsesTheList) {
  EXPECT_EQ(parse_segment_names("all-users, marketing ,push").value(),
            (std::vector<std::string>{"all-users", "marketing", "push"}));
  EXPECT_EQ(parse_segment_names("a,,b,").value(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parse_segment_names(" , ").error().text, "no segment is configured");
  EXPECT_EQ(parse_segment_names("").error().text, "no segment is configured");
  EXPECT_FALSE(parse_segment_names("a,b#c").ok());
}

}  // namespace
}  // namespace dn::core
