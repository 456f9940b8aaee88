// Event parsing, secret handling and key naming (no database, no network).
#include <gtest/gtest.h>

#include <stdexcept>

#include "handler.hpp"
#include "load.hpp"

using nlohmann::json;

TEST(LoaderEvent, S3NotificationKeysAreDecoded) {
  const std::string body = R"({"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":
    {"name":"b"},"object":{"key":"incoming/users/My+File%2C1.csv","size":12,"eTag":"abc",
    "versionId":"v1"}}},{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},
    "object":{"key":"x"}}}]})";
  const auto objects = dn::loader::parse_message_body(body);
  ASSERT_EQ(objects.size(), 1U);
  EXPECT_EQ(objects[0].bucket, "b");
  EXPECT_EQ(objects[0].key, "incoming/users/My File,1.csv");
  EXPECT_EQ(objects[0].etag, "abc");
  EXPECT_EQ(objects[0].version_id, "v1");
  EXPECT_EQ(objects[0].size, 12U);
}

TEST(LoaderEvent, EventBridgeObjectCreated) {
  const std::string body = R"({"source":"aws.s3","detail-type":"Object Created","detail":{
    "bucket":{"name":"b"},"object":{"key":"incoming/a+b.csv","etag":"e","version-id":"v"}}})";
  const auto objects = dn::loader::parse_message_body(body);
  ASSERT_EQ(objects.size(), 1U);
  EXPECT_EQ(objects[0].key, "incoming/a+b.csv");  // not form-encoded
  EXPECT_EQ(objects[0].version_id, "v");
}

TEST(LoaderEvent, TestEventNamesNothingAndJunkThrows) {
  EXPECT_TRUE(dn::loader::parse_message_body(R"({"Event":"s3:TestEvent"})").empty());
  EXPECT_THROW((void)dn::loader::parse_message_body("nope"), std::invalid_argument);
  EXPECT_THROW((void)dn::loader::parse_message_body(R"({"a":1})"), std::invalid_argument);
  EXPECT_THROW((void)dn::loader::parse_sqs_event(json::object()), std::invalid_argument);
  const auto messages =
      dn::loader::parse_sqs_event(json{{"Records", {{{"messageId", "m"}, {"body", "[1]"}}}}});
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_FALSE(messages[0].error.empty());
}

TEST(LoaderSecret, MapsToLibpqParameters) {
  const auto p = dn::loader::connection_params(
      R"({"engine":"postgres","host":"h","port":5432,"username":"u","password":"p","dbname":"d"})",
      "verify-full", "/ca.pem", "dn-loader");
  EXPECT_EQ(p.at("host"), "h");
  EXPECT_EQ(p.at("port"), "5432");
  EXPECT_EQ(p.at("user"), "u");
  EXPECT_EQ(p.at("sslmode"), "verify-full");
  EXPECT_EQ(p.at("sslrootcert"), "/ca.pem");
  try {
    (void)dn::loader::connection_params(R"({"host":"h","password":"hunter2"})", "require", "", "x");
    FAIL() << "expected a missing key";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  }
  EXPECT_THROW((void)dn::loader::connection_params(
                   R"({"engine":"mysql","host":"h","username":"u","password":"p","dbname":"d"})",
                   "require", "", "x"),
               std::invalid_argument);
}

TEST(LoaderKeys, RejectsAndOutcomeKeys) {
  const dn::loader::LoaderOptions o;
  EXPECT_EQ(dn::loader::rejects_key_for(o, "incoming/users/a.csv"), "rejected/users/a.csv");
  EXPECT_EQ(dn::loader::rejects_key_for(o, "incoming/users/a.txt"), "rejected/users/a.txt.csv");
  EXPECT_EQ(dn::loader::outcome_key_for(o, "incoming/a.csv"), "loaded/a.csv.json");
  EXPECT_EQ(dn::loader::strip_quotes("\"abc\""), "abc");
}
