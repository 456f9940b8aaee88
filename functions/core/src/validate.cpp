#include "dn/core/validate.hpp"

#include "dn/util/text.hpp"

namespace dn::core {
namespace {

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

Expected<void> check_id(std::string_view what, std::string_view value) {
  if (value.empty()) return Reason{std::string(what) + " is required"};
  if (value.size() > kMaxIdLength) {
    return Reason{std::string(what) + " must be at most " + std::to_string(kMaxIdLength) +
                  " characters"};
  }
  for (char c : value) {
    if (!id_char(c)) {
      return Reason{std::string(what) + " may contain only letters, digits, '_' and '-'"};
    }
  }
  return {};
}

unsigned days_in_month(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29U : kDays[month - 1];
}

}  // namespace

Expected<void> check_user_id(std::string_view value) {
  return check_id("userId", value);
}
Expected<void> check_notification_id(std::string_view value) {
  return check_id("notificationId", value);
}
Expected<void> check_segment(std::string_view value) {
  return check_id("segment", value);
}

std::optional<CivilDate> parse_date(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-' || !util::all_digits(v.substr(0, 4)) ||
      !util::all_digits(v.substr(5, 2)) || !util::all_digits(v.substr(8, 2))) {
    return std::nullopt;
  }
  CivilDate d{util::decimal_value(v.substr(0, 4)),
              static_cast<unsigned>(util::decimal_value(v.substr(5, 2))),
              static_cast<unsigned>(util::decimal_value(v.substr(8, 2)))};
  if (d.year < 2000 || d.year > 2999 || d.month < 1 || d.month > 12 || d.day < 1 ||
      d.day > days_in_month(d.year, d.month)) {
    return std::nullopt;
  }
  return d;
}

Expected<void> check_date(std::string_view value) {
  if (value.empty()) return Reason{"date is required"};
  if (!parse_date(value)) {
    return Reason{"date must be a calendar day written YYYY-MM-DD (2000-01-01..2999-12-31)"};
  }
  return {};
}

std::string format_date(const CivilDate& date) {
  std::string out(10, '0');
  auto put = [&out](std::size_t at, unsigned value, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i, value /= 10)
      out[at + width - 1 - i] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<unsigned>(date.year), 4);
  out[4] = '-';
  put(5, date.month, 2);
  out[7] = '-';
  put(8, date.day, 2);
  return out;
}

}  // namespace dn::core
