#include "pipeline.hpp"

#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <utility>

#include "dn/aws/attributes.hpp"
#include "dn/runtime/log.hpp"
#include "dn/runtime/testing/function_harness.hpp"
#include "generate.hpp"
#include "setup.hpp"

namespace dn::faults {
namespace {

using aws::attr::str;
using nlohmann::json;

constexpr const char* kExecutionId = "exec-1";

std::string member_id(const std::string& segment, int i) {
  std::string n = std::to_string(i);
  n.insert(0, 5 - std::min<std::size_t>(5, n.size()), '0');
  return segment + "-" + n;
}

double take_metric(const char* name) {
  double sum = 0;
  for (const auto& m : runtime::metrics().pending()) {
    if (m.name == name) {
      for (const double v : m.values) sum += v;
    }
  }
  return sum;
}

}  // namespace

Pipeline::Pipeline(Day day, Options options) : day_(std::move(day)), options_(options) {
  server_ = std::make_unique<aws::testing::StubServer>(
      [this](const aws::testing::StubRequest& r) { return aws_.handle(r); });
  server_->set_hook(faults_.hook());
  queue_url_ = server_->url() + "/000000000000/generate";
  for (const auto& segment : day_.segments) {
    for (int i = 0; i < segment.members; ++i) {
      const std::string u = member_id(segment.name, i);
      aws_.put({{"pk", str("SEGMENT#" + segment.name)},
                {"sk", str("USER#" + u)},
                {"userId", str(u)},
                {"displayName", str("User " + u)}});
    }
  }
  for (const auto& [id, segment] : day_.notifications) {
    json item{{"pk", str("DAY#" + day_.date)},
              {"sk", str("NOTIF#" + id)},
              {"notificationId", str(id)},
              {"segment", str(segment)},
              {"title", str("Hello {{displayName}}")},
              {"body", str("Today for {{userId}}")},
              {"createdAt", str(day_.date + "T05:00:00Z")}};
    if (day_.authored.contains(id)) {
      item["pk"] = str("DEFINITION");
      item["schedule"] = str(R"({"rule":"daily","start":")" + day_.date + R"("})");
      item["version"] = json{{"N", "1"}};
    }
    aws_.put(item);
  }
  auto vars = aws::testing::stub_aws_env(server_->url());
  // Pages of 250: the 600-member segment walks three pages, so faults land between pages.
  vars.insert({{"TABLE_NAME", "notifications"},
               {"QUEUE_URL", queue_url_},
               {"TIMEZONE", "UTC"},
               {"INBOX_TTL_DAYS", "7"},
               {"MAX_PAGES_PER_INVOCATION", std::to_string(options_.max_pages)},
               {"AUDIENCE_PAGE_SIZE", "250"}});
  const auto env = runtime::testing::env_of(vars);
  find_daily_ = find_daily::handler_from_env(env, {});
  generate_ = generate::handler_from_env(env);
  // The functions' log lines are dropped, or appended to $DN_FAULTS_LOG to see why a case failed.
  const char* log_path =
      std::getenv("DN_FAULTS_LOG");  // NOLINT(concurrency-mt-unsafe): nothing sets it
  auto log = log_path != nullptr && *log_path != '\0'
                 ? std::make_shared<std::ofstream>(log_path, std::ios::app)
                 : nullptr;
  runtime::set_line_sink([log](std::string_view line) {
    if (log) *log << line << std::endl;
  });
}

Pipeline::~Pipeline() {
  runtime::set_line_sink(nullptr);
}

runtime::Response Pipeline::invoke(runtime::Handler& handler, const std::string& payload,
                                   const std::string& request_id,
                                   std::chrono::milliseconds timeout) {
  runtime::Request request;
  request.payload = payload;
  request.request_id = request_id;
  request.deadline = std::chrono::system_clock::now() + timeout;
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return runtime::Response::failure("Unhandled", e.what());
  }
}

std::string Pipeline::marker_status() {
  const auto marker = aws_.item("RUN#" + day_.date, "RUN");
  if (!marker) return "<none>";
  return (*marker).value("status", json::object()).value("S", "<no status>");
}

Outcome Pipeline::run() {
  Outcome out;
  (void)runtime::metrics().flush();
  const std::string event = json{
      {"source", "aws.scheduler"},
      {"scheduledTime", day_.date + "T06:00:00Z"},
      {"executionId",
       kExecutionId}}.dump();
  // The schedule's asynchronous invocation, retried by Lambda with the same event.
  for (int attempt = 0; attempt <= options_.lambda_async_retries; ++attempt) {
    const auto r = invoke(find_daily_, event, "fd-" + std::to_string(++request_ids_),
                          options_.find_daily_timeout);
    const std::string answer =
        r.is_success() ? json::parse(r.body()).value("outcome", "?") : r.error_type();
    out.find_daily_answers.push_back(answer);
    if (answer == "already_ran" && marker_status() != "completed") {
      out.violations.push_back("find-daily answered already_ran with the marker " +
                               marker_status());
    }
    if (r.is_success()) break;
  }
  (void)runtime::metrics().flush();

  struct Pending {
    aws::testing::FakeMessage message;
    int receives = 0;
  };
  std::deque<Pending> pending;
  int ordinal = 0;
  auto pull = [&] {
    for (auto& m : aws_.take_messages(queue_url_)) {
      ++ordinal;
      if (ordinal == options_.deliver_twice) pending.push_back({m, 0});
      pending.push_back({std::move(m), 0});
    }
  };
  pull();
  int deliveries = 0;
  while (!pending.empty() && deliveries < options_.max_deliveries) {
    std::vector<Pending> batch;
    while (!pending.empty() && batch.size() < 10) {
      batch.push_back(std::move(pending.front()));
      pending.pop_front();
    }
    json records = json::array();
    for (auto& p : batch) {
      ++p.receives;
      records.push_back(
          {{"messageId", p.message.message_id},
           {"eventSource", "aws:sqs"},
           {"body", p.message.body},
           {"attributes", {{"ApproximateReceiveCount", std::to_string(p.receives)}}}});
    }
    deliveries += static_cast<int>(batch.size());
    ++out.generate_invocations;
    const auto r = invoke(generate_, json{{"Records", records}}.dump(),
                          "gen-" + std::to_string(++request_ids_), options_.generate_timeout);
    out.definitions_rejected += take_metric("DefinitionsRejected");
    out.records_written_metric += take_metric("InboxRecordsWritten");
    (void)runtime::metrics().flush();
    std::vector<std::string> failed;
    if (!r.is_success()) {
      for (const auto& p : batch) failed.push_back(p.message.message_id);
    } else {
      for (const auto& f : json::parse(r.body()).value("batchItemFailures", json::array())) {
        failed.push_back(f.value("itemIdentifier", ""));
      }
    }
    for (auto& p : batch) {
      if (std::find(failed.begin(), failed.end(), p.message.message_id) == failed.end()) continue;
      if (p.receives >= options_.max_receive_count) {
        ++out.dlq;
      } else {
        pending.push_back(std::move(p));
      }
    }
    pull();
  }
  if (!pending.empty()) {
    out.violations.push_back("the queue did not drain in " + std::to_string(deliveries) +
                             " deliveries");
  }
  out.faults = faults_.injected();
  check(out);
  return out;
}

std::string Pipeline::trigger_again() {
  const std::string event =
      json{{"date", day_.date}, {"force", false}, {"executionId", "exec-other"}}.dump();
  const auto r = invoke(find_daily_, event, "fd-again-" + std::to_string(++request_ids_),
                        options_.find_daily_timeout);
  (void)runtime::metrics().flush();
  return r.is_success() ? json::parse(r.body()).value("outcome", "?") : r.error_type();
}

void Pipeline::check(Outcome& out) {
  const std::string& last = out.find_daily_answers.back();
  const bool find_daily_failed = last != "queued" && last != "already_ran";
  const bool visible = find_daily_failed || out.dlq > 0 || out.definitions_rejected > 0;

  // 1. Exactly one inbox record per (user, notification) of the day.
  std::size_t expected = 0;
  for (const auto& [id, segment_name] : day_.notifications) {
    for (const auto& segment : day_.segments) {
      if (segment.name != segment_name) continue;
      expected += static_cast<std::size_t>(segment.members);
      int missing = 0;
      for (int i = 0; i < segment.members; ++i) {
        if (!aws_.item("USER#" + member_id(segment.name, i), "INBOX#" + day_.date + "#" + id)) {
          ++missing;
        }
      }
      if (missing > 0) {
        out.violations.push_back(std::to_string(missing) + " of " +
                                 std::to_string(segment.members) + " members of " + segment.name +
                                 " have no record of " + id);
      }
    }
  }
  const auto stored = aws_.items("USER#", "INBOX#" + day_.date + "#").size();
  if (stored != expected) {
    out.violations.push_back(std::to_string(stored) + " inbox records for " +
                             std::to_string(expected) + " (user, notification) pairs");
  }
  // 2. completed, or visibly failed.
  const std::string status = marker_status();
  if (status != "completed" && !visible) {
    out.violations.push_back("the run ended " + status + " with nothing to alarm");
  }
  // 4. Every chain ends done, or its message is parked in the DLQ.
  for (const auto& [id, segment] : day_.notifications) {
    const auto chain = aws_.item("RUN#" + day_.date, "CHAIN#" + id + "#" + kExecutionId);
    const std::string state =
        chain ? (*chain).value("status", json::object()).value("S", "?") : "<none>";
    if (state != "done" && state != "rejected" && out.dlq == 0 && !find_daily_failed) {
      std::string v = "chain of " + id;
      v.append(" ended ").append(state).append(" (continuation lost)");
      out.violations.push_back(std::move(v));
    }
  }
}

}  // namespace dn::faults
