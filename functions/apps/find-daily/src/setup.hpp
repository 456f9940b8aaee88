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
#include "zoneinfo.hpp"

namespace dn::find_daily {

using runtime::GetenvFn;

// The zone loading, shared with manage-notifications (apps/zoneinfo).
using zoneinfo::check_zone_name;
using zoneinfo::load_zone;
using zoneinfo::zoneinfo_roots;

// The client options find-daily runs with: retries bounded by the deadline, not by a count.
aws::ClientOptions absorbing_client_options();

// Reads TABLE_NAME, QUEUE_URL, TIMEZONE and the AWS configuration; throws std::runtime_error
// (an init error) when one is missing or invalid.
runtime::Handler handler_from_env(
    const GetenvFn& getenv,
    const std::vector<std::string>& ca_candidates = aws::default_ca_candidates(),
    aws::ClientOptions client_options = absorbing_client_options());

}  // namespace dn::find_daily
