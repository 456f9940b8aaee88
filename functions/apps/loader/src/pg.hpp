// The loader's Store over one libpq connection (the client itself is dn_pg_client's Pg).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dn/pg/pg.hpp"
#include "store.hpp"

namespace dn::loader {

// The shared client (dn/pg/pg.hpp) under the loader's names.
using dn::pg::Pg;
using dn::pg::PgResult;

// Store over one libpq connection, with the SQL of sql.hpp.
class PgStore : public Store {
 public:
  explicit PgStore(const std::map<std::string, std::string>& params) : pg_(params) {}

  bool alive() override;
  std::optional<LedgerRow> ledger(const ObjectRef& object) override;
  void begin(const ObjectRef& object, const sql::Limits& limits) override;
  void commit() override;
  void rollback() noexcept override;
  bool first_load(const dn::core::csv::Contract& contract) override;
  void create_stage(const dn::core::csv::Contract& contract) override;
  void copy_begin(const dn::core::csv::Contract& contract, CopyInto into) override;
  void copy_put(std::string_view rows) override;
  void copy_end() override;
  void copy_abort(const std::string& reason) noexcept override;
  Removed remove_duplicates(const std::vector<std::string>& columns, bool ignore_nulls,
                            std::size_t max_rows) override;
  Removed remove_taken(const dn::core::csv::Contract& contract, const std::string& column,
                       const ObjectRef& object, std::size_t max_rows) override;
  std::uint64_t delete_absent_keys(const dn::core::csv::Contract& contract, const ObjectRef& object,
                                   const std::string& kept_keys) override;
  std::uint64_t merge(const dn::core::csv::Contract& contract, const ObjectRef& object) override;
  void record(const ObjectRef& object, const LedgerRow& row) override;
  std::vector<std::string> migrate(const std::map<std::string, std::string>& migrations,
                                   std::map<std::string, std::string>& failed) override;

  Pg& pg() { return pg_; }

 private:
  Pg pg_;
};

// Applies each migration not yet applied, as Store::migrate does, but throws PgError for the
// first that fails (for tools such as the contract check).
std::vector<std::string> apply_migrations(Pg& db,
                                          const std::map<std::string, std::string>& migrations);

}  // namespace dn::loader
