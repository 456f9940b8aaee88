// The loader's init errors: each bad setting is named (never its value) before anything connects.
#include "setup.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace dn::loader {
namespace {

std::map<std::string, std::string> base_env() {
  return {{"AWS_REGION", "eu-west-2"},
          {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
          {"AWS_SECRET_ACCESS_KEY", "not-a-secret"},
          {"AWS_ENDPOINT_URL", "http://127.0.0.1:9"},
          {"DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-2:000000000000:secret:db"}};
}

std::string init_error(std::map<std::string, std::string> vars) {
  try {
    (void)handler_from_env([vars = std::move(vars)](const char* name) -> const char* {
      const auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    });
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(LoaderSetup, AMissingSecretArnIsAnInitError) {
  auto vars = base_env();
  vars.erase("DB_SECRET_ARN");
  EXPECT_EQ(init_error(vars), "DB_SECRET_ARN is not set");
}

TEST(LoaderSetup, ABadSslModeIsNamedWithoutItsValue) {
  auto vars = base_env();
  vars["DB_SSLMODE"] = "disable-s3cr3t";
  const auto message = init_error(vars);
  EXPECT_EQ(message, "DB_SSLMODE must be verify-full, verify-ca or require");
}

TEST(LoaderSetup, MissingAwsConfigurationIsAnInitError) {
  auto vars = base_env();
  vars.erase("AWS_REGION");
  EXPECT_NE(init_error(vars).find("AWS_REGION"), std::string::npos);
}

}  // namespace
}  // namespace dn::loader
