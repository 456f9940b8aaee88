// Authoring rules (manage-notifications, find-daily): what a PUT of a notification definition may
// say, and on which days a schedule occurs. Pure: "today" and the configured segments are given.
//
// A schedule is one date, {"date":"2026-12-03"}, or a rule with a start and an optional end (both
// inclusive): {"rule":"daily"|"weekdays","start":...,"end":...}, or
// {"rule":"days","days":["mon","thu"],"start":...}. Weekdays are Monday to Friday.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/expected.hpp"

namespace dn::core {

enum class Weekday { mon, tue, wed, thu, fri, sat, sun };
std::string_view weekday_name(Weekday day);  // "mon" .. "sun"
std::optional<Weekday> parse_weekday(std::string_view name);
// The weekday of a YYYY-MM-DD date that check_date accepts; nullopt otherwise.
std::optional<Weekday> weekday_of(std::string_view date);
// The day after a YYYY-MM-DD date that check_date accepts (nullopt past 2999-12-31).
std::optional<std::string> next_day(std::string_view date);

inline constexpr std::string_view kRuleDaily = "daily";
inline constexpr std::string_view kRuleWeekdays = "weekdays";
inline constexpr std::string_view kRuleDays = "days";

struct Schedule {
  std::optional<std::string> date{};  // a one-date schedule (rule, days, start, end unused)
  std::string rule{};                 // "", kRuleDaily, kRuleWeekdays, kRuleDays
  std::vector<Weekday> days{};        // kRuleDays: sorted Monday first, no repeats
  std::string start{};                // a rule's first day (inclusive)
  std::optional<std::string> end{};   // a rule's last day (inclusive)

  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// The API's schedule object; refuses unknown members, bad dates, an end before the start, an
// unknown rule or weekday, and an empty day list. Does not look at today (parse_definition does).
Expected<Schedule> parse_schedule(const nlohmann::json& value);
// The stored `schedule` attribute (schedule_text's output, or any text parse_schedule accepts).
Expected<Schedule> parse_schedule_text(std::string_view json_text);
// The canonical form: members in name order, days sorted; parse_schedule_text(schedule_text(s))
// gives s back, so two equal schedules are stored as the same text.
nlohmann::json schedule_json(const Schedule& schedule);
std::string schedule_text(const Schedule& schedule);

// Does the schedule send on `date` (YYYY-MM-DD)? False for a date check_date refuses.
bool occurs_on(const Schedule& schedule, std::string_view date);
// The first day on or after `date` on which the schedule occurs, or nullopt when there is none
// (a one date already past, a rule ended). Looks at no more than 7 days after max(start, date).
std::optional<std::string> first_day_from(const Schedule& schedule, std::string_view date);
// The last day the schedule can occur on: the one date, or a rule's end (nullopt: no end).
std::optional<std::string> last_day(const Schedule& schedule);
// When a stored definition may expire (table TTL): 00:00 UTC of last_day + 90 days; nullopt for
// a rule without an end.
std::optional<std::chrono::sys_seconds> definition_expiry(const Schedule& schedule);

// Limits of a PUT body, in bytes.
inline constexpr std::size_t kMaxDefinitionBytes = 16384;
inline constexpr std::size_t kMaxTitleBytes = 200;
inline constexpr std::size_t kMaxBodyBytes = 2000;
// The placeholders inbox.hpp's render fills in, in the order the refusals list them.
inline constexpr std::string_view kPlaceholders[] = {"displayName", "firstName", "userId",
                                                     "locale"};

struct AuthoringRules {
  std::vector<std::string> segments{};  // the configured segment names
  std::string today{};                  // YYYY-MM-DD in the configured TIMEZONE
};

struct Definition {
  std::string id, title, body, segment;
  Schedule schedule{};
};

// A PUT /admin/notifications/{id} body: {"title","body","segment","schedule"} and optionally
// "notificationId" (equal to `id`). Refuses (a sentence for a 400): a body over
// kMaxDefinitionBytes, not valid UTF-8, not a JSON object; an unknown member; a bad id; a title
// or body missing, empty or too long; an unknown {{placeholder}}; a segment not configured; a
// schedule parse_schedule refuses; a one date or an end before today; a schedule that never
// occurs on or after today.
Expected<Definition> parse_definition(std::string_view id, std::string_view body,
                                      const AuthoringRules& rules);

// The first {{name}} in `text` whose name is not one of kPlaceholders, as "{{name}}".
std::optional<std::string> unknown_placeholder(std::string_view text);

// SEGMENTS ("all-users, marketing"): the names, trimmed; refuses an empty list or a name that
// check_segment refuses.
Expected<std::vector<std::string>> parse_segment_names(std::string_view csv);

}  // namespace dn::core
