#include "get_notifications.hpp"

#include <memory>
#include <stdexcept>
#include <utility>
#include <variant>

#include "dn/aws/config.hpp"
#include "dn/aws/secrets_manager.hpp"
#include "dn/core/api.hpp"
#include "dn/core/cursor.hpp"
#include "dn/runtime/build.hpp"
#include "dn/runtime/log.hpp"

namespace dn::get_notifications {
namespace {

using nlohmann::json;

constexpr std::size_t kMinKeyBytes = 32;

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
  json proxy = json::parse(body);
  proxy["headers"]["X-Build-Id"] = std::string(runtime::build_id());
  return runtime::Response::success(proxy.dump());
}

}  // namespace

runtime::Response Handler::handle(const runtime::Request& request) {
  auto parsed = core::parse_inbox_request(request.payload);
  if (auto* e = std::get_if<core::ApiError>(&parsed)) {
    return respond(e->status, core::error_response(*e),
                   {{"outcome", "rejected"}, {"reason", e->message}});
  }
  const auto& req = std::get<core::InboxRequest>(parsed);
  json log{{"userId", req.user_id}, {"limit", req.limit}};

  std::optional<std::string> start;
  if (req.cursor) {
    auto sk = core::decode_cursor(cursor_key_, req.user_id, *req.cursor);
    if (sk.index() == 1) {
      const core::ApiError e{400, "BadRequest", std::get<1>(sk)};
      log["outcome"] = "rejected";
      log["reason"] = e.message;
      return respond(400, core::error_response(e), log);
    }
    start = std::get<0>(std::move(sk));
  }

  const auto now_epoch =
      std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch()).count();
  auto page =
      table_->query(core::inbox_query(table_name_, req.user_id, req.limit, start, now_epoch));
  if (!page.ok()) {
    log["outcome"] = "error";
    log["error"] = page.error().to_string();  // in the log only, never in the response
    return respond(500, core::internal_error_response(), log);
  }
  if (page->items.empty() && !start) {
    auto profile = table_->query(core::profile_query(table_name_, req.user_id));
    if (!profile.ok()) {
      log["outcome"] = "error";
      log["error"] = profile.error().to_string();
      return respond(500, core::internal_error_response(), log);
    }
    if (profile->items.empty()) {
      log["outcome"] = "unknown-user";
      return respond(404, core::error_response({404, "NotFound", "no such user"}), log);
    }
  }
  std::optional<std::string> next;
  if (page->last_evaluated_key.is_object()) {
    const auto sk = page->last_evaluated_key.find("sk");
    if (sk != page->last_evaluated_key.end() && sk->is_object()) {
      const auto text = sk->find("S");
      if (text != sk->end() && text->is_string()) {
        next = core::encode_cursor(cursor_key_, req.user_id, text->get<std::string>());
      }
    }
  }
  log["outcome"] = "served";
  log["items"] = page->items.size();
  runtime::metrics().add("NotificationsServed", static_cast<double>(page->items.size()));
  return respond(200, core::proxy_response(200, core::inbox_body(req.user_id, page->items, next)),
                 log);
}

runtime::Handler handler_from_env(const GetenvFn& getenv) {
  const runtime::Env env(getenv);
  std::string table_name = env.required("TABLE_NAME");
  const std::string secret_id = env.required("CURSOR_SECRET_ARN");
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());

  struct State {
    std::unique_ptr<aws::Client> client;
    std::unique_ptr<AwsTable> table;
    std::unique_ptr<Handler> handler;
  };
  auto state = std::make_shared<State>();
  state->client = std::make_unique<aws::Client>(std::move(*config));
  auto key = aws::SecretsManager(*state->client).get_secret_value(secret_id);
  if (!key.ok()) throw std::runtime_error("cursor key: " + key.error().to_string());
  if (key->size() < kMinKeyBytes) {
    throw std::runtime_error("cursor key: the secret must hold at least 32 characters");
  }
  state->table = std::make_unique<AwsTable>(*state->client);
  state->handler = std::make_unique<Handler>(std::move(table_name), std::move(*key), *state->table);
  return runtime::serve(state);
}

}  // namespace dn::get_notifications
