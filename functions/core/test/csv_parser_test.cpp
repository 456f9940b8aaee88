// RFC 4180 cases for the streaming parser, each fed whole and split at every byte boundary.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dn/core/csv.hpp"

namespace csv = dn::core::csv;

namespace {

struct Parsed {
  std::uint64_t line = 0;
  std::vector<std::string> fields;
  std::vector<std::string> issues;  // "column:reason"
  std::vector<std::uint8_t> quoted;
};

std::vector<Parsed> parse_chunks(const std::vector<std::string>& chunks, csv::Dialect d = {}) {
  std::vector<Parsed> out;
  csv::Parser parser(d, [&](const csv::Record& r) {
    Parsed p;
    p.line = r.line;
    for (auto f : r.fields) p.fields.emplace_back(f);
    for (std::size_t i = 0; i < r.fields.size(); ++i) p.quoted.push_back(r.is_quoted(i) ? 1 : 0);
    for (const auto& i : r.issues) {
      p.issues.push_back(
          (i.column == csv::Issue::kWholeRecord ? std::string("*") : std::to_string(i.column)) +
          ":" + i.reason);
    }
    out.push_back(std::move(p));
  });
  for (const auto& c : chunks) parser.feed(c);
  parser.finish();
  return out;
}

std::vector<Parsed> parse(const std::string& text, csv::Dialect d = {}) {
  return parse_chunks({text}, d);
}

// Same result whatever the chunking: every split point, and one byte at a time.
void expect_chunking_invariant(const std::string& text) {
  const auto whole = parse(text);
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const auto split = parse_chunks({text.substr(0, cut), text.substr(cut)});
    ASSERT_EQ(split.size(), whole.size()) << "cut at " << cut;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(split[i].fields, whole[i].fields) << "cut at " << cut;
      EXPECT_EQ(split[i].line, whole[i].line) << "cut at " << cut;
      EXPECT_EQ(split[i].issues, whole[i].issues) << "cut at " << cut;
      EXPECT_EQ(split[i].quoted, whole[i].quoted) << "cut at " << cut;
    }
  }
  std::vector<std::string> bytes;
  for (const char c : text) bytes.emplace_back(1, c);
  const auto single = parse_chunks(bytes);
  ASSERT_EQ(single.size(), whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) EXPECT_EQ(single[i].fields, whole[i].fields);
}

using Fields = std::vector<std::string>;

}  // namespace

TEST(CsvParser, SimpleRecordsWithLf) {
  const auto r = parse("a,b,c\n1,2,3\n");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(r[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(r[0].line, 1U);
  EXPECT_EQ(r[1].line, 2U);
  EXPECT_TRUE(r[1].issues.empty());
}

TEST(CsvParser, CrlfLineEnds) {
  const auto r = parse("a,b\r\n1,2\r\n");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(r[1].line, 2U);
}

TEST(CsvParser, BareCrEndsARecord) {
  const auto r = parse("a,b\r1,2\r");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].fields, (Fields{"1", "2"}));
  EXPECT_EQ(r[1].line, 2U);
}

TEST(CsvParser, LastRecordWithoutLineBreak) {
  const auto r = parse("a,b\n1,2");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].fields, (Fields{"1", "2"}));
}

TEST(CsvParser, EmptyFieldsAndTrailingDelimiter) {
  const auto r = parse(",a,,\n");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].fields, (Fields{"", "a", "", ""}));
}

TEST(CsvParser, QuotedFieldWithDelimiterQuoteAndNewlines) {
  const auto r = parse("id,text\n1,\"a,b \"\"q\"\"\nline2\r\nline3\"\n2,x\n");
  ASSERT_EQ(r.size(), 3U);
  EXPECT_EQ(r[1].fields, (Fields{"1", "a,b \"q\"\nline2\r\nline3"}));
  EXPECT_EQ(r[1].line, 2U);
  EXPECT_EQ(r[2].line, 5U);  // the quoted field spans lines 2-4
  EXPECT_TRUE(r[1].issues.empty());
}

TEST(CsvParser, EmptyQuotedFieldIsEmpty) {
  const auto r = parse("\"\",\"\"\"\"\n");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].fields, (Fields{"", "\""}));
}

TEST(CsvParser, ReportsWhichFieldsWereQuoted) {
  const std::string text = "\"\",,\"a\",b\r\n\"x\"\"\",\"\"\n,\n";
  const auto r = parse(text);
  ASSERT_EQ(r.size(), 3U);
  EXPECT_EQ(r[0].fields, (Fields{"", "", "a", "b"}));
  EXPECT_EQ(r[0].quoted, (std::vector<std::uint8_t>{1, 0, 1, 0}));
  EXPECT_EQ(r[1].fields, (Fields{"x\"", ""}));
  EXPECT_EQ(r[1].quoted, (std::vector<std::uint8_t>{1, 1}));
  EXPECT_EQ(r[2].quoted, (std::vector<std::uint8_t>{0, 0}));
  expect_chunking_invariant(text);
}

TEST(CsvParser, EmptyLinesAreSkippedButCounted) {
  const auto r = parse("a\n\n\r\nb\n");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].fields, (Fields{"b"}));
  EXPECT_EQ(r[1].line, 4U);
}

TEST(CsvParser, Utf8BomIsDropped) {
  const auto r = parse("\xEF\xBB\xBFid,name\n1,Zoë\n");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].fields, (Fields{"id", "name"}));
  EXPECT_TRUE(r[1].issues.empty());
}

TEST(CsvParser, BomSplitAcrossChunks) {
  const auto r = parse_chunks({"\xEF", "\xBB", "\xBF", "id\n"});
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].fields, (Fields{"id"}));
}

TEST(CsvParser, ForeignBomIsFlagged) {
  bool flagged = false;
  csv::Parser p({}, [](const csv::Record&) {});
  p.feed(std::string("\xFF\xFEi\0d\0", 6));
  p.finish();
  flagged = p.saw_foreign_bom();
  EXPECT_TRUE(flagged);
}

TEST(CsvParser, InvalidUtf8IsReportedPerField) {
  const auto r = parse("ok,\"bad\xC3\",also\xFF\n");
  ASSERT_EQ(r.size(), 1U);
  ASSERT_EQ(r[0].issues.size(), 2U);
  EXPECT_EQ(r[0].issues[0], "1:invalid UTF-8 at byte 4 of the field");
  EXPECT_EQ(r[0].issues[1], "2:invalid UTF-8 at byte 5 of the field");
}

TEST(CsvParser, QuoteInsideUnquotedFieldIsAnIssue) {
  const auto r = parse("a,b\"c\n");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].fields, (Fields{"a", "b\"c"}));
  EXPECT_EQ(r[0].issues, (Fields{"1:quote character inside an unquoted field"}));
}

TEST(CsvParser, TextAfterClosingQuoteIsAnIssue) {
  const auto r = parse("\"ab\"c,d\n");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].issues, (Fields{"0:text after the closing quote of a quoted field"}));
}

TEST(CsvParser, UnterminatedQuoteAtEndOfInput) {
  const auto r = parse("a,b\n1,\"open\n2,3\n");
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[1].line, 2U);
  EXPECT_EQ(r[1].issues, (Fields{"1:quoted field not closed before the end of the file"}));
}

TEST(CsvParser, OversizedFieldIsCutAndReportedThenParsingResumes) {
  const auto r = parse("abcdefgh,x\n1,2\n", {.max_field_bytes = 4, .max_record_bytes = 16});
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].fields[0], "abcd");
  EXPECT_EQ(r[0].issues, (Fields{"0:field longer than 4 bytes"}));
  EXPECT_EQ(r[1].fields, (Fields{"1", "2"}));
  EXPECT_TRUE(r[1].issues.empty());
}

TEST(CsvParser, OversizedRecordIsReported) {
  const auto r = parse("aaaa,bbbb,cccc,dddd\nok\n", {.max_field_bytes = 4, .max_record_bytes = 8});
  ASSERT_EQ(r.size(), 2U);
  ASSERT_FALSE(r[0].issues.empty());
  EXPECT_EQ(r[0].issues.back(), "*:record longer than 8 bytes");
  EXPECT_EQ(r[1].fields, (Fields{"ok"}));
}

TEST(CsvParser, LineOfDelimitersStaysBounded) {
  csv::Dialect d;
  d.max_record_bytes = 64;
  const auto r = parse(std::string(10000, ',') + "\n", d);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_LE(r[0].fields.size(), 65U);
  EXPECT_FALSE(r[0].issues.empty());
}

TEST(CsvParser, OtherDelimiterAndQuote) {
  csv::Dialect d;
  d.delimiter = ';';
  d.quote = '\'';
  const auto r = parse("a;'b;c';'it''s'\n", d);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].fields, (Fields{"a", "b;c", "it's"}));
}

TEST(CsvParser, EmptyInputGivesNoRecords) {
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(parse("\n\r\n").empty());
}

TEST(CsvParser, ChunkingNeverChangesTheResult) {
  expect_chunking_invariant(
      "\xEF\xBB\xBFid,text\r\n1,\"a,\"\"b\"\"\r\nc\"\r\n2,plain\r\n\r\n3,\"\"\n");
  expect_chunking_invariant("a,\"unterminated\nstill");
  expect_chunking_invariant("x\ry\r\nz\n\"q\"x\n");
}

TEST(CsvParser, CountsBytesAndRecords) {
  csv::Parser p({}, [](const csv::Record&) {});
  p.feed("a,b\n");
  p.feed("1,2\n");
  p.finish();
  EXPECT_EQ(p.bytes_fed(), 8U);
  EXPECT_EQ(p.records(), 2U);
}

TEST(CsvParser, ToCsvRoundTrips) {
  const std::string text = "plain,\"with,comma\",\"with \"\"quote\"\"\",\"multi\nline\"";
  std::string again;
  csv::Parser p({}, [&](const csv::Record& r) { again = r.to_csv(); });
  p.feed(text);
  p.finish();
  EXPECT_EQ(again, text);
}

TEST(Utf8, AcceptsValidAndRejectsMalformedSequences) {
  EXPECT_FALSE(csv::find_invalid_utf8("plain ascii text that is long"));
  EXPECT_FALSE(csv::find_invalid_utf8("Zoë 日本 😀"));
  EXPECT_EQ(csv::find_invalid_utf8("ab\xC0\xAF"), 2U);        // overlong
  EXPECT_EQ(csv::find_invalid_utf8("\xED\xA0\x80"), 0U);      // surrogate
  EXPECT_EQ(csv::find_invalid_utf8("\xF4\x90\x80\x80"), 0U);  // past U+10FFFF
  EXPECT_EQ(csv::find_invalid_utf8("12345678\xE2\x82"), 8U);  // truncated
  EXPECT_EQ(csv::find_invalid_utf8("\x80"), 0U);              // stray continuation
}
