// The update-notifications handler over one port (dn::inbox::StateWriter), so its flow is tested
// with an in-memory fake; the state rules live in dn/core/inbox_state.hpp.
//
// PATCH /users/{userId}/notifications/{id} {"read":bool} | {"archived":bool}: one conditional
// write of the user's record -> 200 with the state after it (idempotent: "changed" says whether
// this call changed anything), 404 when the user has no such record (an id of another user's
// record changes nothing), 409 when the change contradicts the state (unread while archived).
// POST /users/{userId}/notifications/read-all: pages of the unread index, each page marked read
// with one transaction, until none is left or the invocation nears its deadline (then
// "complete": false; repeating the call goes on).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "dn/core/api.hpp"
#include "dn/core/timezone.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"
#include "inbox_store.hpp"

namespace dn::update_notifications {

using ClockFn = std::function<core::Instant()>;

struct Settings {
  int page_size = 100;  // unread records per page (one TransactWriteItems each)
  // Stop starting new pages when less than this is left before the deadline.
  std::chrono::milliseconds reserve{2000};
};

class Handler {
 public:
  Handler(Settings settings, inbox::StateWriter& store, ClockFn clock)
      : settings_(settings), store_(&store), clock_(std::move(clock)) {}

  // Always a proxy response (never an invocation error), so API Gateway returns our status.
  runtime::Response handle(const runtime::Request& request);

 private:
  runtime::Response patch(const core::StateRequest& req, const inbox::Now& now);
  runtime::Response read_all(const core::ReadAllRequest& req, const inbox::Now& now,
                             const runtime::Request& request);

  Settings settings_;
  inbox::StateWriter* store_;
  ClockFn clock_;
};

using runtime::GetenvFn;

// Reads TABLE_NAME and the AWS configuration; throws std::runtime_error (an init error) when
// one is missing or invalid.
runtime::Handler handler_from_env(const GetenvFn& getenv);

}  // namespace dn::update_notifications
