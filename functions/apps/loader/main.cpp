// The loader Lambda: configuration and the database secret at init (plus migrations), then one
// Handler call per SQS batch.
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/aws/s3.hpp"
#include "dn/aws/secrets_manager.hpp"
#include "dn/runtime/log.hpp"
#include "dn/runtime/runtime.hpp"
#include "embedded.hpp"
#include "handler.hpp"

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at init
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

struct State {
  std::unique_ptr<dn::aws::Client> client;
  std::unique_ptr<dn::loader::Connection> connection;
  std::unique_ptr<dn::loader::Handler> handler;
};

}  // namespace

int main() {
  return dn::runtime::run_with_init([]() -> dn::runtime::Handler {
    auto config = dn::aws::Config::from_env();
    if (!config.ok()) throw std::runtime_error(config.error().to_string());
    const std::string secret_arn = env_or("DB_SECRET_ARN", "");
    if (secret_arn.empty()) throw std::runtime_error("DB_SECRET_ARN is not set");
    const std::string sslmode = env_or("DB_SSLMODE", "verify-full");
    if (sslmode != "verify-full" && sslmode != "verify-ca" && sslmode != "require") {
      throw std::runtime_error("DB_SSLMODE must be verify-full, verify-ca or require");
    }
    const std::string sslrootcert = env_or("DB_SSLROOTCERT", "");
    const std::string kms_key = env_or("KMS_KEY_ID", "");

    auto state = std::make_shared<State>();
    state->client = std::make_unique<dn::aws::Client>(std::move(*config));
    auto* client = state->client.get();
    state->connection = std::make_unique<dn::loader::Connection>([=] {
      // Fetched for every new connection, so a rotated password is picked up.
      auto secret = dn::aws::SecretsManager(*client).get_secret_value(secret_arn);
      if (!secret.ok()) throw std::runtime_error("database secret: " + secret.error().to_string());
      return dn::loader::connection_params(*secret, sslmode, sslrootcert, "dn-loader");
    });

    dn::loader::LoaderOptions options;
    options.default_dataset = env_or("DEFAULT_DATASET", "users");
    dn::loader::Loader loader(dn::loader::embedded_contracts(), options);
    if (env_or("RUN_MIGRATIONS", "true") == "true") {
      const auto applied =
          dn::loader::apply_migrations(state->connection->get(), dn::loader::embedded_migrations());
      dn::runtime::logger().info("migrations checked", {{"applied", applied}});
    }

    auto fetch = [client](const dn::loader::ObjectRef& o,
                          const std::function<bool(std::string_view)>& on_chunk) {
      return dn::aws::S3(*client).get_object(o.bucket, o.key, on_chunk, std::nullopt, o.version_id);
    };
    auto put = [client, kms_key](const std::string& bucket, const std::string& key,
                                 std::string_view body,
                                 const std::string& type) -> dn::aws::Result<void> {
      dn::aws::Headers headers{{"Content-Type", type}, {"x-amz-server-side-encryption", "aws:kms"}};
      if (!kms_key.empty())
        headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", kms_key);
      auto r = dn::aws::S3(*client).put_object(bucket, key, body, headers);
      if (!r.ok()) return r.error();
      return {};
    };
    state->handler =
        std::make_unique<dn::loader::Handler>(std::move(loader), *state->connection, fetch, put);
    return [state](const dn::runtime::Request& request) {
      // Leave time to report the batch before Lambda's own deadline.
      state->client->set_deadline(request.deadline - std::chrono::seconds(5));
      const auto event = nlohmann::json::parse(request.payload, nullptr, false);
      if (event.is_discarded()) {
        return dn::runtime::Response::failure("InvalidEvent", "event is not JSON");
      }
      try {
        return dn::runtime::Response::success(state->handler->handle(event).dump());
      } catch (const std::invalid_argument& e) {
        return dn::runtime::Response::failure("InvalidEvent", e.what());
      }
    };
  });
}
