#include "dn/aws/errors.hpp"

#include <gtest/gtest.h>

#include "dn/aws/result.hpp"

namespace dn::aws {
namespace {

TEST(AwsErrors, JsonErrorStripsNamespaceAndReadsMessage) {
  const Error e = parse_json_error(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
           R"("message":"The conditional request failed"})");
  EXPECT_EQ(e.code, "ConditionalCheckFailedException");
  EXPECT_EQ(e.message, "The conditional request failed");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_FALSE(e.retryable);
}

TEST(AwsErrors, JsonErrorAcceptsCapitalMessageAndThrottlingIsRetryable) {
  const Error e = parse_json_error(
      400, R"({"__type":"com.amazonaws.sqs#ThrottlingException","Message":"slow down"})");
  EXPECT_EQ(e.code, "ThrottlingException");
  EXPECT_EQ(e.message, "slow down");
  EXPECT_TRUE(e.retryable);
  EXPECT_TRUE(
      parse_json_error(400, R"({"__type":"ProvisionedThroughputExceededException","message":"m"})")
          .retryable);
}

TEST(AwsErrors, JsonErrorFallsBackToHeaderThenStatus) {
  const Error header = parse_json_error(
      400, "not json", "ResourceNotFoundException:http://internal.amazon.com/coral/x/");
  EXPECT_EQ(header.code, "ResourceNotFoundException");
  EXPECT_EQ(header.message, "HTTP status 400");
  const Error bare = parse_json_error(503, "");
  EXPECT_EQ(bare.code, "HttpError");
  EXPECT_TRUE(bare.retryable);
  EXPECT_FALSE(parse_json_error(403, "{}").retryable);
}

TEST(AwsErrors, XmlErrorReadsCodeAndMessageWithEntities) {
  const Error e = parse_xml_error(404,
                                  "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>"
                                  "<Message>Key &quot;a&amp;b&quot; &lt;gone&gt;</Message>"
                                  "<Key>a&amp;b</Key></Error>");
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "Key \"a&b\" <gone>");
  EXPECT_FALSE(e.retryable);
  const Error slow = parse_xml_error(503, "<Error><Code>SlowDown</Code></Error>");
  EXPECT_EQ(slow.code, "SlowDown");
  EXPECT_TRUE(slow.retryable);
  EXPECT_EQ(parse_xml_error(404, "").code, "NotFound");
  EXPECT_EQ(parse_xml_error(500, "<Error><Code>Unclosed").code, "HttpError");
}

TEST(AwsErrors, ResultHoldsValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = Error{"X", "broken", 500, true};
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().to_string(), "X (HTTP 500): broken");
  EXPECT_THROW((void)bad.value(), BadResultAccess);
  Result<void> done;
  EXPECT_TRUE(done.ok());
  Result<void> failed = Error{"Y", "", 0, false};
  EXPECT_FALSE(failed.ok());
  EXPECT_THROW(failed.value(), BadResultAccess);
}

}  // namespace
}  // namespace dn::aws
