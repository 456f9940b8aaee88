// The manage-notifications handler (the admin API) over one port (DefinitionStore), so its flow is
// tested with an in-memory fake; the routes, the rules and the bodies live in
// dn/core/{admin_api,authoring}.hpp.
//
// PUT /admin/notifications/{id}: parse_definition against the configured segments and today in
// TIMEZONE (400 with the reason) -> a one date whose day is frozen is 409 -> read the stored
// version -> write version + 1 (createdAt kept); a one date's write is a transaction with the
// FROZEN check, so a freeze racing the PUT is a 409 too. 201 for a new id, 200 for an update.
// GET /admin/notifications?date=: a frozen day's copies, else the definitions occurring that day
// plus the day's items already stored. DELETE: 200, or 404 for an unknown id.
// A store failure is a 500 whose body carries no internal detail.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "definition_store.hpp"
#include "dn/core/admin_api.hpp"
#include "dn/core/timezone.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::manage_notifications {

using ClockFn = std::function<core::Instant()>;

// How many times a PUT reads and writes a definition that keeps changing under it before it
// answers 409.
inline constexpr int kMaxPutRounds = 3;

class Handler {
 public:
  Handler(std::vector<std::string> segments, core::TimeZone zone, DefinitionStore& store,
          ClockFn clock)
      : segments_(std::move(segments)),
        zone_(std::move(zone)),
        store_(&store),
        clock_(std::move(clock)) {}

  // Always a proxy response (never an invocation error), so API Gateway returns our status.
  runtime::Response handle(const runtime::Request& request);

 private:
  runtime::Response put(const core::PutDefinitionRequest& req, core::Instant now);
  runtime::Response list(const core::ListDayRequest& req);
  runtime::Response remove(const core::DeleteDefinitionRequest& req);

  std::vector<std::string> segments_;
  core::TimeZone zone_;
  DefinitionStore* store_;
  ClockFn clock_;
};

using runtime::GetenvFn;

// Reads TABLE_NAME, TIMEZONE (its zone file), SEGMENTS and the AWS configuration; throws
// std::runtime_error (an init error) naming the variable when one is missing or invalid.
runtime::Handler handler_from_env(const GetenvFn& getenv);

}  // namespace dn::manage_notifications
