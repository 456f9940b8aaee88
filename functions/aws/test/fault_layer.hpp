// Faults injected by the test server's hook in front of a loopback AWS handler (FakeAws), per
// call: by operation (X-Amz-Target), an optional predicate on the request and the call's
// occurrence. A fault can lose the answer after the request was applied, answer an error (5xx,
// throttling) for a number of calls or for a span of time without applying it, answer slowly,
// reset the connection before the request is applied, or apply the request twice (a delivery
// made twice).
//
//   StubServer server([&](const StubRequest& r) { return aws.handle(r); });
//   FaultLayer faults;
//   server.set_hook(faults.hook());
//   faults.add({.operation = "PutItem", .kind = FaultKind::lose_after_apply});
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http_stub.hpp"

namespace dn::aws::testing {

enum class FaultKind {
  lose_after_apply,   // applied, then the connection is closed without an answer
  error_after_apply,  // applied, then answered `status` / `error_type`
  error,              // answered `status` / `error_type`, not applied
  slow,               // applied, answered after `delay`
  reset,              // the connection is closed before the request is applied
  apply_twice,        // applied twice (e.g. a SendMessage that delivers two copies)
};
std::string_view fault_kind_name(FaultKind kind);

struct FaultRule {
  std::string operation;  // "PutItem", "BatchWriteItem", "SendMessageBatch"... or "*"
  // Further narrows the calls this rule counts (e.g. a Query on one key); empty: all.
  std::function<bool(const StubRequest&)> match{};
  FaultKind kind = FaultKind::error;
  int skip = 0;   // matching calls let through before the fault starts
  int times = 1;  // calls the fault applies to (ignored when `span` is set)
  // When non-zero: the fault applies to every matching call for this long after the first.
  std::chrono::milliseconds span{0};
  int status = 500;
  std::string error_type = "InternalServerError";
  std::chrono::milliseconds delay{0};
};

// Status and AWS error type of throttling for an operation: DynamoDB's
// ProvisionedThroughputExceededException, SQS's RequestThrottled (both HTTP 400).
FaultRule throttling(std::string operation);

class FaultLayer {
 public:
  void add(FaultRule rule);
  void clear();
  // The hook for StubServer::set_hook; it keeps a pointer to this layer.
  dn::testing::Hook hook();

  // Faults actually injected, as "<operation> <kind>" in order.
  [[nodiscard]] std::vector<std::string> injected() const;

 private:
  struct Active {
    FaultRule rule;
    int seen = 0;
    int applied = 0;
    std::chrono::steady_clock::time_point started{};
  };
  StubResponse handle(const StubRequest& request, const dn::testing::Handler& next);

  mutable std::mutex mutex_;
  std::vector<Active> rules_;
  std::vector<std::string> injected_;
};

}  // namespace dn::aws::testing
