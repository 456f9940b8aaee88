// A thin RAII layer over libpq: one connection, statements that throw PgError on failure, and
// COPY FROM STDIN. Not thread-safe (COPY data may come from another thread while this one waits).
#pragma once

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store.hpp"

namespace dn::loader {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class Pg {
 public:
  // libpq keyword/value pairs (host, port, user, password, dbname, sslmode, ...).
  explicit Pg(const std::map<std::string, std::string>& params);
  ~Pg();
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  [[nodiscard]] bool ok() const;
  [[nodiscard]] int backend_pid() const;
  [[nodiscard]] bool ssl_in_use() const;

  // Runs one or more statements; throws PgError unless they succeed.
  PgResult exec(const std::string& sql);
  // One statement with text parameters ($1...).
  PgResult exec(const std::string& sql, const std::vector<std::string>& params);

  // COPY ... FROM STDIN: begin with the COPY statement, put data, then end (throws on failure).
  void copy_begin(const std::string& copy_sql);
  void copy_put(std::string_view data);
  void copy_end();
  void copy_abort(const std::string& reason);

  // Quotes an identifier for SQL ("name").
  static std::string ident(std::string_view name);

 private:
  [[noreturn]] void fail(const std::string& what, const PGresult* result = nullptr) const;
  PgResult check(PGresult* result, const std::string& what);

  PGconn* conn_ = nullptr;
};

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
