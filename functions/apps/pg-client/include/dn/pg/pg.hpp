// A thin RAII layer over libpq: one connection, statements that throw PgError on failure, and
// COPY FROM STDIN. Not thread-safe (COPY data may come from another thread while this one waits).
#pragma once

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dn::pg {

// A database failure. `sqlstate` is PostgreSQL's code ("" when the connection itself failed).
class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  [[nodiscard]] const std::string& sqlstate() const { return sqlstate_; }
  // The session is gone or the server is going away (failover, restart, admin kill): a new
  // connection may well succeed now.
  [[nodiscard]] bool connection_lost() const;
  // The statement is wrong for this database (undefined table or column, bad type, syntax):
  // trying again cannot help until the contract or the migration changes.
  [[nodiscard]] bool permanent() const;
  // A constraint refused a row (class 23: unique, not null, check, foreign key).
  [[nodiscard]] bool integrity_violation() const;

 private:
  std::string sqlstate_;
};

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

}  // namespace dn::pg
