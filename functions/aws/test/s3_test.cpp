#include "dn/aws/s3.hpp"

#include <gtest/gtest.h>

#include "dn/aws/encoding.hpp"
#include "dn/aws/secrets_manager.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"

namespace dn::aws {
namespace {

using testing::json_response;
using testing::script;
using testing::StubResponse;

constexpr const char* kKey = "reports/2026 Q1/na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.csv";

struct Fixture : testing::StubbedClient {
  using StubbedClient::StubbedClient;
  S3 s3{client};
};

TEST(AwsS3, GetObjectStreamsChunksAndReturnsMetadata) {
  std::string body;
  for (int i = 0; i < 50000; ++i) body += "row," + std::to_string(i) + "\n";
  Fixture f(script(
      {StubResponse{200,
                    {{"ETag", "\"abc\""}, {"x-amz-version-id", "v1"}, {"Content-Type", "text/csv"}},
                    body}}));
  std::string received;
  int chunks = 0;
  auto info = f.s3.get_object("dn-data", kKey, [&](std::string_view chunk) {
    received.append(chunk);
    ++chunks;
    return true;
  });
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(received, body);
  EXPECT_GT(chunks, 1);
  EXPECT_EQ(info->etag, "\"abc\"");
  EXPECT_EQ(info->version_id, "v1");
  EXPECT_EQ(info->content_length, body.size());
  EXPECT_EQ(info->content_type, "text/csv");
  const auto q = f.server.requests().at(0);
  EXPECT_EQ(q.method, "GET");
  EXPECT_EQ(q.target, "/dn-data/reports/2026%20Q1/na%C3%AFve%20r%C3%A9sum%C3%A9.csv");
  EXPECT_EQ(q.header("x-amz-content-sha256"), sha256_hex(""));
  EXPECT_EQ(q.header("range"), "");
}

TEST(AwsS3, GetObjectSendsRangeAndParsesXmlErrors) {
  Fixture f(script({StubResponse{206, {}, "abc"},
                    StubResponse{404,
                                 {{"Content-Type", "application/xml"}},
                                 "<Error><Code>NoSuchKey</Code><Message>The specified key does not "
                                 "exist.</Message></Error>"}}));
  std::string got;
  auto sink = [&](std::string_view c) {
    got.append(c);
    return true;
  };
  auto ranged = f.s3.get_object("b", "k", sink, ByteRange{10, 12});
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(f.server.requests().at(0).header("range"), "bytes=10-12");
  got.clear();
  auto missing = f.s3.get_object("b", "gone", sink, ByteRange{5, std::nullopt});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "NoSuchKey");
  EXPECT_EQ(missing.error().message, "The specified key does not exist.");
  EXPECT_EQ(missing.error().http_status, 404);
  EXPECT_TRUE(got.empty());  // an error body never reaches the callback
  EXPECT_EQ(f.server.requests().at(1).header("range"), "bytes=5-");
}

TEST(AwsS3, GetObjectAsksForTheGivenVersion) {
  Fixture f(script({StubResponse{200, {{"x-amz-version-id", "3/L4kqtJl+0"}}, "v"}}));
  const auto sink = [](std::string_view) { return true; };
  auto info = f.s3.get_object("b", "k", sink, std::nullopt, "3/L4kqtJl+0");
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->version_id, "3/L4kqtJl+0");
  // Encoded as SigV4's canonical query (the signature covers it).
  EXPECT_EQ(f.server.requests().at(0).target, "/b/k?versionId=3%2FL4kqtJl%2B0");
  ASSERT_TRUE(f.s3.get_object("b", "k", sink).ok());
  EXPECT_EQ(f.server.requests().at(1).target, "/b/k");
}

TEST(AwsS3, GetObjectRetriesSlowDownBeforeAnyByteIsDelivered) {
  Fixture f(script({StubResponse{503, {}, "<Error><Code>SlowDown</Code></Error>"},
                    StubResponse{200, {}, "data"}}));
  std::string got;
  auto info = f.s3.get_object("b", "k", [&](std::string_view c) {
    got.append(c);
    return true;
  });
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(got, "data");
  EXPECT_EQ(f.server.requests().size(), 2U);
}

TEST(AwsS3, PutObjectHashesBodyAndSendsHeaders) {
  Fixture f(script({StubResponse{200, {{"ETag", "\"e1\""}, {"x-amz-version-id", "v2"}}, ""}}));
  const std::string body = "line,column,reason\n3,email,not an email address\n";
  auto r =
      f.s3.put_object("dn-data", std::string("rejected/") + kKey, body,
                      {{"Content-Type", "text/csv"}, {"x-amz-server-side-encryption", "aws:kms"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->etag, "\"e1\"");
  EXPECT_EQ(r->version_id, "v2");
  const auto q = f.server.requests().at(0);
  EXPECT_EQ(q.method, "PUT");
  EXPECT_EQ(q.body, body);
  EXPECT_EQ(q.header("x-amz-content-sha256"), sha256_hex(body));
  EXPECT_EQ(q.header("content-type"), "text/csv");
  EXPECT_EQ(q.header("x-amz-server-side-encryption"), "aws:kms");
}

TEST(AwsS3, PutObjectOfSeveralMegabytesArrivesWhole) {
  // Above 1 MiB curl adds an unsigned "Expect: 100-continue"; the signature must not depend on it.
  std::string body(3 << 20, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  Fixture f(script({StubResponse{200, {{"ETag", "\"big\""}}, ""}}));
  auto r = f.s3.put_object("b", "big.csv", body, {{"Content-Type", "text/csv"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto q = f.server.requests().at(0);
  EXPECT_EQ(q.body.size(), body.size());
  EXPECT_TRUE(q.body == body);
  EXPECT_EQ(q.header("x-amz-content-sha256"), sha256_hex(body));
  EXPECT_EQ(q.header("authorization").find("expect"), std::string::npos);
}

TEST(AwsS3, PutObjectDefaultsContentTypeAndRejectsBadNames) {
  Fixture f(script({StubResponse{200, {}, ""}}));
  ASSERT_TRUE(f.s3.put_object("b", "k", "").ok());
  EXPECT_EQ(f.server.requests().at(0).header("content-type"), "application/octet-stream");
  EXPECT_EQ(f.server.requests().at(0).header("content-length"), "0");
  EXPECT_EQ(f.s3.put_object("", "k", "x").error().code, "InvalidArgument");
  EXPECT_EQ(f.s3.put_object("b", "", "x").error().code, "InvalidArgument");
  EXPECT_EQ(f.server.requests().size(), 1U);
}

TEST(AwsSecretsManager, ReturnsSecretStringOrAClearError) {
  Fixture f(
      script({json_response(200, R"({"ARN":"arn","SecretString":"k3y"})"),
              json_response(200, R"({"ARN":"arn","SecretBinary":"AAAA"})"),
              json_response(400, R"({"__type":"ResourceNotFoundException","Message":"no"})")}));
  SecretsManager secrets(f.client);
  auto value = secrets.get_secret_value("cursor-key");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "k3y");
  const auto q = f.server.requests().at(0);
  EXPECT_EQ(q.header("x-amz-target"), "secretsmanager.GetSecretValue");
  EXPECT_EQ(q.header("content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(q.body, R"({"SecretId":"cursor-key"})");
  EXPECT_EQ(secrets.get_secret_value("cursor-key").error().code, "InvalidResponse");
  EXPECT_EQ(secrets.get_secret_value("cursor-key").error().code, "ResourceNotFoundException");
}

}  // namespace
}  // namespace dn::aws
