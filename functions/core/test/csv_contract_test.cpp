// Contract parsing, header mapping and row validation.
#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dn/core/csv.hpp"

namespace csv = dn::core::csv;
using nlohmann::json;

namespace {

json users_contract_json() {
  return json::parse(R"({
    "dataset": "users", "version": 1, "schema": "public", "table": "users",
    "format": {"header": true, "delimiter": ",", "quote": "\"", "encoding": "UTF-8"},
    "key": ["user_id"],
    "max_rejected_rows": 5,
    "columns": [
      {"name": "user_id", "type": "text", "required": true, "max_length": 8},
      {"name": "email", "type": "email", "required": true, "unique": true},
      {"name": "age", "type": "integer", "min": 0, "max": 150},
      {"name": "visits", "type": "bigint"},
      {"name": "balance", "type": "numeric", "precision": 6, "scale": 2},
      {"name": "opt_in", "type": "boolean"},
      {"name": "signup", "type": "date", "formats": ["%Y-%m-%d", "%d/%m/%Y"]},
      {"name": "seen_at", "type": "timestamptz"},
      {"name": "channel", "type": "enum", "values": ["email", "push"]}
    ]
  })");
}

std::vector<csv::Record> records_of(const std::string& text, std::deque<std::string>& storage) {
  // A deque never moves its elements, so the copied views stay valid.
  std::vector<csv::Record> out;
  csv::Parser p({}, [&](const csv::Record& r) {
    csv::Record copy = r;
    copy.fields.clear();
    for (auto f : r.fields) copy.fields.emplace_back(storage.emplace_back(f));
    out.push_back(copy);
  });
  p.feed(text);
  p.finish();
  return out;
}

std::optional<std::string> check(csv::ColumnType type, const std::string& value, std::string& out,
                                 const json& extra = json::object()) {
  json column = {{"name", "c"}, {"type", std::string(csv::column_type_name(type))}};
  column.update(extra);
  json doc = {{"dataset", "d"},
              {"table", "t"},
              {"key", {"k"}},
              {"columns", {{{"name", "k"}, {"type", "text"}, {"required", true}}, column}}};
  const auto contract = csv::parse_contract(doc);
  auto checked = csv::normalise_value(contract.columns[1], value, out);
  if (checked.ok()) return std::nullopt;
  return checked.error().text;
}

}  // namespace

TEST(CsvContract, ParsesTheUsersShape) {
  const auto c = csv::parse_contract(users_contract_json());
  EXPECT_EQ(c.table, "users");
  ASSERT_EQ(c.columns.size(), 9U);
  EXPECT_EQ(c.columns[1].type, csv::ColumnType::Email);
  EXPECT_TRUE(c.columns[1].unique);
  EXPECT_EQ(c.key, (std::vector<std::string>{"user_id"}));
  EXPECT_EQ(c.max_rejected_rows, 5U);
  EXPECT_EQ(csv::pg_type(csv::ColumnType::Email), "text");
}

TEST(CsvContract, RejectsBadDocuments) {
  auto doc = users_contract_json();
  doc["key"] = {"nope"};
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["key"] = {"age"};  // not required
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][0]["type"] = "uuid4ever";
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][0]["name"] = std::string("nul\0inside", 10);
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][0]["name"] = std::string(64, 'x');
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][0]["name"] = "";
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][2]["name"] = "dn_source_line";  // the loader's own column
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["format"]["encoding"] = "EBCDIC";
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc.erase("table");
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
}

TEST(CsvHeader, MapsByNameInAnyOrderAfterTrimmingBlanks) {
  const auto c = csv::parse_contract(users_contract_json());
  std::deque<std::string> storage;
  const auto recs = records_of(" email\t,user_id,extra\n", storage);
  const auto h = csv::map_header(c, recs[0]);
  ASSERT_TRUE(h.ok()) << h.error().text;
  EXPECT_EQ(h->source[0], 1U);
  EXPECT_EQ(h->source[1], 0U);
  EXPECT_EQ(h->source[2], csv::Issue::kWholeRecord);  // optional and absent
  EXPECT_EQ(h->field_count, 3U);
}

TEST(CsvHeader, MatchIsExactApartFromSurroundingBlanks) {
  const auto c = csv::parse_contract(users_contract_json());
  std::deque<std::string> storage;
  // Case is kept: USER_ID is another header than user_id.
  EXPECT_EQ(csv::map_header(c, records_of("USER_ID,email\n", storage)[0]).error().text,
            "missing required column(s) in the header: user_id");
  EXPECT_EQ(csv::map_header(c, records_of("user id,email\n", storage)[0]).error().text,
            "missing required column(s) in the header: user_id");
}

TEST(CsvHeader, AnyHeaderTextMapsOntoAnyColumnName) {
  const auto c = csv::parse_contract(json::parse(R"json({
    "dataset": "contacts", "table": "contacts", "rows_owned_by": "object",
    "columns": [
      {"name": "Entity", "type": "text", "required": true},
      {"name": "phone", "header": "Contact Phone Number", "type": "text"},
      {"name": "first_name", "header": "Prénom (given)", "type": "text"},
      {"name": "amount_1", "header": "Amount", "occurrence": 1, "type": "integer"},
      {"name": "amount_2", "header": " Amount ", "occurrence": 2, "type": "integer"},
      {"name": "weird \"name\"; --", "header": "x", "type": "text"}
    ]})json"));
  EXPECT_TRUE(c.rows_owned_by_object);
  EXPECT_TRUE(c.key.empty());
  EXPECT_EQ(c.columns[1].header, "Contact Phone Number");
  EXPECT_EQ(c.columns[0].header, "Entity");  // defaults to the name
  std::deque<std::string> storage;
  const auto recs = records_of(
      "Amount, Contact Phone Number ,Entity,Amount,Prénom (given),x\n7,+44 20,E1,8,Zoë,q\n",
      storage);
  const auto h = csv::map_header(c, recs[0]);
  ASSERT_TRUE(h.ok()) << h.error().text;
  EXPECT_EQ(h->source, (std::vector<std::size_t>{2, 1, 4, 0, 3, 5}));
  csv::Validator v(c, *h);
  std::string out;
  EXPECT_FALSE(v.accept(recs[1], out));
  EXPECT_EQ(out, "E1\t+44 20\tZoë\t7\t8\tq\t2\n");
}

TEST(CsvHeader, RepeatedHeaderNeedsAnOccurrence) {
  const auto c = csv::parse_contract(users_contract_json());
  std::deque<std::string> storage;
  // The contract does not say which e-mail column it means.
  EXPECT_EQ(csv::map_header(c, records_of("user_id,email,email\n", storage)[0]).error().text,
            "column(s) listed twice in the header: email (the contract's occurrence says which "
            "one to read)");
  // Once it does, the other one is just an extra column.
  auto doc = users_contract_json();
  doc["columns"][1]["occurrence"] = 2;
  const auto second = csv::parse_contract(doc);
  const auto h = csv::map_header(second, records_of("user_id,email,email\n", storage)[0]);
  ASSERT_TRUE(h.ok()) << h.error().text;
  EXPECT_EQ(h->source[1], 2U);
  doc["ignore_extra_columns"] = false;
  EXPECT_EQ(
      csv::map_header(csv::parse_contract(doc), records_of("user_id,email,email\n", storage)[0])
          .error()
          .text,
      "unknown column(s) in the header: email");
  // A required column whose occurrence the file lacks.
  doc["columns"][1]["occurrence"] = 3;
  EXPECT_EQ(
      csv::map_header(csv::parse_contract(doc), records_of("user_id,email,email\n", storage)[0])
          .error()
          .text,
      "missing required column(s) in the header: email (occurrence 3)");
}

TEST(CsvContract, KeyOrRowsOwnedByObjectAndEncodings) {
  auto doc = users_contract_json();
  doc["rows_owned_by"] = "object";  // and a key: which one?
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc.erase("key");
  EXPECT_TRUE(csv::parse_contract(doc).rows_owned_by_object);
  doc["rows_owned_by"] = "file";
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc.erase("rows_owned_by");  // neither
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["key"] = {"user_id", "user_id"};
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][3]["header"] = "email";  // two columns reading the same field
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][3]["occurrence"] = 0;
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  doc = users_contract_json();
  doc["columns"][3]["header"] = "  ";
  EXPECT_THROW((void)csv::parse_contract(doc), std::invalid_argument);
  const std::pair<const char*, csv::Encoding> names[] = {
      {"UTF-8", csv::Encoding::Utf8},
      {"utf8", csv::Encoding::Utf8},
      {"windows-1252", csv::Encoding::Windows1252},
      {"CP1252", csv::Encoding::Windows1252},
      {"latin-1", csv::Encoding::Latin1},
      {"ISO-8859-1", csv::Encoding::Latin1}};
  for (const auto& [name, encoding] : names) {
    doc = users_contract_json();
    doc["format"]["encoding"] = name;
    EXPECT_EQ(csv::parse_contract(doc).encoding, encoding) << name;
  }
  EXPECT_EQ(csv::encoding_name(csv::Encoding::Windows1252), "WINDOWS-1252");
  EXPECT_EQ(csv::encoding_name(csv::Encoding::Latin1), "ISO-8859-1");
}

TEST(CsvContract, AbsentKeysIsKeepOrDeleteOnAKeyedDatasetOnly) {
  auto doc = users_contract_json();
  EXPECT_EQ(csv::parse_contract(doc).absent_keys, csv::AbsentKeys::Keep);  // the default
  EXPECT_FALSE(csv::parse_contract(doc).records_source_object());
  doc["absent_keys"] = "delete";
  EXPECT_EQ(csv::parse_contract(doc).absent_keys, csv::AbsentKeys::Delete);
  EXPECT_TRUE(csv::parse_contract(doc).records_source_object());
  doc["absent_keys"] = "keep";
  EXPECT_EQ(csv::parse_contract(doc).absent_keys, csv::AbsentKeys::Keep);
  const auto refused = [](const json& d) {
    try {
      (void)csv::parse_contract(d);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  doc["absent_keys"] = "drop";
  EXPECT_EQ(refused(doc), "absent_keys must be \"keep\" or \"delete\", not \"drop\"");
  doc["absent_keys"] = true;
  EXPECT_NE(refused(doc).find("contract: "), std::string::npos);  // not a string
  doc.erase("key");
  doc["rows_owned_by"] = "object";
  for (const char* value : {"delete", "keep"}) {
    doc["absent_keys"] = value;
    EXPECT_EQ(refused(doc),
              "absent_keys needs a key (rows owned by their object are replaced whole)");
  }
  doc.erase("absent_keys");
  EXPECT_TRUE(csv::parse_contract(doc).records_source_object());  // rows owned by the object
}

// A rejected row keeps its key's row only when the key can be read as the loader would load it.
TEST(CsvValidator, TheKeyOfARejectedRowIsReadableUnlessTheKeyOrTheRecordIsBroken) {
  auto doc = users_contract_json();
  doc["key"] = {"user_id", "signup"};
  doc["columns"][6]["required"] = true;
  const auto c = csv::parse_contract(doc);
  std::deque<std::string> storage;
  const auto recs = records_of(
      "user_id,email,age,signup\n"
      "u1,not-an-address,1,31/12/2023\n"    // 1: a value error elsewhere: readable, normalised
      "u2,a@b.org,999,2023-01-02\n"         // 2: out of range elsewhere: readable
      "u3,a@b.org,1\n"                      // 3: too few fields
      "u4,a@b.org,1,2023-01-02,extra\n"     // 4: too many fields
      "u5-too-long,a@b.org,1,2023-01-02\n"  // 5: the key itself is too long
      ",a@b.org,1,2023-01-02\n"             // 6: the key is empty
      "u7,a@b.org,1,2023-02-30\n"           // 7: the key's date is not a date
      "\"u8\"x,a@b.org,1,2023-01-02\n"      // 8: a quote problem in the key field
      "u9,\"a@b\"x.org,1,2023-01-02\n",     // 9: a quote problem elsewhere: readable
      storage);
  const auto h = csv::map_header(c, recs[0]);
  ASSERT_TRUE(h.ok()) << h.error().text;
  csv::Validator v(c, *h);
  std::string out;
  for (std::size_t i = 1; i < recs.size(); ++i) EXPECT_TRUE(v.accept(recs[i], out)) << i;
  EXPECT_TRUE(out.empty());
  using Key = std::optional<std::vector<std::string>>;
  EXPECT_EQ(v.readable_key(recs[1]), Key({"u1", "2023-12-31"}));
  EXPECT_EQ(v.readable_key(recs[2]), Key({"u2", "2023-01-02"}));
  for (std::size_t i = 3; i <= 8; ++i) EXPECT_EQ(v.readable_key(recs[i]), std::nullopt) << i;
  EXPECT_EQ(v.readable_key(recs[9]), Key({"u9", "2023-01-02"}));

  // A keyless contract has no key to read.
  doc.erase("key");
  doc["rows_owned_by"] = "object";
  const auto keyless = csv::parse_contract(doc);
  csv::Validator k(keyless, *csv::map_header(keyless, recs[0]));
  EXPECT_EQ(k.readable_key(recs[1]), std::nullopt);
}

TEST(CsvValidator, QuotedEmptyIsTheEmptyStringUnquotedEmptyIsNull) {
  const auto c = csv::parse_contract(json::parse(R"({
    "dataset": "d", "table": "t", "key": ["k"],
    "columns": [
      {"name": "k", "type": "text", "required": true},
      {"name": "note", "type": "text"},
      {"name": "n", "type": "integer"},
      {"name": "must", "type": "text", "required": true}
    ]})"));
  std::deque<std::string> storage;
  const auto recs = records_of("k,note,n,must\na,\"\",\"\",x\nb,,,x\nc,\"\",1,\"\"\n", storage);
  const auto h = csv::map_header(c, recs[0]);
  ASSERT_TRUE(h.ok());
  csv::Validator v(c, *h);
  std::string out;
  EXPECT_FALSE(v.accept(recs[1], out));
  EXPECT_FALSE(v.accept(recs[2], out));
  // "" into text is '' (empty, not \N); into an integer it is no value; unquoted is NULL.
  EXPECT_EQ(out, "a\t\t\\N\tx\t2\nb\t\\N\t\\N\tx\t3\n");
  const auto r = v.accept(recs[3], out);
  ASSERT_TRUE(r);  // required means a non-empty value
  EXPECT_EQ(r->column, "must");
  EXPECT_EQ(recs[3].to_csv(), "c,\"\",1,\"\"");
}

TEST(CsvHeader, MissingRequiredColumnRejectsTheFile) {
  const auto c = csv::parse_contract(users_contract_json());
  std::deque<std::string> storage;
  const auto h = csv::map_header(c, records_of("user_id,age\n", storage)[0]);
  EXPECT_FALSE(h.ok());
  EXPECT_EQ(h.error().text, "missing required column(s) in the header: email");
}

TEST(CsvHeader, UnknownColumnsAndMalformedHeader) {
  auto doc = users_contract_json();
  doc["ignore_extra_columns"] = false;
  const auto c = csv::parse_contract(doc);
  std::deque<std::string> storage;
  EXPECT_EQ(csv::map_header(c, records_of("user_id,email,shoe\n", storage)[0]).error().text,
            "unknown column(s) in the header: shoe");
  EXPECT_NE(csv::map_header(c, records_of("user_id,\"em\xFF\"\n", storage)[0])
                .error()
                .text.find("malformed"),
            std::string::npos);
}

TEST(CsvValidator, AcceptsAndEncodesForCopy) {
  const auto c = csv::parse_contract(users_contract_json());
  std::deque<std::string> storage;
  const auto recs = records_of(
      "user_id,email,age,visits,balance,opt_in,signup,seen_at,channel\n"
      "u1,Ann@Example.COM,42,9000000000,-12.5,Yes,31/12/2023,2024-01-02 03:04:05.5+01:00,push\n"
      "u2,\"b\\\\c\tx@ex.org\",,,,,,,\n",
      storage);
  const auto h = csv::map_header(c, recs[0]);
  ASSERT_TRUE(h.ok());
  csv::Validator v(c, *h);
  std::string out;
  EXPECT_FALSE(v.accept(recs[1], out));
  EXPECT_EQ(out,
            "u1\tAnn@example.com\t42\t9000000000\t-12.5\tt\t2023-12-31\t"
            "2024-01-02T03:04:05.5+01:00\tpush\t2\n");
  out.clear();
  const auto r = v.accept(recs[2], out);
  ASSERT_TRUE(r);  // the tab makes the address invalid
  EXPECT_EQ(r->column, "email");
  EXPECT_TRUE(out.empty());
}

TEST(CsvValidator, NullsForEmptyOptionalAndMissingColumns) {
  const auto c = csv::parse_contract(users_contract_json());
  std::deque<std::string> storage;
  const auto recs = records_of("email,user_id\nx@ex.org,u9\n", storage);
  const auto h = csv::map_header(c, recs[0]);
  ASSERT_TRUE(h.ok());
  csv::Validator v(c, *h);
  std::string out;
  EXPECT_FALSE(v.accept(recs[1], out));
  EXPECT_EQ(out, "u9\tx@ex.org\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t2\n");
}

TEST(CsvValidator, RejectsNameLineColumnAndReason) {
  const auto c = csv::parse_contract(users_contract_json());
  std::deque<std::string> storage;
  const auto recs = records_of(
      "user_id,email,age\n"
      ",a@b.co,1\n"
      "u2,a@b.co,1000\n"
      "u3,a@b.co\n"
      "u4,\"a@b.co\"x,1\n"
      "toolong12345,a@b.co,1\n",
      storage);
  const auto h = csv::map_header(c, recs[0]);
  ASSERT_TRUE(h.ok());
  csv::Validator v(c, *h);
  std::string out;
  const auto r1 = v.accept(recs[1], out);
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->line, 2U);
  EXPECT_EQ(r1->column, "user_id");
  EXPECT_EQ(r1->reason, "required value is empty");
  const auto r2 = v.accept(recs[2], out);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->column, "age");
  EXPECT_EQ(r2->reason, "above the maximum 150");
  const auto r3 = v.accept(recs[3], out);
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->column, "");
  EXPECT_EQ(r3->reason, "expected 3 fields, found 2");
  const auto r4 = v.accept(recs[4], out);
  ASSERT_TRUE(r4);
  EXPECT_EQ(r4->column, "email");
  EXPECT_EQ(r4->reason, "text after the closing quote of a quoted field");
  const auto r5 = v.accept(recs[5], out);
  ASSERT_TRUE(r5);
  EXPECT_EQ(r5->reason, "longer than 8 characters");
  EXPECT_TRUE(out.empty());
}

TEST(CsvTypes, Integers) {
  std::string out;
  EXPECT_FALSE(check(csv::ColumnType::Integer, "+17", out));
  EXPECT_EQ(out, "17");
  EXPECT_FALSE(check(csv::ColumnType::Integer, "-2147483648", out));
  EXPECT_TRUE(check(csv::ColumnType::Integer, "2147483648", out));
  EXPECT_TRUE(check(csv::ColumnType::Integer, "1.0", out));
  EXPECT_TRUE(check(csv::ColumnType::Integer, "-", out));
  EXPECT_TRUE(check(csv::ColumnType::Integer, "+-1", out));
  EXPECT_TRUE(check(csv::ColumnType::Integer, " 1", out));
  EXPECT_FALSE(check(csv::ColumnType::Bigint, "9223372036854775807", out));
  EXPECT_TRUE(check(csv::ColumnType::Bigint, "9223372036854775808", out));
}

TEST(CsvTypes, Numerics) {
  std::string out;
  const json ps = {{"precision", 5}, {"scale", 2}};
  EXPECT_FALSE(check(csv::ColumnType::Numeric, "123.45", out, ps));
  EXPECT_FALSE(check(csv::ColumnType::Numeric, "000123.4", out, ps));
  EXPECT_TRUE(check(csv::ColumnType::Numeric, "1234.5", out, ps));
  EXPECT_TRUE(check(csv::ColumnType::Numeric, "1.234", out, ps));
  EXPECT_FALSE(check(csv::ColumnType::Numeric, ".5", out));
  EXPECT_FALSE(check(csv::ColumnType::Numeric, "+5.", out));
  EXPECT_EQ(out, "5.");
  EXPECT_TRUE(check(csv::ColumnType::Numeric, "1e5", out));
  EXPECT_TRUE(check(csv::ColumnType::Numeric, ".", out));
  EXPECT_TRUE(check(csv::ColumnType::Numeric, "NaN", out));
}

TEST(CsvTypes, Booleans) {
  std::string out;
  for (const char* t : {"true", "TRUE", "t", "yes", "Y", "1"}) {
    EXPECT_FALSE(check(csv::ColumnType::Boolean, t, out)) << t;
    EXPECT_EQ(out, "t");
  }
  for (const char* f : {"false", "F", "no", "n", "0"}) {
    EXPECT_FALSE(check(csv::ColumnType::Boolean, f, out)) << f;
    EXPECT_EQ(out, "f");
  }
  EXPECT_TRUE(check(csv::ColumnType::Boolean, "maybe", out));
}

TEST(CsvTypes, DatesInAcceptedFormats) {
  std::string out;
  const json f = {{"formats", {"%Y-%m-%d", "%m/%d/%Y"}}};
  EXPECT_FALSE(check(csv::ColumnType::Date, "2024-02-29", out, f));
  EXPECT_EQ(out, "2024-02-29");
  EXPECT_FALSE(check(csv::ColumnType::Date, "1/5/2024", out, f));
  EXPECT_EQ(out, "2024-01-05");
  EXPECT_EQ(check(csv::ColumnType::Date, "2023-02-29", out, f), "not a calendar date");
  EXPECT_TRUE(check(csv::ColumnType::Date, "2024-1-5x", out, f));
  EXPECT_TRUE(check(csv::ColumnType::Date, "24-01-05", out, f));
  EXPECT_TRUE(check(csv::ColumnType::Date, "0000-01-01", out, f));
}

TEST(CsvTypes, Timestamps) {
  std::string out;
  EXPECT_FALSE(check(csv::ColumnType::Timestamptz, "2024-03-31T01:02:03Z", out));
  EXPECT_FALSE(check(csv::ColumnType::Timestamptz, "2024-03-31 01:02:03.123456-05:30", out));
  EXPECT_EQ(out, "2024-03-31T01:02:03.123456-05:30");
  EXPECT_FALSE(check(csv::ColumnType::Timestamptz, "2024-03-31T01:02+0100", out));
  EXPECT_EQ(check(csv::ColumnType::Timestamptz, "2024-03-31T01:02:03", out),
            "timestamp without a time zone offset (add Z or +HH:MM)");
  EXPECT_TRUE(check(csv::ColumnType::Timestamptz, "2024-02-30T01:02:03Z", out));
  EXPECT_TRUE(check(csv::ColumnType::Timestamptz, "2024-03-31T24:00:00Z", out));
  // Up to nine fraction digits (PostgreSQL rounds to microseconds), not more.
  EXPECT_FALSE(check(csv::ColumnType::Timestamptz, "2024-03-31T01:02:03.1234567Z", out));
  EXPECT_TRUE(check(csv::ColumnType::Timestamptz, "2024-03-31T01:02:03.1234567890Z", out));
  EXPECT_TRUE(check(csv::ColumnType::Timestamptz, "yesterday", out));
}

TEST(CsvTypes, Emails) {
  std::string out;
  EXPECT_FALSE(check(csv::ColumnType::Email, "first.last+tag@Mail.Example.org", out));
  EXPECT_EQ(out, "first.last+tag@mail.example.org");
  for (const char* bad : {"plain", "@ex.org", "a@", "a@@ex.org", "a@ex", "a..b@ex.org", "a@-ex.org",
                          "a b@ex.org", "a@ex..org", ".a@ex.org"}) {
    EXPECT_TRUE(check(csv::ColumnType::Email, bad, out)) << bad;
  }
}

TEST(CsvTypes, EnumsTextAndNul) {
  std::string out;
  const json e = {{"values", {"a", "b"}}};
  EXPECT_FALSE(check(csv::ColumnType::Enum, "a", out, e));
  EXPECT_EQ(check(csv::ColumnType::Enum, "A", out, e), "not one of: a, b");
  EXPECT_FALSE(check(csv::ColumnType::Text, "Zoë", out, {{"max_length", 3}}));
  EXPECT_TRUE(check(csv::ColumnType::Text, "Zoës", out, {{"max_length", 3}}));
  EXPECT_EQ(check(csv::ColumnType::Text, std::string("a\0b", 3), out), "contains a NUL byte");
}

TEST(CsvCopy, EscapesTextFormatSpecials) {
  std::string out;
  csv::append_copy_escaped(out, "a\\b\tc\nd\re");
  EXPECT_EQ(out, "a\\\\b\\tc\\nd\\re");
}

TEST(CsvRejects, LinesAreCsvAndRawIsCut) {
  EXPECT_EQ(csv::rejects_header(), "line,column,reason,raw\r\n");
  EXPECT_EQ(csv::rejects_line({7, "email", "not an e-mail, really"}, "u1,\"x\"", 1024),
            "7,email,\"not an e-mail, really\",\"u1,\"\"x\"\"\"\r\n");
  EXPECT_EQ(csv::rejects_line({1, "", "r"}, "abc\xC3\xA9xyz", 5), "1,,r,abc\r\n");
}
