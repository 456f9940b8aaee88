// Result<T>: a value or an AWS-flavoured Error (util::Expected, as everywhere else).
#pragma once

#include <string>

#include "dn/util/expected.hpp"

namespace dn::aws {

// What went wrong with an AWS call. `code` is the AWS error code without its namespace
// (e.g. "ProvisionedThroughputExceededException", "NoSuchKey") or one of ours:
// "NetworkError", "DeadlineExceeded", "InvalidArgument", "InvalidResponse", "HttpError",
// "UnprocessedItems", "BatchEntriesFailed", "Aborted", "ConfigError".
struct Error {
  std::string code{};
  std::string message{};
  long http_status = 0;    // 0 when no HTTP response was received
  bool retryable = false;  // worth trying again later (throttling, 5xx, network, deadline)
  // A JSON protocol error's body, verbatim, for callers that read fields beyond code and
  // message (DynamoDB's CancellationReasons, or the Item of ReturnValuesOnConditionCheckFailure).
  // It may hold item data, so to_string() never includes it.
  std::string body{};

  // "code (HTTP 400): message" — safe to log: never contains credentials or request headers.
  [[nodiscard]] std::string to_string() const;
};

// Thrown only when value() is read from a failed Result (a programming error).
using BadResultAccess = util::BadExpectedAccess;

template <class T>
using Result = util::Expected<T, Error>;

}  // namespace dn::aws
