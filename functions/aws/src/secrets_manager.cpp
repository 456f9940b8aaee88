#include "dn/aws/secrets_manager.hpp"

#include <nlohmann/json.hpp>

namespace dn::aws {

Result<std::string> SecretsManager::get_secret_value(const std::string& secret_id) {
  if (secret_id.empty()) return Error{"InvalidArgument", "secret id is empty", 0, false};
  auto response = client_->call_json("secretsmanager", "secretsmanager.GetSecretValue", "1.1",
                                     {{"SecretId", secret_id}});
  if (!response.ok()) return response.error();
  const auto value = response->find("SecretString");
  if (value == response->end() || !value->is_string()) {
    return Error{"InvalidResponse", "the secret has no SecretString (binary secrets unsupported)",
                 200, false};
  }
  return value->get<std::string>();
}

}  // namespace dn::aws
