// sync-audiences' start-up: settings from the environment and the handler wired to dn_aws
// (DynamoDB, SQS, Secrets Manager) and libpq.
#pragma once

#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"

namespace dn::sync_audiences {

// Reads TABLE_NAME, QUEUE_URL, DB_SECRET_ARN, DB_SSLMODE, DB_SSLROOTCERT, USERS_TABLE (default
// public.users) and SEGMENTS (the segment rules, JSON) plus the AWS configuration; throws
// std::runtime_error naming the variable when one is missing or invalid.
runtime::Handler handler_from_env(const runtime::GetenvFn& getenv);

}  // namespace dn::sync_audiences
