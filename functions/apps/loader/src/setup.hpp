// The loader's start-up: settings from the environment, the database secret fetched for each
// new connection, migrations checked, and the runtime handler wired to dn_aws and libpq.
#pragma once

#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::loader {

// Reads the AWS configuration, DB_SECRET_ARN, DB_SSLMODE (verify-full, verify-ca or require;
// default verify-full), DB_SSLROOTCERT, KMS_KEY_ID, DEFAULT_DATASET (default users) and
// RUN_MIGRATIONS (default true: apply the embedded migrations now); throws std::runtime_error
// (an init error) when one is missing or invalid, or the database cannot be reached.
runtime::Handler handler_from_env(const runtime::GetenvFn& getenv);

}  // namespace dn::loader
