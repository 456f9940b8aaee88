// Contract inference: names, types, formats, required-ness, keys, the written documents, and the
// promise that an inferred contract accepts every row it was inferred from.
#include "dn/core/csv_infer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dn/core/csv.hpp"

namespace csv = dn::core::csv;

namespace {

csv::Inference infer(const std::string& text, const std::string& dataset = "sample",
                     std::size_t max_rows = 100000) {
  csv::Dialect dialect;
  dialect.delimiter = csv::sniff_delimiter(text);
  csv::Inferrer inferrer({.dataset = dataset, .source_name = "test.csv", .max_rows = max_rows});
  csv::Parser parser(dialect, [&](const csv::Record& r) { inferrer.add(r); });
  parser.feed(text);
  parser.finish();
  return inferrer.finish(dialect, "UTF-8", true);
}

const csv::InferredColumn& col(const csv::Inference& inf, const std::string& name) {
  for (const auto& c : inf.columns) {
    if (c.name == name) return c;
  }
  throw std::out_of_range("no column " + name);
}

std::string type_of(const csv::Inference& inf, const std::string& name) {
  return std::string(csv::column_type_name(col(inf, name).type));
}

}  // namespace

TEST(CsvInferNames, SnakeCaseFromAnyHeader) {
  const std::vector<std::pair<std::string, std::string>> header_and_name{
      {"Contact Phone Number", "contact_phone_number"},
      {"  firstName ", "first_name"},
      {"CustomerID", "customer_id"},
      {"HTTPStatusCode", "http_status_code"},
      {"E-mail (work)", "e_mail_work"},
      {"Growth %", "growth_pct"},
      {"Order #", "order_num"},
      {"R&D budget", "r_and_d_budget"},
      {"Prénom", "prenom"},
      {"Straße", "strasse"},
      {"Łódź Ærø", "lodz_aero"},
      {"2019 Sales", "col_2019_sales"},
      {"Имя", ""},
      {"___", ""},
      {"address2Line", "address2_line"}};
  for (const auto& [header, name] : header_and_name) {
    EXPECT_EQ(csv::snake_case(header), name) << header;
  }
  EXPECT_EQ(csv::snake_case(std::string(100, 'a')).size(), 63U);
}

TEST(CsvInferNames, DuplicatesEmptiesAndReservedNames) {
  const auto inf = infer(
      "Name,name,NAME ,,Имя,_line,dn_source_object\n"
      "a,b,c,d,e,f,g\n");
  std::vector<std::string> names;
  for (const auto& c : inf.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"name", "name_2", "name_3", "column_5", "line",
                                             "dn_source_object_2"}));
  // An unnamed field cannot be read by header: left out, and said so.
  ASSERT_EQ(inf.notes.size(), 1U);
  EXPECT_NE(inf.notes[0].find("field 4 has values but no header"), std::string::npos);
  EXPECT_EQ(col(inf, "name_3").header, "NAME");  // surrounding blanks trimmed
  EXPECT_EQ(col(inf, "column_5").header, "Имя");
  // Two headers with the same text: the second is its second occurrence.
  const auto dup = infer("id,Amount,Amount\n1,2,3\n");
  EXPECT_EQ(col(dup, "amount_2").header, "Amount");
  EXPECT_EQ(col(dup, "amount_2").occurrence, 2U);
  EXPECT_EQ(col(dup, "amount").occurrence, 1U);
  EXPECT_TRUE(col(dup, "amount").repeated);  // written as occurrence 1, as the loader requires
  EXPECT_EQ(dup.contract["columns"][1].value("occurrence", 0), 1);
  EXPECT_FALSE(dup.contract["columns"][0].contains("occurrence"));
}

TEST(CsvInferTypes, NumbersBooleansAndCodes) {
  const auto inf = infer(
      "small,big,huge,price,ratio,flag,zip,phone,neg,nan\n"
      "1,2147483648,123456789012345678901234,0.10,1.5e-3,yes,00501,+447700900123,-3,NaN\n"
      "-7,-9,1,19.99,2,No,10001,+15550100,-0.5,1.5\n");
  EXPECT_EQ(type_of(inf, "small"), "integer");
  EXPECT_EQ(type_of(inf, "big"), "bigint");
  EXPECT_EQ(type_of(inf, "huge"), "numeric");
  EXPECT_EQ(type_of(inf, "price"), "numeric");
  EXPECT_EQ(type_of(inf, "ratio"), "double");
  EXPECT_EQ(type_of(inf, "flag"), "boolean");
  EXPECT_EQ(type_of(inf, "zip"), "text");  // leading zeros: a code
  EXPECT_NE(col(inf, "zip").note.find("leading zeros"), std::string::npos);
  EXPECT_EQ(type_of(inf, "phone"), "text");
  EXPECT_EQ(type_of(inf, "neg"), "numeric");
  EXPECT_EQ(type_of(inf, "nan"), "double");
  // 0 and 1 alone are numbers, not booleans.
  EXPECT_EQ(type_of(infer("b\n0\n1\n"), "b"), "integer");
}

TEST(CsvInferTypes, DatesInTheFormatsSeen) {
  const auto inf = infer(
      "iso,named,long_named,day_first,month_first,ambiguous,slashes,dashed\n"
      "2001-01-05,Jan 5 2001,\"January 5, 2001\",31/01/2015,01/31/2015,01/02/2015,2015/01/31,"
      "05-Jan-2001\n"
      "2001-12-31,Dec 25 2001,\"March 1, 1999\",5/2/2015,2/5/2015,03/04/2015,2015/1/2,"
      "31-Dec-99\n");
  EXPECT_EQ(type_of(inf, "iso"), "date");
  EXPECT_EQ(col(inf, "iso").formats, (std::vector<std::string>{"%Y-%m-%d"}));
  EXPECT_EQ(col(inf, "named").formats, (std::vector<std::string>{"%b %d %Y"}));
  EXPECT_EQ(col(inf, "long_named").formats, (std::vector<std::string>{"%B %d, %Y"}));
  EXPECT_EQ(col(inf, "day_first").formats, (std::vector<std::string>{"%d/%m/%Y"}));
  EXPECT_EQ(col(inf, "month_first").formats, (std::vector<std::string>{"%m/%d/%Y"}));
  EXPECT_EQ(type_of(inf, "ambiguous"), "text");
  EXPECT_NE(col(inf, "ambiguous").note.find("day and month"), std::string::npos);
  EXPECT_EQ(col(inf, "slashes").formats, (std::vector<std::string>{"%Y/%m/%d"}));
  EXPECT_EQ(col(inf, "dashed").formats, (std::vector<std::string>{"%d-%b-%Y", "%d-%b-%y"}));
  // Day-first in one row and month-first in another cannot both hold.
  const auto mixed = infer("d\n31/01/2015\n01/31/2015\n");
  EXPECT_EQ(type_of(mixed, "d"), "text");
}

TEST(CsvInferTypes, TimestampsWithAndWithoutOffsets) {
  const auto inf = infer(
      "plain,zoned,excel,utc,fraction,mixed\n"
      "2015/01/31 13:00:00,2015-01-31T13:00:00Z,1/31/2015 1:05 PM,2015-01-31 13:00:00 UTC,"
      "2015-01-31 13:00:00.123456789,2015-01-31\n"
      "2015/02/01 00:00:59,2015-01-31T13:00:00.5+05:30,12/1/2015 12:00 AM,2015-02-01 00:00:00 UTC,"
      "2015-01-31 13:00:00,2015-01-31T13:00:00+01:00\n");
  EXPECT_EQ(type_of(inf, "plain"), "timestamp");
  EXPECT_EQ(col(inf, "plain").formats, (std::vector<std::string>{"%Y/%m/%d %H:%M:%S"}));
  EXPECT_EQ(type_of(inf, "zoned"), "timestamptz");
  EXPECT_EQ(col(inf, "zoned").formats,
            (std::vector<std::string>{"%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"}));
  EXPECT_EQ(type_of(inf, "excel"), "timestamp");
  EXPECT_EQ(col(inf, "excel").formats, (std::vector<std::string>{"%m/%d/%Y %I:%M %p"}));
  EXPECT_EQ(col(inf, "utc").formats, (std::vector<std::string>{"%Y-%m-%d %H:%M:%S %Z"}));
  EXPECT_EQ(type_of(inf, "fraction"), "timestamp");
  EXPECT_EQ(type_of(inf, "mixed"), "text");
}

TEST(CsvInferTypes, RequiredAndEmpty) {
  const auto inf = infer("a,b,c\n1,,x\n2,5,\n3,6,\n");
  EXPECT_TRUE(col(inf, "a").required);
  EXPECT_FALSE(col(inf, "b").required);
  EXPECT_EQ(type_of(inf, "b"), "integer");
  EXPECT_FALSE(col(inf, "c").required);
  const auto all_empty = infer("a,b\n1,\n2,\n");
  EXPECT_EQ(type_of(all_empty, "b"), "text");
}

TEST(CsvInferKeys, SingleColumnPairOrNone) {
  EXPECT_EQ(infer("name,customer_id\nann,1\nann,2\n").key, std::vector<std::string>{"customer_id"});
  // Both unique: the identifier-like name wins over the leftmost.
  EXPECT_EQ(infer("email,ID\na@x.org,1\nb@x.org,2\n").key, std::vector<std::string>{"id"});
  EXPECT_EQ(infer("store,day,sales\n1,2024-01-01,5\n1,2024-01-02,5\n2,2024-01-01,5\n").key,
            (std::vector<std::string>{"store", "day"}));
  // A key is never empty and never a float or a boolean.
  EXPECT_TRUE(infer("a,b\nx,1\nx,\ny,1\n").key.empty());
  EXPECT_TRUE(infer("ratio,ok\n0.5,true\n0.25,false\n").key.empty());
  const auto keyless = infer("colour,size\nred,1\nred,1\n");
  EXPECT_TRUE(keyless.key.empty());
  EXPECT_EQ(keyless.contract.value("rows_owned_by", ""), "object");
  EXPECT_FALSE(keyless.contract.contains("key"));
  // Dates written two ways that are the same day are one value.
  EXPECT_TRUE(infer("d,n\n2024-01-05,1\n2024-1-5,1\n").key.empty());
}

TEST(CsvInferDocuments, ContractAndMigration) {
  const auto inf =
      infer("Order ID,Placed On,Total ($)\n1,Jan 5 2001,10.50\n2,Feb 6 2001,\n", "orders");
  EXPECT_EQ(inf.contract_text,
            "{\n"
            "  \"dataset\": \"orders\",\n"
            "  \"version\": 1,\n"
            "  \"schema\": \"public\",\n"
            "  \"table\": \"orders\",\n"
            "  \"format\": {\"header\": true, \"delimiter\": \",\", \"quote\": \"\\\"\", "
            "\"encoding\": \"UTF-8\"},\n"
            "  \"key\": [\"order_id\"],\n"
            "  \"ignore_extra_columns\": true,\n"
            "  \"columns\": [\n"
            "    {\"name\": \"order_id\", \"header\": \"Order ID\", \"type\": \"integer\", "
            "\"required\": true},\n"
            "    {\"name\": \"placed_on\", \"header\": \"Placed On\", \"type\": \"date\", "
            "\"required\": true, \"formats\": [\"%b %d %Y\"]},\n"
            "    {\"name\": \"total\", \"header\": \"Total ($)\", \"type\": \"numeric\"}\n"
            "  ]\n"
            "}\n");
  EXPECT_EQ(
      inf.migration,
      "-- Table of the orders dataset (data/contracts/orders.json), inferred from test.csv by "
      "make infer-contract.\n"
      "CREATE TABLE IF NOT EXISTS \"public\".\"orders\" (\n"
      "  \"order_id\" integer NOT NULL,\n"
      "  \"placed_on\" date NOT NULL,\n"
      "  \"total\" numeric,\n"
      "  PRIMARY KEY (\"order_id\")\n"
      ");\n");
  const auto keyless = infer("a\nx\nx\n", "tags");
  EXPECT_EQ(keyless.migration,
            "-- Table of the tags dataset (data/contracts/tags.json), inferred from test.csv by "
            "make infer-contract.\n"
            "CREATE TABLE IF NOT EXISTS \"public\".\"tags\" (\n"
            "  \"a\" text NOT NULL,\n"
            "  \"dn_source_object\" text NOT NULL,\n"
            "  \"dn_source_line\" bigint NOT NULL\n"
            ");\n"
            "CREATE INDEX IF NOT EXISTS \"tags_dn_source_object_idx\" ON \"public\".\"tags\" "
            "(\"dn_source_object\");\n");
  EXPECT_THROW((void)infer("a\n1\n", "Bad Name"), std::invalid_argument);
  EXPECT_THROW((void)infer("", "empty"), std::invalid_argument);
}

TEST(CsvInferSample, BoundedAndMalformedRowsReported) {
  std::string text = "id,v\n";
  for (int i = 0; i < 1000; ++i) text += std::to_string(i) + "," + std::to_string(i % 7) + "\n";
  const auto inf = infer(text, "s", 100);
  EXPECT_EQ(inf.rows_sampled, 100U);
  EXPECT_FALSE(inf.whole_file);
  const auto bad = infer("a,b\n1,2\n3,4,5\n4,\"x\"y\n5,6\n6,7,,\n");
  ASSERT_EQ(bad.notes.size(), 2U);
  EXPECT_NE(bad.notes[0].find("line 4"), std::string::npos);  // the parser's own finding first
  EXPECT_NE(bad.notes[1].find("line 3: expected 2 fields, found 3"), std::string::npos);
  // Short rows make the contract accept them (missing fields empty); empty extras are fine.
  const auto jagged = infer("a,b,c\n1,2,3\n4\n5,6,,,\n");
  EXPECT_TRUE(jagged.notes.empty());
  EXPECT_TRUE(jagged.contract["format"].value("allow_jagged_rows", false));
  EXPECT_FALSE(col(jagged, "b").required);
  EXPECT_FALSE(infer("a\n1\n").contract["format"].contains("allow_jagged_rows"));
}

TEST(CsvInferSniff, DelimitersAndEncodings) {
  EXPECT_EQ(csv::sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n"), ';');
  EXPECT_EQ(csv::sniff_delimiter("a\tb\n1\t2\n"), '\t');
  EXPECT_EQ(csv::sniff_delimiter("a|b|c\n1|2|3\n"), '|');
  EXPECT_EQ(csv::sniff_delimiter("a,b\n\"x;y\",2\n"), ',');
  EXPECT_EQ(csv::sniff_delimiter("just one column\nvalue\n"), ',');
  EXPECT_EQ(csv::detect_encoding("caf\xC3\xA9", true), "UTF-8");
  EXPECT_EQ(csv::detect_encoding("caf\xC3", false), "UTF-8");  // cut by the sample's end
  EXPECT_EQ(csv::detect_encoding("caf\xC3", true), "windows-1252");
  EXPECT_EQ(csv::detect_encoding("caf\xE9 \x80", true), "windows-1252");
  EXPECT_EQ(csv::detect_encoding("caf\xE9 \x81", true), "latin-1");
}

// The promise: whatever the sample, the inferred contract (parsed back from the text written to
// disk) accepts every well-formed row of it. Random columns mixing every shape inference knows.
TEST(CsvInferSample, TheContractAcceptsItsOwnSample) {
  const std::vector<std::string> shapes{"12",
                                        "-3",
                                        "007",
                                        "2147483648",
                                        "1.25",
                                        "-0.5",
                                        "1e-7",
                                        "NaN",
                                        "true",
                                        "N",
                                        "2001-01-05",
                                        "5/1/2001",
                                        "31/1/2001",
                                        "1/31/2001",
                                        "Jan 5 2001",
                                        "\"May 5, 2001\"",
                                        "2001/01/05 13:00:00",
                                        "2001-01-05T13:00:00Z",
                                        "2001-01-05 13:00:00.5 UTC",
                                        "1/5/2001 1:00 PM",
                                        "",
                                        "text",
                                        "  padded ",
                                        "2001-02-30",
                                        "Feb 30 2001",
                                        "24:00",
                                        "+5",
                                        "00",
                                        "0",
                                        "9223372036854775808"};
  std::mt19937 rng(99);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t columns = 1 + rng() % 4;
    const std::size_t rows = 1 + rng() % 12;
    std::string text;
    for (std::size_t c = 0; c < columns; ++c) {
      if (c > 0) text += ',';
      text += 'c';
      text += static_cast<char>('a' + c);
    }
    text += "\n";
    // Each column draws from two or three shapes, as real columns mostly hold one kind.
    std::vector<std::vector<std::string>> pools(columns);
    for (auto& p : pools) {
      for (int k = 0; k < 3; ++k) p.push_back(shapes[rng() % shapes.size()]);
    }
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < columns; ++c) {
        text += (c ? "," : "") + pools[c][rng() % pools[c].size()];
      }
      text += "\n";
    }
    const auto inf = infer(text);
    // Only notes on why a column is text: no row the loader would reject, and no column the
    // validator had to demote (the type checks never choose a type a value fails).
    for (const auto& n : inf.notes) {
      ASSERT_TRUE(n.starts_with("column ") && n.find(": line ") == std::string::npos) << n << text;
    }
    const auto contract = csv::parse_contract(inf.contract);
    std::optional<csv::Validator> validator;
    std::string copy;
    csv::Parser parser({}, [&](const csv::Record& r) {
      if (!validator) {  // the header, mapped as the loader maps it
        auto mapped = csv::map_header(contract, r);
        ASSERT_TRUE(mapped.ok()) << mapped.error().text << text;
        validator.emplace(contract, std::move(*mapped));
        return;
      }
      const auto reject = validator->accept(r, copy);
      ASSERT_FALSE(reject) << text << "line " << r.line << ": " << reject->column << ": "
                           << reject->reason;
    });
    parser.feed(text);
    parser.finish();
  }
}
