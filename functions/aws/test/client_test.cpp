#include "dn/aws/client.hpp"

#include <gtest/gtest.h>

#include "dn/aws/encoding.hpp"
#include "fakes.hpp"
#include "http_stub.hpp"

namespace dn::aws {
namespace {

using std::chrono::milliseconds;
using testing::FakeTime;
using testing::json_response;
using testing::script;
using testing::StubResponse;
using testing::StubServer;

TEST(AwsClient, JsonCallSendsTargetContentTypeAndSignature) {
  StubServer server(script({json_response(200, R"({"Count":0})")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  auto r = client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {{"TableName", "T"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)["Count"], 0);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  const auto& q = requests[0];
  EXPECT_EQ(q.method, "POST");
  EXPECT_EQ(q.target, "/");
  EXPECT_EQ(q.header("x-amz-target"), "DynamoDB_20120810.Query");
  EXPECT_EQ(q.header("content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(q.body, R"({"TableName":"T"})");
  EXPECT_EQ(q.header("x-amz-security-token"), "");
  EXPECT_EQ(q.header("authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0U);
  EXPECT_NE(q.header("authorization")
                .find("/eu-west-2/dynamodb/aws4_request, SignedHeaders="
                      "content-type;host;x-amz-date;x-amz-target, "),
            std::string::npos);
  EXPECT_FALSE(q.header("x-amz-date").empty());
}

TEST(AwsClient, SessionTokenIsSentAndSigned) {
  StubServer server(script({json_response(200, "{}")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url(), "FQoGZXIvYXdzE+token/=="),
                testing::test_options(time));
  ASSERT_TRUE(client.call_json("sqs", "AmazonSQS.SendMessageBatch", "1.0", {}).ok());
  const auto q = server.requests().at(0);
  EXPECT_EQ(q.header("x-amz-security-token"), "FQoGZXIvYXdzE+token/==");
  EXPECT_NE(q.header("authorization").find("x-amz-date;x-amz-security-token;x-amz-target"),
            std::string::npos);
}

TEST(AwsClient, ReusesOneConnectionAcrossCalls) {
  StubServer server(script({json_response(200, "{}")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.call_json("dynamodb", "DynamoDB_20120810.PutItem", "1.0", {}).ok());
  }
  EXPECT_EQ(server.requests().size(), 5U);
  EXPECT_EQ(server.connections_accepted(), 1U);
}

TEST(AwsClient, RetriesThrottlingAnd5xxWithBackoffThenSucceeds) {
  StubServer server(
      script({json_response(400, R"({"__type":"x#ThrottlingException","message":"Rate exceeded"})"),
              json_response(500, R"({"__type":"x#InternalServerError"})"),
              json_response(200, R"({"ok":true})")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  auto r = client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(server.requests().size(), 3U);
  EXPECT_EQ(time->sleeps, (std::vector<milliseconds>{milliseconds(10), milliseconds(20)}));
}

TEST(AwsClient, DoesNotRetryClientErrorsAndReportsCodeAndMessage) {
  StubServer server(script({json_response(
      400,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad"})")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  auto r = client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ValidationException");
  EXPECT_EQ(r.error().message, "bad");
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(server.requests().size(), 1U);
}

TEST(AwsClient, CapsAttemptsOnPersistent503) {
  StubServer server(script({json_response(503, "")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time, 3));
  auto r = client.call_json("sqs", "AmazonSQS.SendMessageBatch", "1.0", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(AwsClient, ConnectionDropsAreRetriedAsNetworkErrors) {
  StubResponse drop;
  drop.fault = testing::Fault::drop;
  StubServer server(script({drop, json_response(200, "{}")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  auto r = client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(server.requests().size(), 2U);
  EXPECT_EQ(time->sleeps.size(), 1U);
}

TEST(AwsClient, ConnectionRefusedIsARetryableNetworkError) {
  std::string url;
  { url = StubServer(script({json_response(200, "{}")})).url(); }  // port now closed
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(url), testing::test_options(time, 2));
  auto r = client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "NetworkError");
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(time->sleeps.size(), 1U);
}

TEST(AwsClient, PassedDeadlineSendsNothing) {
  StubServer server(script({json_response(200, "{}")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  client.set_deadline(time->now - milliseconds(1));
  auto r = client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "DeadlineExceeded");
  EXPECT_TRUE(server.requests().empty());
  client.clear_deadline();
  EXPECT_TRUE(client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {}).ok());
}

TEST(AwsClient, RetriesStopBeforeTheDeadline) {
  StubServer server(script({json_response(503, "")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time, 10));
  client.set_deadline(time->now + milliseconds(35));  // sleeps 10 + 20 fit, 40 does not
  auto r = client.call_json("dynamodb", "DynamoDB_20120810.Query", "1.0", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(server.requests().size(), 3U);
}

TEST(AwsClient, QueryIsWrittenCanonicalAndPathKeptAsIs) {
  StubServer server(script({StubResponse{200, {}, "<ok/>"}}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  HttpRequest request;
  request.service = "s3";
  request.url = server.url() + "/bucket/a/./b/../c%20d";
  request.query = {{"prefix", "x y/z"}, {"list-type", "2"}, {"delimiter", ""}};
  request.content_sha256 = true;
  auto r = client.send(request);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->body, "<ok/>");
  const auto q = server.requests().at(0);
  EXPECT_EQ(q.target, "/bucket/a/./b/../c%20d?delimiter=&list-type=2&prefix=x%20y%2Fz");
  EXPECT_EQ(q.header("x-amz-content-sha256"), sha256_hex(""));
}

TEST(AwsClient, BlankHeaderIsRejectedBeforeSending) {
  StubServer server(script({json_response(200, "{}")}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  HttpRequest request;
  request.service = "s3";
  request.url = server.url() + "/b/k";
  request.headers = {{"x-amz-meta-note", ""}};
  auto r = client.send(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidArgument");
  EXPECT_TRUE(server.requests().empty());
}

TEST(AwsClient, HeadersCurlWouldMisorderAreSignedByTheClient) {
  StubServer server(script({StubResponse{200, {{"ETag", "\"e\""}}, ""}}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url(), "tok"), testing::test_options(time));
  HttpRequest request;
  request.method = "PUT";
  request.service = "s3";
  request.url = server.url() + "/b/k";
  request.headers = {{"x-amz-server-side-encryption", "aws:kms"},
                     {"x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:k"}};
  request.body = "data";
  request.content_sha256 = true;
  ASSERT_TRUE(client.send(request).ok());
  const auto q = server.requests().at(0);
  EXPECT_EQ(q.header("x-amz-date"), "20260320T094640Z");  // the injected clock's time
  EXPECT_EQ(q.header("host"), server.url().substr(7));
  EXPECT_NE(q.header("authorization")
                .find("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
                      "x-amz-security-token;x-amz-server-side-encryption;"
                      "x-amz-server-side-encryption-aws-kms-key-id, Signature="),
            std::string::npos)
      << q.header("authorization");
}

TEST(AwsClient, StreamsBodiesWithoutBufferingAndCanAbort) {
  const std::string big(1 << 20, 'x');
  StubServer server(script({StubResponse{200, {}, big}}));
  auto time = std::make_shared<FakeTime>();
  Client client(testing::test_config(server.url()), testing::test_options(time));
  std::size_t received = 0;
  int chunks = 0;
  HttpRequest request;
  request.service = "s3";
  request.url = server.url() + "/b/k";
  request.on_body = [&](std::string_view chunk) {
    received += chunk.size();
    ++chunks;
    return true;
  };
  auto r = client.send(request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(received, big.size());
  EXPECT_EQ(r->streamed_bytes, big.size());
  EXPECT_TRUE(r->body.empty());
  EXPECT_GT(chunks, 1);

  request.on_body = [](std::string_view) { return false; };
  auto aborted = client.send(request);
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.error().code, "Aborted");
  EXPECT_EQ(server.requests().size(), 2U);  // an abort is not retried
}

}  // namespace
}  // namespace dn::aws

namespace dn::aws {
namespace {

// The signed request exists before any transfer (a concurrent path sends the same bytes).
TEST(AwsSignRequest, CompletesAndSignsWithoutCurl) {
  const FakeTime time;
  HttpRequest request;
  request.method = "PUT";
  request.service = "s3";
  request.url = "http://127.0.0.1:9/b/k";
  request.query = {{"versionId", "a/b"}};
  request.body = "x";
  request.content_sha256 = true;
  const auto config = testing::test_config("http://127.0.0.1:9", "tok");
  const auto signed_request = sign_request(request, config, time.now);
  ASSERT_TRUE(signed_request.ok()) << signed_request.error().to_string();
  EXPECT_EQ(signed_request->method, "PUT");
  EXPECT_EQ(signed_request->url, "http://127.0.0.1:9/b/k?versionId=a%2Fb");
  EXPECT_EQ(signed_request->body, "x");
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : signed_request->headers) headers[name] = value;
  EXPECT_EQ(headers["Host"], "127.0.0.1:9");
  EXPECT_EQ(headers["X-Amz-Date"], "20260320T094640Z");
  EXPECT_EQ(headers["X-Amz-Security-Token"], "tok");
  EXPECT_EQ(headers["Content-Type"], "application/octet-stream");
  EXPECT_EQ(headers["x-amz-content-sha256"], sha256_hex("x"));
  EXPECT_EQ(headers["Authorization"].rfind(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260320/eu-west-2/s3/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
                "x-amz-security-token, Signature=",
                0),
            0U)
      << headers["Authorization"];
  // Another instant, another signature: the date is signed.
  const auto later = sign_request(request, config, time.now + std::chrono::seconds(1));
  ASSERT_TRUE(later.ok());
  EXPECT_NE(later->headers.back().second, signed_request->headers.back().second);
}

TEST(AwsSignRequest, RefusesWhatCannotBeSigned) {
  const FakeTime time;
  const auto config = testing::test_config("http://127.0.0.1:9");
  HttpRequest request;
  request.service = "s3";
  request.url = "http://127.0.0.1:9/b/k?x=1";
  EXPECT_EQ(sign_request(request, config, time.now).error().code, "InvalidArgument");
  request.url = "http://127.0.0.1:9/b/k";
  request.headers = {{"x-amz-meta-a", " "}};
  EXPECT_EQ(sign_request(request, config, time.now).error().code, "InvalidArgument");
}

}  // namespace
}  // namespace dn::aws
