// Streaming CSV (RFC 4180) and dataset contracts, pure: bytes in, records and verdicts out.
//
//   csv::Parser parser(dialect, [&](const csv::Record& r) { ... });
//   parser.feed(chunk);  // any number of chunks of any size
//   parser.finish();     // flushes the last record, reports an unterminated quote
//
// A Validator built from a Contract turns each record into a row for PostgreSQL COPY (text
// format) or a reject with line, column and reason. Memory is bounded by the dialect's limits,
// never by the size of the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/expected.hpp"

namespace dn::core::csv {

struct Dialect {
  char delimiter = ',';
  char quote = '"';
  // A field (record) longer than this is cut off and reported: the parser never holds more.
  std::size_t max_field_bytes = std::size_t{64} * 1024;
  std::size_t max_record_bytes = std::size_t{256} * 1024;
};

// Something wrong with one field (column is 0-based) or the record as a whole (column = npos).
struct Issue {
  static constexpr std::size_t kWholeRecord = static_cast<std::size_t>(-1);
  std::size_t column = kWholeRecord;
  std::string reason{};
};

// One record. The views point into the parser's buffer: valid only during the callback.
struct Record {
  std::uint64_t line = 0;    // physical line (1-based) where the record starts
  std::uint64_t number = 0;  // record ordinal (1-based, the header included)
  std::vector<std::string_view> fields{};
  // Per field: 1 when it was quoted. An unquoted empty field is NULL, a quoted one ("") the
  // empty string, as in PostgreSQL's CSV COPY.
  std::vector<std::uint8_t> quoted{};
  std::vector<Issue> issues{};  // empty for a well-formed record

  [[nodiscard]] bool is_quoted(std::size_t field) const {
    return field < quoted.size() && quoted[field] != 0;
  }

  // The record written back as RFC 4180 CSV (fields quoted when needed), no line break.
  [[nodiscard]] std::string to_csv(char delimiter = ',', char quote = '"') const;
};

using RecordSink = std::function<void(const Record&)>;

// Accepts: quoted fields with embedded delimiters, doubled quotes and line breaks; CRLF, LF and
// bare CR line ends; a UTF-8 byte order mark at the start (dropped). Empty lines are skipped.
// Reports per record: invalid UTF-8 (per field, with the byte offset), a quote inside an
// unquoted field, text after a closing quote, a field or record over its limit, and an
// unterminated quoted field at the end of input.
class Parser {
 public:
  Parser(Dialect dialect, RecordSink sink);

  void feed(std::string_view chunk);
  void finish();

  [[nodiscard]] std::uint64_t bytes_fed() const { return bytes_; }
  [[nodiscard]] std::uint64_t records() const { return record_number_; }
  // The input started with a UTF-16 or UTF-32 byte order mark (the file is not UTF-8).
  [[nodiscard]] bool saw_foreign_bom() const { return foreign_bom_; }

 private:
  enum class State : std::uint8_t { FieldStart, Unquoted, Quoted, QuoteInQuoted, AfterCr };

  void feed_body(std::string_view data);
  void append(char c);
  void append_run(std::string_view run);
  void end_field();
  void end_line();
  void end_record();
  void add_issue(std::size_t column, std::string reason);
  bool handle_bom(std::string_view& chunk);

  Dialect dialect_;
  RecordSink sink_;
  State state_ = State::FieldStart;
  std::string buffer_;                      // the bytes of the current record's fields
  std::vector<std::size_t> field_ends_;     // end offset of each finished field in buffer_
  std::vector<std::uint8_t> field_cut_;     // per finished field: 1 when cut at the limit
  std::vector<std::uint8_t> field_quoted_;  // per finished field: 1 when it was quoted
  bool quoted_ = false;                     // the current field opened with a quote
  std::size_t field_start_ = 0;             // offset of the current field in buffer_
  bool field_truncated_ = false;
  bool record_truncated_ = false;
  bool record_open_ = false;  // some byte of the current record was seen
  std::vector<Issue> issues_;
  std::uint64_t line_ = 1;
  std::uint64_t record_line_ = 1;
  std::uint64_t record_number_ = 0;
  std::uint64_t bytes_ = 0;
  std::string bom_probe_;  // the first bytes, until the BOM question is settled
  bool bom_settled_ = false;
  bool foreign_bom_ = false;
  bool finished_ = false;
};

// nullopt when `text` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF),
// else the byte offset of the first invalid sequence.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// ---- dataset contracts --------------------------------------------------------------------

enum class ColumnType : std::uint8_t {
  Text,
  Integer,  // int4
  Bigint,   // int8
  Numeric,  // decimal, optional precision/scale
  Boolean,
  Date,
  Timestamptz,
  Email,
  Enum,
  Double,     // double precision
  Timestamp,  // timestamp without time zone
};

std::optional<ColumnType> parse_column_type(std::string_view name);
std::string_view column_type_name(ColumnType type);
// The PostgreSQL type written by migrations for a contract type.
std::string pg_type(ColumnType type);

// What the loader transcodes a file from (to UTF-8) before parsing it.
enum class Encoding : std::uint8_t { Utf8, Windows1252, Latin1 };
// "UTF-8", "windows-1252", "ISO-8859-1": the names glibc's iconv knows.
std::string_view encoding_name(Encoding encoding);

// Columns the loader manages itself: dn_source_object (the S3 key that last loaded the row) in
// every table that records it (Contract::records_source_object), dn_source_line in tables whose
// rows are owned by their source object.
inline constexpr std::string_view kSourceObjectColumn = "dn_source_object";
inline constexpr std::string_view kSourceLineColumn = "dn_source_line";

struct Column {
  // The SQL column name: any text of 1..63 bytes without NUL (always quoted in SQL).
  std::string name{};
  // The header text the column is read from (default: name); matched after trimming blanks.
  std::string header{};
  // When several header fields have this text: the n-th of them (1-based, left to right).
  std::size_t occurrence = 1;
  bool occurrence_given = false;  // `occurrence` was written in the contract
  ColumnType type = ColumnType::Text;
  bool required = false;  // an empty field is rejected (else it loads as NULL)
  bool unique = false;    // no two rows of the file share a value (enforced by the loader in SQL)
  std::size_t max_length = 0;          // text/email: characters; 0 = no limit
  std::vector<std::string> values{};   // enum: accepted values (exact match)
  std::vector<std::string> formats{};  // date/timestamp(tz): accepted formats (csv_formats.hpp)
  std::optional<long long> min{};      // integer/bigint bounds
  std::optional<long long> max{};
  int precision = 0;  // numeric: total digits (0 = unbounded)
  int scale = 0;      // numeric: digits after the point
};

// What a load does with the rows a keyed dataset's object loaded before whose key its new
// version no longer holds ("absent_keys").
enum class AbsentKeys : std::uint8_t { Keep, Delete };

struct Contract {
  std::string dataset{};
  int version = 1;
  std::string schema = "public";
  std::string table{};
  std::vector<Column> columns{};
  std::vector<std::string> key{};  // columns of the merge key (ON CONFLICT target)
  // "rows_owned_by": "object" instead of a key: a new version of an object replaces exactly
  // the rows that object loaded before (dn_source_object, dn_source_line).
  bool rows_owned_by_object = false;
  // Keyed datasets only. Delete: a load of an object deletes the rows that object loaded before
  // (dn_source_object) whose key is neither in this version nor in one of its rejected rows.
  AbsentKeys absent_keys = AbsentKeys::Keep;
  Encoding encoding = Encoding::Utf8;
  Dialect dialect{};
  bool header = true;
  // A record with fewer fields than the header loads with the missing trailing fields empty
  // (format.allow_jagged_rows); otherwise it is rejected. Extra trailing fields that are all
  // empty (a spreadsheet's trailing delimiters) are accepted either way.
  bool allow_jagged_rows = false;
  // Header names not in the contract: ignored (true) or a whole-file rejection (false).
  bool ignore_extra_columns = true;
  // More rejected rows than this rejects the whole file (it is probably the wrong file).
  std::size_t max_rejected_rows = 10000;

  [[nodiscard]] std::optional<std::size_t> column_index(std::string_view name) const;
  // The target has dn_source_object, set by every row the loader writes.
  [[nodiscard]] bool records_source_object() const {
    return rows_owned_by_object || absent_keys == AbsentKeys::Delete;
  }
};

// Parses and checks a contract document (see data/contracts/users.json and
// docs/DATA_PIPELINE.md). Throws std::invalid_argument naming the offending entry.
Contract parse_contract(const nlohmann::json& document);

// Where each contract column sits in the file, decided from the header (or the contract order
// when the file has no header).
struct HeaderMap {
  std::vector<std::size_t> source;  // per contract column: the field index in each record
  std::size_t field_count = 0;      // fields a record must have
};

// Maps the header record onto the contract: a field matches a column when its text equals the
// column's header after trimming surrounding spaces and tabs, the n-th such field for
// occurrence n. Its Reason (a whole-file rejection) names the missing required columns, a
// mapped header the file repeats without the contract saying which one (occurrence), or unknown
// columns when they are not allowed.
Expected<HeaderMap> map_header(const Contract& contract, const Record& header);
HeaderMap positional_header(const Contract& contract);

struct Reject {
  std::uint64_t line = 0;
  std::string column{};  // contract column name, empty for the whole record
  std::string reason{};
};

// A quoted empty field is the empty string in these types (elsewhere it is empty, like NULL).
bool keeps_empty_string(ColumnType type);

// Validates records and appends accepted ones to a COPY text-format buffer: contract columns in
// contract order, then the source line number (for duplicate reporting), tab separated, \N for
// NULL, values normalised (ISO dates and timestamps, t/f booleans, lower-cased e-mail domains).
class Validator {
 public:
  Validator(const Contract& contract, HeaderMap map);

  // Appends the row to `copy_out` and returns nullopt, or returns the first problem.
  std::optional<Reject> accept(const Record& record, std::string& copy_out);
  // For a record accept() rejected: its key's normalised values (contract key order), when the
  // key can still be read: no record-wide problem (the field count, the record's length), and
  // every key field without a parser issue, non-empty and valid for its column. nullopt
  // otherwise (or for a keyless contract).
  std::optional<std::vector<std::string>> readable_key(const Record& record);

  [[nodiscard]] const Contract& contract() const { return *contract_; }

 private:
  [[nodiscard]] bool field_count_ok(const Record& record) const;

  const Contract* contract_;
  HeaderMap map_;
  std::string scratch_;
};

// Checks and normalises one non-empty value; on success writes the COPY-ready form to `out`
// (not yet escaped) and returns ok, else the Reason.
Expected<void> normalise_value(const Column& column, std::string_view value, std::string& out);

// Appends `value` escaped for COPY text format (backslash, tab, CR, LF).
void append_copy_escaped(std::string& out, std::string_view value);

// One line of a rejects file (line,column,reason,raw) with a CRLF ending; `raw` is cut at
// max_raw bytes. rejects_header() is its header line.
std::string rejects_header();
std::string rejects_line(const Reject& reject, std::string_view raw, std::size_t max_raw = 1024);

}  // namespace dn::core::csv
