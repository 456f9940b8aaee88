// The loader's start-up: settings from the environment, the dataset contracts read from the
// zip's data/, the database secret fetched for each new connection, and the runtime handler wired
// to dn_aws and libpq (migrations run before the first load).
#pragma once

#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::loader {

// Reads the AWS configuration, DB_SECRET_ARN, DB_SSLMODE (verify-full, verify-ca or require;
// default verify-full), DB_SSLROOTCERT, KMS_KEY_ID, DEFAULT_DATASET (default users),
// RUN_MIGRATIONS (default true: apply data/migrations before the first load), DATA_DIR (default
// data/ beside the executable), MAX_OBJECT_BYTES and HTTP_REQUEST_TIMEOUT_MS; throws
// std::runtime_error (an init error) when one is missing or invalid or DATA_DIR is not there. A
// contract that does not parse is not an init error: it rejects only its own dataset's files.
runtime::Handler handler_from_env(const runtime::GetenvFn& getenv);

}  // namespace dn::loader
