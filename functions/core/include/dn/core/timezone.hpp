// Time zones without a time zone database: a TZif file's bytes (RFC 8536, versions 1-4) or a
// POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") are parsed into a TimeZone that answers "what
// is the UTC offset at this instant" and "which local day is it". The caller reads the file; this
// code only looks at bytes, so malformed input is an error value, never undefined behaviour.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/expected.hpp"

namespace dn::core {

using Instant = std::chrono::sys_seconds;

inline constexpr std::int64_t kSecondsPerDay = 86400;

// What applies at one instant.
struct LocalTimeType {
  std::int32_t utc_offset = 0;  // seconds east of UTC
  bool is_dst = false;
  std::string abbreviation{};  // "GMT", "BST", "+0530"
};

// A POSIX TZ rule (the TZif v2+ footer), with the RFC 8536 v3 extensions: rule times from -167
// to 167 hours, so all-year DST can be written.
class PosixTz {
 public:
  // std offset [dst [offset] [,start[/time],end[/time]]]; a zone with DST but no rule gets the
  // US rule ",M3.2.0,M11.1.0" (what tzcode does when no posixrules file is present).
  static Expected<PosixTz> parse(std::string_view text);

  [[nodiscard]] LocalTimeType at(Instant instant) const;
  [[nodiscard]] bool has_dst() const { return dst_.has_value(); }

  // One transition date: Jn (1-365, Feb 29 never counted), n (0-365) or Mm.w.d.
  struct Date {
    enum class Kind { julian_no_leap, julian_zero, month_week_day };
    Kind kind = Kind::month_week_day;
    int day = 0;  // n, or d (0 = Sunday) for Mm.w.d
    int month = 0;
    int week = 0;              // 1-5, 5 = the last such weekday of the month
    std::int32_t time = 7200;  // seconds after local midnight, -167h..167h
  };

 private:
  LocalTimeType std_{};
  std::optional<LocalTimeType> dst_{};
  Date start_{};
  Date end_{};
};

class TimeZone {
 public:
  // A TZif file, any version. Uses the 64-bit section of v2+ files and their footer rule for
  // instants past the last transition. Leap-second files ("right/" zones) are refused.
  static Expected<TimeZone> from_tzif(std::string_view bytes);
  // A zone defined only by a POSIX TZ string, e.g. "<+0530>-5:30" or "UTC0".
  static Expected<TimeZone> from_posix(std::string_view text);
  static TimeZone utc();

  [[nodiscard]] LocalTimeType at(Instant instant) const;
  [[nodiscard]] std::chrono::seconds utc_offset(Instant instant) const {
    return std::chrono::seconds(at(instant).utc_offset);
  }
  [[nodiscard]] std::size_t transition_count() const { return transitions_.size(); }
  [[nodiscard]] bool has_footer() const { return footer_.has_value(); }

 private:
  TimeZone() = default;  // only the factories make one, so there is always a time type

  struct Transition {
    std::int64_t at = 0;  // seconds since the epoch, UTC
    std::uint8_t type = 0;
  };
  std::vector<Transition> transitions_{};
  std::vector<LocalTimeType> types_{};
  std::optional<PosixTz> footer_{};
};

// The local calendar day at `instant` in `zone`, as YYYY-MM-DD; nullopt when that day falls
// outside the years 0000-9999 (so every instant is safe to pass).
std::optional<std::string> local_date(Instant instant, const TimeZone& zone);

// Days since 1970-01-01 <-> proleptic Gregorian (year, month 1-12, day 1-31).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
struct Civil {
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
};
Civil civil_from_days(std::int64_t days);

}  // namespace dn::core
