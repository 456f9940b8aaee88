// How a function reaches its database: DB_SECRET_ARN (the Secrets Manager secret, re-read for
// every new connection so a rotated password is picked up), DB_SSLMODE and DB_SSLROOTCERT.
#pragma once

#include <map>
#include <string>

#include "dn/aws/client.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::pg {

struct DbSettings {
  std::string secret_arn{};
  std::string sslmode{};      // verify-full (default), verify-ca or require
  std::string sslrootcert{};  // CA bundle path; empty: libpq's default
  // Throws std::runtime_error naming the variable when one is missing or invalid.
  static DbSettings from_env(const runtime::Env& env);
};

// libpq parameters from the database secret {"host","port","username","password","dbname",
// "engine"} plus sslmode (and sslrootcert when given). Throws std::invalid_argument naming a
// missing key (never a value).
std::map<std::string, std::string> connection_params(const std::string& secret_json,
                                                     const std::string& sslmode,
                                                     const std::string& sslrootcert,
                                                     const std::string& application_name);

// Fetches the secret and maps it; throws std::runtime_error("database secret: ...") when it
// cannot be read.
std::map<std::string, std::string> params_from_secret(aws::Client& client,
                                                      const DbSettings& settings,
                                                      const std::string& application_name);

}  // namespace dn::pg
