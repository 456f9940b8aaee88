#pragma once
// The answer of an inbox route, the same for get-notifications and update-notifications: the
// proxy response with the build id, one "request served" log line, and the BadRequests metric.

#include <nlohmann/json.hpp>
#include <string>

#include "dn/aws/result.hpp"
#include "dn/runtime/runtime.hpp"

namespace dn::inbox {

// `body` is a proxy response (core::proxy_response / error_response); `log_fields` are logged
// with its status.
runtime::Response respond(int status, const std::string& body, const nlohmann::json& log_fields);

// A store call failed: 500 with the generic body; the error goes to the log only.
runtime::Response store_failed(nlohmann::json log, const aws::Error& error);

}  // namespace dn::inbox
