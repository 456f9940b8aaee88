// The loader's SQL, built from a contract: pure functions (no connection), unit-tested. Every
// identifier is quoted (a contract column may be named anything), every value is a parameter.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/csv.hpp"

namespace dn::loader::sql {

using dn::core::csv::Contract;

// "name" with embedded quotes doubled (PostgreSQL's quote_ident, always quoting).
std::string ident(std::string_view name);
// "a", "b", ... each with an optional qualifier ("s." -> s."a").
std::string idents(const std::vector<std::string>& names, std::string_view qualifier = "");
// "schema"."table"
std::string target(const Contract& contract);
// The contract's column names, in contract order.
std::vector<std::string> column_names(const Contract& contract);

// The staging table: the target's column types only (no constraints), plus dn_source_line (the
// record's line, for duplicate reports), dropped at COMMIT or ROLLBACK.
std::string create_stage(const Contract& contract);
// COPY into the staging table (text format): the contract's columns, then dn_source_line.
std::string copy_stage(const Contract& contract);
// COPY straight into the target (a first load): the contract's columns, then dn_source_object
// when the contract records it.
std::string copy_target(const Contract& contract);
// One row, true when the target holds no row (under this transaction's snapshot).
std::string target_is_empty(const Contract& contract);
// One row, true when the target ($1, as "schema"."table") has a valid, immediate, non-partial
// unique index whose key is exactly the columns of $2 (a JSON array of names, any order), each
// with the column's own collation: such an index refuses every duplicate the loader's own check
// would reject.
std::string unique_index_on();

// In-file duplicates of `columns` (the key, or one unique column ignoring NULLs) are deleted from
// the staging table except the first by line. Returns (line, first line, total) for at most $1
// rows, ordered by line: the client holds a bounded result whatever the file holds.
std::string remove_duplicates(const std::vector<std::string>& columns, bool ignore_nulls);
// Staging rows whose unique `column` value already belongs to a row of the target that this load
// does not replace (another key; or, when rows are owned by objects, another object = $2).
// Deleted; returns (line, 0, total) for at most $1 rows.
std::string remove_taken(const Contract& contract, const std::string& column);

// Merge by key, in two statements: update the existing keys whose values changed (unchanged
// rows are neither rewritten nor locked), then insert the keys the target does not hold. The
// insert keeps ON CONFLICT ... DO UPDATE for a key a concurrent load committed in between.
// When the contract records the source object, both also set dn_source_object to $1 (a row
// another object loaded, or one loaded before the column existed, counts as changed).
std::string update_by_key(const Contract& contract);
std::string insert_new_keys(const Contract& contract);
// Rows owned by their object ($1 = object key): drop what it loaded before, insert the new rows.
std::string delete_object_rows(const Contract& contract);
std::string insert_object_rows(const Contract& contract);
// "absent_keys": "delete": the rows object $1 loaded before whose key is neither in the staging
// table nor in $2 (a JSON array of objects {key column: value}, the rejected rows' keys).
std::string delete_absent_keys(const Contract& contract);

// Per transaction limits derived from the time left before the deadline.
struct Limits {
  std::chrono::milliseconds statement{0};
  std::chrono::milliseconds lock{0};
  std::chrono::milliseconds idle_in_transaction{0};
  std::string work_mem = "64MB";  // for the duplicate checks and the merge (server memory)
};
Limits limits_for(std::chrono::milliseconds time_left);
// SET LOCAL statement_timeout, lock_timeout, idle_in_transaction_session_timeout, work_mem.
std::string set_limits(const Limits& limits);

// The ledger: one row per object version finished with (loaded or rejected as a whole).
std::string ledger_select();  // $1 bucket, $2 key, $3 version, $4 etag
std::string ledger_insert();  // see Store::record for the parameter order

}  // namespace dn::loader::sql
