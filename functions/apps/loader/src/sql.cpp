#include "sql.hpp"

#include <algorithm>

#include "dn/pg/pg.hpp"

namespace dn::loader::sql {

namespace csv = dn::core::csv;

std::string ident(std::string_view name) {
  return pg::Pg::ident(name);
}

std::string idents(const std::vector<std::string>& names, std::string_view qualifier) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += qualifier;
    out += ident(n);
  }
  return out;
}

std::string target(const Contract& contract) {
  return ident(contract.schema) + "." + ident(contract.table);
}

std::vector<std::string> column_names(const Contract& contract) {
  std::vector<std::string> names;
  names.reserve(contract.columns.size());
  for (const auto& c : contract.columns) names.push_back(c.name);
  return names;
}

namespace {

const std::string& line_column() {
  static const std::string name = ident(csv::kSourceLineColumn);
  return name;
}

const std::string& object_column() {
  static const std::string name = ident(csv::kSourceObjectColumn);
  return name;
}

// The rows the object $1 loaded (`qualifier` "t." or "").
std::string of_object(std::string_view qualifier) {
  std::string out(qualifier);
  return out.append(object_column()).append(" = $1");
}

std::vector<std::string> non_key_columns(const Contract& contract) {
  std::vector<std::string> out;
  for (const auto& c : contract.columns) {
    if (std::find(contract.key.begin(), contract.key.end(), c.name) == contract.key.end()) {
      out.push_back(c.name);
    }
  }
  return out;
}

}  // namespace

std::string create_stage(const Contract& contract) {
  return "CREATE TEMP TABLE dn_stage ON COMMIT DROP AS SELECT " + idents(column_names(contract)) +
         ", NULL::bigint AS " + line_column() + " FROM " + target(contract) + " WITH NO DATA";
}

std::string copy_stage(const Contract& contract) {
  return "COPY dn_stage (" + idents(column_names(contract)) + ", " + line_column() + ") FROM STDIN";
}

// The builders below append to one string: GCC 12 -O3 warns (falsely, -Wrestrict) on
// "literal" + std::string&&.
std::string copy_target(const Contract& contract) {
  std::string out = "COPY ";
  out.append(target(contract)).append(" (").append(idents(column_names(contract)));
  if (contract.records_source_object()) out.append(", ").append(object_column());
  return out.append(") FROM STDIN");
}

std::string target_is_empty(const Contract& contract) {
  std::string out = "SELECT NOT EXISTS (SELECT 1 FROM ";
  return out.append(target(contract)).append(")");
}

std::string unique_index_on() {
  // indcollation has one entry per key column (INCLUDE columns get NULL from unnest).
  return "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = $1::regclass AND "
         "i.indisunique AND i.indimmediate AND i.indisvalid AND i.indisready AND "
         "i.indpred IS NULL AND i.indexprs IS NULL AND "
         "i.indnkeyatts = jsonb_array_length($2::jsonb) AND (SELECT bool_and(a.attname = ANY "
         "(ARRAY(SELECT jsonb_array_elements_text($2::jsonb))) AND k.coll = a.attcollation) "
         "FROM unnest(i.indkey::int2[], i.indcollation::oid[]) AS k(attnum, coll) JOIN "
         "pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
         "WHERE k.coll IS NOT NULL))";
}

std::string remove_duplicates(const std::vector<std::string>& columns, bool ignore_nulls) {
  const std::string& line = line_column();
  const std::string where = ignore_nulls ? " WHERE " + ident(columns.at(0)) + " IS NOT NULL" : "";
  return "WITH d AS (DELETE FROM dn_stage s USING (SELECT " + line + " AS line, first_value(" +
         line + ") OVER w AS first, row_number() OVER w AS n FROM dn_stage" + where +
         " WINDOW w AS (PARTITION BY " + idents(columns) + " ORDER BY " + line + ")) x WHERE s." +
         line +
         " = x.line AND x.n > 1 RETURNING x.line, x.first) "
         "SELECT line, first, count(*) OVER () FROM d ORDER BY line LIMIT $1";
}

std::string remove_taken(const Contract& contract, const std::string& column) {
  const std::string& line = line_column();
  // Built by appending: GCC 12 -O3 warns (falsely, -Wrestrict) on "literal" + std::string&&.
  std::string other;
  if (contract.rows_owned_by_object) {
    other.append("t.").append(object_column()).append(" <> $2");
  } else {
    other.append("(").append(idents(contract.key, "s.")).append(") IS DISTINCT FROM (");
    other.append(idents(contract.key, "t.")).append(")");
  }
  return "WITH d AS (DELETE FROM dn_stage s USING " + target(contract) + " t WHERE s." +
         ident(column) + " = t." + ident(column) + " AND " + other + " RETURNING s." + line +
         " AS line) SELECT line, 0, count(*) OVER () FROM d ORDER BY line LIMIT $1";
}

namespace {

// (t."a", t."b") = (s."a", s."b") for the key.
std::string key_match(const Contract& contract, std::string_view from = "s") {
  std::string qualifier(from);
  qualifier += '.';
  std::string out = "(";
  out.append(idents(contract.key, "t.")).append(") = (").append(idents(contract.key, qualifier));
  return out.append(")");
}

// What a merge writes into an existing row: each non-key column from <from>, and
// dn_source_object from `object` (an expression) when the contract records it.
struct Assignments {
  std::vector<std::string> columns;  // quoted
  std::vector<std::string> values;
};

Assignments assignments(const Contract& contract, std::string_view from, std::string_view object) {
  Assignments out;
  for (const auto& c : non_key_columns(contract)) {
    out.columns.push_back(ident(c));
    out.values.push_back(std::string(from).append(".").append(ident(c)));
  }
  if (contract.records_source_object()) {
    out.columns.push_back(object_column());
    out.values.emplace_back(object);
  }
  return out;
}

// "a" = <from>."a", ...
std::string set_list(const Assignments& a) {
  std::string out;
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    if (!out.empty()) out += ", ";
    out.append(a.columns[i]).append(" = ").append(a.values[i]);
  }
  return out;
}

// (t."a", ...) IS DISTINCT FROM (<from>."a", ...)
std::string changed(const Assignments& a) {
  std::string out = "(";
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    out.append(i == 0 ? "t." : ", t.").append(a.columns[i]);
  }
  out.append(") IS DISTINCT FROM (");
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    out.append(i == 0 ? "" : ", ").append(a.values[i]);
  }
  return out.append(")");
}

// The insert's columns and values beyond the contract's: dn_source_object = $1, and for rows
// owned by their object the source line.
std::string managed_columns(const Contract& contract) {
  std::string out;
  if (contract.records_source_object()) out.append(", ").append(object_column());
  if (contract.rows_owned_by_object) out.append(", ").append(line_column());
  return out;
}

std::string managed_values(const Contract& contract, std::string_view from) {
  std::string out;
  if (contract.records_source_object()) out.append(", $1::text");
  if (contract.rows_owned_by_object) out.append(", ").append(from).append(line_column());
  return out;
}

}  // namespace

std::string update_by_key(const Contract& contract) {
  const auto set = assignments(contract, "s", "$1::text");
  if (set.columns.empty()) return "";  // nothing to update: the key is the whole row
  std::string out = "UPDATE ";
  out.append(target(contract)).append(" AS t SET ").append(set_list(set));
  out.append(" FROM dn_stage s WHERE ").append(key_match(contract)).append(" AND ");
  return out.append(changed(set));
}

std::string insert_new_keys(const Contract& contract) {
  const auto names = column_names(contract);
  const auto set =
      assignments(contract, "EXCLUDED", std::string("EXCLUDED.").append(object_column()));
  std::string out = "INSERT INTO ";
  out.append(target(contract)).append(" AS t (").append(idents(names));
  out.append(managed_columns(contract)).append(") SELECT ").append(idents(names, "s."));
  out.append(managed_values(contract, "s."))
      .append(" FROM dn_stage s WHERE NOT EXISTS (SELECT 1 FROM ");
  out.append(target(contract)).append(" t WHERE ").append(key_match(contract));
  out.append(") ON CONFLICT (").append(idents(contract.key)).append(") DO ");
  if (set.columns.empty()) return out.append("NOTHING");
  // Rows whose values did not change are not rewritten.
  return out.append("UPDATE SET ").append(set_list(set)).append(" WHERE ").append(changed(set));
}

std::string delete_object_rows(const Contract& contract) {
  return "DELETE FROM " + target(contract) + " WHERE " + of_object("");
}

std::string insert_object_rows(const Contract& contract) {
  const auto names = idents(column_names(contract));
  return "INSERT INTO " + target(contract) + " (" + names + managed_columns(contract) +
         ") SELECT " + names + managed_values(contract, "") + " FROM dn_stage";
}

std::string delete_absent_keys(const Contract& contract) {
  // jsonb_populate_recordset reads each value with the target column's own input function,
  // as COPY does, so a rejected key compares equal to the same key loaded.
  std::string out = "DELETE FROM ";
  out.append(target(contract)).append(" AS t WHERE ").append(of_object("t."));
  out.append(" AND NOT EXISTS (SELECT 1 FROM dn_stage s WHERE ").append(key_match(contract));
  out.append(") AND NOT EXISTS (SELECT 1 FROM jsonb_populate_recordset(NULL::");
  out.append(target(contract)).append(", $2::jsonb) AS r WHERE ");
  return out.append(key_match(contract, "r")).append(")");
}

namespace {

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

Limits limits_for(std::chrono::milliseconds time_left) {
  using std::chrono::milliseconds;
  Limits limits;
  limits.statement = std::max(time_left, milliseconds(1000));
  // Waiting on a lock for more than half the time left leaves too little to load in.
  limits.lock = std::max(limits.statement / 2, milliseconds(500));
  // A loader frozen or gone mid-transaction must not hold its locks for long.
  limits.idle_in_transaction = std::min(limits.statement, milliseconds(60000));
  return limits;
}

std::string set_limits(const Limits& limits) {
  return "SET LOCAL statement_timeout = " + std::to_string(limits.statement.count()) +
         "; SET LOCAL lock_timeout = " + std::to_string(limits.lock.count()) +
         "; SET LOCAL idle_in_transaction_session_timeout = " +
         std::to_string(limits.idle_in_transaction.count()) +
         "; SET LOCAL work_mem = " + quote_literal(limits.work_mem);
}

std::string ledger_select() {
  return "SELECT dataset, status, coalesce(reason, ''), rows_read, rows_loaded, rows_changed, "
         "rows_rejected, bytes_read, coalesce(rejects_key, ''), duration_ms, transfer_ms, "
         "rows_deleted FROM "
         "public.load_ledger WHERE bucket = $1 AND object_key = $2 AND version_id = $3 AND "
         "etag = $4";
}

std::string ledger_insert() {
  // DO NOTHING: a concurrent or earlier load of the same version already recorded it.
  return "INSERT INTO public.load_ledger (bucket, object_key, version_id, etag, dataset, status, "
         "reason, rows_read, rows_loaded, rows_changed, rows_rejected, bytes_read, rejects_key, "
         "duration_ms, transfer_ms, rows_deleted) VALUES ($1,$2,$3,$4,$5,$6,NULLIF($7,''),$8,$9,"
         "$10,$11,$12,NULLIF($13,''),$14,$15,$16) ON CONFLICT DO NOTHING";
}

}  // namespace dn::loader::sql
