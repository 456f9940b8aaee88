// Inference of one column's type from its sampled values (see csv_infer_types.hpp).
#include "csv_infer_types.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>

#include "dn/core/csv_formats.hpp"
#include "dn/util/text.hpp"

namespace dn::core::csv::infer {

namespace {

std::size_t digit_run(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < s.size() && util::is_digit(s[pos + n])) ++n;
  return n;
}

std::size_t space_run(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < s.size() && s[pos + n] == ' ') ++n;
  return n;
}

bool starts_with_ci(std::string_view s, std::size_t pos, std::string_view word) {
  if (s.size() < pos + word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[pos + i])) != word[i]) return false;
  }
  return true;
}

// "%B" for a full English month name at pos, "%b" for a three-letter one (pos advanced), or "".
std::string month_spec(std::string_view s, std::size_t& pos) {
  static constexpr std::array<std::string_view, 12> kMonths{
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  for (const auto full : kMonths) {
    if (starts_with_ci(s, pos, full)) {
      pos += full.size();
      return full.size() == 3 ? "%b" : "%B";  // "may" is both
    }
  }
  for (const auto full : kMonths) {
    if (starts_with_ci(s, pos, full.substr(0, 3))) {
      pos += 3;
      if (full == "september" && starts_with_ci(s, pos, "t")) ++pos;  // "Sept"
      return "%b";
    }
  }
  return "";
}

std::string month_names_as_b(std::string format) {
  for (auto at = format.find("%B"); at != std::string::npos; at = format.find("%B", at)) {
    format[at + 1] = 'b';
  }
  return format;
}

bool is_date_separator(char c) {
  return c == '-' || c == '/' || c == '.';
}

struct DatePart {
  std::string format;
  Order order;
  std::size_t end;
};

std::string year_spec(std::size_t digits) {
  return digits == 4 ? "%Y" : digits == 2 ? "%y" : "";
}

// 2015-01-31, 2015/1/31, 2015.01.31, 2001-Jan-05
void year_first(std::string_view s, std::vector<DatePart>& out) {
  if (s.size() < 6 || !is_date_separator(s[4])) return;
  const std::string c(1, s[4]);
  std::size_t pos = 5;
  std::string month;
  if (const auto m = digit_run(s, pos); m == 1 || m == 2) {
    month = "%m";
    pos += m;
  } else {
    month = month_spec(s, pos);
  }
  if (month.empty() || pos >= s.size() || s[pos] != c[0]) return;
  const auto d = digit_run(s, ++pos);
  if (d == 1 || d == 2) out.push_back({"%Y" + c + month + c + "%d", Order::Fixed, pos + d});
}

// 31/01/2015 or 01/31/2015 (both offered), 5.1.15, 05-Jan-2001, 5 January 2001
void day_or_month_first(std::string_view s, std::size_t n, std::vector<DatePart>& out) {
  std::size_t pos = n;
  if (pos < s.size() && is_date_separator(s[pos])) {
    const std::string c(1, s[pos++]);
    if (const auto m = digit_run(s, pos); m == 1 || m == 2) {
      pos += m;
      if (pos >= s.size() || s[pos] != c[0]) return;
      const auto y = digit_run(s, ++pos);
      if (const auto ys = year_spec(y); !ys.empty()) {
        out.push_back({"%d" + c + "%m" + c + ys, Order::DayFirst, pos + y});
        out.push_back({"%m" + c + "%d" + c + ys, Order::MonthFirst, pos + y});
      }
      return;
    }
    const auto month = month_spec(s, pos);
    if (month.empty() || pos >= s.size() || s[pos] != c[0]) return;
    const auto y = digit_run(s, ++pos);
    if (const auto ys = year_spec(y); !ys.empty()) {
      out.push_back({"%d" + c + month + c + ys, Order::Fixed, pos + y});
    }
    return;
  }
  const auto sp = space_run(s, pos);
  if (sp == 0) return;
  pos += sp;
  const auto month = month_spec(s, pos);
  if (month.empty()) return;
  std::string comma = pos < s.size() && s[pos] == ',' ? "," : "";
  pos += comma.size();
  const auto sp2 = space_run(s, pos);
  if (sp2 == 0 || digit_run(s, pos + sp2) != 4) return;
  out.push_back({"%d " + month + comma + " %Y", Order::Fixed, pos + sp2 + 4});
}

// Jan 5 2001, January 5, 2001, Jan-05-2001
void month_name_first(std::string_view s, std::vector<DatePart>& out) {
  std::size_t pos = 0;
  const auto month = month_spec(s, pos);
  if (month.empty() || pos >= s.size()) return;
  const bool dash = s[pos] == '-';
  const auto sp = dash ? 1 : space_run(s, pos);
  if (sp == 0) return;
  pos += sp;
  const auto d = digit_run(s, pos);
  if (d != 1 && d != 2) return;
  pos += d;
  const std::string comma = !dash && pos < s.size() && s[pos] == ',' ? "," : "";
  pos += comma.size();
  const auto sp2 = dash ? (pos < s.size() && s[pos] == '-' ? 1 : 0) : space_run(s, pos);
  if (sp2 == 0 || digit_run(s, pos + sp2) != 4) return;
  const std::string sep = dash ? "-" : " ";
  out.push_back({month + sep + "%d" + comma + sep + "%Y", Order::Fixed, pos + sp2 + 4});
}

std::vector<DatePart> date_parts(std::string_view s) {
  std::vector<DatePart> out;
  const auto n = digit_run(s, 0);
  if (n == 4) {
    year_first(s, out);
  } else if (n == 1 || n == 2) {
    day_or_month_first(s, n, out);
  } else if (n == 0) {
    month_name_first(s, out);
  }
  return out;
}

// The zone after a time: Z, +01, +0100, +01:00 (%z) or UTC/GMT (%Z), with or without a space.
bool zone_part(std::string_view s, std::size_t& pos, std::string& format) {
  const auto sp = space_run(s, pos);
  const std::string space = sp > 0 ? " " : "";
  const std::size_t at = pos + sp;
  if (at >= s.size()) return false;
  if (s[at] == 'Z' || s[at] == 'z') {
    format += space + "%z";
    pos = at + 1;
    return true;
  }
  if (starts_with_ci(s, at, "utc") || starts_with_ci(s, at, "gmt")) {
    format += space + "%Z";
    pos = at + 3;
    return true;
  }
  if (s[at] != '+' && s[at] != '-') return false;
  std::size_t p = at + 1;
  const auto h = digit_run(s, p);
  if (h == 4) {
    p += 4;
  } else if (h == 2) {
    p += 2;
    if (p < s.size() && s[p] == ':' && digit_run(s, p + 1) == 2) p += 3;
  } else {
    return false;
  }
  format += space + "%z";
  pos = p;
  return true;
}

// After the date: [T or spaces] H:MM[:SS[.f]][ AM/PM][zone], to the end of the value.
std::optional<std::string> time_part(std::string_view s, std::size_t pos, bool& zoned) {
  zoned = false;
  if (pos == s.size()) return std::string();
  std::string format;
  if (s[pos] == 'T' || s[pos] == 't') {
    format = "T";
    ++pos;
  } else if (const auto sp = space_run(s, pos); sp > 0) {
    format = " ";
    pos += sp;
  } else {
    return std::nullopt;
  }
  const auto h = digit_run(s, pos);
  if ((h != 1 && h != 2) || pos + h >= s.size() || s[pos + h] != ':' ||
      digit_run(s, pos + h + 1) != 2) {
    return std::nullopt;
  }
  pos += h + 3;
  std::string clock = ":%M";
  if (pos < s.size() && s[pos] == ':' && digit_run(s, pos + 1) == 2) {
    clock += ":%S";
    pos += 3;
    if (pos < s.size() && s[pos] == '.' && digit_run(s, pos + 1) > 0) {
      clock += ".%f";
      pos += 1 + digit_run(s, pos + 1);
    }
  }
  const auto sp = space_run(s, pos);
  const bool ampm = starts_with_ci(s, pos + sp, "am") || starts_with_ci(s, pos + sp, "pm");
  format += (ampm ? "%I" : "%H") + clock;
  if (ampm) {
    format += std::string(sp > 0 ? " " : "") + "%p";
    pos += sp + 2;
  }
  if (pos < s.size()) {
    if (!zone_part(s, pos, format) || pos != s.size()) return std::nullopt;
    zoned = true;
  }
  return format;
}

// ---- numbers --------------------------------------------------------------------------------

bool bool_word(std::string_view v) {
  std::string lower(v);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string_view w : {"true", "false", "yes", "no", "t", "f", "y", "n"}) {
    if (lower == w) return true;
  }
  return false;
}

}  // namespace

std::vector<Candidate> temporal_candidates(std::string_view value) {
  std::vector<Candidate> out;
  for (const auto& date : date_parts(value)) {
    bool zoned = false;
    const auto time = time_part(value, date.end, zoned);
    if (!time) continue;
    Candidate c{date.format + *time, date.order, !time->empty(), zoned};
    DateTime parsed;
    if (parse_datetime(c.format, value, parsed) == FormatMatch::Ok) out.push_back(std::move(c));
  }
  return out;
}

NumberShape number_shape(std::string_view v) {
  std::size_t pos = 0;
  const bool plus = !v.empty() && v.front() == '+';
  if (!v.empty() && (v.front() == '-' || plus)) ++pos;
  const auto int_digits = digit_run(v, pos);
  const bool leading_zero = int_digits > 1 && v[pos] == '0';
  pos += int_digits;
  std::size_t frac_digits = 0;
  bool point = false;
  if (pos < v.size() && v[pos] == '.') {
    point = true;
    frac_digits = digit_run(v, pos + 1);
    pos += 1 + frac_digits;
  }
  if (pos == v.size() && int_digits + frac_digits > 0) {
    if (plus || leading_zero) return NumberShape::Code;
    if (!point) {
      long long value = 0;
      const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
      if (ec != std::errc()) return NumberShape::HugeInteger;
      return value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max()
                 ? NumberShape::Integer
                 : NumberShape::BigInteger;
    }
    return NumberShape::Decimal;
  }
  std::string ignored;
  if (check_double(v, ignored).ok())
    return plus || leading_zero ? NumberShape::Code : NumberShape::Float;
  return NumberShape::None;
}

void ColumnEvidence::add(std::string_view value) {
  if (value.empty()) {
    ++empty;
    return;
  }
  ++values;
  if (bool_word(value)) ++booleans;
  switch (number_shape(value)) {
    case NumberShape::Integer:
      ++integers;
      break;
    case NumberShape::BigInteger:
      ++big_integers;
      break;
    case NumberShape::HugeInteger:
      ++huge_integers;
      break;
    case NumberShape::Decimal:
      ++decimals;
      break;
    case NumberShape::Float:
      ++floats;
      break;
    case NumberShape::Code:
      ++codes;
      break;
    case NumberShape::None:
      break;
  }
  add_temporal(value);
}

void ColumnEvidence::add_temporal(std::string_view value) {
  if (!temporal_possible) return;
  const auto candidates = temporal_candidates(value);
  if (candidates.empty()) {
    temporal_possible = false;
    return;
  }
  const auto& first = candidates.front();
  (first.zoned ? zoned : unzoned) += 1;
  if (first.timed) ++timed;
  // %b and %B read the same names (full or abbreviated): "May" must not add a second format.
  const auto remember = [](std::vector<std::string>& list, const std::string& f) {
    const auto same = [&](const std::string& g) {
      return month_names_as_b(g) == month_names_as_b(f);
    };
    if (std::none_of(list.begin(), list.end(), same)) list.push_back(f);
  };
  if (first.order == Order::Fixed) {
    remember(fixed_formats, first.format);
    return;
  }
  const Candidate* day_first = nullptr;
  const Candidate* month_first = nullptr;
  for (const auto& c : candidates) {
    (c.order == Order::DayFirst ? day_first : month_first) = &c;
  }
  if (day_first != nullptr) remember(day_first_formats, day_first->format);
  if (month_first != nullptr) remember(month_first_formats, month_first->format);
  if (day_first == nullptr) {
    ++needs_month_first;
  } else if (month_first == nullptr) {
    ++needs_day_first;
  } else {
    DateTime a;
    DateTime b;
    (void)parse_datetime(day_first->format, value, a);
    (void)parse_datetime(month_first->format, value, b);
    if (a.day != b.day || a.month != b.month) ++ambiguous;
  }
}

TypeChoice choose_type(const ColumnEvidence& e) {
  TypeChoice t;
  if (e.values == 0) {
    t.note = "always empty in the sample: text";
    return t;
  }
  const std::size_t numbers = e.integers + e.big_integers + e.huge_integers + e.decimals + e.floats;
  if (e.booleans == e.values && numbers == 0) {
    t.type = ColumnType::Boolean;
  } else if (numbers == e.values) {
    if (e.floats > 0) {
      t.type = ColumnType::Double;
    } else if (e.decimals > 0 || e.huge_integers > 0) {
      t.type = ColumnType::Numeric;
    } else {
      t.type = e.big_integers > 0 ? ColumnType::Bigint : ColumnType::Integer;
    }
  } else if (e.codes > 0 && e.codes + numbers == e.values) {
    t.note = "numbers with leading zeros or a + sign (codes): text";
  } else if (e.temporal_possible) {
    choose_temporal(e, t);
  }
  return t;
}

void choose_temporal(const ColumnEvidence& e, TypeChoice& t) {
  if (e.zoned > 0 && e.unzoned > 0) {
    t.note = "dates and times with and without a time zone offset: text";
    return;
  }
  std::vector<std::string> formats = e.fixed_formats;
  const bool ordered = !e.day_first_formats.empty() || !e.month_first_formats.empty();
  if (ordered) {
    if (e.needs_day_first > 0 && e.needs_month_first > 0) {
      t.note = "day-first and month-first dates mixed: text";
      return;
    }
    if (e.needs_day_first == 0 && e.needs_month_first == 0) {
      t.note = "day and month order cannot be told apart (no day above 12): text";
      return;
    }
    const auto& chosen = e.needs_day_first > 0 ? e.day_first_formats : e.month_first_formats;
    formats.insert(formats.end(), chosen.begin(), chosen.end());
  }
  t.type = e.zoned > 0   ? ColumnType::Timestamptz
           : e.timed > 0 ? ColumnType::Timestamp
                         : ColumnType::Date;
  t.formats = std::move(formats);
}

}  // namespace dn::core::csv::infer
