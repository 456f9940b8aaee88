#include "setup.hpp"

#include <memory>
#include <stdexcept>
#include <utility>

#include "dynamo.hpp"
#include "find_daily.hpp"

namespace dn::find_daily {
namespace {

struct State {
  std::unique_ptr<aws::Client> client;
  std::unique_ptr<DynamoRunMarkers> markers;
  std::unique_ptr<DynamoDefinitions> definitions;
  std::unique_ptr<DynamoDayNotifications> day;
  std::unique_ptr<SqsQueue> queue;
  std::unique_ptr<Handler> handler;
};

}  // namespace

runtime::Handler handler_from_env(const GetenvFn& getenv,
                                  const std::vector<std::string>& ca_candidates,
                                  aws::ClientOptions client_options) {
  const runtime::Env env(getenv);
  Settings settings{env.required("TABLE_NAME"), env.required("QUEUE_URL"),
                    env.required("TIMEZONE")};
  core::TimeZone zone = load_zone(settings.timezone_name, zoneinfo_roots(getenv));
  auto config = aws::Config::from_env(getenv, ca_candidates);
  if (!config.ok()) throw std::runtime_error(config.error().to_string());

  auto state = std::make_shared<State>();
  state->client = std::make_unique<aws::Client>(std::move(*config), std::move(client_options));
  state->markers = std::make_unique<DynamoRunMarkers>(*state->client, settings.table_name);
  state->definitions = std::make_unique<DynamoDefinitions>(*state->client, settings.table_name);
  state->day = std::make_unique<DynamoDayNotifications>(*state->client, settings.table_name);
  state->queue = std::make_unique<SqsQueue>(*state->client);
  aws::Client* client = state->client.get();
  state->handler = std::make_unique<Handler>(
      std::move(settings), std::move(zone), *state->markers, *state->definitions, *state->day,
      *state->queue,
      [] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); },
      [client](std::chrono::system_clock::time_point at) { client->set_deadline(at); });
  return runtime::serve(state);
}

aws::ClientOptions absorbing_client_options() {
  aws::ClientOptions options;
  // Throttling and 5xx are retried until the invocation's deadline (the handler sets it per
  // phase), not for a fixed handful of attempts.
  options.retry.max_attempts = 1000;
  options.retry.max_delay = std::chrono::milliseconds(2000);
  return options;
}

}  // namespace dn::find_daily
