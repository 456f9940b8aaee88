#include "setup.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "contracts.hpp"
#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/aws/s3.hpp"
#include "dn/pg/connect.hpp"
#include "dn/runtime/json_event.hpp"
#include "dn/runtime/log.hpp"
#include "handler.hpp"
#include "pg.hpp"

namespace dn::loader {
namespace {

std::uint64_t u64_or(const runtime::Env& env, const char* name, std::uint64_t fallback) {
  const std::string text = env.value_or(name, "");
  try {
    return text.empty() ? fallback : std::stoull(text);
  } catch (const std::exception&) {
    throw std::runtime_error(std::string(name) + " must be a whole number");
  }
}

struct Parts {
  std::unique_ptr<aws::Client> client;
  std::unique_ptr<Contracts> contracts;
  std::unique_ptr<Connection> connection;
  std::unique_ptr<Handler> loader;
  std::unique_ptr<runtime::JsonEventHandler<Handler>> handler;
};

}  // namespace

runtime::Handler handler_from_env(const runtime::GetenvFn& getenv) {
  const runtime::Env env(getenv);
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());
  const auto db = pg::DbSettings::from_env(env);
  const std::string kms_key = env.value_or("KMS_KEY_ID", "");

  aws::ClientOptions client_options;
  client_options.request_timeout = std::chrono::milliseconds(
      u64_or(env, "HTTP_REQUEST_TIMEOUT_MS", client_options.request_timeout.count()));
  LoaderOptions options;
  options.default_dataset = env.value_or("DEFAULT_DATASET", "users");
  options.max_object_bytes = u64_or(env, "MAX_OBJECT_BYTES", 0);
  HandlerOptions handler_options;
  handler_options.run_migrations = env.value_or("RUN_MIGRATIONS", "true") == "true";

  auto parts = std::make_shared<Parts>();
  // Contracts and migrations ship in the zip (data/ beside the bootstrap executable).
  const auto beside_exe = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "data";
  parts->contracts = std::make_unique<Contracts>(
      Contracts::from_directory(env.value_or("DATA_DIR", beside_exe.string())));
  for (const auto& [dataset, error] : parts->contracts->errors()) {
    runtime::logger().error("dataset contract unusable; its files will be rejected",
                            {{"dataset", dataset}, {"error", error}});
  }
  parts->client = std::make_unique<aws::Client>(std::move(*config), client_options);
  auto* client = parts->client.get();
  parts->connection = std::make_unique<Connection>([=]() -> std::unique_ptr<Store> {
    // Fetched for every new connection, so a rotated password is picked up.
    return std::make_unique<PgStore>(pg::params_from_secret(*client, db, "dn-loader"));
  });

  auto fetch = [client](const ObjectRef& o, const std::function<bool(std::string_view)>& on_chunk) {
    return aws::S3(*client).get_object(o.bucket, o.key, on_chunk, std::nullopt, o.version_id);
  };
  auto put = [client, kms_key](const std::string& bucket, const std::string& key,
                               std::string_view body,
                               const std::string& type) -> aws::Result<void> {
    aws::Headers headers{{"Content-Type", type}, {"x-amz-server-side-encryption", "aws:kms"}};
    if (!kms_key.empty())
      headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", kms_key);
    auto r = aws::S3(*client).put_object(bucket, key, body, headers);
    if (!r.ok()) return r.error();
    return {};
  };
  parts->loader = std::make_unique<Handler>(*parts->contracts, options, *parts->connection, fetch,
                                            put, handler_options);
  parts->handler = std::make_unique<runtime::JsonEventHandler<Handler>>(*parts->loader);
  return runtime::serve(parts);
}

}  // namespace dn::loader
