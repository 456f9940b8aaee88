// generate's start-up: settings from the environment and the handler wired to dn_aws.
#include <memory>
#include <stdexcept>
#include <utility>

#include "dn/aws/config.hpp"
#include "dynamo.hpp"
#include "generate.hpp"

namespace dn::generate {
namespace {

// BatchWriteItem calls of a page in flight at once: a page's 10 calls in 3 rounds. Each call
// writes to 25 different users' partitions, so 100 items at once stay far below a table's
// throughput (docs/ASSUMPTIONS.md); more would only add connections.
constexpr int kWritesInFlight = 4;

}  // namespace

runtime::Handler handler_from_env(const GetenvFn& getenv) {
  const runtime::Env env(getenv);
  Settings settings;
  settings.table_name = env.required("TABLE_NAME");
  settings.queue_url = env.required("QUEUE_URL");
  settings.inbox_ttl_days = env.positive_int("INBOX_TTL_DAYS", 90, 3650);
  settings.max_pages = env.positive_int("MAX_PAGES_PER_INVOCATION", 5, 1000);
  settings.page_size = env.positive_int("AUDIENCE_PAGE_SIZE", settings.page_size, 1000);
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());

  aws::ClientOptions options;
  // Throttling and 5xx are retried until the phase's deadline (the handler sets it), not for a
  // fixed handful of attempts: what is left is handed over with its progress.
  options.retry.max_attempts = 1000;
  options.retry.max_delay = std::chrono::milliseconds(2000);

  struct State {
    CallTimes times;
    std::unique_ptr<aws::Client> client;
    std::unique_ptr<DynamoNotifications> notifications;
    std::unique_ptr<DynamoAudience> audience;
    std::unique_ptr<DynamoInbox> inbox;
    std::unique_ptr<DynamoChains> chains;
    std::unique_ptr<SqsQueue> queue;
    std::unique_ptr<Handler> handler;
  };
  auto state = std::make_shared<State>();
  state->client = std::make_unique<aws::Client>(std::move(*config), std::move(options));
  const std::string& table = settings.table_name;
  CallTimes* times = &state->times;
  state->notifications = std::make_unique<DynamoNotifications>(*state->client, table, times);
  // The audience has a client of its own, so the next page is fetched while the writes run.
  state->audience = std::make_unique<DynamoAudience>(
      *state->client, table, times,
      std::make_unique<aws::Client>(state->client->config(), state->client->options()));
  state->inbox = std::make_unique<DynamoInbox>(*state->client, table, times, kWritesInFlight);
  settings.prefetch = true;
  state->chains = std::make_unique<DynamoChains>(*state->client, table, times);
  state->queue = std::make_unique<SqsQueue>(*state->client, times);
  const Ports ports{state->notifications.get(), state->audience.get(), state->inbox.get(),
                    state->chains.get(),        state->queue.get(),    times};
  aws::Client* client = state->client.get();
  state->handler = std::make_unique<Handler>(
      std::move(settings), ports,
      [client](std::chrono::system_clock::time_point at) { client->set_deadline(at); });
  return runtime::serve(state);
}

}  // namespace dn::generate
