#include "dn/aws/encoding.hpp"

#include <gtest/gtest.h>

namespace dn::aws {
namespace {

TEST(AwsEncoding, UriEncodeKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(uri_encode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b+c=d&e/f", false), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(uri_encode("*!'()", false), "%2A%21%27%28%29");
  EXPECT_EQ(uri_encode("", true), "");
}

TEST(AwsEncoding, UriEncodeS3KeyKeepsSlashAndEncodesUtf8UpperHex) {
  EXPECT_EQ(uri_encode("reports/2026 Q1/na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.csv", true),
            "reports/2026%20Q1/na%C3%AFve%20r%C3%A9sum%C3%A9.csv");
  EXPECT_EQ(uri_encode("a//b/", true), "a//b/");
  EXPECT_EQ(uri_encode("%41", true), "%2541");  // an already-encoded key is encoded again
}

TEST(AwsEncoding, CanonicalQuerySortsEncodedPairsWithEqualsEverywhere) {
  EXPECT_EQ(canonical_query({}), "");
  EXPECT_EQ(canonical_query({{"prefix", "reports/2026 Q1/"}, {"list-type", "2"}, {"acl", ""}}),
            "acl=&list-type=2&prefix=reports%2F2026%20Q1%2F");
  // Sorted by key, then by value for repeated keys; after encoding (%20 < %2B).
  EXPECT_EQ(canonical_query({{"k", "b"}, {"k", "a"}, {"a+b", "1"}, {"a b", "2"}}),
            "a%20b=2&a%2Bb=1&k=a&k=b");
}

TEST(AwsEncoding, Sha256HexMatchesKnownDigests) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AwsEncoding, SignableHeadersRejectBlankInjectedDuplicateAndReserved) {
  EXPECT_TRUE(check_signable_headers({{"Content-Type", "text/csv"}, {"X-Amz-Target", "T"}}).ok());
  const auto blank = check_signable_headers({{"x-amz-meta-a", "  "}});
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.error().code, "InvalidArgument");
  EXPECT_NE(blank.error().message.find("blank"), std::string::npos);
  EXPECT_FALSE(check_signable_headers({{"x-a", "1\r\nx-b: 2"}}).ok());
  EXPECT_FALSE(check_signable_headers({{"Bad Name", "1"}}).ok());
  EXPECT_FALSE(check_signable_headers({{"X-A", "1"}, {"x-a", "2"}}).ok());
  EXPECT_FALSE(check_signable_headers({{"Authorization", "x"}}).ok());
  EXPECT_FALSE(check_signable_headers({{"X-Amz-Security-Token", "x"}}).ok());
}

// The "get-vanilla" case of AWS's published SigV4 test suite.
TEST(AwsEncoding, SigV4AuthorizationMatchesAwsTestSuiteVector) {
  const std::vector<std::pair<std::string, std::string>> headers;
  const SigV4Input in{"GET",
                      "example.amazonaws.com",
                      "/",
                      "",
                      &headers,
                      sha256_hex(""),
                      "20150830T123600Z",
                      "us-east-1",
                      "service",
                      "AKIDEXAMPLE",
                      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
  EXPECT_EQ(sigv4_authorization(in),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  // Any change to a signed part changes the signature.
  SigV4Input other = in;
  other.path = "/x";
  EXPECT_NE(sigv4_authorization(other), sigv4_authorization(in));
}

}  // namespace
}  // namespace dn::aws
