// A function's configured time zone, read once at init: the IANA name checked, then its TZif
// file from the bundled zoneinfo folder or the system's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/timezone.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::zoneinfo {

// Why `name` is not an acceptable zone name (an IANA name such as "Europe/London": letters,
// digits, '_', '-', '+' and '/', no empty or dot segment), or nullopt.
std::optional<std::string> check_zone_name(std::string_view name);

// Where zone files are looked for: $LAMBDA_TASK_ROOT/zoneinfo (bundled by scripts/package.sh),
// then /usr/share/zoneinfo.
std::vector<std::string> zoneinfo_roots(const runtime::GetenvFn& getenv);

// The zone from the first root that has the file; "UTC" needs no file. Throws
// std::runtime_error naming the zone when it is invalid, missing or malformed.
core::TimeZone load_zone(const std::string& name, const std::vector<std::string>& roots);

}  // namespace dn::zoneinfo
