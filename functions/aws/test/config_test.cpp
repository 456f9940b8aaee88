#include "dn/aws/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "dn/aws/s3.hpp"

namespace dn::aws {
namespace {

Result<Config> from(const std::map<std::string, std::string>& env,
                    const std::vector<std::string>& ca = {}) {
  return Config::from_env(
      [&env](const char* name) -> const char* {
        const auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      ca);
}

std::map<std::string, std::string> keys() {
  return {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "secret"}};
}

TEST(AwsConfig, ReadsRegionCredentialsAndEndpoint) {
  auto env = keys();
  env["AWS_REGION"] = "eu-west-2";
  env["AWS_DEFAULT_REGION"] = "us-east-1";
  env["AWS_SESSION_TOKEN"] = "token";
  env["AWS_ENDPOINT_URL"] = "http://localhost:4566/";
  auto config = from(env);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  EXPECT_EQ(config->region, "eu-west-2");
  EXPECT_EQ(config->credentials.access_key_id, "AKID");
  EXPECT_EQ(config->credentials.secret_access_key, "secret");
  EXPECT_EQ(config->credentials.session_token, "token");
  EXPECT_EQ(config->endpoint_url, "http://localhost:4566");
  EXPECT_EQ(config->service_endpoint("dynamodb"), "http://localhost:4566");
}

TEST(AwsConfig, FallsBackToDefaultRegionAndRegionalEndpoints) {
  auto env = keys();
  env["AWS_DEFAULT_REGION"] = "us-east-1";
  auto config = from(env);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_TRUE(config->credentials.session_token.empty());
  EXPECT_EQ(config->service_endpoint("sqs"), "https://sqs.us-east-1.amazonaws.com");
}

TEST(AwsConfig, MissingOrBadSettingsAreConfigErrorsThatNameTheVariable) {
  auto no_region = from(keys());
  ASSERT_FALSE(no_region.ok());
  EXPECT_EQ(no_region.error().code, "ConfigError");
  EXPECT_NE(no_region.error().message.find("AWS_REGION"), std::string::npos);

  auto no_secret = from({{"AWS_REGION", "eu-west-2"}, {"AWS_ACCESS_KEY_ID", "AKID"}});
  ASSERT_FALSE(no_secret.ok());
  EXPECT_NE(no_secret.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(no_secret.error().message.find("AKID"), std::string::npos);  // no values echoed

  auto env = keys();
  env["AWS_REGION"] = "eu-west-2";
  env["AWS_ENDPOINT_URL"] = "localhost:4566";
  EXPECT_FALSE(from(env).ok());
}

TEST(AwsConfig, CaBundleIsTheFirstExistingCandidate) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto present = (dir / "dn_aws_config_test_ca.crt").string();
  std::ofstream(present) << "x";
  EXPECT_EQ(find_ca_bundle({"/nonexistent/a.crt", present}), present);
  EXPECT_EQ(find_ca_bundle({"/nonexistent/a.crt"}), "");
  auto env = keys();
  env["AWS_REGION"] = "eu-west-2";
  auto config = from(env, {"/nonexistent/a.crt", present});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->ca_bundle, present);
  std::filesystem::remove(present);
}

TEST(AwsConfig, S3UrlsArePathStyleOnEndpointsVirtualHostedOnAws) {
  Config config;
  config.region = "eu-west-2";
  EXPECT_EQ(s3_object_url(config, "dn-data", "reports/2026 Q1/a+b.csv"),
            "https://dn-data.s3.eu-west-2.amazonaws.com/reports/2026%20Q1/a%2Bb.csv");
  EXPECT_EQ(s3_object_url(config, "dn.data", "k"), "https://s3.eu-west-2.amazonaws.com/dn.data/k");
  config.endpoint_url = "http://localhost:4566";
  EXPECT_EQ(s3_object_url(config, "dn-data", "na\xC3\xAFve.csv"),
            "http://localhost:4566/dn-data/na%C3%AFve.csv");
}

}  // namespace
}  // namespace dn::aws
