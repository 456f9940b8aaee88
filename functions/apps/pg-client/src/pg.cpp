#include "dn/pg/pg.hpp"

#include <string>
#include <string_view>

#include "dn/util/text.hpp"

namespace dn::pg {

bool PgError::connection_lost() const {
  // No SQLSTATE: libpq lost the connection. 08: connection exception. 57P0x: the server shuts
  // down, crashed or does not accept connections yet (a failover). 25P03: idle in transaction
  // for too long (the session is closed).
  return sqlstate_.empty() || sqlstate_.starts_with("08") || sqlstate_ == "57P01" ||
         sqlstate_ == "57P02" || sqlstate_ == "57P03" || sqlstate_ == "25P03";
}

bool PgError::permanent() const {
  // 42: syntax or access rule (undefined table/column, wrong type); 22: a value the column's
  // type does not take; 0A: not supported.
  return sqlstate_.starts_with("42") || sqlstate_.starts_with("22") || sqlstate_.starts_with("0A");
}

bool PgError::integrity_violation() const {
  return sqlstate_.starts_with("23");
}

Pg::Pg(const std::map<std::string, std::string>& params) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn_ == nullptr) throw PgError("connection: out of memory", "");
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("connection failed: " + message, "08001");
  }
  // NOTICEs ("relation already exists, skipping") are not errors and not worth a log line.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Pg::~Pg() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Pg::ok() const {
  return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}
int Pg::backend_pid() const {
  return PQbackendPID(conn_);
}
bool Pg::ssl_in_use() const {
  return PQsslInUse(conn_) == 1;
}

void Pg::fail(const std::string& what, const PGresult* result) const {
  std::string message = what + ": ";
  std::string state;
  if (result != nullptr) {
    message += PQresultErrorMessage(result);
    const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (s != nullptr) state = s;
  } else {
    message += PQerrorMessage(conn_);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  throw PgError(message, state);
}

PgResult Pg::check(PGresult* raw, const std::string& what) {
  PgResult result(raw);
  if (!result) fail(what);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_COPY_IN) {
    fail(what, result.get());
  }
  return result;
}

PgResult Pg::exec(const std::string& sql) {
  return check(PQexec(conn_, sql.c_str()), "query");
}

PgResult Pg::exec(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0),
               "query");
}

void Pg::copy_begin(const std::string& copy_sql) {
  const auto result = check(PQexec(conn_, copy_sql.c_str()), "COPY");
  if (PQresultStatus(result.get()) != PGRES_COPY_IN) fail("COPY did not start", result.get());
}

void Pg::copy_put(std::string_view data) {
  if (data.empty()) return;
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) fail("COPY data");
}

void Pg::copy_end() {
  if (PQputCopyEnd(conn_, nullptr) != 1) fail("COPY end");
  PgResult result(PQgetResult(conn_));
  if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) fail("COPY", result.get());
  // Drain: libpq hands out a terminating null result.
  while (PgResult extra{PQgetResult(conn_)}) {
  }
}

void Pg::copy_abort(const std::string& reason) {
  if (PQputCopyEnd(conn_, reason.c_str()) == 1) {
    while (PgResult extra{PQgetResult(conn_)}) {
    }
  }
}

std::string Pg::ident(std::string_view name) {
  return util::double_quoted(name);
}

}  // namespace dn::pg
