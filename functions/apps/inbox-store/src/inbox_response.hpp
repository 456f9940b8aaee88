#pragma once
// The answer of an inbox route, the same for get-notifications and update-notifications: the
// proxy response with the build id, one "request served" log line, and the BadRequests metric.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <variant>

#include "dn/aws/result.hpp"
#include "dn/core/api.hpp"
#include "dn/core/timezone.hpp"
#include "dn/runtime/runtime.hpp"
#include "inbox_store.hpp"

namespace dn::inbox {

// `body` is a proxy response (core::proxy_response / error_response); `log_fields` are logged
// with its status.
runtime::Response respond(int status, const std::string& body, const nlohmann::json& log_fields);

// A request the route refused: its 4xx with the reason, logged as rejected.
runtime::Response rejected(const core::ApiError& error);

// The time of a request, `at`, as the store compares it.
Now now_at(core::Instant at);

// Calls of several shapes as one callable (for std::visit).
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;  // (clang before 17 deduces no aggregate's arguments)

// The answer to a parsed request (core::Refusable of a std::variant of the route's requests): a
// refused one is rejected, any other goes to the one of `routes` that takes it, with the time of
// `clock` (read only for a request that is not refused).
template <class Request, class... Routes>
runtime::Response answer(const core::Refusable<Request>& parsed,
                         const std::function<core::Instant()>& clock, Routes... routes) {
  if (!parsed.ok()) return rejected(parsed.error());
  const Overloaded route{std::move(routes)...};
  return std::visit([&](const auto& request) { return route(request, now_at(clock())); }, *parsed);
}

// A store call failed: 500 with the generic body; the error goes to the log only.
runtime::Response store_failed(nlohmann::json log, const aws::Error& error);

}  // namespace dn::inbox
