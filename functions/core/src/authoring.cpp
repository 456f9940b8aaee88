#include "dn/core/authoring.hpp"

#include <algorithm>
#include <array>

#include "dn/core/csv.hpp"
#include "dn/core/schedule.hpp"
#include "dn/core/timezone.hpp"
#include "dn/core/validate.hpp"
#include "dn/util/json.hpp"
#include "dn/util/text.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kWeekdayNames = {"mon", "tue", "wed", "thu",
                                                           "fri", "sat", "sun"};
constexpr std::string_view kWeekdayList = "mon, tue, wed, thu, fri, sat, sun";
constexpr std::string_view kDateForm = "a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)";
// A rule occurs at least once in any 7 consecutive days of its range (its day list is never
// empty), so the search for the next occurrence stops after them.
constexpr int kWeekLength = 7;

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::optional<std::int64_t> day_number(std::string_view date) {
  const auto d = parse_date(date);
  if (!d) return std::nullopt;
  return days_from_civil(d->year, d->month, d->day);
}

std::string date_of_day_number(std::int64_t days) {
  const Civil c = civil_from_days(days);
  return format_date(CivilDate{static_cast<int>(c.year), c.month, c.day});
}

// A string member `name` of `object` ("schedule.start"); absent is nullopt, another type refused.
Expected<std::optional<std::string>> optional_string(const json& object, std::string_view name,
                                                     std::string_view label) {
  const auto it = object.find(name);
  if (it == object.end()) return std::optional<std::string>{};
  if (!it->is_string()) return Reason{std::string(label) + " must be a string"};
  return std::optional<std::string>{it->get<std::string>()};
}

Expected<std::optional<std::string>> optional_date(const json& object, std::string_view name) {
  const std::string label = "schedule." + std::string(name);
  auto value = optional_string(object, name, label);
  if (!value.ok() || !*value) return value;
  if (!parse_date(**value)) return Reason{label + " must be " + std::string(kDateForm)};
  return value;
}

// The first member of `object` not in `known`, refused with the list of known ones.
Expected<void> only_members(const json& object, std::string_view what,
                            std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : object.items()) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (const auto k : known) list.append(list.empty() ? "" : ", ").append(k);
    return Reason{what.empty() ? "unknown member " + in_quotes(name) + "; known: " + list
                               : std::string(what) + " has the unknown member " + in_quotes(name) +
                                     "; known: " + list};
  }
  return {};
}

Expected<std::vector<Weekday>> parse_days(const json& value) {
  const std::string empty =
      "schedule.days must list at least one weekday (" + std::string(kWeekdayList) + ")";
  if (!value.is_array() || value.empty()) return Reason{empty};
  std::vector<Weekday> days;
  for (const auto& item : value) {
    const auto day = item.is_string() ? parse_weekday(item.get<std::string>()) : std::nullopt;
    if (!day) {
      const std::string shown =
          item.is_string() ? in_quotes(item.get<std::string>()) : util::to_json(item);
      return Reason{"schedule.days has the unknown weekday " + shown +
                    "; known: " + std::string(kWeekdayList)};
    }
    days.push_back(*day);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

Expected<Schedule> parse_one_date(const json& value) {
  if (auto members = only_members(value, "schedule", {"date"}); !members.ok()) {
    return members.error();
  }
  auto date = optional_date(value, "date");
  if (!date.ok()) return date.error();
  Schedule s;
  s.date = std::move(**date);
  return s;
}

Expected<Schedule> parse_rule(const json& value) {
  auto rule = optional_string(value, "rule", "schedule.rule");
  if (!rule.ok()) return rule.error();
  Schedule s;
  s.rule = **rule;
  if (s.rule != kRuleDaily && s.rule != kRuleWeekdays && s.rule != kRuleDays) {
    return Reason{"schedule.rule must be one of daily, weekdays, days"};
  }
  const bool days = s.rule == kRuleDays;
  auto members = days ? only_members(value, "schedule", {"rule", "days", "start", "end"})
                      : only_members(value, "schedule", {"rule", "start", "end"});
  if (!members.ok()) return members.error();
  auto start = optional_date(value, "start");
  if (!start.ok()) return start.error();
  if (!*start) return Reason{"schedule.start is required with a rule"};
  s.start = **start;
  auto end = optional_date(value, "end");
  if (!end.ok()) return end.error();
  s.end = *end;
  if (s.end && *s.end < s.start) {
    return Reason{"schedule.end " + *s.end + " is before schedule.start " + s.start};
  }
  if (days) {
    const auto list = value.find("days");
    auto parsed = parse_days(list == value.end() ? json() : *list);
    if (!parsed.ok()) return parsed.error();
    s.days = *std::move(parsed);
  }
  return s;
}

bool rule_day_matches(const Schedule& s, Weekday day) {
  if (s.rule == kRuleDaily) return true;
  if (s.rule == kRuleWeekdays) return day <= Weekday::fri;
  if (s.rule == kRuleDays) return std::find(s.days.begin(), s.days.end(), day) != s.days.end();
  return false;
}

// A required string member of the definition, 1..max bytes.
Expected<std::string> sized_text(const json& doc, std::string_view name, std::size_t max) {
  auto value = optional_string(doc, name, name);
  if (!value.ok()) return value.error();
  if (!*value) return Reason{std::string(name) + " is required"};
  if ((*value)->empty() || (*value)->size() > max) {
    return Reason{std::string(name) + " must be 1 to " + std::to_string(max) + " bytes"};
  }
  return **std::move(value);
}

std::string known_placeholders() {
  std::string out;
  for (const auto p : kPlaceholders)
    out.append(out.empty() ? "" : ", ").append("{{").append(p) += "}}";
  return out;
}

Expected<void> check_placeholders(std::string_view what, std::string_view text) {
  if (const auto unknown = unknown_placeholder(text)) {
    return Reason{std::string(what) + " uses the unknown placeholder " + *unknown +
                  "; known: " + known_placeholders()};
  }
  return {};
}

Expected<void> check_segment_configured(std::string_view segment, const AuthoringRules& rules) {
  if (std::find(rules.segments.begin(), rules.segments.end(), segment) != rules.segments.end()) {
    return {};
  }
  std::string list;
  for (const auto& s : rules.segments) list.append(list.empty() ? "" : ", ").append(s);
  return Reason{"segment " + in_quotes(segment) + " is not configured; configured: " + list};
}

// The checks that need today: nothing before it, and at least one day still to come.
Expected<void> check_against_today(const Schedule& s, std::string_view today) {
  const std::string day(today);
  if (s.date && *s.date < day) {
    return Reason{"schedule.date " + *s.date + " is before today (" + day + ")"};
  }
  if (s.end && *s.end < day) {
    return Reason{"schedule.end " + *s.end + " is before today (" + day + ")"};
  }
  if (!first_day_from(s, today)) {
    return Reason{"schedule never occurs on or after today (" + day + ")"};
  }
  return {};
}

Expected<json> definition_document(std::string_view body) {
  if (body.size() > kMaxDefinitionBytes) {
    return Reason{"request body must be at most " + std::to_string(kMaxDefinitionBytes) + " bytes"};
  }
  if (csv::find_invalid_utf8(body)) return Reason{"request body must be valid UTF-8"};
  auto doc = util::parse_json(body);
  if (doc.is_discarded() || !doc.is_object()) return Reason{"request body must be a JSON object"};
  if (auto members =
          only_members(doc, "", {"notificationId", "title", "body", "segment", "schedule"});
      !members.ok()) {
    return members.error();
  }
  return doc;
}

Expected<void> check_body_id(const json& doc, std::string_view id) {
  auto in_body = optional_string(doc, "notificationId", "notificationId");
  if (!in_body.ok()) return in_body.error();
  if (*in_body && **in_body != id) {
    return Reason{"notificationId " + in_quotes(**in_body) +
                  " in the body differs from the path's " + in_quotes(id)};
  }
  return {};
}

}  // namespace

std::string_view weekday_name(Weekday day) {
  return kWeekdayNames[static_cast<std::size_t>(day)];
}

std::optional<Weekday> parse_weekday(std::string_view name) {
  for (std::size_t i = 0; i < kWeekdayNames.size(); ++i) {
    if (kWeekdayNames[i] == name) return static_cast<Weekday>(i);
  }
  return std::nullopt;
}

std::optional<Weekday> weekday_of(std::string_view date) {
  const auto days = day_number(date);
  if (!days) return std::nullopt;
  // 1970-01-01 was a Thursday (index 3 from Monday); floor modulo for days before it.
  const std::int64_t index = ((*days + 3) % kWeekLength + kWeekLength) % kWeekLength;
  return static_cast<Weekday>(index);
}

std::optional<std::string> next_day(std::string_view date) {
  const auto days = day_number(date);
  if (!days) return std::nullopt;
  std::string next = date_of_day_number(*days + 1);
  if (!parse_date(next)) return std::nullopt;
  return next;
}

Expected<Schedule> parse_schedule(const json& value) {
  if (!value.is_object()) return Reason{"schedule must be an object"};
  const bool has_date = value.contains("date");
  const bool has_rule = value.contains("rule");
  if (has_date && has_rule) return Reason{"schedule has either a date or a rule, not both"};
  if (!has_date && !has_rule) return Reason{"schedule needs a date or a rule"};
  return has_date ? parse_one_date(value) : parse_rule(value);
}

Expected<Schedule> parse_schedule_text(std::string_view json_text) {
  const auto doc = util::parse_json(json_text);
  if (doc.is_discarded()) return Reason{"schedule is not JSON"};
  return parse_schedule(doc);
}

json schedule_json(const Schedule& s) {
  if (s.date) return json{{"date", *s.date}};
  json out{{"rule", s.rule}, {"start", s.start}};
  if (s.end) out["end"] = *s.end;
  if (s.rule == kRuleDays) {
    json days = json::array();
    for (const auto d : s.days) days.push_back(std::string(weekday_name(d)));
    out["days"] = std::move(days);
  }
  return out;
}

std::string schedule_text(const Schedule& s) {
  // nlohmann::json keeps members in name order, so the text is the same for equal schedules.
  return util::to_json(schedule_json(s));
}

bool occurs_on(const Schedule& s, std::string_view date) {
  if (!parse_date(date)) return false;
  if (s.date) return *s.date == date;
  if (date < std::string_view(s.start) || (s.end && date > std::string_view(*s.end))) return false;
  const auto day = weekday_of(date);
  return day && rule_day_matches(s, *day);
}

std::optional<std::string> first_day_from(const Schedule& s, std::string_view date) {
  if (!parse_date(date)) return std::nullopt;
  if (s.date) {
    if (*s.date < date) return std::nullopt;
    return s.date;
  }
  std::string day = std::max(std::string(date), s.start);
  for (int i = 0; i < kWeekLength; ++i) {
    if (s.end && day > *s.end) return std::nullopt;
    if (occurs_on(s, day)) return day;
    auto next = next_day(day);
    if (!next) return std::nullopt;
    day = *std::move(next);
  }
  return std::nullopt;
}

std::optional<std::string> last_day(const Schedule& s) {
  return s.date ? s.date : s.end;
}

std::optional<std::chrono::sys_seconds> definition_expiry(const Schedule& s) {
  const auto last = last_day(s);
  if (!last) return std::nullopt;
  return run_marker_expiry(*last);  // the same 90 days after 00:00 UTC of the day
}

std::optional<std::string> unknown_placeholder(std::string_view text) {
  std::size_t from = 0;
  while (true) {
    const std::size_t close = text.find("}}", from);
    if (close == std::string_view::npos) return std::nullopt;
    // The innermost "{{" before the "}}" and after the last placeholder: "{{{x}}}" names x.
    const std::size_t open = text.substr(0, close).rfind("{{");
    if (open != std::string_view::npos && open >= from) {
      const std::string_view name = text.substr(open + 2, close - open - 2);
      if (std::find(std::begin(kPlaceholders), std::end(kPlaceholders), name) ==
          std::end(kPlaceholders)) {
        return "{{" + std::string(name) + "}}";
      }
    }
    from = close + 2;
  }
}

Expected<Definition> parse_definition(std::string_view id, std::string_view body,
                                      const AuthoringRules& rules) {
  auto doc = definition_document(body);
  if (!doc.ok()) return doc.error();
  if (auto checked = check_notification_id(id); !checked.ok()) return checked.error();
  if (auto same = check_body_id(*doc, id); !same.ok()) return same.error();
  Definition d;
  d.id = std::string(id);
  auto title = sized_text(*doc, "title", kMaxTitleBytes);
  if (!title.ok()) return title.error();
  d.title = *std::move(title);
  auto text = sized_text(*doc, "body", kMaxBodyBytes);
  if (!text.ok()) return text.error();
  d.body = *std::move(text);
  if (auto p = check_placeholders("title", d.title); !p.ok()) return p.error();
  if (auto p = check_placeholders("body", d.body); !p.ok()) return p.error();
  auto segment = optional_string(*doc, "segment", "segment");
  if (!segment.ok()) return segment.error();
  if (!*segment) return Reason{"segment is required"};
  d.segment = **segment;
  if (auto c = check_segment_configured(d.segment, rules); !c.ok()) return c.error();
  const auto schedule = doc->find("schedule");
  if (schedule == doc->end()) return Reason{"schedule is required"};
  auto parsed = parse_schedule(*schedule);
  if (!parsed.ok()) return parsed.error();
  d.schedule = *std::move(parsed);
  if (auto t = check_against_today(d.schedule, rules.today); !t.ok()) return t.error();
  return d;
}

Expected<std::vector<std::string>> parse_segment_names(std::string_view csv) {
  std::vector<std::string> names;
  while (!csv.empty()) {
    const std::size_t comma = csv.find(',');
    const std::string_view name = util::trim(csv.substr(0, comma));
    csv = comma == std::string_view::npos ? std::string_view{} : csv.substr(comma + 1);
    if (name.empty()) continue;
    if (auto ok = check_segment(name); !ok.ok()) return ok.error();
    names.emplace_back(name);
  }
  if (names.empty()) return Reason{"no segment is configured"};
  return names;
}

}  // namespace dn::core
