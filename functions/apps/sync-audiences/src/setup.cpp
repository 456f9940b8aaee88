#include "setup.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/pg/connect.hpp"
#include "dn/runtime/json_event.hpp"
#include "dynamo.hpp"
#include "pg_store.hpp"
#include "sync.hpp"

namespace dn::sync_audiences {
namespace {

struct Parts {
  std::unique_ptr<aws::Client> client;
  std::unique_ptr<DynamoWriter> writer;
  std::unique_ptr<SqsQueue> queue;
  std::unique_ptr<Handler> sync;
  std::unique_ptr<runtime::JsonEventHandler<Handler>> handler;
};

}  // namespace

runtime::Handler handler_from_env(const runtime::GetenvFn& getenv) {
  const runtime::Env env(getenv);
  const std::string table = env.required("TABLE_NAME");
  const std::string queue_url = env.required("QUEUE_URL");
  const auto db = pg::DbSettings::from_env(env);
  std::string users;
  try {
    users = users_table(env.value_or("USERS_TABLE", "public.users"));
  } catch (const std::invalid_argument&) {
    throw std::runtime_error("USERS_TABLE must be <schema>.<table> or <table>");
  }
  auto rules = audience::parse_segments(env.required("SEGMENTS"));
  if (!rules.ok()) throw std::runtime_error("SEGMENTS is not valid: " + rules.error().text);
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());

  auto parts = std::make_shared<Parts>();
  parts->client = std::make_unique<aws::Client>(std::move(*config), aws::ClientOptions{});
  auto* client = parts->client.get();
  parts->writer = std::make_unique<DynamoWriter>(*client, table);
  parts->queue = std::make_unique<SqsQueue>(*client, queue_url);
  auto connect = [client, db, rules = std::move(*rules), users]() -> std::unique_ptr<Store> {
    // The secret is read for every new connection, so a rotated password is picked up.
    return std::make_unique<PgStore>(pg::params_from_secret(*client, db, "dn-sync-audiences"),
                                     rules, users);
  };
  parts->sync = std::make_unique<Handler>(connect, *parts->writer, *parts->queue);
  parts->handler = std::make_unique<runtime::JsonEventHandler<Handler>>(*parts->sync);
  return runtime::serve(parts);
}

}  // namespace dn::sync_audiences
