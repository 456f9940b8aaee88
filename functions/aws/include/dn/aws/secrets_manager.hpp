// Secrets Manager over the JSON protocol (secretsmanager.*, application/x-amz-json-1.1).
#pragma once

#include <string>

#include "dn/aws/client.hpp"
#include "dn/aws/result.hpp"

namespace dn::aws {

class SecretsManager {
 public:
  explicit SecretsManager(Client& client) : client_(&client) {}

  // SecretString of the current version. Never log the value.
  Result<std::string> get_secret_value(const std::string& secret_id);

 private:
  Client* client_;
};

}  // namespace dn::aws
