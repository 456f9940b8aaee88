#include "dn/core/schedule.hpp"

#include <algorithm>
#include <set>

#include "dn/core/keys.hpp"
#include "dn/core/validate.hpp"
#include "dn/util/json.hpp"
#include "dn/util/names.hpp"
#include "dn/util/text.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

constexpr auto kDaySources =
    std::to_array<util::Name<DaySource>>({{DaySource::scheduled_time, "scheduledTime"},
                                          {DaySource::now, "now"},
                                          {DaySource::explicit_date, "date"}});
constexpr auto kClaimVerdicts =
    std::to_array<util::Name<ClaimVerdict>>({{ClaimVerdict::claim, "claim"},
                                             {ClaimVerdict::completed, "completed"},
                                             {ClaimVerdict::in_progress, "in_progress"}});

constexpr const char* kEventShape =
    R"(event must be an EventBridge Scheduler event {"source":"aws.scheduler","scheduledTime":...})"
    R"( or {"date":"YYYY-MM-DD","force":true|false})";

// The scheduler's literal context attribute, e.g. "<aws.scheduler.scheduled-time>", which a
// local emulator passes through unexpanded.
bool is_placeholder(std::string_view s) {
  return s.size() >= 2 && s.front() == '<' && s.back() == '>';
}

std::int64_t epoch(Instant t) {
  return t.time_since_epoch().count();
}

}  // namespace

std::string_view day_source_name(DaySource source) {
  return util::name_of(kDaySources, source);
}

std::optional<Instant> parse_timestamp(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters; the zone designator follows any fraction.
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  for (const std::size_t at : {0U, 5U, 8U, 11U, 14U, 17U}) {
    if (!util::all_digits(t.substr(at, at == 0 ? 4 : 2))) return std::nullopt;
  }
  const int year = util::decimal_value(t.substr(0, 4));
  const int month = util::decimal_value(t.substr(5, 2));
  const int day = util::decimal_value(t.substr(8, 2));
  const std::int64_t hour = util::decimal_value(t.substr(11, 2));
  const std::int64_t minute = util::decimal_value(t.substr(14, 2));
  const std::int64_t second = util::decimal_value(t.substr(17, 2));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const Civil check = civil_from_days(
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)));
  if (check.day != static_cast<unsigned>(day)) return std::nullopt;  // e.g. Feb 30
  std::string_view rest = t.substr(19);
  if (rest.front() == '.') {
    std::size_t k = 1;
    while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9') ++k;
    if (k == 1) return std::nullopt;
    rest.remove_prefix(k);
  }
  std::int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             util::all_digits(rest.substr(1, 2)) && util::all_digits(rest.substr(4, 2))) {
    const std::int64_t oh = util::decimal_value(rest.substr(1, 2));
    const std::int64_t om = util::decimal_value(rest.substr(4, 2));
    if (oh > 23 || om > 59) return std::nullopt;
    offset = (rest[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return Instant{
      std::chrono::seconds{days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset}};
}

std::string format_timestamp(Instant instant) {
  constexpr std::int64_t kMin = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  const std::int64_t t = std::clamp(epoch(instant), kMin, kMax);
  const std::int64_t days = (t - kMin) / kSecondsPerDay + kMin / kSecondsPerDay;
  const std::int64_t secs = t - days * kSecondsPerDay;
  const Civil c = civil_from_days(days);
  std::string out = "0000-00-00T00:00:00Z";
  auto put = [&out](std::size_t at, std::int64_t value, std::size_t width) {
    for (std::size_t k = 0; k < width; ++k, value /= 10) {
      out[at + width - 1 - k] = static_cast<char>('0' + value % 10);
    }
  };
  put(0, c.year, 4);
  put(5, c.month, 2);
  put(8, c.day, 2);
  put(11, secs / 3600, 2);
  put(14, secs / 60 % 60, 2);
  put(17, secs % 60, 2);
  return out;
}

Expected<RunDay> resolve_run_day(std::string_view event, Instant now, const TimeZone& zone) {
  const json j = dn::util::parse_json(event);
  if (j.is_discarded() || !j.is_object()) return Reason{kEventShape};

  RunDay day;
  if (const auto f = j.find("force"); f != j.end() && !f->is_null()) {
    if (!f->is_boolean()) return Reason{"force must be true or false"};
    day.force = f->get<bool>();
  }

  if (const auto d = j.find("date"); d != j.end()) {
    if (!d->is_string()) return Reason{"date must be a string written YYYY-MM-DD"};
    if (auto reason = check_date(d->get_ref<const std::string&>()); !reason.ok())
      return reason.error();
    day.date = d->get<std::string>();
    day.source = DaySource::explicit_date;
    return day;
  }

  const auto src = j.find("source");
  const auto st = j.find("scheduledTime");
  const bool scheduler = src != j.end() && src->is_string() && *src == "aws.scheduler";
  if (!scheduler && st == j.end()) return Reason{kEventShape};

  Instant instant = now;
  day.source = DaySource::now;
  if (st != j.end() && !st->is_null()) {
    if (!st->is_string()) return Reason{"scheduledTime must be a string"};
    const auto& text = st->get_ref<const std::string&>();
    if (!text.empty() && !is_placeholder(text)) {
      const auto parsed = parse_timestamp(text);
      if (!parsed) {
        return Reason{
            "scheduledTime must be an RFC 3339 timestamp such as "
            "2026-11-24T06:00:00Z"};
      }
      instant = *parsed;
      day.source = DaySource::scheduled_time;
    }
  }
  if (const auto ex = j.find("executionId"); ex != j.end() && ex->is_string()) {
    const auto& text = ex->get_ref<const std::string&>();
    if (!is_placeholder(text)) day.execution_id = text;
  }
  const auto local = local_date(instant, zone);
  if (!local || !check_date(*local).ok()) {
    return Reason{
        "the scheduled instant falls outside the supported days "
        "(2000-01-01..2999-12-31)"};
  }
  day.date = *local;
  return day;
}

std::string_view claim_verdict_name(ClaimVerdict verdict) {
  return util::name_of(kClaimVerdicts, verdict);
}

ClaimVerdict decide_claim(const std::optional<RunMarker>& stored, const RunClaim& claim) {
  if (claim.day.force || !stored) return ClaimVerdict::claim;
  if (stored->status == kRunCompleted) return ClaimVerdict::completed;
  if (stored->status == kRunFailed) return ClaimVerdict::claim;
  if (stored->status != kRunStarted) return ClaimVerdict::in_progress;  // unknown: never assume
  if (!claim.run_id.empty() && stored->run_id == claim.run_id) return ClaimVerdict::claim;
  return stored->lease_until < claim.started_at ? ClaimVerdict::claim : ClaimVerdict::in_progress;
}

std::string run_id_for(std::string_view execution_id, std::string_view request_id) {
  if (!execution_id.empty() && check_user_id(execution_id).ok()) return std::string(execution_id);
  return std::string(request_id);
}

std::optional<Instant> run_marker_expiry(std::string_view date) {
  const auto d = parse_date(date);
  if (!d) return std::nullopt;
  const std::int64_t days = days_from_civil(d->year, d->month, d->day) + kRunMarkerTtlDays;
  return Instant{std::chrono::seconds{days * kSecondsPerDay}};
}

DayMessages build_day_messages(std::string_view date, const std::vector<DayItem>& items) {
  DayMessages out;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const DayItem& item = items[i];
    const auto& sk = item.sk;
    const std::string key = sk ? *sk : "item " + std::to_string(i);
    auto skip = [&](std::string reason) { out.skipped.push_back({key, std::move(reason)}); };
    if (item.unreadable) {
      skip(*item.unreadable);
      continue;
    }
    std::string id;
    if (item.notification_id) {
      id = *item.notification_id;
    } else if (sk) {
      id = std::string(keys::strip_prefix(*sk, keys::kNotificationPrefix));
    }
    if (id.empty()) {
      skip("notificationId is missing");
      continue;
    }
    if (auto reason = check_notification_id(id); !reason.ok()) {
      skip(reason.error().text);
      continue;
    }
    if (sk && *sk != keys::notification_sk(id)) {
      skip("notificationId does not match the sort key");
      continue;
    }
    const auto& segment = item.segment;
    if (!segment) {
      skip("segment is missing");
      continue;
    }
    if (auto reason = check_segment(*segment); !reason.ok()) {
      skip(reason.error().text);
      continue;
    }
    if (!seen.insert(id).second) {
      skip("duplicate notificationId");
      continue;
    }
    out.messages.push_back(GenerateMessage{std::string(date), id, *segment});
  }
  return out;
}

}  // namespace dn::core
