// The fault suite: for each fault, at each AWS call find-daily and generate make, the day runs
// through the pipeline (pipeline.hpp) and its invariants are checked. Prints
// `fault_cases: N` and `invariant_violations: M` at the end (make test-faults reads them).
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "pipeline.hpp"

namespace {

using dn::aws::testing::FaultKind;
using dn::aws::testing::FaultRule;
using dn::aws::testing::StubRequest;

std::atomic<int> g_cases{0};
std::atomic<int> g_violations{0};

std::function<bool(const StubRequest&)> has(std::string text) {
  return [text = std::move(text)](const StubRequest& r) {
    return r.body.find(text) != std::string::npos;
  };
}
std::function<bool(const StubRequest&)> lacks(std::string text) {
  return [text = std::move(text)](const StubRequest& r) {
    return r.body.find(text) == std::string::npos;
  };
}

// One AWS call of the pipeline: its operation, how to recognise it, and which occurrence the
// fault starts at (mid-run rather than the very first call, where that means more).
struct Site {
  std::string name;
  std::string operation;
  std::function<bool(const StubRequest&)> match;
  int skip = 0;
};

const std::vector<Site>& sites() {
  static const std::vector<Site> all{
      {"find_daily_reads_marker", "Query", has(R"({"S":"RUN"})"), 0},
      {"find_daily_claims", "PutItem", lacks("CHAIN#"), 0},
      {"find_daily_reads_frozen", "Query", has(R"({"S":"FROZEN"})"), 0},
      {"find_daily_queries_definitions", "Query", has(R"({"S":"DEFINITION"})"), 0},
      {"find_daily_copies_definition", "PutItem", has("definitionVersion"), 0},
      {"find_daily_marks_frozen", "PutItem", has(R"("sk":{"S":"FROZEN"})"), 0},
      {"find_daily_queries_day", "Query", has("begins_with(sk, :prefix)"), 0},
      {"find_daily_sends", "SendMessageBatch", has(R"("Id":"n0")"), 0},
      {"find_daily_completes", "UpdateItem", has(":completed"), 0},
      {"generate_reads_chain", "Query", has("CHAIN#"), 1},
      {"generate_claims_hop", "PutItem", has("CHAIN#"), 1},
      {"generate_loads_notification", "Query", has("sk = :sk"), 1},
      {"generate_pages_audience", "Query", has("SEGMENT#"), 2},
      {"generate_writes_inbox", "TransactWriteItems", nullptr, 2},
      {"generate_continues", "SendMessageBatch", has("continuation"), 0},
      {"generate_marks_chain", "UpdateItem", has("CHAIN#"), 1},
  };
  return all;
}

struct Fault {
  std::string name;
  std::function<void(FaultRule&)> shape;
};

const std::vector<Fault>& faults() {
  static const std::vector<Fault> all{
      {"lost_after_apply", [](FaultRule& r) { r.kind = FaultKind::lose_after_apply; }},
      {"500_after_apply",
       [](FaultRule& r) {
         r.kind = FaultKind::error_after_apply;
         r.status = 500;
       }},
      {"503_x3",
       [](FaultRule& r) {
         r.kind = FaultKind::error;
         r.status = 503;
         r.error_type = "ServiceUnavailable";
         r.times = 3;
       }},
      {"throttled_x4",
       [](FaultRule& r) {
         const auto t = dn::aws::testing::throttling(r.operation);
         r.kind = t.kind;
         r.status = t.status;
         r.error_type = t.error_type;
         r.times = 4;
       }},
      {"connection_reset", [](FaultRule& r) { r.kind = FaultKind::reset; }},
      {"slow_2500ms",
       [](FaultRule& r) {
         r.kind = FaultKind::slow;
         r.delay = std::chrono::milliseconds(2500);
       }},
  };
  return all;
}

// A whole case: how to set the pipeline up.
struct Case {
  std::string name;
  std::function<void(dn::faults::Pipeline&)> inject;
  dn::faults::Options options{};
  dn::faults::Day day{};
};

// A case's setup that adds `rules` to the pipeline's fault layer.
std::function<void(dn::faults::Pipeline&)> adding(std::vector<FaultRule> rules) {
  return [rules = std::move(rules)](dn::faults::Pipeline& p) {
    for (const auto& r : rules) p.faults().add(r);
  };
}

// Throttling of the matching calls of `op` for `ms` from the first one after `skip` let through.
FaultRule throttled_for(std::string op, std::function<bool(const StubRequest&)> match, int ms,
                        int skip = 0) {
  auto r = dn::aws::testing::throttling(std::move(op));
  r.match = std::move(match);
  r.span = std::chrono::milliseconds(ms);
  r.skip = skip;
  return r;
}

std::vector<Case> cases() {
  using std::chrono::milliseconds;
  std::vector<Case> out;
  out.push_back({"no_fault", [](dn::faults::Pipeline&) {}});
  for (const auto& site : sites()) {
    for (const auto& fault : faults()) {
      FaultRule rule{.operation = site.operation, .match = site.match, .skip = site.skip};
      fault.shape(rule);
      out.push_back({site.name + "__" + fault.name, adding({rule})});
    }
  }
  // Throttling that outlasts an invocation's work time: absorbed, then handed over with the
  // progress made (a continuation from the last record written).
  out.push_back({"generate_writes_inbox__throttled_for_7s",
                 adding({throttled_for("TransactWriteItems", nullptr, 7000, 2)})});
  out.push_back({"every_dynamodb_call__throttled_for_4s",
                 adding({throttled_for("*", has("TableName"), 4000)})});
  // find-daily's claim throttled beyond its deadline: it fails, Lambda's retry claims. 7 s is
  // longer than one attempt's work time (10 s timeout - 5 s of margins) and ends before the last
  // of the three attempts starts: this driver retries at once (Lambda waits 1 and 2 minutes),
  // so a span of 12 s left ~2 s of slack and failed when all three attempts fell inside it.
  out.push_back({"find_daily_claims__throttled_for_7s",
                 adding({throttled_for("PutItem", lacks("CHAIN#"), 7000)})});
  // Completing the marker fails for the whole first invocation: it fails; the retry (same run)
  // claims its own marker, re-sends (stopped as duplicates by generate) and completes.
  out.push_back({"find_daily_completes__fails_for_11s", adding({{.operation = "UpdateItem",
                                                                 .match = has(":completed"),
                                                                 .kind = FaultKind::error,
                                                                 .span = milliseconds(11000)}})});
  // A failure near the deadline: the day's Query answers past the work's deadline, and the
  // marker is still released in the time kept for it.
  out.push_back({"find_daily_queries_day__slower_than_the_deadline",
                 adding({{.operation = "Query",
                          .match = has("begins_with(sk, :prefix)"),
                          .kind = FaultKind::slow,
                          .delay = milliseconds(7000)}})});
  // The release itself is lost as well: the retry is the same run and takes its marker again.
  out.push_back({"find_daily_sends_and_releases__fail", adding({{.operation = "SendMessageBatch",
                                                                 .match = has(R"("Id":"n0")"),
                                                                 .kind = FaultKind::error,
                                                                 .times = 1000,
                                                                 .span = milliseconds(9000)},
                                                                {.operation = "UpdateItem",
                                                                 .match = has(":failed"),
                                                                 .kind = FaultKind::reset,
                                                                 .times = 1000}})});
  // Deliveries made twice: SQS's at-least-once delivery (same message id), a SendMessage applied
  // twice (two message ids, same body).
  out.push_back({"first_generate_message__delivered_twice", adding({}), {.deliver_twice = 1}});
  out.push_back({"a_continuation__delivered_twice", adding({}), {.deliver_twice = 3}});
  out.push_back({"generate_continues__applied_twice", adding({{.operation = "SendMessageBatch",
                                                               .match = has("continuation"),
                                                               .kind = FaultKind::apply_twice,
                                                               .times = 2}})});
  out.push_back({"find_daily_sends__applied_twice", adding({{.operation = "SendMessageBatch",
                                                             .match = has(R"("Id":"n0")"),
                                                             .kind = FaultKind::apply_twice}})});
  return out;
}

class FaultSuite : public ::testing::TestWithParam<Case> {};

TEST_P(FaultSuite, InvariantsHold) {
  const Case& c = GetParam();
  dn::faults::Pipeline pipeline(c.day, c.options);
  c.inject(pipeline);
  auto outcome = pipeline.run();
  // 3, for a trigger that comes later: already_ran exactly when the run completed.
  const std::string again = pipeline.trigger_again();
  const auto marker = pipeline.aws().item("RUN#2026-11-24", "RUN");
  const bool completed = marker && (*marker)["status"]["S"] == "completed";
  if ((again == "already_ran") != completed) {
    outcome.violations.push_back("a later trigger was answered " + again + " for a run that is " +
                                 (completed ? "completed" : "not completed"));
  }
  ++g_cases;
  g_violations += static_cast<int>(outcome.violations.size());
  std::string faults;
  for (const auto& f : outcome.faults) faults += (faults.empty() ? "" : ", ") + f;
  std::string answers;
  for (const auto& a : outcome.find_daily_answers) answers += (answers.empty() ? "" : ", ") + a;
  std::cout << "fault_case: " << c.name << " faults=[" << faults << "] find_daily=[" << answers
            << "] generate_invocations=" << outcome.generate_invocations << " dlq=" << outcome.dlq
            << " violations=" << outcome.violations.size() << "\n";
  for (const auto& v : outcome.violations) ADD_FAILURE() << c.name << ": " << v;
  // A fault that never fired tests nothing.
  if (c.name != "no_fault" && c.options.deliver_twice == 0) {
    EXPECT_FALSE(outcome.faults.empty()) << c.name << ": the fault was never injected";
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, FaultSuite, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return param.param.name;
                         });

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  std::cout << "fault_cases: " << g_cases.load() << "\n";
  std::cout << "invariant_violations: " << g_violations.load() << "\n";
  return rc;
}
