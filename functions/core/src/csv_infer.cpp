// Contract inference from a sample (see dn/core/csv_infer.hpp): columns and their names, types
// (csv_infer_types.cpp), required-ness, a key or rows owned by their object, and a final check
// of every sampled row with the validator itself.
#include "dn/core/csv_infer.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "csv_infer_types.hpp"

namespace dn::core::csv {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::size_t kMaxNotes = 20;

bool is_identifier(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// Names the loader or its staging table use itself.
bool reserved(const std::string& name) {
  return name == "_line" || name == "dn_source_object" || name == "dn_source_line";
}

std::string unique_name(const std::string& base, std::set<std::string>& taken) {
  std::string name = base;
  for (int n = 2; taken.count(name) > 0 || reserved(name); ++n) {
    std::string suffix(1, '_');  // not "_" + ...: GCC 12's -O3 -Wrestrict false positive
    suffix += std::to_string(n);
    name = base.substr(0, 63 - suffix.size()) + suffix;
  }
  taken.insert(name);
  return name;
}

// Key candidates are ranked: names that say "identifier" first, then from the left.
int key_rank(const InferredColumn& c) {
  const std::string& n = c.name;
  const auto word = [&](std::string_view w) {
    const std::string_view name(n);
    return name == w ||
           (name.size() > w.size() && name.ends_with(w) &&
            name[name.size() - w.size() - 1] == '_') ||
           (name.size() > w.size() && name.starts_with(w) && name[w.size()] == '_');
  };
  if (word("id") || word("uuid") || word("guid") || word("key") || word("code") || word("number") ||
      word("no") || word("sku") || n.ends_with("id")) {
    return 0;
  }
  return 1;
}

bool key_eligible(const InferredColumn& c) {
  return c.required && c.type != ColumnType::Boolean && c.type != ColumnType::Double;
}

// The normalised value of every sampled row in one column (what the loader would store).
std::vector<std::string> normalised_values(const InferredColumn& col, const Column& contract_col,
                                           const std::vector<std::vector<std::string>>& cells) {
  std::vector<std::string> out;
  out.reserve(cells.size());
  std::string norm;
  for (const auto& row : cells) {
    const std::string& v = col.field < row.size() ? row[col.field] : std::string();
    out.push_back(normalise_value(contract_col, v, norm).ok() ? norm : v);
  }
  return out;
}

template <typename Cell>
bool all_unique(std::size_t rows, Cell&& cell) {
  std::unordered_set<std::string> seen;
  seen.reserve(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    if (!seen.insert(cell(r)).second) return false;
  }
  return true;
}

// A value on one line with a space after each comma and colon (nlohmann's compact form has none).
std::string one_line(const ordered_json& value) {
  const auto dump = [](const ordered_json& v) {
    return v.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  };
  if (!value.is_structured()) return dump(value);
  std::string out;
  for (auto it = value.begin(); it != value.end(); ++it) {
    out += out.empty() ? "" : ", ";
    if (value.is_object()) out += dump(it.key()) + ": ";
    out += one_line(*it);
  }
  return value.is_object() ? "{" + out + "}" : "[" + out + "]";
}

// The contract document, one column per line (as data/contracts/users.json is written).
std::string contract_text(const InferOptions& options, const Dialect& dialect,
                          const std::string& encoding, bool jagged,
                          const std::vector<InferredColumn>& columns,
                          const std::vector<std::string>& key) {
  std::string out = "{\n";
  out += "  \"dataset\": " + ordered_json(options.dataset).dump() + ",\n";
  out += "  \"version\": 1,\n  \"schema\": \"public\",\n";
  out += "  \"table\": " + ordered_json(options.dataset).dump() + ",\n";
  ordered_json format = {{"header", true},
                         {"delimiter", std::string(1, dialect.delimiter)},
                         {"quote", std::string(1, dialect.quote)},
                         {"encoding", encoding}};
  if (jagged) format["allow_jagged_rows"] = true;
  out += "  \"format\": " + one_line(format) + ",\n";
  out += key.empty() ? "  \"rows_owned_by\": \"object\",\n"
                     : "  \"key\": " + one_line(ordered_json(key)) + ",\n";
  out += "  \"ignore_extra_columns\": true,\n  \"columns\": [\n";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    ordered_json entry = {{"name", c.name}, {"header", c.header}};
    if (c.repeated) entry["occurrence"] = c.occurrence;
    entry["type"] = column_type_name(c.type);
    if (c.required) entry["required"] = true;
    if (!c.formats.empty()) entry["formats"] = c.formats;
    out += "    " + one_line(entry) + (i + 1 < columns.size() ? ",\n" : "\n");
  }
  out += "  ]\n}\n";
  return out;
}

Column contract_column(const InferredColumn& c) {
  Column col;
  col.name = c.name;
  col.type = c.type;
  col.required = c.required;
  col.formats = c.formats;
  return col;
}

std::string row_note(std::uint64_t line, const std::string& reason) {
  return "line " + std::to_string(line) + ": " + reason + " (the loader rejects this row)";
}

}  // namespace

// Runs every sampled row through the validator with the inferred columns. A value the chosen
// type refuses (which the type checks above should never let happen) makes its column text;
// rows refused as a whole (a wrong number of fields) are reported.
void Inferrer::verify(std::vector<InferredColumn>& columns, bool jagged,
                      std::vector<std::string>& notes) const {
  for (std::size_t round = 0; round <= columns.size(); ++round) {
    Contract contract;
    contract.allow_jagged_rows = jagged;
    HeaderMap map;
    for (const auto& c : columns) {
      contract.columns.push_back(contract_column(c));
      map.source.push_back(c.field);
    }
    map.field_count = header_.size();
    Validator validator(contract, map);
    std::string copy;
    std::vector<std::string> row_notes;
    bool demoted = false;
    for (const auto& row : rows_) {
      Record record{row.line, 0, {}, {}};
      for (const auto& f : row.fields) record.fields.emplace_back(f);
      copy.clear();
      const auto reject = validator.accept(record, copy);
      if (!reject) continue;
      const auto col = std::find_if(columns.begin(), columns.end(),
                                    [&](const auto& c) { return c.name == reject->column; });
      if (col == columns.end() || col->type == ColumnType::Text) {
        if (row_notes.size() < kMaxNotes) row_notes.push_back(row_note(row.line, reject->reason));
        continue;
      }
      col->note = "line " + std::to_string(row.line) + ": " + reject->reason + ": text";
      col->type = ColumnType::Text;
      col->formats.clear();
      demoted = true;
    }
    if (!demoted) {
      notes.insert(notes.end(), row_notes.begin(), row_notes.end());
      return;
    }
  }
}

std::vector<std::string> Inferrer::choose_key(const std::vector<InferredColumn>& columns) const {
  if (rows_.empty()) return {};
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows_.size());
  for (const auto& r : rows_) cells.push_back(r.fields);
  std::vector<std::size_t> eligible;
  std::vector<std::vector<std::string>> values(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (!key_eligible(columns[i])) continue;
    values[i] = normalised_values(columns[i], contract_column(columns[i]), cells);
    const bool fractional = columns[i].type == ColumnType::Numeric &&
                            std::any_of(values[i].begin(), values[i].end(), [](const auto& v) {
                              return v.find('.') != std::string::npos;
                            });
    if (!fractional) eligible.push_back(i);
  }
  std::stable_sort(eligible.begin(), eligible.end(), [&](std::size_t a, std::size_t b) {
    return key_rank(columns[a]) < key_rank(columns[b]);
  });
  const std::size_t rows = rows_.size();
  for (const auto i : eligible) {
    if (all_unique(rows, [&](std::size_t r) { return values[i][r]; })) return {columns[i].name};
  }
  // Pairs: the best-ranked, leftmost first; a bounded number of columns keeps this quadratic
  // search small.
  const std::size_t limit = std::min<std::size_t>(eligible.size(), 24);
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t a = 0; a < limit; ++a) {
    for (std::size_t b = a + 1; b < limit; ++b) pairs.emplace_back(eligible[a], eligible[b]);
  }
  std::stable_sort(pairs.begin(), pairs.end(), [&](const auto& x, const auto& y) {
    return key_rank(columns[x.first]) + key_rank(columns[x.second]) <
           key_rank(columns[y.first]) + key_rank(columns[y.second]);
  });
  for (const auto& pair : pairs) {
    const std::size_t a = std::min(pair.first, pair.second);
    const std::size_t b = std::max(pair.first, pair.second);
    if (all_unique(rows, [&](std::size_t r) { return values[a][r] + '\x1f' + values[b][r]; })) {
      return {columns[a].name, columns[b].name};
    }
  }
  return {};
}

// The loader reads the file's fields through the contract's header texts and occurrences: they
// must select exactly the fields the columns were inferred from.
void Inferrer::check_header_mapping(const Inference& out) const {
  const Contract contract = parse_contract(out.contract);
  Record header;
  for (const auto& h : header_) header.fields.emplace_back(h);
  const auto mapped = map_header(contract, header);
  if (!mapped.ok())
    throw std::logic_error("inferred contract: header not mapped: " + mapped.error().text);
  for (std::size_t i = 0; i < out.columns.size(); ++i) {
    if (mapped->source.at(i) != out.columns[i].field) {
      throw std::logic_error("inferred contract: column " + out.columns[i].name +
                             " would read another header field");
    }
  }
}

Inferrer::Inferrer(InferOptions options) : options_(std::move(options)) {}

bool Inferrer::add(const Record& record) {
  if (full_) return false;
  if (!have_header_) {
    have_header_ = true;
    for (const auto f : record.fields) header_.push_back(trim(f));
    if (!record.issues.empty()) {
      malformed_.push_back("line " + std::to_string(record.line) +
                           " (header): " + record.issues.front().reason);
    }
    return true;
  }
  if (!record.issues.empty()) {
    if (malformed_.size() < kMaxNotes) {
      malformed_.push_back("line " + std::to_string(record.line) + ": " +
                           record.issues.front().reason + " (the loader rejects this row)");
    }
    return true;
  }
  Row row{record.line, {}};
  for (const auto f : record.fields) {
    row.fields.emplace_back(f);
    bytes_ += f.size();
  }
  rows_.push_back(std::move(row));
  full_ = rows_.size() >= options_.max_rows || bytes_ >= options_.max_bytes;
  return !full_;
}

Inference Inferrer::finish(const Dialect& dialect, const std::string& encoding,
                           bool whole_file) const {
  if (!have_header_) throw std::invalid_argument("the file is empty (no header line)");
  if (!is_identifier(options_.dataset)) {
    throw std::invalid_argument("dataset name '" + options_.dataset +
                                "' is not an identifier ([a-z_][a-z0-9_]*, at most 63 bytes)");
  }
  Inference out;
  out.rows_sampled = rows_.size();
  out.whole_file = whole_file && !full_;
  out.notes = malformed_;
  const auto cell = [](const Row& row, std::size_t f) -> std::string_view {
    return f < row.fields.size() ? std::string_view(row.fields[f]) : std::string_view();
  };

  // Columns, named from the header.
  std::set<std::string> taken;
  std::map<std::string, std::size_t> seen_header;
  std::map<std::string, std::size_t> header_count;
  for (const auto& h : header_) ++header_count[h];
  for (std::size_t f = 0; f < header_.size(); ++f) {
    const std::size_t occurrence = ++seen_header[header_[f]];
    const bool has_values = std::any_of(rows_.begin(), rows_.end(),
                                        [&](const Row& row) { return !cell(row, f).empty(); });
    if (header_[f].empty()) {
      // The loader reads columns by their header text, so an unnamed field cannot be a column:
      // usually a spreadsheet's trailing empty column; with values, say so.
      if (has_values) {
        out.notes.push_back("field " + std::to_string(f + 1) +
                            " has values but no header: it is not loaded (name it in the file, "
                            "then infer again)");
      }
      continue;
    }
    std::string base = snake_case(header_[f]);
    if (base.empty()) base = "column_" + std::to_string(f + 1);
    InferredColumn col;
    col.header = header_[f];
    col.occurrence = occurrence;
    // The loader refuses to guess which of repeated fields a column without occurrence reads.
    col.repeated = header_count[header_[f]] > 1;
    col.field = f;
    col.name = unique_name(base, taken);
    infer::ColumnEvidence evidence;
    for (const auto& row : rows_) evidence.add(cell(row, f));
    auto choice = infer::choose_type(evidence);
    col.type = choice.type;
    col.formats = std::move(choice.formats);
    col.note = std::move(choice.note);
    col.required = evidence.empty == 0 && !rows_.empty();
    out.columns.push_back(std::move(col));
  }
  if (out.columns.empty()) throw std::invalid_argument("the header names no column");
  // Rows that stop early are a habit of the file (its missing trailing fields are empty).
  const bool jagged = std::any_of(rows_.begin(), rows_.end(),
                                  [&](const Row& r) { return r.fields.size() < header_.size(); });
  verify(out.columns, jagged, out.notes);
  for (const auto& c : out.columns) {
    if (!c.note.empty()) out.notes.push_back("column " + c.name + ": " + c.note);
  }
  out.key = choose_key(out.columns);
  out.contract_text = contract_text(options_, dialect, encoding, jagged, out.columns, out.key);
  out.contract = nlohmann::json::parse(out.contract_text);
  check_header_mapping(out);
  std::string comment = "Table of the " + options_.dataset + " dataset (data/contracts/" +
                        options_.dataset + ".json), inferred";
  if (!options_.source_name.empty()) comment += " from " + options_.source_name;
  out.migration = migration_sql(out.contract, comment + " by make infer-contract.");
  return out;
}

}  // namespace dn::core::csv
