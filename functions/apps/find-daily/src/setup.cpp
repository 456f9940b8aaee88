#include "setup.hpp"

#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <utility>

#include "dynamo.hpp"
#include "find_daily.hpp"

namespace dn::find_daily {
namespace {

constexpr std::size_t kMaxZoneName = 128;
constexpr std::streamsize kMaxZoneFile = 1 << 20;  // real files are < 4 KB
// The file's bytes, or nullopt when it cannot be opened.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(static_cast<std::size_t>(kMaxZoneFile) + 1, '\0');
  in.read(data.data(), kMaxZoneFile + 1);
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

struct State {
  std::unique_ptr<aws::Client> client;
  std::unique_ptr<DynamoRunMarkers> markers;
  std::unique_ptr<DynamoDefinitions> definitions;
  std::unique_ptr<DynamoDayNotifications> day;
  std::unique_ptr<SqsQueue> queue;
  std::unique_ptr<Handler> handler;
};

}  // namespace

std::optional<std::string> check_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneName) {
    return std::string("TIMEZONE must be an IANA zone name such as Europe/London");
  }
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      const auto segment = name.substr(segment_start, i - segment_start);
      if (segment.empty() || segment.front() == '.') {
        return std::string("TIMEZONE must be an IANA zone name such as Europe/London");
      }
      segment_start = i + 1;
      continue;
    }
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) return std::string("TIMEZONE must be an IANA zone name such as Europe/London");
  }
  return std::nullopt;
}

std::vector<std::string> zoneinfo_roots(const GetenvFn& getenv) {
  std::vector<std::string> roots;
  if (const char* task_root = getenv("LAMBDA_TASK_ROOT"); task_root != nullptr && *task_root) {
    roots.push_back(std::string(task_root) + "/zoneinfo");
  }
  roots.emplace_back("/usr/share/zoneinfo");
  return roots;
}

core::TimeZone load_zone(const std::string& name, const std::vector<std::string>& roots) {
  if (auto reason = check_zone_name(name)) throw std::runtime_error(*reason + ": " + name);
  for (const auto& root : roots) {
    std::string path = root;
    path += '/';
    path += name;
    const auto data = read_file(path);
    if (!data) continue;
    auto zone = core::TimeZone::from_tzif(*data);
    if (!zone.ok()) {
      std::string message = "TIMEZONE ";
      message += name;
      message += ": ";
      message += path;
      message += ": ";
      message += zone.error().text;
      throw std::runtime_error(message);
    }
    return std::move(zone).value();
  }
  if (name == "UTC") return core::TimeZone::utc();
  throw std::runtime_error("TIMEZONE " + name + ": no such zone file");
}

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
