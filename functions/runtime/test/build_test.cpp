#include "dn/runtime/build.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

// The id comes from the DN_BUILD_ID cache variable; whatever it is, it must be printable and
// short enough for a response header.
TEST(BuildId, IsANonEmptyHeaderSafeToken) {
  const std::string id(dn::runtime::build_id());
  ASSERT_FALSE(id.empty());
  EXPECT_LE(id.size(), 64U);
  for (const char c : id) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ||
                c == '_')
        << "unexpected character in build id: " << id;
  }
}
