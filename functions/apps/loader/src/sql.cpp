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
    other.append("t.").append(ident(csv::kSourceObjectColumn)).append(" <> $2");
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
std::string key_match(const Contract& contract) {
  std::string out = "(";
  out.append(idents(contract.key, "t.")).append(") = (").append(idents(contract.key, "s."));
  return out.append(")");
}

// "a" = <from>."a", ...
std::string set_list(const std::vector<std::string>& columns, std::string_view from) {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += ", ";
    out.append(ident(c)).append(" = ").append(from).append(".").append(ident(c));
  }
  return out;
}

// (t."a", ...) IS DISTINCT FROM (<from>."a", ...)
std::string changed(const std::vector<std::string>& columns, std::string_view from) {
  std::string qualifier(from);
  qualifier += '.';
  std::string out = "(";
  out.append(idents(columns, "t.")).append(") IS DISTINCT FROM (");
  return out.append(idents(columns, qualifier)).append(")");
}

}  // namespace

std::string update_by_key(const Contract& contract) {
  const auto non_key = non_key_columns(contract);
  if (non_key.empty()) return "";  // nothing to update: the key is the whole row
  std::string out = "UPDATE ";
  out.append(target(contract)).append(" AS t SET ").append(set_list(non_key, "s"));
  out.append(" FROM dn_stage s WHERE ").append(key_match(contract)).append(" AND ");
  return out.append(changed(non_key, "s"));
}

std::string insert_new_keys(const Contract& contract) {
  const auto names = column_names(contract);
  const auto non_key = non_key_columns(contract);
  std::string out = "INSERT INTO ";
  out.append(target(contract)).append(" AS t (").append(idents(names)).append(") SELECT ");
  out.append(idents(names, "s.")).append(" FROM dn_stage s WHERE NOT EXISTS (SELECT 1 FROM ");
  out.append(target(contract)).append(" t WHERE ").append(key_match(contract));
  out.append(") ON CONFLICT (").append(idents(contract.key)).append(") DO ");
  if (non_key.empty()) return out.append("NOTHING");
  // Rows whose values did not change are not rewritten.
  out.append("UPDATE SET ").append(set_list(non_key, "EXCLUDED")).append(" WHERE ");
  return out.append(changed(non_key, "EXCLUDED"));
}

std::string delete_object_rows(const Contract& contract) {
  return "DELETE FROM " + target(contract) + " WHERE " + ident(csv::kSourceObjectColumn) + " = $1";
}

std::string insert_object_rows(const Contract& contract) {
  const auto names = idents(column_names(contract));
  return "INSERT INTO " + target(contract) + " (" + names + ", " + ident(csv::kSourceObjectColumn) +
         ", " + line_column() + ") SELECT " + names + ", $1, " + line_column() + " FROM dn_stage";
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
         "rows_rejected, bytes_read, coalesce(rejects_key, ''), duration_ms, transfer_ms FROM "
         "public.load_ledger WHERE bucket = $1 AND object_key = $2 AND version_id = $3 AND "
         "etag = $4";
}

std::string ledger_insert() {
  // DO NOTHING: a concurrent or earlier load of the same version already recorded it.
  return "INSERT INTO public.load_ledger (bucket, object_key, version_id, etag, dataset, status, "
         "reason, rows_read, rows_loaded, rows_changed, rows_rejected, bytes_read, rejects_key, "
         "duration_ms, transfer_ms) VALUES ($1,$2,$3,$4,$5,$6,NULLIF($7,''),$8,$9,$10,$11,$12,"
         "NULLIF($13,''),$14,$15) ON CONFLICT DO NOTHING";
}

}  // namespace dn::loader::sql
