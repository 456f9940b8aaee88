#include "fault_layer.hpp"

#include <optional>

#include "dn/util/names.hpp"

namespace dn::aws::testing {
namespace {

constexpr auto kFaultKinds =
    std::to_array<util::Name<FaultKind>>({{FaultKind::lose_after_apply, "lose_after_apply"},
                                          {FaultKind::error_after_apply, "error_after_apply"},
                                          {FaultKind::error, "error"},
                                          {FaultKind::slow, "slow"},
                                          {FaultKind::reset, "reset"},
                                          {FaultKind::apply_twice, "apply_twice"}});

std::string operation_of(const StubRequest& request) {
  const std::string target = request.header("x-amz-target");
  const auto dot = target.find('.');
  return dot == std::string::npos ? target : target.substr(dot + 1);
}

std::string error_body(const std::string& target, const std::string& type) {
  const bool sqs = target.rfind("AmazonSQS.", 0) == 0;
  const std::string ns = sqs ? "com.amazonaws.sqs#" : "com.amazonaws.dynamodb.v20120810#";
  return std::string(R"({"__type":")") + ns + type + R"(","message":"injected fault"})";
}

}  // namespace

std::string_view fault_kind_name(FaultKind kind) {
  return util::name_of(kFaultKinds, kind);
}

FaultRule throttling(std::string operation) {
  FaultRule rule;
  const bool sqs = operation.rfind("Send", 0) == 0 || operation.rfind("Receive", 0) == 0;
  rule.operation = std::move(operation);
  rule.kind = FaultKind::error;
  rule.status = 400;
  rule.error_type = sqs ? "RequestThrottled" : "ProvisionedThroughputExceededException";
  return rule;
}

void FaultLayer::add(FaultRule rule) {
  const std::lock_guard lock(mutex_);
  rules_.push_back(Active{std::move(rule)});
}

void FaultLayer::clear() {
  const std::lock_guard lock(mutex_);
  rules_.clear();
}

std::vector<std::string> FaultLayer::injected() const {
  const std::lock_guard lock(mutex_);
  return injected_;
}

dn::testing::Hook FaultLayer::hook() {
  return [this](const StubRequest& request, const dn::testing::Handler& next) {
    return handle(request, next);
  };
}

StubResponse FaultLayer::handle(const StubRequest& request, const dn::testing::Handler& next) {
  const std::string op = operation_of(request);
  std::optional<FaultRule> fire;
  {
    const std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    for (auto& a : rules_) {
      if (a.rule.operation != "*" && a.rule.operation != op) continue;
      if (a.rule.match && !a.rule.match(request)) continue;
      if (a.seen++ < a.rule.skip) continue;
      if (a.rule.span.count() > 0) {
        if (a.applied == 0) a.started = now;
        if (now - a.started > a.rule.span) continue;
      } else if (a.applied >= a.rule.times) {
        continue;
      }
      ++a.applied;
      fire = a.rule;
      injected_.push_back(op + " " + std::string(fault_kind_name(a.rule.kind)));
      break;
    }
  }
  if (!fire) return next(request);
  switch (fire->kind) {
    case FaultKind::lose_after_apply: {
      StubResponse r = next(request);
      r.fault = Fault::drop;
      return r;
    }
    case FaultKind::error_after_apply:
      (void)next(request);
      return json_response(fire->status,
                           error_body(request.header("x-amz-target"), fire->error_type));
    case FaultKind::error:
      return json_response(fire->status,
                           error_body(request.header("x-amz-target"), fire->error_type));
    case FaultKind::slow: {
      StubResponse r = next(request);
      r.delay = fire->delay;
      return r;
    }
    case FaultKind::reset: {
      StubResponse r;
      r.fault = Fault::reset;
      return r;
    }
    case FaultKind::apply_twice:
      (void)next(request);
      return next(request);
  }
  return next(request);
}

}  // namespace dn::aws::testing
