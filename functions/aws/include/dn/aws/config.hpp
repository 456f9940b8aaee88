// Where and as whom to call AWS, read from the environment Lambda (or MiniStack) provides.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/aws/result.hpp"

namespace dn::aws {

// Never logged or printed: no stream operator on purpose.
struct Credentials {
  std::string access_key_id{};      // AWS_ACCESS_KEY_ID
  std::string secret_access_key{};  // AWS_SECRET_ACCESS_KEY
  std::string session_token{};      // AWS_SESSION_TOKEN (empty for long-term keys)
};

struct Config {
  std::string region{};  // AWS_REGION, else AWS_DEFAULT_REGION
  Credentials credentials{};
  // AWS_ENDPOINT_URL (scheme://host[:port], no trailing slash): one endpoint for every service,
  // as MiniStack serves them. Empty: the regional AWS endpoints.
  std::string endpoint_url{};
  // CA bundle for https (CURLOPT_CAINFO); empty when none of the known paths exists.
  std::string ca_bundle{};

  // Reads the process environment. Errors ("ConfigError") name the missing variable.
  static Result<Config> from_env();
  // Same, with an injectable lookup (returns nullptr for an unset variable) and CA candidates.
  static Result<Config> from_env(const std::function<const char*(const char*)>& getenv,
                                 const std::vector<std::string>& ca_candidates);

  // Base URL of a JSON-protocol service ("dynamodb", "sqs", "secretsmanager"):
  // endpoint_url when set, else https://<service>.<region>.amazonaws.com.
  [[nodiscard]] std::string service_endpoint(std::string_view service) const;
};

// The first existing path of /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux 2023) and
// /etc/ssl/certs/ca-certificates.crt (Debian); empty when neither exists.
std::string find_ca_bundle();
std::string find_ca_bundle(const std::vector<std::string>& candidates);
const std::vector<std::string>& default_ca_candidates();

}  // namespace dn::aws
