// See contract_check.hpp.
#include "contract_check.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "dn/core/csv.hpp"
#include "load.hpp"

namespace dn::cli {

namespace fs = std::filesystem;
namespace csv = dn::core::csv;
using dn::loader::Pg;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files_in(const fs::path& dir, const std::regex& name) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (std::regex_match(e.path().filename().string(), name)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct TableColumn {
  std::string type;  // format_type()
  bool not_null = false;
  bool has_default = false;
};

std::map<std::string, TableColumn> table_columns(Pg& db, const std::string& schema,
                                                 const std::string& table) {
  const auto r = db.exec(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef "
      "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
      "AND NOT a.attisdropped",
      {schema, table});
  std::map<std::string, TableColumn> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    out[PQgetvalue(r.get(), i, 0)] = {PQgetvalue(r.get(), i, 1),
                                      std::string(PQgetvalue(r.get(), i, 2)) == "t",
                                      std::string(PQgetvalue(r.get(), i, 3)) == "t"};
  }
  return out;
}

// The column sets of the table's unique indexes (the primary key included), each sorted.
std::set<std::vector<std::string>> unique_indexes(Pg& db, const std::string& schema,
                                                  const std::string& table) {
  const auto r = db.exec(
      "SELECT i.indexrelid, a.attname FROM pg_index i "
      "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey) "
      "WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND i.indpred IS NULL "
      "AND i.indexprs IS NULL ORDER BY 1, 2",
      {schema, table});
  std::map<std::string, std::vector<std::string>> by_index;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    by_index[PQgetvalue(r.get(), i, 0)].emplace_back(PQgetvalue(r.get(), i, 1));
  }
  std::set<std::vector<std::string>> out;
  for (auto& [oid, cols] : by_index) out.insert(cols);
  return out;
}

void apply_all(const fs::path& dir, Pg& db, std::vector<ContractProblem>& problems) {
  for (const auto& path : files_in(dir, std::regex(R"(V\d+__.+\.sql)"))) {
    const auto name = path.filename().string();
    try {
      (void)dn::loader::apply_migrations(db, {{name, read_text(path)}});
    } catch (const std::exception& e) {
      problems.push_back({"migrations/" + name, std::string("does not apply: ") + e.what()});
    }
  }
}

class ContractChecker {
 public:
  ContractChecker(Pg& db, std::string file, std::vector<ContractProblem>& problems)
      : db_(db), file_(std::move(file)), problems_(problems) {}

  void check(const nlohmann::json& doc, const csv::Contract& c) {
    const auto table = c.schema + "." + c.table;
    const auto columns = table_columns(db_, c.schema, c.table);
    if (columns.empty()) return fail("table " + table + " does not exist after the migrations");
    std::set<std::string> in_contract;
    for (std::size_t i = 0; i < c.columns.size(); ++i) {
      const auto& col = c.columns[i];
      in_contract.insert(col.name);
      const auto it = columns.find(col.name);
      if (it == columns.end()) {
        fail("column " + col.name + " is not in table " + table);
        continue;
      }
      const auto type = doc.at("columns").at(i).at("type").get<std::string>();
      if (auto why =
              type_mismatch(type, col.precision, col.scale, col.max_length, it->second.type)) {
        fail("column " + col.name + ": " + *why);
      }
      if (!col.required && it->second.not_null) {
        fail("column " + col.name + " is optional in the contract but NOT NULL in " + table +
             " (an empty value would fail the whole load)");
      }
    }
    const bool keyless = c.rows_owned_by_object;
    for (const auto& [name, tc] : columns) {
      const bool managed = (c.records_source_object() && name == csv::kSourceObjectColumn) ||
                           (keyless && name == csv::kSourceLineColumn);
      if (in_contract.count(name) == 0 && !managed && tc.not_null && !tc.has_default) {
        std::string message = "column " + name;
        message += " of " + table;
        message += " is NOT NULL without a default and not in the contract (inserts would fail)";
        fail(message);
      }
    }
    const auto unique = unique_indexes(db_, c.schema, c.table);
    if (c.records_source_object()) {
      // A keyed table's rows loaded before the column existed have none (NULL, never deleted).
      check_managed(columns, std::string(csv::kSourceObjectColumn), "text", keyless);
    }
    if (keyless) {
      check_managed(columns, std::string(csv::kSourceLineColumn), "bigint", true);
    } else {
      auto key = c.key;
      std::sort(key.begin(), key.end());
      if (unique.count(key) == 0) {
        fail("no primary key or unique index on the key (" + join(c.key) + ") of " + table +
             " (the merge's ON CONFLICT needs one)");
      }
    }
    for (const auto& col : c.columns) {
      if (col.unique && unique.count({col.name}) == 0) {
        fail("column " + col.name + " is unique in the contract but has no unique index");
      }
    }
  }

 private:
  void fail(const std::string& message) { problems_.push_back({file_, message}); }

  // A column the loader writes itself (dn_source_object, dn_source_line).
  void check_managed(const std::map<std::string, TableColumn>& columns, const std::string& name,
                     const std::string& type, bool not_null) {
    const auto it = columns.find(name);
    if (it == columns.end() || it->second.type != type || (not_null && !it->second.not_null)) {
      fail(not_null ? "rows owned by their object need column " + name + " " + type + " NOT NULL"
                    : "\"absent_keys\": \"delete\" needs column " + name + " " + type);
    }
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  Pg& db_;
  std::string file_;
  std::vector<ContractProblem>& problems_;
};

}  // namespace

std::optional<std::string> type_mismatch(const std::string& type, int precision, int scale,
                                         std::size_t max_length, const std::string& pg) {
  static const std::regex varchar(R"(character varying\((\d+)\))");
  static const std::regex bounded(R"(numeric\((\d+),(\d+)\))");
  std::smatch m;
  const auto ok = [&](std::initializer_list<const char*> types) {
    return std::any_of(types.begin(), types.end(), [&](const char* t) { return pg == t; });
  };
  bool compatible = false;
  if (type == "text" || type == "email" || type == "enum") {
    compatible =
        ok({"text", "character varying"}) || (std::regex_match(pg, m, varchar) && max_length > 0 &&
                                              max_length <= std::stoul(m[1].str()));
  } else if (type == "integer") {
    compatible = ok({"integer", "bigint", "numeric"});
  } else if (type == "bigint") {
    compatible = ok({"bigint", "numeric"});
  } else if (type == "numeric") {
    // A bounded table column must hold every value the contract's bounds allow.
    compatible =
        pg == "numeric" ||
        (precision > 0 && std::regex_match(pg, m, bounded) && std::stoi(m[2].str()) >= scale &&
         std::stoi(m[1].str()) - std::stoi(m[2].str()) >= precision - scale);
  } else if (type == "double") {
    compatible = ok({"double precision"});
  } else if (type == "boolean") {
    compatible = ok({"boolean"});
  } else if (type == "date") {
    compatible = ok({"date"});
  } else if (type == "timestamp") {
    compatible = ok({"timestamp without time zone"});
  } else if (type == "timestamptz") {
    compatible = ok({"timestamp with time zone"});
  }
  if (compatible) return std::nullopt;
  return "contract type " + type + " does not fit the table's " + pg;
}

std::vector<ContractProblem> check_contracts(const fs::path& data_dir, Pg& db) {
  std::vector<ContractProblem> problems;
  db.exec("SET client_min_messages TO warning");  // no NOTICE per IF NOT EXISTS
  apply_all(data_dir / "migrations", db, problems);
  std::map<std::string, std::string> datasets;  // dataset -> file, table -> file
  for (const auto& path : files_in(data_dir / "contracts", std::regex(R"(.+\.json)"))) {
    const std::string file = "contracts/" + path.filename().string();
    try {
      const auto doc = nlohmann::json::parse(read_text(path));
      const auto contract = csv::parse_contract(doc);
      if (path.stem().string() != contract.dataset) {
        problems.push_back({file, "names dataset '" + contract.dataset + "' (file name differs)"});
      }
      for (const auto& k :
           {"dataset " + contract.dataset, "table " + contract.schema + "." + contract.table}) {
        if (const auto [it, fresh] = datasets.emplace(k, file); !fresh) {
          problems.push_back({file, k + " is also used by " + it->second});
        }
      }
      ContractChecker(db, file, problems).check(doc, contract);
    } catch (const std::exception& e) {
      problems.push_back({file, std::string("does not parse: ") + e.what()});
    }
  }
  return problems;
}

}  // namespace dn::cli
