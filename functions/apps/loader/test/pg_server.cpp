#include "pg_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "pg.hpp"

namespace dn::loader::testing {

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("could not find a free port");
  }
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string random_password() {
  std::random_device rd;
  static constexpr char kAlphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (int i = 0; i < 24; ++i) out += kAlphabet[rd() % (sizeof kAlphabet - 1)];
  return out;
}

}  // namespace

PgServer::PgServer() : bin_("/usr/lib/postgresql/15/bin") {
  if (!std::filesystem::exists(bin_ + "/initdb")) {
    throw std::runtime_error("PostgreSQL 15 is not installed (" + bin_ + "/initdb)");
  }
  as_root_ = ::geteuid() == 0;
  std::string tmpl = (std::filesystem::temp_directory_path() / "dn-pg-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::filesystem::permissions(dir_, std::filesystem::perms::owner_all |
                                         std::filesystem::perms::group_exec |
                                         std::filesystem::perms::others_exec);
  password_ = random_password();
  port_ = free_port();
  const std::string data = dir_ + "/data";

  run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
          dir_ + "/server.key' -out '" + dir_ + "/server.crt' >/dev/null 2>&1",
      "self-signed certificate", false);
  root_cert_ = dir_ + "/server.crt";
  if (as_root_) run("chown -R postgres '" + dir_ + "'", "chown", false);
  run("'" + bin_ + "/initdb' -D '" + data + "' -U postgres --auth-local=trust " +
          "--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >'" + dir_ + "/initdb.log' 2>&1",
      "initdb", true);
  {
    std::ofstream hba(data + "/pg_hba.conf", std::ios::trunc);
    hba << "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n";
  }
  run("cp '" + dir_ + "/server.crt' '" + dir_ + "/server.key' '" + data + "/' && chmod 600 '" +
          data + "/server.key'",
      "install certificate", true);
  run("'" + bin_ + "/pg_ctl' -D '" + data + "' -w -t 60 -l '" + dir_ + "/server.log' -o '-p " +
          std::to_string(port_) + " -k " + dir_ +
          " -c listen_addresses=127.0.0.1 -c ssl=on -c fsync=off -c full_page_writes=off "
          "-c max_wal_size=4GB -c shared_buffers=256MB' start >/dev/null",
      "pg_ctl start", true);
  started_ = true;

  Pg admin(admin_params());
  admin.exec("CREATE ROLE loader LOGIN PASSWORD '" + password_ + "'");
  admin.exec("CREATE DATABASE dn OWNER loader");
}

PgServer::~PgServer() {
  try {
    if (started_) {
      run("'" + bin_ + "/pg_ctl' -D '" + dir_ + "/data' -w -m immediate stop >/dev/null 2>&1",
          "pg_ctl stop", true);
    }
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort at teardown
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void PgServer::run(const std::string& command, const std::string& step, bool as_postgres) const {
  std::string full = command;
  if (as_postgres && as_root_) {
    // Single quotes inside are closed and reopened around an escaped quote.
    std::string quoted;
    for (const char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    full = "runuser -u postgres -- sh -c '" + quoted + "'";
  }
  // NOLINTNEXTLINE(cert-env33-c, concurrency-mt-unsafe): test set-up, fixed commands
  if (std::system(full.c_str()) != 0) {
    throw std::runtime_error("PostgreSQL test server: " + step + " failed (see " + dir_ + ")");
  }
}

std::string PgServer::secret_json() const {
  return R"({"engine":"postgres","host":"localhost","port":)" + std::to_string(port_) +
         R"(,"username":"loader","password":")" + password_ + R"(","dbname":"dn"})";
}

std::map<std::string, std::string> PgServer::admin_params() const {
  return {{"host", dir_},
          {"port", std::to_string(port_)},
          {"user", "postgres"},
          {"dbname", "postgres"}};
}

std::map<std::string, std::string> PgServer::loader_params() const {
  return {{"host", "localhost"},      {"port", std::to_string(port_)},
          {"user", "loader"},         {"password", password_},
          {"dbname", "dn"},           {"sslmode", "verify-full"},
          {"sslrootcert", root_cert_}};
}

}  // namespace dn::loader::testing
