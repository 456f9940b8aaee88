// sync-audiences' init errors: each bad setting is named, never its value; a good configuration
// starts without connecting to anything.
#include "setup.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include "dn/runtime/testing/function_harness.hpp"

namespace dn::sync_audiences {
namespace {

// The function's own settings, then a region and credentials (nothing is called at init).
std::map<std::string, std::string> base_env() {
  return {{"TABLE_NAME", "t"},
          {"QUEUE_URL", "http://127.0.0.1:9/000000000000/q"},
          {"DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-2:000000000000:secret:db"},
          {"SEGMENTS", R"([{"name":"all-users","rule":{"kind":"everyone"}}])"},
          {"AWS_REGION", "eu-west-2"},
          {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
          {"AWS_SECRET_ACCESS_KEY", "not-a-secret"}};
}

std::string init_error(std::map<std::string, std::string> vars) {
  try {
    (void)handler_from_env(runtime::testing::env_of(std::move(vars)));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(SyncSetup, AGoodConfigurationStarts) {
  EXPECT_EQ(init_error(base_env()), "");
}

TEST(SyncSetup, EachRequiredVariableIsNamed) {
  for (const char* name : {"TABLE_NAME", "QUEUE_URL", "DB_SECRET_ARN", "SEGMENTS"}) {
    auto vars = base_env();
    vars.erase(name);
    EXPECT_EQ(init_error(vars), std::string(name) + " is not set");
  }
}

TEST(SyncSetup, BadSettingsAreNamedWithoutTheirValue) {
  auto vars = base_env();
  vars["DB_SSLMODE"] = "disable-s3cr3t";
  EXPECT_EQ(init_error(vars), "DB_SSLMODE must be verify-full, verify-ca or require");
  vars = base_env();
  vars["USERS_TABLE"] = "public.";
  EXPECT_EQ(init_error(vars), "USERS_TABLE must be <schema>.<table> or <table>");
  vars = base_env();
  vars["SEGMENTS"] = R"([{"name":"s3cr3t","rule":{"kind":"sometimes"}}])";
  const auto message = init_error(vars);
  EXPECT_EQ(message,
            "SEGMENTS is not valid: segments[0]: rule.kind must be everyone, equals or prefix");
}

}  // namespace
}  // namespace dn::sync_audiences
