// Temporal formats and double precision: hand-picked cases, then glibc's strftime/strptime and
// strtod as oracles on inputs they produce (every day of eight centuries, random strings).
#include "dn/core/csv_formats.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "dn/core/csv.hpp"

namespace csv = dn::core::csv;
using nlohmann::json;

namespace {

csv::Column column(csv::ColumnType type, const std::vector<std::string>& formats) {
  json col = {{"name", "c"}, {"type", std::string(csv::column_type_name(type))}};
  if (!formats.empty()) col["formats"] = formats;
  const json doc = {{"dataset", "d"},
                    {"table", "t"},
                    {"key", {"k"}},
                    {"columns", {{{"name", "k"}, {"type", "text"}, {"required", true}}, col}}};
  return csv::parse_contract(doc).columns[1];
}

// The normalised value, or "!" + the reason.
std::string norm(const csv::Column& col, const std::string& value) {
  std::string out;
  if (auto problem = csv::normalise_value(col, value, out); !problem.ok())
    return "!" + problem.error().text;
  return out;
}

std::string strftime_of(const std::tm& tm, const char* format) {
  std::array<char, 128> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), format, &tm);
  return {buf.data(), n};
}

}  // namespace

TEST(CsvFormats, MonthNamesSlashesAndDayFirst) {
  const auto c = column(csv::ColumnType::Date, {"%b %d %Y", "%B %d, %Y", "%d/%m/%Y", "%d-%b-%y"});
  EXPECT_EQ(norm(c, "Jan 5 2001"), "2001-01-05");
  EXPECT_EQ(norm(c, "January 5, 2001"), "2001-01-05");
  EXPECT_EQ(norm(c, "SEPT 30 2020"), "2020-09-30");
  EXPECT_EQ(norm(c, "march 1, 1999"), "1999-03-01");
  EXPECT_EQ(norm(c, "31/01/2015"), "2015-01-31");
  EXPECT_EQ(norm(c, "05-Jan-01"), "2001-01-05");
  EXPECT_EQ(norm(c, "05-Jan-69"), "1969-01-05");
  EXPECT_EQ(norm(c, "Jan  5 2001"), "2001-01-05");  // ctime pads with a space
  EXPECT_EQ(norm(c, "31/02/2015"), "!not a calendar date");
  EXPECT_EQ(norm(c, "Jab 5 2001"),
            "!not a date in the accepted format(s) %b %d %Y or %B %d, %Y or %d/%m/%Y or %d-%b-%y");
  EXPECT_EQ(norm(c, "Jan 5 2001 "), norm(c, "Jan 5 2001x"));  // trailing text never matches
}

TEST(CsvFormats, TimestampsWithoutTimeZone) {
  const auto c = column(csv::ColumnType::Timestamp,
                        {"%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S.%f"});
  EXPECT_EQ(norm(c, "2015/01/31 13:00:00"), "2015-01-31 13:00:00");
  EXPECT_EQ(norm(c, "1/31/2015 1:05:09 PM"), "2015-01-31 13:05:09");
  EXPECT_EQ(norm(c, "1/31/2015 12:05:09 am"), "2015-01-31 00:05:09");
  EXPECT_EQ(norm(c, "1/31/2015 12:05:09 PM"), "2015-01-31 12:05:09");
  EXPECT_EQ(norm(c, "2015-01-31T13:00:00.123456789"), "2015-01-31 13:00:00.123456789");
  EXPECT_EQ(norm(c, "2015/01/31 24:00:00"), "!not a valid date and time");
  EXPECT_EQ(norm(c, "1/31/2015 13:05:09 PM"), "!not a valid date and time");
  EXPECT_EQ(norm(c, "2015-01-31T13:00:00.1234567890").substr(0, 1), "!");
  // Without formats: ISO 8601 as PostgreSQL writes it, and an offset is refused.
  const auto iso = column(csv::ColumnType::Timestamp, {});
  EXPECT_EQ(norm(iso, "2015-01-31 13:00"), "2015-01-31 13:00:00");
  EXPECT_EQ(norm(iso, "2015-01-31T13:00:01.5"), "2015-01-31 13:00:01.5");
  EXPECT_EQ(norm(iso, "2015-01-31T13:00:01Z"),
            "!timestamp with a time zone offset (the column is timestamp without time zone)");
  EXPECT_EQ(norm(iso, "2015-01-31"), "!not an ISO-8601 timestamp");
}

TEST(CsvFormats, TimestamptzWithOffsetsAndZoneNames) {
  const auto c = column(csv::ColumnType::Timestamptz,
                        {"%Y-%m-%d %H:%M:%S %Z", "%d/%m/%Y %H:%M%z", "%Y-%m-%dT%H:%M:%S.%f%z"});
  EXPECT_EQ(norm(c, "2015-01-31 13:00:00 UTC"), "2015-01-31T13:00:00+00:00");
  EXPECT_EQ(norm(c, "2015-01-31 13:00:00 gmt"), "2015-01-31T13:00:00+00:00");
  EXPECT_EQ(norm(c, "31/01/2015 13:00+0530"), "2015-01-31T13:00:00+05:30");
  EXPECT_EQ(norm(c, "31/01/2015 13:00-03"), "2015-01-31T13:00:00-03:00");
  EXPECT_EQ(norm(c, "2015-01-31T13:00:00.5Z"), "2015-01-31T13:00:00.5+00:00");
  EXPECT_EQ(norm(c, "2015-01-31T13:00:00.5-09:30"), "2015-01-31T13:00:00.5-09:30");
  EXPECT_EQ(norm(c, "2015-01-31 13:00:00 CET").substr(0, 1), "!");  // zone names are ambiguous
  EXPECT_EQ(norm(c, "31/01/2015 13:00+16").substr(0, 1), "!");
  // Without formats: as before, an offset is required.
  const auto iso = column(csv::ColumnType::Timestamptz, {});
  EXPECT_EQ(norm(iso, "2024-03-31T01:02:03Z"), "2024-03-31T01:02:03+00:00");
  EXPECT_EQ(norm(iso, "2024-03-31 01:02:03"),
            "!timestamp without a time zone offset (add Z or +HH:MM)");
}

TEST(CsvFormats, FormatsAreCheckedWhenTheContractIsParsed) {
  EXPECT_TRUE(csv::format_problem(csv::ColumnType::Date, "%Y-%m-%d").ok());
  EXPECT_TRUE(csv::format_problem(csv::ColumnType::Timestamp, "%Y-%m-%d").ok());
  for (const auto& [type, format] : std::vector<std::pair<csv::ColumnType, std::string>>{
           {csv::ColumnType::Date, "%Y-%m"},
           {csv::ColumnType::Date, "%Y-%m-%d %H"},
           {csv::ColumnType::Date, "%Y-%m-%d%"},
           {csv::ColumnType::Date, "%Y-%m-%d %q"},
           {csv::ColumnType::Date, "%Y-%m-%d %d"},
           {csv::ColumnType::Timestamp, "%Y-%m-%d %H:%M%z"},
           {csv::ColumnType::Timestamp, "%Y-%m-%d %I:%M"},
           {csv::ColumnType::Timestamp, "%Y-%m-%d %H:%M %p"},
           {csv::ColumnType::Timestamp, "%Y-%m-%d %H:%S"},
           {csv::ColumnType::Timestamptz, "%Y-%m-%d %H:%M"},
           {csv::ColumnType::Integer, "%Y-%m-%d"},
       }) {
    EXPECT_FALSE(csv::format_problem(type, format).ok()) << format;
    EXPECT_THROW((void)column(type, {format}), std::invalid_argument) << format;
  }
}

TEST(CsvFormats, DoublePrecision) {
  const auto c = column(csv::ColumnType::Double, {});
  EXPECT_EQ(norm(c, "3.141592653589793238462643383279"), "3.141592653589793238462643383279");
  EXPECT_EQ(norm(c, "+1.5e-3"), "1.5e-3");
  EXPECT_EQ(norm(c, "-.5"), "-.5");
  EXPECT_EQ(norm(c, "5."), "5.");
  EXPECT_EQ(norm(c, "1E308"), "1E308");
  EXPECT_EQ(norm(c, "nan"), "NaN");
  EXPECT_EQ(norm(c, "-inf"), "-Infinity");
  EXPECT_EQ(norm(c, "Infinity"), "Infinity");
  EXPECT_EQ(norm(c, "1e309"), "!out of range for double precision");
  for (const char* bad :
       {"", ".", "e5", "1e", "1e+", "1.2.3", "0x10", " 1", "1,5", "--1", "-nan"}) {
    EXPECT_EQ(norm(c, bad).substr(0, 1), "!") << bad;
  }
}

// glibc's strftime renders every day from 1960 to 2079 and the end of February of every year
// from 1600 to 2399 in each format; ours must read back the same date.
TEST(CsvFormats, ReadsEveryDayStrftimeWrites) {
  const std::vector<std::string> formats{"%Y-%m-%d",  "%d/%m/%Y", "%m/%d/%y", "%b %d %Y",
                                         "%B %d, %Y", "%d %b %Y", "%d-%b-%Y", "%Y.%m.%d"};
  std::vector<csv::Column> columns;
  columns.reserve(formats.size());
  for (const auto& f : formats) columns.push_back(column(csv::ColumnType::Date, {f}));
  std::size_t days = 0;
  const auto check_day = [&](std::tm tm) {
    tm.tm_hour = 12;
    (void)timegm(&tm);  // normalises the day into its month and year
    const std::string iso = strftime_of(tm, "%Y-%m-%d");
    for (std::size_t i = 0; i < formats.size(); ++i) {
      const bool two_digit_year = formats[i].find("%y") != std::string::npos;
      if (two_digit_year && (tm.tm_year < 69 || tm.tm_year > 168)) continue;  // 1969..2068
      const std::string text = strftime_of(tm, formats[i].c_str());
      ASSERT_EQ(norm(columns[i], text), iso) << formats[i] << " " << text;
    }
    ++days;
  };
  for (int day = 0; day < 43829; ++day) {  // 1960-01-01 .. 2079-12-31
    std::tm tm{};
    tm.tm_year = 60;
    tm.tm_mday = 1 + day;
    check_day(tm);
  }
  for (int year = 1600; year < 2400; ++year) {
    for (const int mday : {28, 29, 30}) {  // 29 February or 1 March, and 2 March or 1 March
      std::tm tm{};
      tm.tm_year = year - 1900;
      tm.tm_mon = 1;
      tm.tm_mday = mday;
      check_day(tm);
    }
  }
  EXPECT_EQ(days, 43829U + 2400U);
  EXPECT_EQ(norm(columns[0], "1900-02-29"), "!not a calendar date");
  EXPECT_EQ(norm(columns[0], "2000-02-29"), "2000-02-29");
  EXPECT_EQ(norm(columns[1], "29/02/2100"), "!not a calendar date");
}

// Random strings over the characters dates are made of: where glibc's strptime reads all of a
// value with the same format, ours reads the same fields; ours accepts nothing glibc refuses.
TEST(CsvFormats, AgreesWithStrptimeOnRandomStrings) {
  const std::vector<std::string> formats{"%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%b %d %Y",
                                         "%m/%d/%Y %I:%M %p"};
  const std::string alphabet = "0123456789/-: JanFebDecAMPpm";
  std::mt19937 rng(20260101);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(6, 22);
  std::size_t agreed_ok = 0;
  for (int n = 0; n < 200000; ++n) {
    const auto& format = formats[static_cast<std::size_t>(n) % formats.size()];
    std::string text;
    const int len = length(rng);
    // Half the strings start from a valid rendering and get one random edit.
    if (n % 2 == 0) {
      std::tm tm{};
      tm.tm_year = static_cast<int>(rng() % 300);
      tm.tm_mon = static_cast<int>(rng() % 12);
      tm.tm_mday = static_cast<int>(1 + rng() % 28);
      tm.tm_hour = static_cast<int>(rng() % 24);
      tm.tm_min = static_cast<int>(rng() % 60);
      tm.tm_sec = static_cast<int>(rng() % 60);
      text = strftime_of(tm, format.c_str());
      text[rng() % text.size()] = alphabet[pick(rng)];
    } else {
      for (int i = 0; i < len; ++i) text += alphabet[pick(rng)];
    }
    csv::DateTime ours;
    const auto match = csv::parse_datetime(format, text, ours);
    std::tm theirs{};
    const char* end = strptime(text.c_str(), format.c_str(), &theirs);
    const bool glibc_whole = end != nullptr && *end == '\0';
    if (match != csv::FormatMatch::Ok) continue;
    ASSERT_TRUE(glibc_whole) << format << " '" << text << "'";
    ASSERT_EQ(ours.year, theirs.tm_year + 1900) << text;
    ASSERT_EQ(ours.month, theirs.tm_mon + 1) << text;
    ASSERT_EQ(ours.day, theirs.tm_mday) << text;
    if (format.find("%H") != std::string::npos || format.find("%I") != std::string::npos) {
      ASSERT_EQ(ours.hour, theirs.tm_hour) << text;
      ASSERT_EQ(ours.minute, theirs.tm_min) << text;
    }
    ++agreed_ok;
  }
  EXPECT_GT(agreed_ok, 10000U);  // the comparison really ran on accepted values
}

// strtod is the oracle for what a number is; ours accepts a subset (no hex, no spaces) and
// never accepts something strtod refuses or reads differently.
TEST(CsvFormats, DoublesAgreeWithStrtod) {
  const auto c = column(csv::ColumnType::Double, {});
  const std::string alphabet = "0123456789.eE+-";
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::size_t accepted = 0;
  for (int n = 0; n < 100000; ++n) {
    std::string text;
    const auto len = 1 + rng() % 12;
    for (std::size_t i = 0; i < len; ++i) text += alphabet[pick(rng)];
    std::string out;
    if (!csv::normalise_value(c, text, out).ok()) continue;
    char* end = nullptr;
    const double theirs = std::strtod(text.c_str(), &end);
    ASSERT_EQ(*end, '\0') << text;
    ASSERT_EQ(std::strtod(out.c_str(), nullptr), theirs) << text;
    ++accepted;
  }
  EXPECT_GT(accepted, 1000U);
}

// Field counts: empty trailing extras (a spreadsheet's trailing delimiters) are accepted; short
// records only when the contract allows jagged rows, the missing fields then being empty.
TEST(CsvValidatorFieldCount, TrailingEmptiesAndJaggedRows) {
  json doc = {{"dataset", "d"},
              {"table", "t"},
              {"key", {"k"}},
              {"columns",
               {{{"name", "k"}, {"type", "text"}, {"required", true}},
                {{"name", "a"}, {"type", "integer"}},
                {{"name", "b"}, {"type", "text"}, {"required", true}}}}};
  const auto run = [](const csv::Contract& c, const std::string& line) {
    std::optional<csv::Reject> reject;
    std::string copy;
    csv::Validator v(c, csv::positional_header(c));
    csv::Parser p({}, [&](const csv::Record& r) { reject = v.accept(r, copy); });
    p.feed(line);
    p.finish();
    return reject ? reject->reason : "ok:" + copy;
  };
  const auto strict = csv::parse_contract(doc);
  EXPECT_EQ(run(strict, "x,1,y,,\n"), "ok:x\t1\ty\t1\n");
  EXPECT_EQ(run(strict, "x,1,y,,z\n"), "expected 3 fields, found 5");
  EXPECT_EQ(run(strict, "x,1\n"), "expected 3 fields, found 2");
  doc["format"] = {{"allow_jagged_rows", true}};
  const auto jagged = csv::parse_contract(doc);
  EXPECT_TRUE(jagged.allow_jagged_rows);
  EXPECT_EQ(run(jagged, "x,1,y\n"), "ok:x\t1\ty\t1\n");
  EXPECT_EQ(run(jagged, "x,1\n"), "required value is empty");  // b is required
  doc["columns"][2]["required"] = false;
  EXPECT_EQ(run(csv::parse_contract(doc), "x\n"), "ok:x\t\\N\t\\N\t1\n");
}
