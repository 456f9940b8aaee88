#include "dn/util/json.hpp"

#include <gtest/gtest.h>

namespace dn::util {
namespace {

TEST(Json, ParsesAnObject) {
  const auto j = parse_json(R"({"a":[1,"x"]})");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.at("a").at(1), "x");
}

TEST(Json, TextThatIsNotJsonIsDiscardedWithoutThrowing) {
  EXPECT_TRUE(parse_json("{\"a\":").is_discarded());
  EXPECT_TRUE(parse_json("").is_discarded());
}

TEST(Json, TheThrowingParserNamesWhereItFailed) {
  try {
    (void)parse_json_or_throw("{\"a\" 1}");
    FAIL() << "no exception";
  } catch (const nlohmann::json::parse_error& e) {
    EXPECT_EQ(e.byte, 6U);
  }
}

TEST(Json, WritesCompactJson) {
  EXPECT_EQ(to_json(nlohmann::json{{"b", 1}, {"a", "é"}}), R"({"a":"é","b":1})");
}

TEST(Json, StrictWritingRefusesInvalidUtf8) {
  EXPECT_THROW((void)to_json(nlohmann::json("\xff")), nlohmann::json::type_error);
}

TEST(Json, LossyWritingReplacesInvalidUtf8AndKeepsTheOrderOfOrderedJson) {
  EXPECT_EQ(to_json_lossy(nlohmann::json("a\xff")), "\"a\xEF\xBF\xBD\"");
  nlohmann::ordered_json o;
  o["z"] = 1;
  o["a"] = "b\xfe";
  EXPECT_EQ(to_json_lossy(o), "{\"z\":1,\"a\":\"b\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace dn::util
