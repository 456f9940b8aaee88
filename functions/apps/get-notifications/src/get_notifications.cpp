#include "get_notifications.hpp"

#include <memory>
#include <stdexcept>
#include <utility>
#include <variant>

#include "dn/aws/secrets_manager.hpp"
#include "dn/core/api.hpp"
#include "dn/core/cursor.hpp"
#include "dn/runtime/log.hpp"
#include "inbox_parts.hpp"
#include "inbox_response.hpp"

namespace dn::get_notifications {
namespace {

using nlohmann::json;

constexpr std::size_t kMinKeyBytes = 32;

using inbox::respond;
using inbox::store_failed;

runtime::Response unknown_user(json log) {
  log["outcome"] = "unknown-user";
  return respond(404, core::error_response({404, "NotFound", "no such user"}), log);
}

}  // namespace

runtime::Response Handler::handle(const runtime::Request& request) {
  return inbox::answer(
      core::parse_read_request(request.payload), clock_,
      [this](const core::InboxRequest& req, const inbox::Now& now) { return list(req, now); },
      [this](const core::CountRequest& req, const inbox::Now& now) { return count(req, now); });
}

runtime::Response Handler::list(const core::InboxRequest& req, const inbox::Now& now) {
  json log{{"route", "list"},
           {"userId", req.user_id},
           {"status", core::filter_name(req.filter)},
           {"limit", req.limit}};
  std::optional<std::string> start;
  if (req.cursor) {
    auto sk = core::decode_cursor(cursor_key_, req.user_id, req.filter, *req.cursor);
    if (!sk.ok()) {
      const core::ApiError e{400, "BadRequest", sk.error().text};
      log["outcome"] = "rejected";
      log["reason"] = e.message;
      return respond(400, core::error_response(e), log);
    }
    start = *std::move(sk);
  }
  auto page = reader_->list(req.user_id, req.filter, req.limit, start, now);
  if (!page.ok()) return store_failed(log, page.error());
  if (page->records.empty() && !start && !page->next_sk) {
    auto exists = reader_->user_exists(req.user_id);
    if (!exists.ok()) return store_failed(log, exists.error());
    if (!*exists) return unknown_user(log);
  }
  std::optional<std::string> next;
  if (page->next_sk)
    next = core::encode_cursor(cursor_key_, req.user_id, req.filter, *page->next_sk);
  log["outcome"] = "served";
  log["items"] = page->records.size();
  runtime::metrics().add("NotificationsServed", static_cast<double>(page->records.size()));
  return respond(
      200,
      core::proxy_response(200, core::inbox_body(req.user_id, req.filter, page->records, next)),
      log);
}

runtime::Response Handler::count(const core::CountRequest& req, const inbox::Now& now) {
  json log{{"route", "count"}, {"userId", req.user_id}};
  auto tally = reader_->count_unread(req.user_id, core::kUnreadCountCap + 1, now);
  if (!tally.ok()) return store_failed(log, tally.error());
  const auto result = core::unread_count(tally->counted, tally->more);
  if (result.count == 0 && result.exact) {
    auto exists = reader_->user_exists(req.user_id);
    if (!exists.ok()) return store_failed(log, exists.error());
    if (!*exists) return unknown_user(log);
  }
  log["outcome"] = "served";
  log["unreadCount"] = result.count;
  log["exact"] = result.exact;
  return respond(200, core::proxy_response(200, core::count_body(req.user_id, result)), log);
}

runtime::Handler handler_from_env(const GetenvFn& getenv) {
  const runtime::Env env(getenv);
  std::string table_name = env.required("TABLE_NAME");
  const std::string secret_id = env.required("CURSOR_SECRET_ARN");
  auto parts = inbox::parts_from_env<Handler>(getenv, std::move(table_name));
  auto key = aws::SecretsManager(*parts->client).get_secret_value(secret_id);
  if (!key.ok()) throw std::runtime_error("cursor key: " + key.error().to_string());
  if (key->size() < kMinKeyBytes) {
    throw std::runtime_error("cursor key: the secret must hold at least 32 characters");
  }
  parts->handler = std::make_unique<Handler>(std::move(*key), *parts->inbox, inbox::system_now);
  return runtime::serve(parts);
}

}  // namespace dn::get_notifications
