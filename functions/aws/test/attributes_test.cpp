#include "dn/aws/attributes.hpp"

#include <gtest/gtest.h>

namespace dn::aws::attr {
namespace {

using nlohmann::json;

TEST(Attributes, WritesTheWireForms) {
  EXPECT_EQ(str("USER#1"), json::parse(R"({"S":"USER#1"})"));
  EXPECT_EQ(num(-42), json::parse(R"({"N":"-42"})"));
}

TEST(Attributes, TextReadsOnlyAnSAttributeOfAnObject) {
  const json item{{"pk", str("DAY#2026-11-24")}, {"hop", num(3)}, {"odd", "plain"}};
  ASSERT_NE(text(item, "pk"), nullptr);
  EXPECT_EQ(*text(item, "pk"), "DAY#2026-11-24");
  EXPECT_EQ(text(item, "hop"), nullptr);      // an N
  EXPECT_EQ(text(item, "odd"), nullptr);      // not an AttributeValue
  EXPECT_EQ(text(item, "missing"), nullptr);  // absent
  EXPECT_EQ(text(json::array({item}), "pk"), nullptr);
  EXPECT_EQ(text(json(nullptr), "pk"), nullptr);
}

}  // namespace
}  // namespace dn::aws::attr
