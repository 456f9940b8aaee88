// The get-notifications handler over one port (dn::inbox::Reader), so its flow is tested with an
// in-memory fake; parsing, the cursor and the responses live in dn/core/{api,cursor}.hpp.
//
// GET /users/{userId}/notifications?status=&limit=&cursor=: parse and validate (4xx with a
// reason) -> verify the cursor, bound to the user and the status (400 if forged, tampered, or
// issued for another user or status) -> one Query of the status's index partition, newest first
// -> when the first page is empty, a second Query on USER#<id>/PROFILE tells an unknown user
// (404) from an empty inbox (200, no items).
// GET /users/{userId}/notifications/count: one bounded COUNT Query of the unread partition.
// A store failure is a 500 whose body carries no internal detail.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "dn/core/timezone.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"
#include "inbox_store.hpp"

namespace dn::get_notifications {

using ClockFn = std::function<core::Instant()>;

class Handler {
 public:
  Handler(std::string cursor_key, inbox::Reader& reader, ClockFn clock)
      : cursor_key_(std::move(cursor_key)), reader_(&reader), clock_(std::move(clock)) {}

  // Always a proxy response (never an invocation error), so API Gateway returns our status.
  runtime::Response handle(const runtime::Request& request);

 private:
  runtime::Response list(const core::InboxRequest& req, const inbox::Now& now);
  runtime::Response count(const core::CountRequest& req, const inbox::Now& now);

  std::string cursor_key_;
  inbox::Reader* reader_;
  ClockFn clock_;
};

using runtime::GetenvFn;

// Reads TABLE_NAME, CURSOR_SECRET_ARN, fetches the cursor key from Secrets Manager and the AWS
// configuration; throws std::runtime_error (an init error) when one is missing or invalid.
runtime::Handler handler_from_env(const GetenvFn& getenv);

}  // namespace dn::get_notifications
