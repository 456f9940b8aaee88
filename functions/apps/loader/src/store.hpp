// The loader's port over PostgreSQL: one session, as the load flow sees it. PgStore (pg_store.cpp)
// implements it with the SQL of sql.hpp; tests drive the flow with an in-memory fake.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/csv.hpp"
#include "dn/pg/pg.hpp"
#include "sql.hpp"

namespace dn::loader {

using dn::pg::PgError;  // the shared client's failure (dn/pg/pg.hpp)

struct ObjectRef {
  std::string bucket{};
  std::string key{};         // decoded
  std::string version_id{};  // empty when unknown / unversioned
  std::string etag{};        // without quotes; empty when unknown
  std::uint64_t size = 0;
};

// What the ledger (and the outcome record) holds about one object version.
struct LedgerRow {
  std::string dataset{};
  std::string status{};  // loaded | rejected
  std::string reason{};
  std::uint64_t rows_read = 0;
  std::uint64_t rows_loaded = 0;
  std::uint64_t rows_changed = 0;
  std::uint64_t rows_rejected = 0;
  std::uint64_t bytes_read = 0;
  std::string rejects_key{};
  std::uint64_t duration_ms = 0;
  std::uint64_t transfer_ms = 0;   // the GET, from request to last byte
  std::uint64_t rows_deleted = 0;  // "absent_keys": "delete": rows of this object gone from it
};

// Rows a duplicate check removed from the staging table: at most the number asked for, and the
// total.
struct Removed {
  struct Row {
    std::uint64_t line = 0;
    std::uint64_t first_line = 0;  // the occurrence kept (0 when not an in-file duplicate)
  };
  std::vector<Row> rows{};
  std::uint64_t total = 0;
};

// Where COPY writes: the per-load staging table (then dedupe and merge), or the target itself
// (a first load, see Store::first_load).
enum class CopyInto : std::uint8_t { Stage, Target };

class Store {
 public:
  virtual ~Store() = default;

  // A round trip to the server (a stale connection after a failover fails here, not mid-load).
  virtual bool alive() = 0;
  virtual std::optional<LedgerRow> ledger(const ObjectRef& object) = 0;

  // BEGIN, the limits, and the per-object advisory lock.
  virtual void begin(const ObjectRef& object, const sql::Limits& limits) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;  // best effort: a dead session rolls back by itself

  // True when the rows may be COPYed straight into the target: a keyed contract, a target that
  // holds no rows (as this transaction sees it), and the key and every unique column enforced
  // at once by a unique index on exactly those columns, so any duplicate or taken value fails
  // the COPY (class 23) instead of loading.
  virtual bool first_load(const dn::core::csv::Contract& contract) = 0;
  virtual void create_stage(const dn::core::csv::Contract& contract) = 0;
  // Stage: the contract's columns, then the source line; Target: the contract's columns only.
  virtual void copy_begin(const dn::core::csv::Contract& contract, CopyInto into) = 0;
  virtual void copy_put(std::string_view rows) = 0;  // COPY text-format rows
  virtual void copy_end() = 0;
  virtual void copy_abort(const std::string& reason) noexcept = 0;

  virtual Removed remove_duplicates(const std::vector<std::string>& columns, bool ignore_nulls,
                                    std::size_t max_rows) = 0;
  virtual Removed remove_taken(const dn::core::csv::Contract& contract, const std::string& column,
                               const ObjectRef& object, std::size_t max_rows) = 0;
  // "absent_keys": "delete": deletes the rows `object` loaded before whose key is neither in the
  // staging table nor in `kept_keys` (a JSON array of {key column: value}); returns how many.
  virtual std::uint64_t delete_absent_keys(const dn::core::csv::Contract& contract,
                                           const ObjectRef& object,
                                           const std::string& kept_keys) = 0;
  // Writes the staging rows into the target; returns the rows inserted or changed.
  virtual std::uint64_t merge(const dn::core::csv::Contract& contract, const ObjectRef& object) = 0;
  virtual void record(const ObjectRef& object, const LedgerRow& row) = 0;

  // Applies each migration not yet applied, each in its own transaction under one advisory
  // lock; returns the names applied now. A migration the database refuses for good
  // (PgError::permanent) is added to `failed` (name -> reason) and the others still apply; any
  // other failure throws.
  virtual std::vector<std::string> migrate(const std::map<std::string, std::string>& migrations,
                                           std::map<std::string, std::string>& failed) = 0;
};

}  // namespace dn::loader
