#include "dn/core/timezone.hpp"

#include <algorithm>
#include <cstddef>
#include <iterator>

#include "dn/core/validate.hpp"

namespace dn::core {
namespace {

// The Gregorian calendar (and so every POSIX rule) repeats every 400 years = 146097 days.
constexpr std::int64_t kCycleSeconds = 146097 * kSecondsPerDay;
// RFC 8536: a time type's UT offset SHOULD be in [-89999, 93599] (-24:59:59 .. +25:59:59).
constexpr std::int32_t kMinUtcOffset = -89999;
constexpr std::int32_t kMaxUtcOffset = 93599;
constexpr std::size_t kHeaderSize = 44;
constexpr std::uint32_t kMaxTypes = 256;  // a transition's type index is one byte

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) {  // b > 0
  const std::int64_t r = a % b;
  return r < 0 ? r + b : r;
}

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned month_days(std::int64_t y, int m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29U : kDays[m - 1];
}

// ---------------------------------------------------------------- POSIX TZ string parsing

class TzParser {
 public:
  explicit TzParser(std::string_view text) : s_(text) {}

  [[nodiscard]] bool done() const { return i_ == s_.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : s_[i_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }

  // An abbreviation: 3+ letters, or <...> of 3+ letters, digits, '+' and '-'.
  std::optional<std::string> name() {
    std::string out;
    if (eat('<')) {
      while (!done() && peek() != '>') {
        const char c = peek();
        if (!alpha(c) && !digit(c) && c != '+' && c != '-') return std::nullopt;
        out.push_back(c);
        ++i_;
      }
      if (!eat('>')) return std::nullopt;
    } else {
      while (alpha(peek())) out.push_back(s_[i_++]);
    }
    if (out.size() < 3) return std::nullopt;
    return out;
  }

  // [+-]hh[:mm[:ss]] with hh <= max_hours; seconds, signed.
  std::optional<std::int32_t> hms(int max_hours) {
    int sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    const auto h = number(max_hours);
    if (!h) return std::nullopt;
    std::int32_t total = *h * 3600;
    if (eat(':')) {
      const auto m = number(59);
      if (!m) return std::nullopt;
      total += *m * 60;
      if (eat(':')) {
        const auto sec = number(59);
        if (!sec) return std::nullopt;
        total += *sec;
      }
    }
    return sign * total;
  }

  // Up to three digits, value <= max.
  std::optional<int> number(int max) {
    int v = 0;
    std::size_t n = 0;
    while (digit(peek()) && n < 3) {
      v = v * 10 + (s_[i_++] - '0');
      ++n;
    }
    if (n == 0 || digit(peek()) || v > max) return std::nullopt;
    return v;
  }

  [[nodiscard]] bool offset_follows() const {
    const char c = peek();
    return digit(c) || c == '+' || c == '-';
  }

  static bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
  static bool digit(char c) { return c >= '0' && c <= '9'; }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

constexpr int kMaxOffsetHours = 24;     // POSIX: std/dst offsets up to 24:59:59
constexpr int kMaxRuleTimeHours = 167;  // RFC 8536 v3: rule times from -167h to 167h

std::optional<PosixTz::Date> parse_rule_date(TzParser& p) {
  PosixTz::Date d;
  if (p.eat('J')) {
    const auto n = p.number(365);
    if (!n || *n < 1) return std::nullopt;
    d.kind = PosixTz::Date::Kind::julian_no_leap;
    d.day = *n;
  } else if (p.eat('M')) {
    const auto m = p.number(12);
    if (!m || *m < 1 || !p.eat('.')) return std::nullopt;
    const auto w = p.number(5);
    if (!w || *w < 1 || !p.eat('.')) return std::nullopt;
    const auto wd = p.number(6);
    if (!wd) return std::nullopt;
    d.kind = PosixTz::Date::Kind::month_week_day;
    d.month = *m;
    d.week = *w;
    d.day = *wd;
  } else {
    const auto n = p.number(365);
    if (!n) return std::nullopt;
    d.kind = PosixTz::Date::Kind::julian_zero;
    d.day = *n;
  }
  if (p.eat('/')) {
    const auto t = p.hms(kMaxRuleTimeHours);
    if (!t) return std::nullopt;
    d.time = *t;
  }
  return d;
}

// Seconds since the epoch of `date` in `year`, as a local wall-clock reading (offset not applied).
std::int64_t rule_local_seconds(std::int64_t year, const PosixTz::Date& date) {
  std::int64_t days = 0;
  switch (date.kind) {
    case PosixTz::Date::Kind::julian_no_leap:
      days = days_from_civil(year, 1, 1) + date.day - 1 + (is_leap(year) && date.day >= 60 ? 1 : 0);
      break;
    case PosixTz::Date::Kind::julian_zero:
      days = days_from_civil(year, 1, 1) + date.day;
      break;
    case PosixTz::Date::Kind::month_week_day: {
      const std::int64_t first = days_from_civil(year, static_cast<unsigned>(date.month), 1);
      const std::int64_t first_weekday = floor_mod(first + 4, 7);  // 1970-01-01 was a Thursday
      std::int64_t mday =
          1 + floor_mod(date.day - first_weekday, 7) + std::int64_t{date.week - 1} * 7;
      if (mday > month_days(year, date.month)) mday -= 7;  // week 5 = the last one
      days = first + mday - 1;
      break;
    }
  }
  return days * kSecondsPerDay + date.time;
}

// ---------------------------------------------------------------- TZif reading

class Bytes {
 public:
  explicit Bytes(std::string_view data) : d_(data) {}
  [[nodiscard]] std::size_t left() const { return d_.size() - i_; }
  [[nodiscard]] std::size_t pos() const { return i_; }
  std::string_view take(std::size_t n) {  // precondition: n <= left()
    const auto out = d_.substr(i_, n);
    i_ += n;
    return out;
  }
  std::uint64_t be(std::size_t width) {  // precondition: width <= left(), width <= 8
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < width; ++k) v = (v << 8) | static_cast<unsigned char>(d_[i_ + k]);
    i_ += width;
    return v;
  }

 private:
  std::string_view d_;
  std::size_t i_ = 0;
};

struct Header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  [[nodiscard]] std::uint64_t body_size(std::uint64_t time_size) const {
    return std::uint64_t{timecnt} * (time_size + 1) + std::uint64_t{typecnt} * 6 + charcnt +
           std::uint64_t{leapcnt} * (time_size + 4) + isstdcnt + isutcnt;
  }
};

Expected<Header> read_header(Bytes& in) {
  if (in.left() < kHeaderSize) return Reason{"TZif data is truncated (header)"};
  if (in.take(4) != "TZif") return Reason{"not a TZif file (bad magic)"};
  Header h;
  h.version = in.take(1)[0];
  if (h.version != '\0' && (h.version < '2' || h.version > '4')) {
    return Reason{"unsupported TZif version"};
  }
  in.take(15);
  h.isutcnt = static_cast<std::uint32_t>(in.be(4));
  h.isstdcnt = static_cast<std::uint32_t>(in.be(4));
  h.leapcnt = static_cast<std::uint32_t>(in.be(4));
  h.timecnt = static_cast<std::uint32_t>(in.be(4));
  h.typecnt = static_cast<std::uint32_t>(in.be(4));
  h.charcnt = static_cast<std::uint32_t>(in.be(4));
  if (h.typecnt == 0 || h.typecnt > kMaxTypes) {
    return Reason{"TZif time type count must be 1-256"};
  }
  if (h.charcnt == 0) return Reason{"TZif designation count must not be zero"};
  if (h.isutcnt != 0 && h.isutcnt != h.typecnt) return Reason{"TZif isutcnt mismatch"};
  if (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) return Reason{"TZif isstdcnt mismatch"};
  if (h.leapcnt != 0)
    return Reason{"TZif files with leap seconds (right/ zones) are not supported"};
  return h;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  const std::int64_t y = year - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t m = month;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Civil civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  return Civil{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// ---------------------------------------------------------------- PosixTz

Expected<PosixTz> PosixTz::parse(std::string_view text) {
  TzParser p(text);
  PosixTz tz;
  const auto std_name = p.name();
  if (!std_name) return Reason{"TZ string: standard time name must be 3+ letters or <...>"};
  const auto std_offset = p.hms(kMaxOffsetHours);
  if (!std_offset) return Reason{"TZ string: standard time offset is missing or invalid"};
  tz.std_ = LocalTimeType{-*std_offset, false, *std_name};
  if (p.done()) return tz;

  const auto dst_name = p.name();
  if (!dst_name) return Reason{"TZ string: daylight time name must be 3+ letters or <...>"};
  LocalTimeType dst{tz.std_.utc_offset + 3600, true, *dst_name};
  if (p.offset_follows()) {
    const auto dst_offset = p.hms(kMaxOffsetHours);
    if (!dst_offset) return Reason{"TZ string: daylight time offset is invalid"};
    dst.utc_offset = -*dst_offset;
  }
  tz.dst_ = dst;
  if (p.done()) {
    tz.start_ = Date{Date::Kind::month_week_day, 0, 3, 2, 7200};
    tz.end_ = Date{Date::Kind::month_week_day, 0, 11, 1, 7200};
    return tz;
  }
  if (!p.eat(',')) return Reason{"TZ string: expected ',' before the DST rule"};
  const auto start = parse_rule_date(p);
  if (!start || !p.eat(',')) return Reason{"TZ string: DST start rule is invalid"};
  const auto end = parse_rule_date(p);
  if (!end) return Reason{"TZ string: DST end rule is invalid"};
  if (!p.done()) return Reason{"TZ string: unexpected characters after the DST rule"};
  tz.start_ = *start;
  tz.end_ = *end;
  return tz;
}

LocalTimeType PosixTz::at(Instant instant) const {
  if (!dst_) return std_;
  // Shifting by whole 400-year cycles changes no rule outcome and keeps the arithmetic far
  // from overflow for any instant.
  const std::int64_t t = floor_mod(instant.time_since_epoch().count(), kCycleSeconds);
  const std::int64_t year = civil_from_days(floor_div(t + std_.utc_offset, kSecondsPerDay)).year;
  // The start time is read on the standard clock, the end time on the daylight clock.
  const std::int64_t start = rule_local_seconds(year, start_) - std_.utc_offset;
  const std::int64_t end = rule_local_seconds(year, end_) - dst_->utc_offset;
  const bool in_dst = start <= end ? (t >= start && t < end) : (t < end || t >= start);
  return in_dst ? *dst_ : std_;
}

// ---------------------------------------------------------------- TimeZone

Expected<TimeZone> TimeZone::from_tzif(std::string_view bytes) {
  Bytes in(bytes);
  auto first = read_header(in);
  if (!first.ok()) return first.error();
  Header h = *first;
  std::uint64_t time_size = 4;
  const bool v2 = h.version != '\0';
  if (v2) {
    // Skip the 32-bit section: the 64-bit one that follows covers every instant.
    if (h.body_size(4) > in.left()) return Reason{"TZif data is truncated (v1 body)"};
    in.take(static_cast<std::size_t>(h.body_size(4)));
    auto second = read_header(in);
    if (!second.ok()) return second.error();
    h = *second;
    time_size = 8;
  }
  if (h.body_size(time_size) > in.left()) return Reason{"TZif data is truncated (body)"};

  TimeZone zone;
  zone.transitions_.resize(h.timecnt);
  for (auto& tr : zone.transitions_) {
    const std::uint64_t raw = in.be(static_cast<std::size_t>(time_size));
    tr.at = time_size == 4 ? static_cast<std::int32_t>(static_cast<std::uint32_t>(raw))
                           : static_cast<std::int64_t>(raw);
  }
  for (std::size_t k = 1; k < zone.transitions_.size(); ++k) {
    if (zone.transitions_[k].at <= zone.transitions_[k - 1].at) {
      return Reason{"TZif transition times are not in ascending order"};
    }
  }
  for (auto& tr : zone.transitions_) {
    tr.type = static_cast<std::uint8_t>(in.be(1));
    if (tr.type >= h.typecnt) return Reason{"TZif transition refers to an unknown time type"};
  }
  struct RawType {
    std::int32_t utoff;
    bool isdst;
    std::uint8_t desig;
  };
  std::vector<RawType> raw_types(h.typecnt);
  for (auto& t : raw_types) {
    t.utoff = static_cast<std::int32_t>(static_cast<std::uint32_t>(in.be(4)));
    const auto isdst = in.be(1);
    t.desig = static_cast<std::uint8_t>(in.be(1));
    if (t.utoff < kMinUtcOffset || t.utoff > kMaxUtcOffset) {
      return Reason{"TZif time type has an out-of-range UT offset"};
    }
    if (isdst > 1) return Reason{"TZif time type has an invalid isdst flag"};
    t.isdst = isdst == 1;
  }
  const std::string_view chars = in.take(h.charcnt);
  for (const auto& t : raw_types) {
    if (t.desig >= chars.size()) return Reason{"TZif designation index is out of range"};
    const auto nul = chars.find('\0', t.desig);
    if (nul == std::string_view::npos) return Reason{"TZif designation is not NUL-terminated"};
    zone.types_.push_back(
        LocalTimeType{t.utoff, t.isdst, std::string(chars.substr(t.desig, nul - t.desig))});
  }
  for (std::uint64_t k = 0; k < std::uint64_t{h.isstdcnt} + h.isutcnt; ++k) {
    if (in.be(1) > 1) return Reason{"TZif standard/UT indicator must be 0 or 1"};
  }

  if (v2) {
    if (in.left() < 2 || in.take(1)[0] != '\n') return Reason{"TZif footer is missing"};
    const std::string_view rest = in.take(in.left());
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) return Reason{"TZif footer is not terminated"};
    if (nl + 1 != rest.size()) return Reason{"TZif has unexpected bytes after the footer"};
    if (nl > 0) {
      auto rule = PosixTz::parse(rest.substr(0, nl));
      if (!rule.ok()) return Reason{"TZif footer: " + rule.error().text};
      zone.footer_ = *std::move(rule);
    }
  } else if (in.left() != 0) {
    return Reason{"TZif has unexpected bytes after the v1 body"};
  }
  return zone;
}

Expected<TimeZone> TimeZone::from_posix(std::string_view text) {
  auto rule = PosixTz::parse(text);
  if (!rule.ok()) return rule.error();
  TimeZone zone;
  zone.footer_ = *std::move(rule);
  zone.types_.push_back(zone.footer_->at(Instant{}));
  return zone;
}

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.types_.push_back(LocalTimeType{0, false, "UTC"});
  return zone;
}

LocalTimeType TimeZone::at(Instant instant) const {
  const std::int64_t t = instant.time_since_epoch().count();
  if (transitions_.empty() || t >= transitions_.back().at) {
    if (footer_) return footer_->at(instant);
    return transitions_.empty() ? types_.front() : types_[transitions_.back().type];
  }
  if (t < transitions_.front().at) return types_.front();  // RFC 8536: time type 0
  const auto after =
      std::upper_bound(transitions_.begin(), transitions_.end(), t,
                       [](std::int64_t v, const Transition& tr) { return v < tr.at; });
  return types_[std::prev(after)->type];
}

std::optional<std::string> local_date(Instant instant, const TimeZone& zone) {
  // 0000-01-01 and 9999-12-31 in seconds, widened by two days for the offset.
  constexpr std::int64_t kMin = -62167219200 - 2 * kSecondsPerDay;
  constexpr std::int64_t kMax = 253402300799 + 2 * kSecondsPerDay;
  const std::int64_t t = instant.time_since_epoch().count();
  if (t < kMin || t > kMax) return std::nullopt;
  const Civil c = civil_from_days(floor_div(t + zone.at(instant).utc_offset, kSecondsPerDay));
  if (c.year < 0 || c.year > 9999) return std::nullopt;
  return format_date(CivilDate{static_cast<int>(c.year), c.month, c.day});
}

}  // namespace dn::core
