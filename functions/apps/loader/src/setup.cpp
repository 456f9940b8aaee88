#include "setup.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/aws/s3.hpp"
#include "dn/aws/secrets_manager.hpp"
#include "dn/runtime/log.hpp"
#include "embedded.hpp"
#include "handler.hpp"

namespace dn::loader {
namespace {

// One SQS batch event per invocation: JSON in, batchItemFailures out.
class EventHandler {
 public:
  explicit EventHandler(Handler& handler) : handler_(&handler) {}
  runtime::Response handle(const runtime::Request& request) {
    const auto event = nlohmann::json::parse(request.payload, nullptr, false);
    if (event.is_discarded()) {
      return runtime::Response::failure("InvalidEvent", "event is not JSON");
    }
    try {
      return runtime::Response::success(handler_->handle(event).dump());
    } catch (const std::invalid_argument& e) {
      return runtime::Response::failure("InvalidEvent", e.what());
    }
  }

 private:
  Handler* handler_;
};

struct Parts {
  std::unique_ptr<aws::Client> client;
  std::unique_ptr<Connection> connection;
  std::unique_ptr<Handler> loader;
  std::unique_ptr<EventHandler> handler;
};

}  // namespace

runtime::Handler handler_from_env(const runtime::GetenvFn& getenv) {
  const runtime::Env env(getenv);
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());
  const std::string secret_arn = env.required("DB_SECRET_ARN");
  const std::string sslmode =
      env.one_of("DB_SSLMODE", {"verify-full", "verify-ca", "require"}, "verify-full");
  const std::string sslrootcert = env.value_or("DB_SSLROOTCERT", "");
  const std::string kms_key = env.value_or("KMS_KEY_ID", "");

  auto parts = std::make_shared<Parts>();
  parts->client = std::make_unique<aws::Client>(std::move(*config));
  auto* client = parts->client.get();
  parts->connection = std::make_unique<Connection>([=] {
    // Fetched for every new connection, so a rotated password is picked up.
    auto secret = aws::SecretsManager(*client).get_secret_value(secret_arn);
    if (!secret.ok()) throw std::runtime_error("database secret: " + secret.error().to_string());
    return connection_params(*secret, sslmode, sslrootcert, "dn-loader");
  });

  LoaderOptions options;
  options.default_dataset = env.value_or("DEFAULT_DATASET", "users");
  Loader loader(embedded_contracts(), options);
  if (env.value_or("RUN_MIGRATIONS", "true") == "true") {
    const auto applied = apply_migrations(parts->connection->get(), embedded_migrations());
    runtime::logger().info("migrations checked", {{"applied", applied}});
  }

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
  parts->loader = std::make_unique<Handler>(std::move(loader), *parts->connection, fetch, put);
  parts->handler = std::make_unique<EventHandler>(*parts->loader);
  return runtime::serve(parts);
}

}  // namespace dn::loader
