// Temporal formats and double precision values (see dn/core/csv_formats.hpp).
#include "dn/core/csv_formats.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

#include "dn/util/text.hpp"

namespace dn::core::csv {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays.at(static_cast<std::size_t>(m - 1));
}

constexpr std::array<std::string_view, 12> kMonths{"january",   "february", "march",    "april",
                                                   "may",       "june",     "july",     "august",
                                                   "september", "october",  "november", "december"};

// Reads min..max digits at pos.
bool digits(std::string_view s, std::size_t& pos, std::size_t min, std::size_t max, int& out) {
  std::size_t n = 0;
  int v = 0;
  while (pos + n < s.size() && n < max && util::is_digit(s[pos + n])) {
    v = v * 10 + (s[pos + n] - '0');
    ++n;
  }
  if (n < min) return false;
  pos += n;
  out = v;
  return true;
}

bool starts_with_ci(std::string_view s, std::size_t pos, std::string_view word) {
  if (s.size() - pos < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(s[pos + i]) != word[i]) return false;
  }
  return true;
}

// A month name, full or abbreviated to three letters ("Sept" too). The full name is tried first so
// that "March" is not read as "Mar" followed by "ch".
bool month_name(std::string_view s, std::size_t& pos, int& month) {
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    const auto full = kMonths.at(i);
    for (const auto word :
         {full, i == 8 ? std::string_view("sept") : std::string_view(), full.substr(0, 3)}) {
      if (!word.empty() && starts_with_ci(s, pos, word)) {
        pos += word.size();
        month = static_cast<int>(i) + 1;
        return true;
      }
    }
  }
  return false;
}

bool offset(std::string_view s, std::size_t& pos, int& minutes) {
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
    minutes = 0;
    return true;
  }
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  const int sign = s[pos++] == '-' ? -1 : 1;
  int h = 0;
  int m = 0;
  if (!digits(s, pos, 2, 2, h)) return false;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!digits(s, pos, 2, 2, m)) return false;
  } else if (pos < s.size() && util::is_digit(s[pos])) {
    if (!digits(s, pos, 2, 2, m)) return false;
  }
  minutes = sign * (h * 60 + m);
  // Out of range (PostgreSQL allows +-15:59) is a shape mismatch: nothing else could parse it.
  return h <= 15 && m <= 59;
}

bool zone_name(std::string_view s, std::size_t& pos) {
  for (const std::string_view name : {"utc", "gmt", "z"}) {
    if (starts_with_ci(s, pos, name)) {
      pos += name.size();
      return true;
    }
  }
  return false;
}

// The fields a format can fill, and the conversions that fill each.
enum Field : std::uint8_t { Year, Month, Day, Hour, Hour12, AmPm, Minute, Second, Fraction, Zone };
constexpr std::array<std::string_view, 10> kFieldSpecs{"Yy", "mbBh", "de", "H", "I",
                                                       "p",  "M",    "S",  "f", "zZ"};

struct FieldCount {
  std::array<int, kFieldSpecs.size()> n{};
  [[nodiscard]] bool has(Field f) const { return n.at(f) > 0; }
};

// Counts the fields of a format; the reason when a conversion is unknown or a field repeats.
Expected<void> count_fields(std::string_view format, FieldCount& count) {
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 >= format.size()) return Reason{"ends with a lone %"};
    const char spec = format[++i];
    if (spec == '%') continue;
    const auto field = std::find_if(kFieldSpecs.begin(), kFieldSpecs.end(), [&](auto specs) {
      return specs.find(spec) != std::string_view::npos;
    });
    if (field == kFieldSpecs.end()) return Reason{"unknown conversion %" + std::string(1, spec)};
    if (++count.n.at(static_cast<std::size_t>(field - kFieldSpecs.begin())) > 1) {
      return Reason{"a field appears twice"};
    }
  }
  return {};
}

bool any_time(const FieldCount& c) {
  return c.has(Hour) || c.has(Hour12) || c.has(AmPm) || c.has(Minute) || c.has(Second) ||
         c.has(Fraction);
}

// What the time of day of a timestamp needs (a zone is checked per type).
Expected<void> time_rules(const FieldCount& c) {
  if (c.has(Hour) && (c.has(Hour12) || c.has(AmPm))) return Reason{": %H with %I/%p"};
  if (c.has(Hour12) != c.has(AmPm)) return Reason{": %I and %p go together"};
  if (any_time(c) && !c.has(Hour) && !c.has(Hour12)) return Reason{": a time needs an hour"};
  if ((c.has(Second) && !c.has(Minute)) || (c.has(Fraction) && !c.has(Second))) {
    return Reason{": seconds need minutes, a fraction needs seconds"};
  }
  return {};
}

// Conversions of the date, the time of day and the zone: each reads its field at pos, or
// returns nullopt for a conversion it does not know.
std::optional<bool> read_date(char spec, std::string_view s, std::size_t& pos, DateTime& out) {
  switch (spec) {
    case 'Y':
      return digits(s, pos, 4, 4, out.year);
    case 'y':
      if (!digits(s, pos, 2, 2, out.year)) return false;
      out.year += out.year < 69 ? 2000 : 1900;
      return true;
    case 'm':
      return digits(s, pos, 1, 2, out.month);
    case 'b':
    case 'B':
    case 'h':
      return month_name(s, pos, out.month);
    case 'e':
      if (pos < s.size() && s[pos] == ' ') ++pos;
      return digits(s, pos, 1, 2, out.day);
    case 'd':
      return digits(s, pos, 1, 2, out.day);
    default:
      return std::nullopt;
  }
}

struct Clock12 {
  int hour = -1;  // %I, -1 when absent
  int pm = -1;    // %p: 1 PM, 0 AM
};

std::optional<bool> read_time(char spec, std::string_view s, std::size_t& pos, DateTime& out,
                              Clock12& clock) {
  switch (spec) {
    case 'H':
      return digits(s, pos, 1, 2, out.hour);
    case 'I':
      return digits(s, pos, 1, 2, clock.hour);
    case 'p':
      if (!starts_with_ci(s, pos, "am") && !starts_with_ci(s, pos, "pm")) return false;
      clock.pm = lower(s[pos]) == 'p' ? 1 : 0;
      pos += 2;
      return true;
    case 'M':
      return digits(s, pos, 2, 2, out.minute);
    case 'S':
      return digits(s, pos, 2, 2, out.second);
    case 'f': {
      const std::size_t start = pos;
      while (pos < s.size() && pos - start < 9 && util::is_digit(s[pos])) ++pos;
      out.fraction.assign(s.substr(start, pos - start));
      return pos > start && (pos >= s.size() || !util::is_digit(s[pos]));
    }
    default:
      return std::nullopt;
  }
}

std::optional<bool> read_zone(char spec, std::string_view s, std::size_t& pos, DateTime& out) {
  switch (spec) {
    case 'z':
      out.has_offset = true;
      return offset(s, pos, out.offset_minutes);
    case 'Z':
      out.has_offset = true;
      return zone_name(s, pos);
    case '%':
      return pos < s.size() && s[pos++] == '%';
    default:
      return std::nullopt;
  }
}

// A literal of the format at pos: a space takes one or more spaces, a letter any case.
bool read_literal(char f, std::string_view s, std::size_t& pos) {
  if (pos >= s.size()) return false;
  if (f == ' ') {
    if (s[pos] != ' ') return false;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    return true;
  }
  return lower(s[pos++]) == lower(f);
}

FormatMatch calendar_check(DateTime& out, const Clock12& clock) {
  if (clock.hour >= 0) {
    if (clock.hour < 1 || clock.hour > 12 || clock.pm < 0) return FormatMatch::Invalid;
    out.hour = clock.hour % 12 + (clock.pm == 1 ? 12 : 0);
  }
  const bool date_ok = out.year >= 1 && out.month >= 1 && out.month <= 12 && out.day >= 1 &&
                       out.day <= days_in_month(out.year, out.month);
  const bool time_ok = out.hour <= 23 && out.minute <= 59 && out.second <= 59;
  return date_ok && time_ok ? FormatMatch::Ok : FormatMatch::Invalid;
}

// NaN, Infinity, -Infinity, inf (any case) as PostgreSQL writes them.
bool special_double(std::string_view body, bool signed_value, bool negative, std::string& out) {
  std::string word(body);
  for (char& c : word) c = lower(c);
  if (word == "nan" && !signed_value) {
    out = "NaN";
    return true;
  }
  if (word == "infinity" || word == "inf") {
    out = negative ? "-Infinity" : "Infinity";
    return true;
  }
  return false;
}

// [digits][.digits][(e|E)[+-]digits] with at least one mantissa digit.
bool decimal_or_scientific(std::string_view body) {
  std::size_t pos = 0;
  std::size_t mantissa = 0;
  const auto digit_run = [&] {
    std::size_t n = 0;
    while (pos < body.size() && util::is_digit(body[pos])) ++pos, ++n;
    return n;
  };
  mantissa += digit_run();
  if (pos < body.size() && body[pos] == '.') {
    ++pos;
    mantissa += digit_run();
  }
  if (mantissa > 0 && pos < body.size() && (body[pos] == 'e' || body[pos] == 'E')) {
    ++pos;
    if (pos < body.size() && (body[pos] == '+' || body[pos] == '-')) ++pos;
    if (digit_run() == 0) return false;
  }
  return mantissa > 0 && pos == body.size();
}

void append_2(std::string& out, int v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}

void append_time(std::string& out, const DateTime& v) {
  append_2(out, v.hour);
  out += ':';
  append_2(out, v.minute);
  out += ':';
  append_2(out, v.second);
  if (!v.fraction.empty()) {
    out += '.';
    out += v.fraction;
  }
}

}  // namespace

FormatMatch parse_datetime(std::string_view format, std::string_view s, DateTime& out) {
  out = DateTime{};
  std::size_t pos = 0;
  Clock12 clock;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      if (!read_literal(format[i], s, pos)) return FormatMatch::NoMatch;
      continue;
    }
    const char spec = format[++i];
    auto ok = read_date(spec, s, pos, out);
    if (!ok) ok = read_time(spec, s, pos, out, clock);
    if (!ok) ok = read_zone(spec, s, pos, out);
    if (!ok.value_or(false)) return FormatMatch::NoMatch;
  }
  if (pos != s.size()) return FormatMatch::NoMatch;
  return calendar_check(out, clock);
}

Expected<void> format_problem(ColumnType type, std::string_view format) {
  if (type != ColumnType::Date && type != ColumnType::Timestamp &&
      type != ColumnType::Timestamptz) {
    return Reason{"formats apply only to date, timestamp and timestamptz columns"};
  }
  const std::string quoted = "format '" + std::string(format) + "'";
  FieldCount c;
  if (auto why = count_fields(format, c); !why.ok())
    return Reason{quoted + ": " + why.error().text};
  if (!c.has(Year) || !c.has(Month) || !c.has(Day))
    return Reason{quoted + " needs a year, a month and a day"};
  if (type == ColumnType::Date) {
    if (any_time(c) || c.has(Zone)) return Reason{quoted + ": a date has no time or time zone"};
    return {};
  }
  if (auto why = time_rules(c); !why.ok()) return Reason{quoted + why.error().text};
  if (type == ColumnType::Timestamp && c.has(Zone)) {
    return Reason{quoted + ": a timestamp has no time zone (use timestamptz)"};
  }
  if (type == ColumnType::Timestamptz && !c.has(Zone)) {
    return Reason{quoted + ": a timestamptz needs %z or %Z (the offset)"};
  }
  return {};
}

std::string iso_date(const DateTime& v) {
  std::string out;
  out += static_cast<char>('0' + v.year / 1000);
  out += static_cast<char>('0' + (v.year / 100) % 10);
  append_2(out, v.year % 100);
  out += '-';
  append_2(out, v.month);
  out += '-';
  append_2(out, v.day);
  return out;
}

std::string iso_timestamp(const DateTime& v) {
  std::string out = iso_date(v);
  out += ' ';
  append_time(out, v);
  return out;
}

std::string iso_timestamptz(const DateTime& v) {
  std::string out = iso_date(v);
  out += 'T';
  append_time(out, v);
  const int total = v.offset_minutes < 0 ? -v.offset_minutes : v.offset_minutes;
  out += v.offset_minutes < 0 ? '-' : '+';
  append_2(out, total / 60);
  out += ':';
  append_2(out, total % 60);
  return out;
}

Expected<void> check_double(std::string_view v, std::string& out) {
  std::string_view body = v;
  const bool signed_value = !body.empty() && (body.front() == '+' || body.front() == '-');
  const bool negative = signed_value && body.front() == '-';
  if (signed_value) body.remove_prefix(1);
  if (special_double(body, signed_value, negative, out)) return {};
  if (!decimal_or_scientific(body)) return Reason{"not a number"};
  double value = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec == std::errc::result_out_of_range) return Reason{"out of range for double precision"};
  if (ec != std::errc() || ptr != body.data() + body.size()) return Reason{"not a number"};
  out.clear();
  if (negative) out += '-';
  out.append(body);
  return {};
}

}  // namespace dn::core::csv
