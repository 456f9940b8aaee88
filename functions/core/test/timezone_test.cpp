// TZif parsing and POSIX TZ rules, checked against the system's zone files (read here, never in
// core) and against glibc's own reading of the same files and strings.
#include "dn/core/timezone.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using dn::core::Instant;
using dn::core::TimeZone;

constexpr const char* kZoneDir = "/usr/share/zoneinfo/";

std::string read_zone_file(const std::string& name) {
  std::ifstream in(kZoneDir + name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read zone file " + name + " (is tzdata installed?)");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TimeZone zone(const std::string& name) {
  auto parsed = TimeZone::from_tzif(read_zone_file(name));
  if (!parsed.ok()) {
    throw std::runtime_error(name + ": " + parsed.error().text);
  }
  return std::move(parsed).value();
}

TimeZone posix_zone(const std::string& text) {
  auto parsed = TimeZone::from_posix(text);
  if (!parsed.ok()) {
    throw std::runtime_error(text + ": " + parsed.error().text);
  }
  return std::move(parsed).value();
}

// "2024-03-31T01:00:00Z" -> Instant (test inputs are always well formed).
Instant utc(const std::string& iso) {
  const auto num = [&](std::size_t at, std::size_t n) {
    return static_cast<std::int64_t>(std::stoi(iso.substr(at, n)));
  };
  const std::int64_t days = dn::core::days_from_civil(num(0, 4), static_cast<unsigned>(num(5, 2)),
                                                      static_cast<unsigned>(num(8, 2)));
  return Instant{
      std::chrono::seconds{days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2)}};
}

std::string date_at(const std::string& iso, const TimeZone& z) {
  return dn::core::local_date(utc(iso), z).value_or("<none>");
}

long offset_at(const std::string& iso, const TimeZone& z) {
  return static_cast<long>(z.utc_offset(utc(iso)).count());
}

// ------------------------------------------------------------ civil calendar

TEST(Civil, RoundTripsAndKnownDays) {
  EXPECT_EQ(dn::core::days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(dn::core::days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(dn::core::days_from_civil(1969, 12, 31), -1);
  for (std::int64_t d = -800000; d <= 800000; d += 7) {
    const auto c = dn::core::civil_from_days(d);
    ASSERT_EQ(dn::core::days_from_civil(c.year, c.month, c.day), d);
  }
}

// ------------------------------------------------------------ real zone files around DST changes

TEST(TzifZones, LondonSpringForwardAndFallBack) {
  const auto z = zone("Europe/London");
  EXPECT_EQ(offset_at("2024-03-31T00:59:59Z", z), 0);
  EXPECT_EQ(offset_at("2024-03-31T01:00:00Z", z), 3600);
  EXPECT_EQ(z.at(utc("2024-03-31T01:00:00Z")).abbreviation, "BST");
  EXPECT_TRUE(z.at(utc("2024-03-31T01:00:00Z")).is_dst);
  EXPECT_EQ(offset_at("2024-10-27T00:59:59Z", z), 3600);
  EXPECT_EQ(offset_at("2024-10-27T01:00:00Z", z), 0);
  // Local midnight during BST is 23:00 UTC the day before.
  EXPECT_EQ(date_at("2024-06-30T22:59:59Z", z), "2024-06-30");
  EXPECT_EQ(date_at("2024-06-30T23:00:00Z", z), "2024-07-01");
  // In winter local midnight is UTC midnight.
  EXPECT_EQ(date_at("2024-12-31T23:59:59Z", z), "2024-12-31");
  EXPECT_EQ(date_at("2025-01-01T00:00:00Z", z), "2025-01-01");
  // The change days themselves: the day starts on the pre-change offset.
  EXPECT_EQ(date_at("2024-03-30T23:59:59Z", z), "2024-03-30");
  EXPECT_EQ(date_at("2024-03-31T00:00:00Z", z), "2024-03-31");
  EXPECT_EQ(date_at("2024-10-26T22:59:59Z", z), "2024-10-26");
  EXPECT_EQ(date_at("2024-10-26T23:00:00Z", z), "2024-10-27");
  EXPECT_EQ(date_at("2024-10-27T23:59:59Z", z), "2024-10-27");
  EXPECT_EQ(date_at("2024-10-28T00:00:00Z", z), "2024-10-28");
}

TEST(TzifZones, NewYork) {
  const auto z = zone("America/New_York");
  EXPECT_EQ(offset_at("2024-03-10T06:59:59Z", z), -5 * 3600);
  EXPECT_EQ(offset_at("2024-03-10T07:00:00Z", z), -4 * 3600);
  EXPECT_EQ(offset_at("2024-11-03T05:59:59Z", z), -4 * 3600);
  EXPECT_EQ(offset_at("2024-11-03T06:00:00Z", z), -5 * 3600);
  // Local midnight of a change day and the days around it.
  EXPECT_EQ(date_at("2024-03-10T04:59:59Z", z), "2024-03-09");
  EXPECT_EQ(date_at("2024-03-10T05:00:00Z", z), "2024-03-10");
  EXPECT_EQ(date_at("2024-03-11T03:59:59Z", z), "2024-03-10");
  EXPECT_EQ(date_at("2024-03-11T04:00:00Z", z), "2024-03-11");
  EXPECT_EQ(date_at("2024-11-03T03:59:59Z", z), "2024-11-02");
  EXPECT_EQ(date_at("2024-11-03T04:00:00Z", z), "2024-11-03");
  EXPECT_EQ(date_at("2024-11-04T04:59:59Z", z), "2024-11-03");
  EXPECT_EQ(date_at("2024-11-04T05:00:00Z", z), "2024-11-04");
  // 06:00 UTC, the schedule's hour, is still "yesterday" in New York.
  EXPECT_EQ(date_at("2026-11-24T04:59:59Z", z), "2026-11-23");
}

TEST(TzifZones, SydneySouthernHemisphere) {
  const auto z = zone("Australia/Sydney");
  EXPECT_EQ(offset_at("2024-01-15T00:00:00Z", z), 11 * 3600);  // summer = DST in January
  EXPECT_EQ(offset_at("2024-04-06T15:59:59Z", z), 11 * 3600);
  EXPECT_EQ(offset_at("2024-04-06T16:00:00Z", z), 10 * 3600);
  EXPECT_EQ(offset_at("2024-10-05T15:59:59Z", z), 10 * 3600);
  EXPECT_EQ(offset_at("2024-10-05T16:00:00Z", z), 11 * 3600);
  EXPECT_EQ(date_at("2024-04-06T12:59:59Z", z), "2024-04-06");  // midnight on +11
  EXPECT_EQ(date_at("2024-04-06T13:00:00Z", z), "2024-04-07");
  EXPECT_EQ(date_at("2024-04-07T13:59:59Z", z), "2024-04-07");  // midnight on +10
  EXPECT_EQ(date_at("2024-04-07T14:00:00Z", z), "2024-04-08");
  EXPECT_EQ(date_at("2024-12-31T12:59:59Z", z), "2024-12-31");  // new year on +11
  EXPECT_EQ(date_at("2024-12-31T13:00:00Z", z), "2025-01-01");
}

TEST(TzifZones, KolkataHalfHour) {
  const auto z = zone("Asia/Kolkata");
  EXPECT_EQ(offset_at("2024-06-01T00:00:00Z", z), 5 * 3600 + 1800);
  EXPECT_EQ(z.at(utc("2024-06-01T00:00:00Z")).abbreviation, "IST");
  EXPECT_EQ(date_at("2024-05-31T18:29:59Z", z), "2024-05-31");
  EXPECT_EQ(date_at("2024-05-31T18:30:00Z", z), "2024-06-01");
}

TEST(TzifZones, KiritimatiPlus14AndTheSkippedDay) {
  const auto z = zone("Pacific/Kiritimati");
  EXPECT_EQ(offset_at("2024-06-01T00:00:00Z", z), 14 * 3600);
  EXPECT_EQ(date_at("2024-05-31T09:59:59Z", z), "2024-05-31");
  EXPECT_EQ(date_at("2024-05-31T10:00:00Z", z), "2024-06-01");
  // 1994-12-31 never happened there: -10 jumped to +14.
  EXPECT_EQ(date_at("1994-12-31T09:59:59Z", z), "1994-12-30");
  EXPECT_EQ(date_at("1994-12-31T10:00:00Z", z), "1995-01-01");
}

TEST(TzifZones, Utc) {
  const auto z = zone("UTC");
  EXPECT_EQ(offset_at("2024-06-01T00:00:00Z", z), 0);
  EXPECT_EQ(date_at("2024-05-31T23:59:59Z", z), "2024-05-31");
  EXPECT_EQ(date_at("2024-06-01T00:00:00Z", z), "2024-06-01");
  const auto builtin = TimeZone::utc();
  EXPECT_EQ(date_at("2024-06-01T00:00:00Z", builtin), "2024-06-01");
}

TEST(TzifZones, FooterRuleGovernsTheFarFuture) {
  const auto z = zone("Europe/London");
  ASSERT_TRUE(z.has_footer());
  EXPECT_EQ(offset_at("2399-03-28T00:59:59Z", z), 0);  // last Sunday of March 2399 is the 28th
  EXPECT_EQ(offset_at("2399-03-28T01:00:00Z", z), 3600);
  EXPECT_EQ(offset_at("2999-07-01T12:00:00Z", z), 3600);
  const auto ny = zone("America/New_York");
  EXPECT_EQ(offset_at("2100-03-14T06:59:59Z", ny), -5 * 3600);  // second Sunday: 14th
  EXPECT_EQ(offset_at("2100-03-14T07:00:00Z", ny), -4 * 3600);
}

// Every instant over a long span, against glibc reading the same file (an independent reader).
class AgainstGlibc : public ::testing::TestWithParam<const char*> {};

long glibc_offset(std::int64_t t) {
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (localtime_r(&tt, &tm) == nullptr) return -1;
  return tm.tm_gmtoff;
}

void set_tz(const std::string& value) {
  ::setenv("TZ", value.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): single-threaded test
  ::tzset();                         // NOLINT(concurrency-mt-unsafe)
}

TEST_P(AgainstGlibc, OffsetsAgreeFrom1900To2100) {
  const std::string name = GetParam();
  const auto z = zone(name);
  set_tz(std::string(kZoneDir) + name);
  std::size_t checked = 0;
  // Every 6 hours plus a few seconds, so instants drift across the hour over the run.
  for (std::int64_t t = -2208988800; t < 4102444800; t += 6 * 3600 + 7) {
    ASSERT_EQ(z.utc_offset(Instant{std::chrono::seconds{t}}).count(), glibc_offset(t))
        << name << " at " << t;
    ++checked;
  }
  EXPECT_GT(checked, 250000U);
  ::unsetenv("TZ");  // NOLINT(concurrency-mt-unsafe)
}

INSTANTIATE_TEST_SUITE_P(Zones, AgainstGlibc,
                         ::testing::Values("Europe/London", "America/New_York", "Australia/Sydney",
                                           "Asia/Kolkata", "Pacific/Kiritimati", "UTC",
                                           "America/Santiago", "Africa/Casablanca",
                                           "Australia/Lord_Howe"));

// ------------------------------------------------------------ POSIX TZ strings

TEST(PosixRules, CentralEurope) {
  const auto z = posix_zone("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(offset_at("2024-03-31T00:59:59Z", z), 3600);
  EXPECT_EQ(offset_at("2024-03-31T01:00:00Z", z), 7200);
  EXPECT_EQ(z.at(utc("2024-03-31T01:00:00Z")).abbreviation, "CEST");
  EXPECT_EQ(offset_at("2024-10-27T00:59:59Z", z), 7200);
  EXPECT_EQ(offset_at("2024-10-27T01:00:00Z", z), 3600);
  EXPECT_EQ(date_at("2024-07-01T21:59:59Z", z), "2024-07-01");
  EXPECT_EQ(date_at("2024-07-01T22:00:00Z", z), "2024-07-02");
}

TEST(PosixRules, UsEastern) {
  const auto z = posix_zone("EST5EDT,M3.2.0,M11.1.0");
  EXPECT_EQ(offset_at("2026-03-08T06:59:59Z", z), -5 * 3600);
  EXPECT_EQ(offset_at("2026-03-08T07:00:00Z", z), -4 * 3600);
  EXPECT_EQ(offset_at("2026-11-01T05:59:59Z", z), -4 * 3600);
  EXPECT_EQ(offset_at("2026-11-01T06:00:00Z", z), -5 * 3600);
  // No rule given: the US rule, as tzcode assumes.
  const auto bare = posix_zone("EST5EDT");
  EXPECT_EQ(offset_at("2026-03-08T07:00:00Z", bare), -4 * 3600);
  EXPECT_EQ(offset_at("2026-01-08T07:00:00Z", bare), -5 * 3600);
}

TEST(PosixRules, QuotedNamesAndFractionalOffsets) {
  const auto z = posix_zone("<+0530>-5:30");
  EXPECT_EQ(offset_at("2024-01-01T00:00:00Z", z), 19800);
  EXPECT_EQ(z.at(utc("2024-01-01T00:00:00Z")).abbreviation, "+0530");
  const auto nepal = posix_zone("<+0545>-5:45");
  EXPECT_EQ(offset_at("2024-01-01T00:00:00Z", nepal), 20700);
  const auto kiri = posix_zone("<+14>-14");
  EXPECT_EQ(date_at("2024-05-31T10:00:00Z", kiri), "2024-06-01");
  const auto secs = posix_zone("LMT-0:01:15");
  EXPECT_EQ(offset_at("2024-01-01T00:00:00Z", secs), 75);
}

TEST(PosixRules, SouthernAndJulianAndAllYearDst) {
  const auto syd = posix_zone("AEST-10AEDT,M10.1.0,M4.1.0/3");
  EXPECT_EQ(offset_at("2024-04-06T15:59:59Z", syd), 11 * 3600);
  EXPECT_EQ(offset_at("2024-04-06T16:00:00Z", syd), 10 * 3600);
  EXPECT_EQ(offset_at("2024-10-05T16:00:00Z", syd), 11 * 3600);
  // v3 extension: DST all year round, written as a rule that spans the whole year.
  const auto always = posix_zone("EST5EDT,0/0,J365/25");
  for (const char* t : {"2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", "2024-12-31T23:59:59Z",
                        "2025-01-01T04:59:59Z", "2025-01-01T05:00:00Z"}) {
    EXPECT_EQ(offset_at(t, always), -4 * 3600) << t;
  }
  // Jn never counts Feb 29: J60 is March 1 in every year.
  const auto julian = posix_zone("AAA0BBB,J60/0,J300/0");
  EXPECT_EQ(offset_at("2024-02-29T23:59:59Z", julian), 0);
  EXPECT_EQ(offset_at("2024-03-01T00:00:00Z", julian), 3600);
  // n counts Feb 29: day 59 is Feb 29 in a leap year, March 1 otherwise.
  const auto zero = posix_zone("AAA0BBB,59/0,300/0");
  EXPECT_EQ(offset_at("2024-02-29T00:00:00Z", zero), 3600);
  EXPECT_EQ(offset_at("2023-02-28T23:59:59Z", zero), 0);
  EXPECT_EQ(offset_at("2023-03-01T00:00:00Z", zero), 3600);
  // Negative rule times (v3).
  const auto neg = posix_zone("AAA0BBB,M3.5.0/-1,M10.5.0/-1");
  EXPECT_EQ(offset_at("2024-03-30T22:59:59Z", neg), 0);
  EXPECT_EQ(offset_at("2024-03-30T23:00:00Z", neg), 3600);
}

TEST(PosixRules, ExtremeInstantsAreSafe) {
  const auto z = posix_zone("CET-1CEST,M3.5.0,M10.5.0/3");
  for (const std::int64_t t : {std::numeric_limits<std::int64_t>::min(),
                               std::numeric_limits<std::int64_t>::max(), std::int64_t{0}}) {
    const auto off = z.utc_offset(Instant{std::chrono::seconds{t}}).count();
    EXPECT_TRUE(off == 3600 || off == 7200);
  }
  EXPECT_FALSE(dn::core::local_date(
      Instant{std::chrono::seconds{std::numeric_limits<std::int64_t>::max()}}, z));
  EXPECT_FALSE(dn::core::local_date(
      Instant{std::chrono::seconds{std::numeric_limits<std::int64_t>::min()}}, z));
  EXPECT_EQ(dn::core::local_date(utc("9999-12-31T22:59:59Z"), z), "9999-12-31");
  EXPECT_FALSE(dn::core::local_date(utc("9999-12-31T23:00:00Z"), z));
}

class PosixAgainstGlibc : public ::testing::TestWithParam<const char*> {};

TEST_P(PosixAgainstGlibc, OffsetsAgree) {
  const std::string text = GetParam();
  const auto z = posix_zone(text);
  set_tz(text);
  for (std::int64_t t = 946684800; t < 4102444800; t += 3 * 3600 + 13) {
    ASSERT_EQ(z.utc_offset(Instant{std::chrono::seconds{t}}).count(), glibc_offset(t))
        << text << " at " << t;
  }
  ::unsetenv("TZ");  // NOLINT(concurrency-mt-unsafe)
}

INSTANTIATE_TEST_SUITE_P(Rules, PosixAgainstGlibc,
                         ::testing::Values("CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0",
                                           "AEST-10AEDT,M10.1.0,M4.1.0/3", "<+0530>-5:30",
                                           "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
                                           "NZST-12NZDT,M9.5.0,M4.1.0/3",
                                           "GMT0BST,M3.5.0/1,M10.5.0", "AAA3BBB,J60/0,J300/1:30",
                                           "AAA-2BBB-3,100/2,250/3"));

TEST(PosixRules, RejectsMalformedStrings) {
  for (const char* bad : {"",
                          "C",
                          "CE1",
                          "CET",
                          "CET-",
                          "CET-25",
                          "CET-1:60",
                          "CET-1CEST,",
                          "CET-1CEST,M3.5",
                          "CET-1CEST,M13.5.0,M10.5.0",
                          "CET-1CEST,M3.6.0,M10.5.0",
                          "CET-1CEST,M3.5.7,M10.5.0",
                          "CET-1CEST,M3.5.0",
                          "CET-1CEST,M3.5.0,M10.5.0/168",
                          "CET-1CEST,J0,J100",
                          "CET-1CEST,366,1",
                          "CET-1CEST,M3.5.0,M10.5.0junk",
                          "<+05",
                          "<+0>-5",
                          "<+05:30>-5",
                          "CET-1CEST;M3.5.0,M10.5.0",
                          "CET-0001"}) {
    EXPECT_FALSE(TimeZone::from_posix(bad).ok()) << bad;
  }
}

// ------------------------------------------------------------ malformed TZif input

// A small v2 (or v1 when version is '\0') TZif file: one transition, two types.
std::string build_tzif(char version, const std::string& footer = "\nBBB-1\n") {
  auto be = [](std::string& out, std::uint64_t v, int width) {
    for (int k = width - 1; k >= 0; --k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  };
  auto block = [&](std::string& out, int time_size) {
    out += "TZif";
    out.push_back(version);
    out.append(15, '\0');
    for (std::uint64_t c : {0, 0, 0, 1, 2, 8}) be(out, c, 4);  // isut isstd leap time type char
    be(out, 1000000, time_size);
    out.push_back('\1');
    be(out, 0, 4);
    out += std::string("\0\0", 2);
    be(out, 3600, 4);
    out += std::string("\1\4", 2);
    out += std::string("AAA\0BBB\0", 8);
  };
  std::string out;
  block(out, 4);
  if (version != '\0') {
    block(out, 8);
    out += footer;
  }
  return out;
}

TEST(TzifErrors, HandBuiltFilesParse) {
  for (const char v : {'\0', '2', '3', '4'}) {
    auto parsed = TimeZone::from_tzif(build_tzif(v));
    ASSERT_TRUE(parsed.ok()) << static_cast<int>(v);
    const auto& z = parsed.value();
    EXPECT_EQ(z.at(Instant{std::chrono::seconds{999999}}).abbreviation, "AAA");
    EXPECT_EQ(z.at(Instant{std::chrono::seconds{1000000}}).abbreviation, "BBB");
  }
  // An empty footer: the last transition's type applies for ever.
  auto no_rule = TimeZone::from_tzif(build_tzif('2', "\n\n"));
  ASSERT_TRUE(no_rule.ok());
  EXPECT_EQ(no_rule.value().utc_offset(utc("2300-01-01T00:00:00Z")).count(), 3600);
}

TEST(TzifErrors, EveryTruncationIsAnError) {
  for (const auto& data : {read_zone_file("Europe/London"), read_zone_file("Australia/Sydney"),
                           read_zone_file("UTC"), build_tzif('\0'), build_tzif('3')}) {
    for (std::size_t n = 0; n < data.size(); ++n) {
      ASSERT_FALSE(TimeZone::from_tzif(data.substr(0, n)).ok()) << "prefix of " << n << " bytes";
    }
    EXPECT_TRUE(TimeZone::from_tzif(data).ok());
  }
}

TEST(TzifErrors, SpecificDefectsHaveReasons) {
  auto reason = [](const std::string& data) {
    auto parsed = TimeZone::from_tzif(data);
    return parsed.ok() ? std::string("<parsed>") : parsed.error().text;
  };
  const std::string good = build_tzif('2');
  const std::size_t v2 = 44 + 1 * 5 + 2 * 6 + 8;  // start of the second header
  auto patched = [&](std::size_t at, char c) {
    std::string s = good;
    s[at] = c;
    return s;
  };
  EXPECT_EQ(reason("TZxf" + good.substr(4)), "not a TZif file (bad magic)");
  EXPECT_EQ(reason(patched(4, '1')), "unsupported TZif version");
  EXPECT_EQ(reason(patched(v2 + 20 + 16 + 3, '\0')), "TZif time type count must be 1-256");
  EXPECT_EQ(reason(patched(v2 + 20 + 8 + 3, '\1')),
            "TZif files with leap seconds (right/ zones) are not supported");
  EXPECT_EQ(reason(patched(v2 + 44 + 8, '\7')), "TZif transition refers to an unknown time type");
  EXPECT_EQ(reason(patched(v2 + 44 + 9 + 4, '\2')), "TZif time type has an invalid isdst flag");
  EXPECT_EQ(reason(patched(v2 + 44 + 9 + 5, '\x20')), "TZif designation index is out of range");
  EXPECT_EQ(reason(patched(v2 + 44 + 9 + 12 + 7, 'X')), "TZif designation is not NUL-terminated");
  EXPECT_EQ(reason(patched(v2 + 44 + 9 + 0, '\x7f')),
            "TZif time type has an out-of-range UT offset");
  EXPECT_EQ(reason(good + "x"), "TZif has unexpected bytes after the footer");
  EXPECT_EQ(reason(build_tzif('\0') + "x"), "TZif has unexpected bytes after the v1 body");
  EXPECT_EQ(reason(build_tzif('2', "\nnot a rule\n")),
            "TZif footer: TZ string: standard time offset is missing or invalid");
  EXPECT_EQ(reason(build_tzif('2', "AAA0\n")), "TZif footer is missing");
}

TEST(TzifErrors, TransitionsMustAscend) {
  // Two transitions in the wrong order, hand-written as a v1 file.
  std::string s = "TZif";
  s.append(16, '\0');
  for (std::uint32_t c : {0U, 0U, 0U, 2U, 1U, 4U}) {
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((c >> (8 * k)) & 0xff));
  }
  s += std::string("\0\0\0\x10\0\0\0\x05", 8);  // 16 then 5
  s += std::string("\0\0", 2);
  s += std::string("\0\0\0\0\0\0", 6);
  s += std::string("UTC\0", 4);
  auto parsed = TimeZone::from_tzif(s);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().text, "TZif transition times are not in ascending order");
}

TEST(TzifErrors, ByteFlipsNeverCrash) {
  // Every single-byte corruption of a real file parses or fails cleanly (ASan/UBSan watch).
  const std::string data = read_zone_file("America/New_York");
  std::size_t rejected = 0;
  for (std::size_t at = 0; at < data.size(); ++at) {
    for (const unsigned char x : {0x01U, 0x80U, 0xffU}) {
      std::string s = data;
      s[at] = static_cast<char>(static_cast<unsigned char>(s[at]) ^ x);
      auto parsed = TimeZone::from_tzif(s);
      if (!parsed.ok()) {
        ++rejected;
      } else {
        (void)dn::core::local_date(utc("2024-06-01T00:00:00Z"), parsed.value());
      }
    }
  }
  EXPECT_GT(rejected, 0U);
}

TEST(TzifZones, V1SectionAloneMatchesTheFullFile) {
  // A v1 file made from the 32-bit part of a real v2 file agrees within the 32-bit range.
  std::string data = read_zone_file("Europe/London");
  auto full = zone("Europe/London");
  data[4] = '\0';
  // Cut after the v1 body: find the second header.
  const auto second = data.find("TZif", 4);
  ASSERT_NE(second, std::string::npos);
  auto v1 = TimeZone::from_tzif(data.substr(0, second));
  ASSERT_TRUE(v1.ok());
  for (const char* t : {"1990-06-01T00:00:00Z", "2024-03-31T01:00:00Z", "2024-10-27T00:59:59Z"}) {
    EXPECT_EQ(v1.value().utc_offset(utc(t)), full.utc_offset(utc(t))) << t;
  }
}

}  // namespace
