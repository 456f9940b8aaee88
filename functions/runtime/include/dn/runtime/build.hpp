// Identity of the build a function runs (CMake cache variable DN_BUILD_ID, set by
// `make package`): reported in responses and logs so a deployment can be traced to its code.
#pragma once

#include <string_view>

namespace dn::runtime {

std::string_view build_id();

}  // namespace dn::runtime
