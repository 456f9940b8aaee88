#include "dn/aws/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace dn::aws {
namespace {

std::string env_or_empty(const std::function<const char*(const char*)>& getenv, const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

const std::vector<std::string>& default_ca_candidates() {
  static const std::vector<std::string> kCandidates{"/etc/pki/tls/certs/ca-bundle.crt",
                                                    "/etc/ssl/certs/ca-certificates.crt"};
  return kCandidates;
}

std::string find_ca_bundle(const std::vector<std::string>& candidates) {
  for (const auto& path : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return path;
  }
  return {};
}

std::string find_ca_bundle() {
  return find_ca_bundle(default_ca_candidates());
}

Result<Config> Config::from_env() {
  // std::getenv is fine here: configuration is read once, before any thread starts.
  return from_env(
      [](const char* name) { return std::getenv(name); },  // NOLINT(concurrency-mt-unsafe)
      default_ca_candidates());
}

Result<Config> Config::from_env(const std::function<const char*(const char*)>& getenv,
                                const std::vector<std::string>& ca_candidates) {
  Config config;
  config.region = env_or_empty(getenv, "AWS_REGION");
  if (config.region.empty()) config.region = env_or_empty(getenv, "AWS_DEFAULT_REGION");
  if (config.region.empty()) {
    return Error{"ConfigError", "AWS_REGION (or AWS_DEFAULT_REGION) is not set", 0, false};
  }
  config.credentials.access_key_id = env_or_empty(getenv, "AWS_ACCESS_KEY_ID");
  config.credentials.secret_access_key = env_or_empty(getenv, "AWS_SECRET_ACCESS_KEY");
  config.credentials.session_token = env_or_empty(getenv, "AWS_SESSION_TOKEN");
  if (config.credentials.access_key_id.empty() || config.credentials.secret_access_key.empty()) {
    return Error{"ConfigError", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set", 0,
                 false};
  }
  config.endpoint_url = env_or_empty(getenv, "AWS_ENDPOINT_URL");
  while (!config.endpoint_url.empty() && config.endpoint_url.back() == '/') {
    config.endpoint_url.pop_back();
  }
  if (!config.endpoint_url.empty() && config.endpoint_url.rfind("http://", 0) != 0 &&
      config.endpoint_url.rfind("https://", 0) != 0) {
    return Error{"ConfigError", "AWS_ENDPOINT_URL must start with http:// or https://", 0, false};
  }
  config.ca_bundle = find_ca_bundle(ca_candidates);
  return config;
}

std::string Config::service_endpoint(std::string_view service) const {
  if (!endpoint_url.empty()) return endpoint_url;
  return "https://" + std::string(service) + "." + region + ".amazonaws.com";
}

}  // namespace dn::aws
