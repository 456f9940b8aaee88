// The notification pipeline in one process, as Lambda and SQS run it: find-daily and generate
// (their real handler_from_env, adapters and AWS client) against FakeAws behind a FaultLayer on
// the loopback stub. One notification of the day is an authored definition, so find-daily's
// freeze (its copy and the FROZEN marker) runs under the faults too. The driver plays Lambda and
// SQS: an asynchronous invocation is retried twice with the same event after an error; queued
// messages are delivered in batches of 10, records in batchItemFailures (or a whole failed batch)
// are delivered again, and a message received more than maxReceiveCount times goes to the DLQ.
//
// After a day, check() states the invariants the pipeline promises under any fault:
//   1. every (user, notification) of the day ends with exactly one inbox record;
//   2. the run ends `completed`, or visibly failed: an error left to the alarms (find-daily's
//      final error, a DLQ message, a rejected definition);
//   3. a run that did not complete is never answered already_ran;
//   4. no continuation is lost: each chain ends done (or rejected), or its message is in the DLQ.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "dn/runtime/runtime.hpp"
#include "fake_aws.hpp"
#include "fault_layer.hpp"
#include "http_stub.hpp"

namespace dn::faults {

struct Segment {
  std::string name;
  int members = 0;
};

struct Day {
  std::string date = "2026-11-24";
  // notification id -> segment; each becomes a valid definition of the day.
  std::map<std::string, std::string> notifications{{"small", "small"}, {"big", "big"}};
  // Those of `notifications` stored as an authored daily definition (find-daily freezes a copy
  // into the day); the others are seeded into the day directly.
  std::set<std::string> authored{"big"};
  std::vector<Segment> segments{{"small", 30}, {"big", 600}};
};

struct Options {
  std::chrono::milliseconds find_daily_timeout{10000};
  std::chrono::milliseconds generate_timeout{8000};
  int max_pages = 2;
  int max_receive_count = 3;
  int lambda_async_retries = 2;
  // Deliver the n-th generate message twice (0: never), as SQS's at-least-once delivery may.
  int deliver_twice = 0;
  int max_deliveries = 400;  // a bound on the driver's loop
};

struct Outcome {
  std::vector<std::string> find_daily_answers;  // "queued", "already_ran" or an errorType
  std::vector<std::string> violations;
  int generate_invocations = 0;
  int dlq = 0;
  double definitions_rejected = 0;
  double records_written_metric = 0;
  std::vector<std::string> faults;  // what the layer injected
};

class Pipeline {
 public:
  explicit Pipeline(Day day = {}, Options options = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  aws::testing::FakeAws& aws() { return aws_; }
  aws::testing::FaultLayer& faults() { return faults_; }

  // Runs the day as the scheduler starts it and drains the queue, then checks the invariants.
  Outcome run();
  // A second, independent trigger for the day (another execution id, no force): its answer.
  std::string trigger_again();

 private:
  runtime::Response invoke(runtime::Handler& handler, const std::string& payload,
                           const std::string& request_id, std::chrono::milliseconds timeout);
  void check(Outcome& out);
  std::string marker_status();

  Day day_;
  Options options_;
  aws::testing::FakeAws aws_;
  aws::testing::FaultLayer faults_;
  std::unique_ptr<aws::testing::StubServer> server_;
  runtime::Handler find_daily_;
  runtime::Handler generate_;
  std::string queue_url_;
  int request_ids_ = 0;
};

}  // namespace dn::faults
