#include "inbox_response.hpp"

#include "dn/core/api.hpp"
#include "dn/core/schedule.hpp"
#include "dn/runtime/build.hpp"
#include "dn/runtime/log.hpp"
#include "dn/util/json.hpp"

namespace dn::inbox {

using nlohmann::json;

runtime::Response respond(int status, const std::string& body, const json& log_fields) {
  json fields = log_fields;
  fields["status"] = status;
  if (status >= 500) {
    runtime::logger().error("request served", fields);
  } else {
    runtime::logger().info("request served", fields);
  }
  if (status >= 400 && status < 500) runtime::metrics().add("BadRequests", 1);
  // Which build answered: lets a deployment test see that new code serves after a deploy.
  json proxy = dn::util::parse_json_or_throw(body);
  proxy["headers"]["X-Build-Id"] = std::string(runtime::build_id());
  return runtime::Response::success(dn::util::to_json(proxy));
}

runtime::Response rejected(const core::ApiError& error) {
  return respond(error.status, core::error_response(error),
                 {{"outcome", "rejected"}, {"reason", error.message}});
}

Now now_at(core::Instant at) {
  return Now{core::format_timestamp(at), at.time_since_epoch().count()};
}

runtime::Response store_failed(json log, const aws::Error& error) {
  log["outcome"] = "error";
  log["error"] = error.to_string();  // in the log only, never in the response
  return respond(500, core::internal_error_response(), log);
}

}  // namespace dn::inbox
