#include "update_notifications.hpp"

#include <memory>
#include <utility>
#include <variant>

#include "dn/runtime/log.hpp"
#include "inbox_parts.hpp"
#include "inbox_response.hpp"

namespace dn::update_notifications {
namespace {

using nlohmann::json;

using inbox::respond;
using inbox::store_failed;

bool near_deadline(const runtime::Request& request, std::chrono::milliseconds reserve) {
  // Measured against the working deadline (where the AWS calls stop), so a page started here
  // still has `reserve` for its query and its transaction. No deadline (a direct call outside
  // Lambda): nothing stops the loop but the end of the work.
  const auto working = runtime::working_deadline(request);
  if (!working) return false;
  return *working - std::chrono::system_clock::now() < reserve;
}

}  // namespace

runtime::Response Handler::handle(const runtime::Request& request) {
  return inbox::answer(
      core::parse_write_request(request.payload), clock_,
      [this](const core::StateRequest& req, const inbox::Now& now) { return patch(req, now); },
      [&](const core::ReadAllRequest& req, const inbox::Now& now) {
        return read_all(req, now, request);
      });
}

runtime::Response Handler::patch(const core::StateRequest& req, const inbox::Now& now) {
  const auto id = core::record_id(req.record.date, req.record.notification_id);
  json log{{"route", "patch"},
           {"userId", req.user_id},
           {"id", id},
           {"change", core::change_name(req.change)}};
  auto applied = store_->apply(req.user_id, req.record, req.change, now);
  if (!applied.ok()) return store_failed(log, applied.error());
  switch (applied->kind) {
    case inbox::Applied::Kind::not_found:
      log["outcome"] = "not-found";
      return respond(404, core::error_response({404, "NotFound", "no such notification"}), log);
    case inbox::Applied::Kind::conflict:
      log["outcome"] = "conflict";
      return respond(409, core::error_response({409, "Conflict", applied->reason}), log);
    case inbox::Applied::Kind::applied:
      break;
  }
  log["outcome"] = applied->changed ? "changed" : "unchanged";
  runtime::metrics().add("StateChanges", applied->changed ? 1 : 0);
  return respond(200,
                 core::proxy_response(200, core::state_body(req.user_id, req.record, applied->state,
                                                            applied->changed)),
                 log);
}

runtime::Response Handler::read_all(const core::ReadAllRequest& req, const inbox::Now& now,
                                    const runtime::Request& request) {
  json log{{"route", "read-all"}, {"userId", req.user_id}};
  long long marked = 0;
  int pages = 0;
  bool complete = true;
  bool saw_any = false;
  std::optional<std::string> start;
  for (;;) {
    if (near_deadline(request, settings_.reserve)) {
      complete = false;
      break;
    }
    auto page = store_->unread_page(req.user_id, settings_.page_size, start, now);
    if (!page.ok()) return store_failed(log, page.error());
    ++pages;
    saw_any = saw_any || !page->sks.empty();
    if (!page->sks.empty()) {
      auto done = store_->mark_read(req.user_id, page->sks, now);
      if (!done.ok()) {
        log["markedRead"] = marked;
        return store_failed(log, done.error());
      }
      marked += *done;
    }
    if (!page->next_sk) break;
    start = page->next_sk;
  }
  if (!saw_any && complete) {
    auto exists = store_->user_exists(req.user_id);
    if (!exists.ok()) return store_failed(log, exists.error());
    if (!*exists) {
      log["outcome"] = "unknown-user";
      return respond(404, core::error_response({404, "NotFound", "no such user"}), log);
    }
  }
  log["outcome"] = complete ? "done" : "partial";
  log["markedRead"] = marked;
  log["pages"] = pages;
  runtime::metrics().add("MarkedRead", static_cast<double>(marked));
  return respond(200, core::proxy_response(200, core::read_all_body(req.user_id, marked, complete)),
                 log);
}

runtime::Handler handler_from_env(const GetenvFn& getenv) {
  const runtime::Env env(getenv);
  auto parts = inbox::parts_from_env<Handler>(getenv, env.required("TABLE_NAME"));
  parts->handler = std::make_unique<Handler>(Settings{}, *parts->inbox, inbox::system_now);
  return runtime::serve(parts);
}

}  // namespace dn::update_notifications
