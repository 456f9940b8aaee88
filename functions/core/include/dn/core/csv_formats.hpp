// Value formats of the contract's temporal and floating-point types, pure: text in, a verdict and
// the form PostgreSQL reads out. Used by the validator (csv_validate.cpp) and by contract
// inference (csv_infer.cpp), so an inferred contract accepts exactly what it was inferred from.
//
// A format is strftime-like; each conversion appears at most once:
//   %Y  4-digit year            %y  2-digit year (69-99 -> 19xx, 00-68 -> 20xx, as POSIX)
//   %m  month, 1-2 digits       %b %B %h  English month name, full or 3-letter, any case
//   %d  day, 1-2 digits         %e  day, 1-2 digits, may be preceded by one space
//   %H  hour 0-23, 1-2 digits   %I  hour 1-12, 1-2 digits (needs %p)   %p  AM/PM, any case
//   %M  minute, 2 digits        %S  second, 2 digits      %f  fraction of a second, 1-9 digits
//   %z  offset Z, +HH, +HHMM or +HH:MM                    %Z  zone name UTC, GMT or Z
//   %%  a literal %
// A space matches one or more spaces; any other character matches itself (letters in any case).
// The whole value must match.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dn/core/csv.hpp"
#include "dn/core/expected.hpp"

namespace dn::core::csv {

struct DateTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::string fraction{};  // digits after the decimal point, as written (PostgreSQL rounds)
  bool has_offset = false;
  int offset_minutes = 0;  // east of UTC
};

enum class FormatMatch : std::uint8_t {
  Ok,
  NoMatch,  // the value does not have the format's shape
  Invalid,  // it has the shape but names no calendar date or time (31 February, 25:00)
};

FormatMatch parse_datetime(std::string_view format, std::string_view value, DateTime& out);

// Why `format` cannot be used for a column of `type` (a date needs a year, month and day and no
// time; a timestamp no offset; a timestamptz an offset), or ok when it can.
Expected<void> format_problem(ColumnType type, std::string_view format);

// The forms written for COPY: 2001-01-05, 2001-01-05 13:00:00[.f], 2001-01-05T13:00:00[.f]+05:30.
std::string iso_date(const DateTime& value);
std::string iso_timestamp(const DateTime& value);
std::string iso_timestamptz(const DateTime& value);

// A finite decimal or scientific number in double precision's range, or NaN / Infinity /
// -Infinity (any case, also inf): ok, and `out` gets the form PostgreSQL reads; else the Reason.
Expected<void> check_double(std::string_view value, std::string& out);

}  // namespace dn::core::csv
