// Contract inference, pure: a sample of parsed records in, a dataset contract and its migration
// out. The types are decided with the validator's own checks and the result is validated against
// every sampled row before it is returned, so an inferred contract accepts its own sample.
//
//   csv::Inferrer inferrer({.dataset = "orders"});
//   csv::Parser parser(dialect, [&](const csv::Record& r) { inferrer.add(r); });
//   ... feed the file (or its first max_rows/max_bytes) ...
//   const csv::Inference result = inferrer.finish(dialect, "UTF-8", /*whole_file=*/true);
//
// The command-line program around it is functions/cli/infer_contract.cpp (make infer-contract).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/csv.hpp"

namespace dn::core::csv {

struct InferOptions {
  std::string dataset{};      // the dataset and table name (an identifier)
  std::string source_name{};  // where the sample came from, for the migration's comment
  std::size_t max_rows = 100000;
  std::size_t max_bytes = std::size_t{32} * 1024 * 1024;  // field bytes kept for the sample
};

struct InferredColumn {
  std::string header{};        // the header text, trimmed
  std::size_t occurrence = 1;  // n-th header field with this text
  bool repeated = false;       // another header field has the same text: occurrence is written
  std::size_t field = 0;       // field index in the sample
  std::string name{};          // SQL column name
  ColumnType type = ColumnType::Text;
  std::vector<std::string> formats{};
  bool required = false;
  std::string note{};  // why a column that looks typed stayed text, and similar
};

struct Inference {
  nlohmann::json contract{};
  std::string contract_text{};  // the contract as written to data/contracts/<dataset>.json
  std::string migration{};      // CREATE TABLE ... for data/migrations/V<NNN>__<dataset>.sql
  std::vector<InferredColumn> columns{};
  std::vector<std::string> key{};  // empty: rows are owned by their source object
  std::uint64_t rows_sampled = 0;
  bool whole_file = false;
  std::vector<std::string> notes{};  // rows the loader will reject, and similar
};

class Inferrer {
 public:
  explicit Inferrer(InferOptions options);

  // The header first, then rows. False once the sample is full (stop feeding).
  bool add(const Record& record);
  [[nodiscard]] bool full() const { return full_; }

  // Throws std::invalid_argument when there is nothing to infer from (no header line) or the
  // dataset name is not an identifier.
  [[nodiscard]] Inference finish(const Dialect& dialect, const std::string& encoding,
                                 bool whole_file) const;

 private:
  struct Row {
    std::uint64_t line = 0;
    std::vector<std::string> fields;
  };
  void verify(std::vector<InferredColumn>& columns, bool jagged,
              std::vector<std::string>& notes) const;
  void check_header_mapping(const Inference& out) const;
  [[nodiscard]] std::vector<std::string> choose_key(
      const std::vector<InferredColumn>& columns) const;

  InferOptions options_;
  std::vector<std::string> header_;
  bool have_header_ = false;
  std::vector<Row> rows_;
  std::vector<std::string> malformed_;  // "line N: reason" of records the parser flagged
  std::size_t bytes_ = 0;
  bool full_ = false;
};

// A safe SQL column name for any header text: ASCII snake_case (camelCase split, Latin letters
// without their accents, % # & spelled out, other characters as separators), at most 63 bytes;
// empty when nothing usable is left.
std::string snake_case(std::string_view header);

// The delimiter (, ; tab |) that splits the first lines of a file into the most consistent
// number of fields (at least two); ',' when none does.
char sniff_delimiter(std::string_view head);

// "UTF-8" when the bytes fed are valid UTF-8 (a sequence cut by the end of a sample that is not
// the whole file excepted), else "windows-1252" when every byte is defined there, else "latin-1"
// (which defines them all). Fed chunk by chunk, in constant memory.
class EncodingDetector {
 public:
  void feed(std::string_view chunk);
  [[nodiscard]] std::string encoding(bool whole_file) const;
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }

 private:
  std::string carry_;  // the start of a sequence the next chunk completes
  bool invalid_utf8_ = false;
  bool undefined_in_1252_ = false;
  std::uint64_t bytes_ = 0;
};
std::string detect_encoding(std::string_view sample, bool whole_file);

// The CREATE TABLE for a contract: quoted identifiers, NOT NULL for required columns, PRIMARY KEY
// on the key; a keyless dataset gets the dn_source_object/dn_source_line columns and an index on
// dn_source_object instead (docs/DATA_PIPELINE.md).
std::string migration_sql(const nlohmann::json& contract, std::string_view comment);

}  // namespace dn::core::csv
