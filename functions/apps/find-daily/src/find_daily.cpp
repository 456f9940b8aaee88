#include "find_daily.hpp"

#include <algorithm>
#include <exception>
#include <iterator>
#include <utility>

#include "dn/core/message.hpp"
#include "dn/core/validate.hpp"
#include "dn/runtime/log.hpp"
#include "dn/util/json.hpp"
#include "dn/util/text.hpp"

namespace dn::find_daily {

using nlohmann::json;

Handler::Handler(Settings settings, core::TimeZone zone, RunMarkers& markers,
                 Definitions& definitions, DayNotifications& day, Queue& queue, NowFn now,
                 CallDeadlineFn set_call_deadline)
    : settings_(std::move(settings)),
      zone_(std::move(zone)),
      markers_(&markers),
      definitions_(&definitions),
      day_(&day),
      queue_(&queue),
      now_(std::move(now)),
      set_call_deadline_(std::move(set_call_deadline)) {}

namespace {

constexpr const char* kLogMessage = "daily run";

bool has_deadline(const runtime::Request& request) {
  return request.deadline.time_since_epoch().count() != 0;
}

core::Instant lease_until(const runtime::Request& request, core::Instant now) {
  if (!has_deadline(request)) return now + kDefaultLease;
  const auto deadline = std::chrono::ceil<std::chrono::seconds>(request.deadline);
  return std::max(core::Instant{deadline.time_since_epoch()}, now) + kLeaseMargin;
}

}  // namespace

runtime::Response Handler::fail(const runtime::Request& request, const core::RunClaim& claim,
                                json log, const char* error_type, const std::string& message) {
  // Release the day: a "failed" marker lets the next trigger claim it again. The work stopped
  // kReleaseReserve early, so this call has that time.
  if (set_call_deadline_ && has_deadline(request)) {
    set_call_deadline_(request.deadline - kReportMargin);
  }
  auto released = markers_->fail(claim, now_(), message);
  if (!released.ok()) {
    // The lease still frees the day once this invocation's deadline has passed.
    log["markerReleased"] = false;
    log["markerError"] = released.error().to_string();
    log["leaseUntil"] = core::format_timestamp(claim.lease_until);
  } else {
    log["markerReleased"] = *released;
  }
  log["outcome"] = "failed";
  log["errorType"] = error_type;
  log["error"] = message;
  runtime::logger().error(kLogMessage, log);
  return runtime::Response::failure(error_type, message);
}

runtime::Response Handler::handle(const runtime::Request& request) {
  const core::Instant now = now_();
  json log{{"timezone", settings_.timezone_name}};

  auto resolved = core::resolve_run_day(request.payload, now, zone_);
  if (!resolved.ok()) {
    log["outcome"] = "rejected";
    log["reason"] = resolved.error().text;
    runtime::logger().warn(kLogMessage, log);
    return runtime::Response::failure("InvalidEvent", resolved.error().text);
  }
  const core::RunDay day = std::move(resolved).value();
  log["date"] = day.date;
  log["source"] = core::day_source_name(day.source);
  log["force"] = day.force;

  const core::RunClaim claim{day, core::run_id_for(day.execution_id, request.request_id),
                             request.request_id, now, lease_until(request, now)};
  log["runId"] = claim.run_id;
  if (set_call_deadline_ && has_deadline(request)) {
    set_call_deadline_(request.deadline - kReportMargin - kReleaseReserve);
  }

  auto claimed = markers_->claim(claim);
  if (!claimed.ok()) {
    // Nothing is claimed, so there is nothing to release: just let Lambda retry.
    log["outcome"] = "failed";
    log["errorType"] = "RunMarkerFailed";
    log["error"] = claimed.error().to_string();
    runtime::logger().error(kLogMessage, log);
    return runtime::Response::failure("RunMarkerFailed", claimed.error().to_string());
  }
  if (const auto* taken = std::get_if<Taken>(&*claimed)) {
    log["heldBy"] = taken->by.run_id;
    log["markerStatus"] = taken->by.status;
    if (taken->verdict == core::ClaimVerdict::completed) {
      log["outcome"] = "already_ran";
      runtime::logger().info(kLogMessage, log);
      return runtime::Response::success(
          dn::util::to_json({{"outcome", "already_ran"}, {"date", day.date}}));
    }
    // Not done, so never "already_ran": fail, and Lambda's retry (after the holder's lease, if
    // it is gone) finds the day completed or free.
    const std::string message = "another run (" + taken->by.run_id + ") holds the day until " +
                                core::format_timestamp(taken->by.lease_until);
    log["outcome"] = "in_progress";
    log["leaseUntil"] = core::format_timestamp(taken->by.lease_until);
    runtime::logger().warn(kLogMessage, log);
    return runtime::Response::failure("RunInProgress", message);
  }

  try {
    return run(request, claim, std::move(log));
  } catch (const std::exception& e) {
    return fail(request, claim, json{{"date", day.date}, {"runId", claim.run_id}}, "InternalError",
                e.what());
  }
}

runtime::Response Handler::run(const runtime::Request& request, const core::RunClaim& claim,
                               json log) {
  const core::RunDay& day = claim.day;
  std::vector<core::SkippedItem> skipped;
  if (auto frozen = freeze_day(day.date, log, skipped); !frozen.ok()) {
    return fail(request, claim, log, "FreezeFailed", frozen.error().to_string());
  }
  auto items = day_->items(day.date);
  if (!items.ok()) return fail(request, claim, log, "QueryFailed", items.error().to_string());
  const core::DayMessages built = core::build_day_messages(day.date, *items);
  skipped.insert(skipped.end(), built.skipped.begin(), built.skipped.end());

  // The chain check in generate needs a run id it can store; a request id outside the id
  // alphabet (never one of Lambda's) only loses that check.
  const bool chained = core::check_user_id(claim.run_id).ok();
  std::vector<aws::SqsMessage> messages;
  messages.reserve(built.messages.size());
  for (std::size_t i = 0; i < built.messages.size(); ++i) {
    core::GenerateMessage message = built.messages[i];
    if (chained) message.run = claim.run_id;
    // Unique within every batch of 10.
    messages.push_back({util::numbered("n", i), core::encode_message(message), {}});
  }
  if (!messages.empty()) {
    auto sent = queue_->send_all(settings_.queue_url, messages);
    if (!sent.ok()) {
      log["notifications"] = messages.size();
      return fail(request, claim, log, "SendFailed", sent.error().to_string());
    }
  }

  log["queued"] = messages.size();
  log["skipped"] = skipped.size();
  if (!skipped.empty()) {
    json listed = json::array();
    for (std::size_t i = 0; i < skipped.size() && i < kMaxSkippedLogged; ++i) {
      listed.push_back({{"key", skipped[i].key}, {"reason", skipped[i].reason}});
    }
    log["skippedItems"] = std::move(listed);
  }
  if (set_call_deadline_ && has_deadline(request)) {
    set_call_deadline_(request.deadline - kReportMargin);
  }
  auto completed = markers_->complete(claim, now_(), messages.size(), skipped.size());
  if (!completed.ok()) {
    // The messages are queued, but a marker left "started" would hide whether the day ran. Fail:
    // Lambda's retry is the same run, claims its own marker again, re-sends (generate's chain
    // check stops the repeated messages) and completes it.
    log["outcome"] = "failed";
    log["errorType"] = "RunMarkerFailed";
    log["error"] = "completing the marker: " + completed.error().to_string();
    runtime::logger().error(kLogMessage, log);
    return runtime::Response::failure("RunMarkerFailed", log["error"].get<std::string>());
  }
  // false: a forced run took the marker over and owns it now.
  log["markerCompleted"] = *completed;

  runtime::metrics().add("NotificationsQueued", static_cast<double>(messages.size()));
  runtime::metrics().add("DailyRunCompleted", 1);
  log["outcome"] = "queued";
  if (skipped.empty()) {
    runtime::logger().info(kLogMessage, log);
  } else {
    runtime::logger().warn(kLogMessage, log);
  }
  return runtime::Response::success(dn::util::to_json({{"outcome", "queued"},
                                                       {"date", day.date},
                                                       {"queued", messages.size()},
                                                       {"skipped", skipped.size()}}));
}

aws::Result<void> Handler::freeze_day(const std::string& date, json& log,
                                      std::vector<core::SkippedItem>& skipped) {
  auto frozen = definitions_->frozen(date);
  if (!frozen.ok()) return frozen.error();
  if (*frozen) {
    // Frozen by an earlier run of the day: its copies are what the day sends, whatever the
    // definitions say now.
    log["frozen"] = "already";
    return {};
  }
  auto stored = definitions_->definitions();
  if (!stored.ok()) return stored.error();
  core::DayExpansion expansion = core::expand_definitions(date, *stored);
  if (auto done = definitions_->freeze(date, expansion.copies, now_()); !done.ok()) return done;
  log["frozen"] = "now";
  log["definitionsFrozen"] = expansion.copies.size();
  skipped.insert(skipped.end(), std::make_move_iterator(expansion.skipped.begin()),
                 std::make_move_iterator(expansion.skipped.end()));
  return {};
}

}  // namespace dn::find_daily
