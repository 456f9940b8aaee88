#include "dn/pg/connect.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "dn/aws/secrets_manager.hpp"
#include "dn/util/json.hpp"

namespace dn::pg {

namespace {

std::string json_string(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || j.at(name).is_null()) return "";
  const auto& v = j.at(name);
  return v.is_string() ? v.get<std::string>() : dn::util::to_json(v);
}

}  // namespace

DbSettings DbSettings::from_env(const runtime::Env& env) {
  DbSettings s;
  s.secret_arn = env.required("DB_SECRET_ARN");
  s.sslmode = env.one_of("DB_SSLMODE", {"verify-full", "verify-ca", "require"}, "verify-full");
  s.sslrootcert = env.value_or("DB_SSLROOTCERT", "");
  return s;
}

std::map<std::string, std::string> connection_params(const std::string& secret_json,
                                                     const std::string& sslmode,
                                                     const std::string& sslrootcert,
                                                     const std::string& application_name) {
  const auto j = dn::util::parse_json(secret_json);
  if (j.is_discarded() || !j.is_object()) {
    throw std::invalid_argument("database secret is not a JSON object");
  }
  std::map<std::string, std::string> params;
  const std::pair<const char*, const char*> mapping[] = {{"host", "host"},
                                                         {"port", "port"},
                                                         {"username", "user"},
                                                         {"password", "password"},
                                                         {"dbname", "dbname"}};
  for (const auto& [from, to] : mapping) {
    const auto value = json_string(j, from);
    if (value.empty() && std::string_view(from) != "port") {
      throw std::invalid_argument(std::string("database secret has no '") + from + "'");
    }
    if (!value.empty()) params[to] = value;
  }
  const auto engine = json_string(j, "engine");
  if (!engine.empty() && engine != "postgres" && engine != "aurora-postgresql") {
    throw std::invalid_argument("database secret engine is not PostgreSQL");
  }
  params["sslmode"] = sslmode;
  if (!sslrootcert.empty()) params["sslrootcert"] = sslrootcert;
  params["application_name"] = application_name;
  // Built from string objects: GCC 12 -O3 warns (falsely) on assigning short literals here.
  for (const auto& [k, v] : {std::pair<std::string, std::string>{"connect_timeout", "10"},
                             {"keepalives", "1"},
                             {"keepalives_idle", "30"}}) {
    params.insert_or_assign(k, v);
  }
  return params;
}

std::map<std::string, std::string> params_from_secret(aws::Client& client,
                                                      const DbSettings& settings,
                                                      const std::string& application_name) {
  auto secret = aws::SecretsManager(client).get_secret_value(settings.secret_arn);
  if (!secret.ok()) throw std::runtime_error("database secret: " + secret.error().to_string());
  return connection_params(*secret, settings.sslmode, settings.sslrootcert, application_name);
}

}  // namespace dn::pg
