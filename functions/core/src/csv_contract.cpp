// Dataset contracts: parsing the JSON document and mapping a file's header onto it.
#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

#include "dn/core/csv.hpp"
#include "dn/core/csv_formats.hpp"
#include "dn/util/names.hpp"

namespace dn::core::csv {

namespace {

struct TypeName {
  ColumnType type;
  std::string_view name;
  std::string_view pg;
};

constexpr auto kEncodings =
    std::to_array<util::Name<Encoding>>({{Encoding::Utf8, "UTF-8"},
                                         {Encoding::Windows1252, "WINDOWS-1252"},
                                         {Encoding::Latin1, "ISO-8859-1"}});

constexpr std::array<TypeName, 11> kTypes{{
    {ColumnType::Text, "text", "text"},
    {ColumnType::Integer, "integer", "integer"},
    {ColumnType::Bigint, "bigint", "bigint"},
    {ColumnType::Numeric, "numeric", "numeric"},
    {ColumnType::Boolean, "boolean", "boolean"},
    {ColumnType::Date, "date", "date"},
    {ColumnType::Timestamptz, "timestamptz", "timestamptz"},
    {ColumnType::Email, "email", "text"},
    {ColumnType::Enum, "enum", "text"},
    {ColumnType::Double, "double", "double precision"},
    {ColumnType::Timestamp, "timestamp", "timestamp"},  // without time zone
}};

bool is_identifier(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(name[0])) != 0 || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) != 0 ||
           std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A SQL column name: quoted in every statement, so any text PostgreSQL keeps whole.
void check_column_name(const std::string& name) {
  if (name.empty() || name.size() > 63) {
    throw std::invalid_argument("column name '" + name + "' must be 1 to 63 bytes");
  }
  if (name.find('\0') != std::string::npos || find_invalid_utf8(name)) {
    throw std::invalid_argument("column name '" + name + "' has a NUL byte or invalid UTF-8");
  }
  if (name == kSourceObjectColumn || name == kSourceLineColumn) {
    throw std::invalid_argument("column name '" + name + "' is reserved for the loader");
  }
}

Encoding parse_encoding(const std::string& text) {
  const std::string e = lower(trim_blanks(text));
  if (e == "utf-8" || e == "utf8") return Encoding::Utf8;
  if (e == "windows-1252" || e == "cp1252") return Encoding::Windows1252;
  if (e == "latin-1" || e == "latin1" || e == "iso-8859-1") return Encoding::Latin1;
  throw std::invalid_argument("format.encoding '" + text +
                              "' is not one of UTF-8, windows-1252, latin-1");
}

Column parse_column(const nlohmann::json& entry) {
  Column col;
  col.name = entry.at("name").get<std::string>();
  check_column_name(col.name);
  col.header = entry.value("header", col.name);
  if (trim_blanks(col.header).empty() || find_invalid_utf8(col.header)) {
    throw std::invalid_argument("column '" + col.name + "': header must be non-blank UTF-8");
  }
  if (entry.contains("occurrence")) {
    const auto n = entry.at("occurrence").get<long long>();
    if (n < 1) throw std::invalid_argument("column '" + col.name + "': occurrence must be >= 1");
    col.occurrence = static_cast<std::size_t>(n);
    col.occurrence_given = true;
  }
  const auto type = parse_column_type(entry.at("type").get<std::string>());
  if (!type) throw std::invalid_argument("column '" + col.name + "': unknown type");
  col.type = *type;
  col.required = entry.value("required", false);
  col.unique = entry.value("unique", false);
  col.max_length = entry.value("max_length", std::size_t{0});
  col.values = entry.value("values", std::vector<std::string>{});
  col.formats = entry.value("formats", std::vector<std::string>{});
  if (entry.contains("min")) col.min = entry.at("min").get<long long>();
  if (entry.contains("max")) col.max = entry.at("max").get<long long>();
  col.precision = entry.value("precision", 0);
  col.scale = entry.value("scale", 0);
  if (col.type == ColumnType::Enum && col.values.empty()) {
    throw std::invalid_argument("column '" + col.name + "': an enum needs values");
  }
  if (col.type == ColumnType::Date && col.formats.empty()) col.formats = {"%Y-%m-%d"};
  for (const auto& f : col.formats) {
    if (auto problem = format_problem(col.type, f); !problem.ok()) {
      throw std::invalid_argument("column '" + col.name + "': " + problem.error().text);
    }
  }
  if (col.precision < 0 || col.scale < 0 || (col.precision > 0 && col.scale > col.precision)) {
    throw std::invalid_argument("column '" + col.name + "': bad precision/scale");
  }
  return col;
}

// "absent_keys": "keep" (the default) or "delete", for a keyed dataset only.
void parse_absent_keys(const nlohmann::json& document, Contract& c) {
  if (!document.contains("absent_keys")) return;
  if (c.key.empty()) {
    throw std::invalid_argument(
        "absent_keys needs a key (rows owned by their object are replaced whole)");
  }
  const auto text = document.at("absent_keys").get<std::string>();
  if (text == "delete") {
    c.absent_keys = AbsentKeys::Delete;
  } else if (text != "keep") {
    throw std::invalid_argument("absent_keys must be \"keep\" or \"delete\", not \"" + text + "\"");
  }
}

// Exactly one of `key` and "rows_owned_by": "object".
void parse_ownership(const nlohmann::json& document, Contract& c) {
  const bool has_key = document.contains("key");
  const bool has_owner = document.contains("rows_owned_by");
  if (has_key == has_owner) {
    throw std::invalid_argument("a contract needs exactly one of key and rows_owned_by");
  }
  if (has_owner) {
    if (document.at("rows_owned_by").get<std::string>() != "object") {
      throw std::invalid_argument("rows_owned_by must be \"object\"");
    }
    c.rows_owned_by_object = true;
    parse_absent_keys(document, c);
    return;
  }
  c.key = document.at("key").get<std::vector<std::string>>();
  if (c.key.empty()) throw std::invalid_argument("key must name at least one column");
  for (std::size_t i = 0; i < c.key.size(); ++i) {
    const auto& k = c.key[i];
    const auto idx = c.column_index(k);
    if (!idx) throw std::invalid_argument("key column '" + k + "' is not a column");
    // A NULL key could never match ON CONFLICT; key columns are always required.
    if (!c.columns[*idx].required) {
      throw std::invalid_argument("key column '" + k + "' must be required");
    }
    if (std::find(c.key.begin(), c.key.begin() + static_cast<std::ptrdiff_t>(i), k) !=
        c.key.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw std::invalid_argument("key column '" + k + "' is listed twice");
    }
  }
  parse_absent_keys(document, c);
}

char single_char(const nlohmann::json& format, const char* name, char fallback) {
  if (!format.contains(name)) return fallback;
  const auto text = format.at(name).get<std::string>();
  if (text.size() != 1 || text[0] == '\n' || text[0] == '\r') {
    throw std::invalid_argument(std::string("format.") + name + " must be one character");
  }
  return text[0];
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

std::optional<ColumnType> parse_column_type(std::string_view name) {
  for (const auto& t : kTypes) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

std::string_view column_type_name(ColumnType type) {
  for (const auto& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "text";
}

std::string pg_type(ColumnType type) {
  for (const auto& t : kTypes) {
    if (t.type == type) return std::string(t.pg);
  }
  return "text";
}

std::string_view encoding_name(Encoding encoding) {
  return util::name_of(kEncodings, encoding);
}

std::optional<std::size_t> Contract::column_index(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

Contract parse_contract(const nlohmann::json& document) {
  try {
    Contract c;
    c.dataset = document.at("dataset").get<std::string>();
    c.version = document.value("version", 1);
    c.schema = document.value("schema", std::string("public"));
    c.table = document.at("table").get<std::string>();
    if (!is_identifier(c.dataset)) throw std::invalid_argument("dataset must be an identifier");
    if (!is_identifier(c.schema)) throw std::invalid_argument("schema must be an identifier");
    if (!is_identifier(c.table)) throw std::invalid_argument("table must be an identifier");

    const auto format = document.value("format", nlohmann::json::object());
    c.header = format.value("header", true);
    c.allow_jagged_rows = format.value("allow_jagged_rows", false);
    c.dialect.delimiter = single_char(format, "delimiter", ',');
    c.dialect.quote = single_char(format, "quote", '"');
    if (c.dialect.delimiter == c.dialect.quote) {
      throw std::invalid_argument("format.delimiter and format.quote must differ");
    }
    c.encoding = parse_encoding(format.value("encoding", std::string("UTF-8")));
    c.dialect.max_field_bytes = format.value("max_field_bytes", c.dialect.max_field_bytes);
    c.dialect.max_record_bytes = format.value("max_record_bytes", c.dialect.max_record_bytes);
    if (c.dialect.max_field_bytes == 0 || c.dialect.max_record_bytes < c.dialect.max_field_bytes) {
      throw std::invalid_argument("format: need 0 < max_field_bytes <= max_record_bytes");
    }
    c.ignore_extra_columns = document.value("ignore_extra_columns", true);
    c.max_rejected_rows = document.value("max_rejected_rows", c.max_rejected_rows);

    for (const auto& entry : document.at("columns")) {
      Column col = parse_column(entry);
      if (c.column_index(col.name)) {
        throw std::invalid_argument("column '" + col.name + "' is listed twice");
      }
      for (const auto& other : c.columns) {
        if (trim_blanks(other.header) == trim_blanks(col.header) &&
            other.occurrence == col.occurrence) {
          throw std::invalid_argument("columns '" + other.name + "' and '" + col.name +
                                      "' read the same header field");
        }
      }
      c.columns.push_back(std::move(col));
    }
    if (c.columns.empty()) throw std::invalid_argument("columns must not be empty");
    parse_ownership(document, c);
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("contract: ") + e.what());
  }
}

HeaderMap positional_header(const Contract& contract) {
  HeaderMap map;
  for (std::size_t i = 0; i < contract.columns.size(); ++i) map.source.push_back(i);
  map.field_count = contract.columns.size();
  return map;
}

Expected<HeaderMap> map_header(const Contract& contract, const Record& header) {
  if (!header.issues.empty()) {
    return Reason{"the header line is malformed: " + header.issues.front().reason};
  }
  HeaderMap map;
  map.source.assign(contract.columns.size(), Issue::kWholeRecord);
  map.field_count = header.fields.size();
  std::vector<std::string_view> seen;  // trimmed header texts, one entry per field so far
  std::vector<std::string> unknown;
  std::vector<std::string> repeated;
  for (std::size_t f = 0; f < header.fields.size(); ++f) {
    const std::string_view text = trim_blanks(header.fields[f]);
    const auto occurrence =
        static_cast<std::size_t>(std::count(seen.begin(), seen.end(), text)) + 1;
    seen.push_back(text);
    bool mapped = false;
    bool text_known = false;
    bool implicit = false;  // a column of this text did not say which occurrence it reads
    for (std::size_t i = 0; i < contract.columns.size(); ++i) {
      const auto& col = contract.columns[i];
      if (trim_blanks(col.header) != text) continue;
      text_known = true;
      implicit = implicit || !col.occurrence_given;
      if (col.occurrence == occurrence) {
        map.source[i] = f;
        mapped = true;
      }
    }
    if (mapped) continue;
    if (text_known && implicit) {
      // Which of the repeated fields the contract means is not said: refuse to guess.
      if (std::find(repeated.begin(), repeated.end(), text) == repeated.end()) {
        repeated.emplace_back(text);
      }
    } else {
      unknown.push_back(text.empty() ? "(empty)" : std::string(text));
    }
  }
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < contract.columns.size(); ++i) {
    const auto& col = contract.columns[i];
    if (col.required && map.source[i] == Issue::kWholeRecord) {
      std::string label = col.header;
      if (col.occurrence_given) label += " (occurrence " + std::to_string(col.occurrence) + ")";
      missing.push_back(std::move(label));
    }
  }
  if (!missing.empty()) return Reason{"missing required column(s) in the header: " + join(missing)};
  if (!repeated.empty()) {
    return Reason{"column(s) listed twice in the header: " + join(repeated) +
                  " (the contract's occurrence says which one to read)"};
  }
  if (!unknown.empty() && !contract.ignore_extra_columns) {
    return Reason{"unknown column(s) in the header: " + join(unknown)};
  }
  return map;
}

}  // namespace dn::core::csv
