// Temporal formats and double precision values (see dn/core/csv_formats.hpp).
#include "dn/core/csv_formats.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <string>
#include <system_error>

namespace dn::core::csv {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

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
  while (pos + n < s.size() && n < max && is_digit(s[pos + n])) {
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
  } else if (pos < s.size() && is_digit(s[pos])) {
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

struct Fields {
  bool year = false;
  bool month = false;
  bool day = false;
  bool hour = false;
  bool hour12 = false;
  bool ampm = false;
  bool minute = false;
  bool second = false;
  bool fraction = false;
  bool zone = false;
};

// Walks the format, calling on(spec) for each conversion; false when a spec is unknown.
template <typename On>
bool walk(std::string_view format, On&& on) {
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 >= format.size()) return false;
    if (!on(format[++i])) return false;
  }
  return true;
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
  int hour12 = -1;
  int pm = -1;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char f = format[i];
    if (f == ' ') {
      if (pos >= s.size() || s[pos] != ' ') return FormatMatch::NoMatch;
      while (pos < s.size() && s[pos] == ' ') ++pos;
      continue;
    }
    if (f != '%' || i + 1 >= format.size()) {
      if (pos >= s.size() || lower(s[pos]) != lower(f)) return FormatMatch::NoMatch;
      ++pos;
      continue;
    }
    bool ok = true;
    switch (format[++i]) {
      case 'Y':
        ok = digits(s, pos, 4, 4, out.year);
        break;
      case 'y':
        ok = digits(s, pos, 2, 2, out.year);
        out.year += out.year < 69 ? 2000 : 1900;
        break;
      case 'm':
        ok = digits(s, pos, 1, 2, out.month);
        break;
      case 'b':
      case 'B':
      case 'h':
        ok = month_name(s, pos, out.month);
        break;
      case 'e':
        if (pos < s.size() && s[pos] == ' ') ++pos;
        [[fallthrough]];
      case 'd':
        ok = digits(s, pos, 1, 2, out.day);
        break;
      case 'H':
        ok = digits(s, pos, 1, 2, out.hour);
        break;
      case 'I':
        ok = digits(s, pos, 1, 2, hour12);
        break;
      case 'p':
        if (starts_with_ci(s, pos, "am") || starts_with_ci(s, pos, "pm")) {
          pm = lower(s[pos]) == 'p' ? 1 : 0;
          pos += 2;
        } else {
          ok = false;
        }
        break;
      case 'M':
        ok = digits(s, pos, 2, 2, out.minute);
        break;
      case 'S':
        ok = digits(s, pos, 2, 2, out.second);
        break;
      case 'f': {
        const std::size_t start = pos;
        while (pos < s.size() && pos - start < 9 && is_digit(s[pos])) ++pos;
        ok = pos > start && (pos >= s.size() || !is_digit(s[pos]));
        out.fraction.assign(s.substr(start, pos - start));
        break;
      }
      case 'z':
        ok = offset(s, pos, out.offset_minutes);
        out.has_offset = true;
        break;
      case 'Z':
        ok = zone_name(s, pos);
        out.has_offset = true;
        break;
      case '%':
        ok = pos < s.size() && s[pos] == '%';
        ++pos;
        break;
      default:
        ok = false;
    }
    if (!ok) return FormatMatch::NoMatch;
  }
  if (pos != s.size()) return FormatMatch::NoMatch;
  if (hour12 >= 0) {
    if (hour12 < 1 || hour12 > 12 || pm < 0) return FormatMatch::Invalid;
    out.hour = hour12 % 12 + (pm == 1 ? 12 : 0);
  }
  if (out.year < 1 || out.month < 1 || out.month > 12 || out.day < 1 ||
      out.day > days_in_month(out.year, out.month) || out.hour > 23 || out.minute > 59 ||
      out.second > 59) {
    return FormatMatch::Invalid;
  }
  return FormatMatch::Ok;
}

std::optional<std::string> format_problem(ColumnType type, std::string_view format) {
  if (type != ColumnType::Date && type != ColumnType::Timestamp &&
      type != ColumnType::Timestamptz) {
    return "formats apply only to date, timestamp and timestamptz columns";
  }
  Fields seen;
  bool twice = false;
  char unknown = 0;
  const auto mark = [&](bool& field) {
    twice = twice || field;
    field = true;
    return true;
  };
  const bool known = walk(format, [&](char spec) {
    switch (spec) {
      case 'Y':
      case 'y':
        return mark(seen.year);
      case 'm':
      case 'b':
      case 'B':
      case 'h':
        return mark(seen.month);
      case 'd':
      case 'e':
        return mark(seen.day);
      case 'H':
        return mark(seen.hour);
      case 'I':
        return mark(seen.hour12);
      case 'p':
        return mark(seen.ampm);
      case 'M':
        return mark(seen.minute);
      case 'S':
        return mark(seen.second);
      case 'f':
        return mark(seen.fraction);
      case 'z':
      case 'Z':
        return mark(seen.zone);
      case '%':
        return true;
      default:
        unknown = spec;
        return false;
    }
  });
  const std::string quoted = "format '" + std::string(format) + "'";
  if (!known) {
    return unknown != 0 ? quoted + ": unknown conversion %" + std::string(1, unknown)
                        : quoted + ": ends with a lone %";
  }
  if (twice) return quoted + ": a field appears twice";
  if (!seen.year || !seen.month || !seen.day) return quoted + " needs a year, a month and a day";
  const bool any_time =
      seen.hour || seen.hour12 || seen.ampm || seen.minute || seen.second || seen.fraction;
  if (type == ColumnType::Date) {
    if (any_time || seen.zone) return quoted + ": a date has no time or time zone";
    return std::nullopt;
  }
  if (seen.hour && (seen.hour12 || seen.ampm)) return quoted + ": %H with %I/%p";
  if (seen.hour12 != seen.ampm) return quoted + ": %I and %p go together";
  if (any_time && !(seen.hour || seen.hour12)) return quoted + ": a time needs an hour";
  if ((seen.second && !seen.minute) || (seen.fraction && !seen.second)) {
    return quoted + ": seconds need minutes, a fraction needs seconds";
  }
  if (type == ColumnType::Timestamp && seen.zone) {
    return quoted + ": a timestamp has no time zone (use timestamptz)";
  }
  if (type == ColumnType::Timestamptz && !seen.zone) {
    return quoted + ": a timestamptz needs %z or %Z (the offset)";
  }
  return std::nullopt;
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

std::optional<std::string> check_double(std::string_view v, std::string& out) {
  std::string_view body = v;
  const bool negative = !body.empty() && body.front() == '-';
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
  std::string word(body);
  for (char& c : word) c = lower(c);
  if (word == "nan" && body.size() == v.size()) {
    out = "NaN";
    return std::nullopt;
  }
  if (word == "infinity" || word == "inf") {
    out = negative ? "-Infinity" : "Infinity";
    return std::nullopt;
  }
  // [digits][.digits][(e|E)[+-]digits] with at least one mantissa digit.
  std::size_t pos = 0;
  std::size_t mantissa = 0;
  while (pos < body.size() && is_digit(body[pos])) ++pos, ++mantissa;
  if (pos < body.size() && body[pos] == '.') {
    ++pos;
    while (pos < body.size() && is_digit(body[pos])) ++pos, ++mantissa;
  }
  if (mantissa > 0 && pos < body.size() && (body[pos] == 'e' || body[pos] == 'E')) {
    ++pos;
    if (pos < body.size() && (body[pos] == '+' || body[pos] == '-')) ++pos;
    const std::size_t start = pos;
    while (pos < body.size() && is_digit(body[pos])) ++pos;
    if (pos == start) mantissa = 0;
  }
  if (mantissa == 0 || pos != body.size()) return "not a number";
  double value = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ec == std::errc::result_out_of_range) return "out of range for double precision";
  if (ec != std::errc() || ptr != body.data() + body.size()) return "not a number";
  out.clear();
  if (negative) out += '-';
  out.append(body);
  return std::nullopt;
}

}  // namespace dn::core::csv
