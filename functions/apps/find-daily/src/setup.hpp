// find-daily's start-up: settings from the environment, the time zone file read once, and the
// runtime handler wired to dn_aws.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/core/timezone.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::find_daily {

using runtime::GetenvFn;

// Why `name` is not an acceptable zone name (an IANA name such as "Europe/London": letters,
// digits, '_', '-', '+' and '/', no empty or dot segment), or nullopt.
std::optional<std::string> check_zone_name(std::string_view name);

// Where zone files are looked for: $LAMBDA_TASK_ROOT/zoneinfo (bundled by scripts/package.sh),
// then /usr/share/zoneinfo.
std::vector<std::string> zoneinfo_roots(const GetenvFn& getenv);

// The zone from the first root that has the file; "UTC" needs no file. Throws
// std::runtime_error naming the zone when it is invalid, missing or malformed.
core::TimeZone load_zone(const std::string& name, const std::vector<std::string>& roots);

// The client options find-daily runs with: retries bounded by the deadline, not by a count.
aws::ClientOptions absorbing_client_options();

// Reads TABLE_NAME, QUEUE_URL, TIMEZONE and the AWS configuration; throws std::runtime_error
// (an init error) when one is missing or invalid.
runtime::Handler handler_from_env(
    const GetenvFn& getenv,
    const std::vector<std::string>& ca_candidates = aws::default_ca_candidates(),
    aws::ClientOptions client_options = absorbing_client_options());

}  // namespace dn::find_daily
