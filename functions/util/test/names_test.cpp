#include "dn/util/names.hpp"

#include <gtest/gtest.h>

namespace dn::util {
namespace {

enum class Colour { red, green, blue };

constexpr auto kColours = std::to_array<Name<Colour>>(
    {{Colour::red, "red"}, {Colour::green, "green"}, {Colour::blue, "blue"}});

TEST(UtilNames, NameOfAndValueNamedAreInverse) {
  for (const auto& n : kColours) {
    EXPECT_EQ(name_of(kColours, n.value), n.text);
    EXPECT_EQ(value_named(kColours, n.text), n.value);
  }
}

TEST(UtilNames, AnUnknownNameHasNoValueAndAValueOutsideTheTableTakesTheFirstName) {
  EXPECT_EQ(value_named(kColours, "Red"), std::nullopt);
  EXPECT_EQ(value_named(kColours, ""), std::nullopt);
  EXPECT_EQ(name_of(kColours, static_cast<Colour>(7)), "red");
}

static_assert(name_of(kColours, Colour::blue) == "blue");

}  // namespace
}  // namespace dn::util
