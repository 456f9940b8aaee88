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

TEST(Attributes, NumberReadsOnlyAnIntegerNAttribute) {
  const json item{{"v", num(7)},
                  {"neg", num(-3)},
                  {"s", str("7")},
                  {"frac", json{{"N", "1.5"}}},
                  {"huge", json{{"N", "99999999999999999999"}}},
                  {"empty", json{{"N", ""}}}};
  EXPECT_EQ(number(item, "v"), 7);
  EXPECT_EQ(number(item, "neg"), -3);
  EXPECT_EQ(number(item, "s"), std::nullopt);
  EXPECT_EQ(number(item, "frac"), std::nullopt);
  EXPECT_EQ(number(item, "huge"), std::nullopt);
  EXPECT_EQ(number(item, "empty"), std::nullopt);
  EXPECT_EQ(number(item, "missing"), std::nullopt);
  EXPECT_EQ(number(json::array(), "v"), std::nullopt);
}

}  // namespace
}  // namespace dn::aws::attr
