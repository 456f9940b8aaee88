#include "dn/runtime/build.hpp"

#ifndef DN_BUILD_ID
#define DN_BUILD_ID "dev"
#endif

namespace dn::runtime {

std::string_view build_id() {
  return DN_BUILD_ID;
}

}  // namespace dn::runtime
