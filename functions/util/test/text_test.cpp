#include "dn/util/text.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace dn::util {
namespace {

TEST(UtilText, LowerMapsOnlyAsciiLetters) {
  EXPECT_EQ(lower("X-Amz-Date: Ab9"), "x-amz-date: ab9");
  EXPECT_EQ(lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");
}

TEST(UtilText, TrimRemovesSurroundingWhitespaceOnly) {
  EXPECT_EQ(trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(trim(" \r\n"), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(UtilText, DoubleQuotedDoublesInnerQuotes) {
  EXPECT_EQ(double_quoted(R"(a"b)"), R"("a""b")");
  EXPECT_EQ(double_quoted(""), R"("")");
}

TEST(UtilText, DigitsAreOnlyAsciiZeroToNine) {
  EXPECT_TRUE(is_digit('0'));
  EXPECT_TRUE(is_digit('9'));
  EXPECT_FALSE(is_digit('/'));
  EXPECT_FALSE(is_digit(':'));
  EXPECT_FALSE(is_digit('\xD9'));  // a byte of a UTF-8 sequence (Arabic-Indic digits start so)
  EXPECT_TRUE(all_digits("2026"));
  EXPECT_FALSE(all_digits(""));
  EXPECT_FALSE(all_digits("20 6"));
  EXPECT_FALSE(all_digits("-1"));
  EXPECT_EQ(decimal_value("0042"), 42);
  EXPECT_EQ(decimal_value("2026"), 2026);
}

TEST(UtilText, NumberedAppendsTheDecimalNumber) {
  EXPECT_EQ(numbered("q", 7), "q7");
  EXPECT_EQ(numbered("", 0), "0");
  EXPECT_EQ(numbered("n-", -12), "n--12");
  EXPECT_EQ(numbered("v", std::uint64_t{18446744073709551615U}), "v18446744073709551615");
}

}  // namespace
}  // namespace dn::util
