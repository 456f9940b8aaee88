// A throwaway PostgreSQL 15 server for tests and benchmarks: initdb into a temp dir, a
// self-signed TLS certificate, TCP on a free loopback port accepting only hostssl + SCRAM, a
// `loader` role owning database `dn`. Runs the server as `postgres` when we are root (initdb
// refuses root). Stopped and deleted by the destructor.
#pragma once

#include <map>
#include <memory>
#include <string>

namespace dn::loader::testing {

class PgServer {
 public:
  // Throws std::runtime_error with the failing step.
  PgServer();
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& root_cert() const { return root_cert_; }
  // The Secrets Manager secret a deployment would hold for this server.
  [[nodiscard]] std::string secret_json() const;
  // Superuser over the Unix socket (for test set-up and pg_terminate_backend).
  [[nodiscard]] std::map<std::string, std::string> admin_params() const;
  // The loader role over TCP with TLS verify-full.
  [[nodiscard]] std::map<std::string, std::string> loader_params() const;
  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  void run(const std::string& command, const std::string& step, bool as_postgres) const;

  std::string dir_;
  std::string bin_;
  std::string root_cert_;
  std::string password_;
  int port_ = 0;
  bool as_root_ = false;
  bool started_ = false;
};

}  // namespace dn::loader::testing
