#include "find_daily.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "dn/core/message.hpp"
#include "dn/runtime/log.hpp"

namespace dn::find_daily {

using nlohmann::json;

aws::Result<aws::WriteStatus> AwsTable::put_item(const json& request) {
  return db_.put_item(request);
}
aws::Result<aws::UpdateResult> AwsTable::update_item(const json& request) {
  return db_.update_item(request);
}
aws::Result<std::vector<json>> AwsTable::query_all(const json& request) {
  return db_.query_all(request);
}
aws::Result<void> AwsQueue::send_all(const std::string& queue_url,
                                     const std::vector<aws::SqsMessage>& messages) {
  return sqs_.send_all(queue_url, messages);
}

Handler::Handler(Settings settings, core::TimeZone zone, Table& table, Queue& queue, NowFn now)
    : settings_(std::move(settings)),
      zone_(std::move(zone)),
      table_(&table),
      queue_(&queue),
      now_(std::move(now)) {}

namespace {

constexpr const char* kLogMessage = "daily run";

core::Instant lease_until(const runtime::Request& request, core::Instant now) {
  if (request.deadline.time_since_epoch().count() == 0) return now + kDefaultLease;
  const auto deadline = std::chrono::ceil<std::chrono::seconds>(request.deadline);
  return std::max(deadline, now) + kLeaseMargin;
}

}  // namespace

runtime::Response Handler::fail(const core::RunClaim& claim, json log, const char* error_type,
                                const std::string& message) {
  // Release the day: a "failed" marker lets the next trigger claim it again.
  auto released =
      table_->update_item(core::run_marker_fail(settings_.table_name, claim, now_(), message));
  if (!released.ok()) {
    // The lease still frees the day once this invocation's deadline has passed.
    log["markerReleased"] = false;
    log["markerError"] = released.error().to_string();
    log["leaseUntil"] = core::format_timestamp(claim.lease_until);
  } else {
    log["markerReleased"] = released->status == aws::WriteStatus::written;
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
  if (const auto* bad = std::get_if<core::ScheduleError>(&resolved)) {
    log["outcome"] = "rejected";
    log["reason"] = bad->reason;
    runtime::logger().warn(kLogMessage, log);
    return runtime::Response::failure("InvalidEvent", bad->reason);
  }
  const core::RunDay day = std::get<core::RunDay>(std::move(resolved));
  log["date"] = day.date;
  log["source"] = core::day_source_name(day.source);
  log["force"] = day.force;

  const core::RunClaim claim{day, request.request_id, now, lease_until(request, now)};
  auto claimed = table_->put_item(core::run_marker_put(settings_.table_name, claim));
  if (!claimed.ok()) {
    // Nothing is claimed, so there is nothing to release: just let Lambda retry.
    log["outcome"] = "failed";
    log["errorType"] = "RunMarkerFailed";
    log["error"] = claimed.error().to_string();
    runtime::logger().error(kLogMessage, log);
    return runtime::Response::failure("RunMarkerFailed", claimed.error().to_string());
  }
  if (*claimed == aws::WriteStatus::condition_failed) {
    log["outcome"] = "already_ran";
    runtime::logger().info(kLogMessage, log);
    return runtime::Response::success(json{{"outcome", "already_ran"}, {"date", day.date}}.dump());
  }

  try {
    auto items = table_->query_all(core::day_query(settings_.table_name, day.date));
    if (!items.ok()) return fail(claim, log, "QueryFailed", items.error().to_string());
    const core::DayMessages built = core::build_day_messages(day.date, *items);

    std::vector<aws::SqsMessage> messages;
    messages.reserve(built.messages.size());
    for (std::size_t i = 0; i < built.messages.size(); ++i) {
      // Unique within every batch of 10. (Built with append: GCC 12 -O3 raises a false
      // -Wrestrict on "n" + std::to_string(i).)
      std::string id = "n";
      id += std::to_string(i);
      messages.push_back({std::move(id), core::encode_message(built.messages[i]), {}});
    }
    if (!messages.empty()) {
      auto sent = queue_->send_all(settings_.queue_url, messages);
      if (!sent.ok()) {
        log["notifications"] = messages.size();
        return fail(claim, log, "SendFailed", sent.error().to_string());
      }
    }

    log["queued"] = messages.size();
    log["skipped"] = built.skipped.size();
    if (!built.skipped.empty()) {
      json listed = json::array();
      for (std::size_t i = 0; i < built.skipped.size() && i < kMaxSkippedLogged; ++i) {
        listed.push_back({{"key", built.skipped[i].key}, {"reason", built.skipped[i].reason}});
      }
      log["skippedItems"] = std::move(listed);
    }
    auto completed = table_->update_item(core::run_marker_complete(
        settings_.table_name, claim, now_(), messages.size(), built.skipped.size()));
    // The messages are on the queue either way; a marker left "started" only delays a re-run
    // until its lease ends, and a forced run that took the marker over owns it now.
    if (!completed.ok()) {
      log["markerCompleted"] = false;
      log["markerError"] = completed.error().to_string();
    } else {
      log["markerCompleted"] = completed->status == aws::WriteStatus::written;
    }

    runtime::metrics().add("NotificationsQueued", static_cast<double>(messages.size()));
    runtime::metrics().add("DailyRunCompleted", 1);
    log["outcome"] = "queued";
    if (built.skipped.empty()) {
      runtime::logger().info(kLogMessage, log);
    } else {
      runtime::logger().warn(kLogMessage, log);
    }
    return runtime::Response::success(json{
        {"outcome", "queued"},
        {"date", day.date},
        {"queued", messages.size()},
        {"skipped", built.skipped.size()}}.dump());
  } catch (const std::exception& e) {
    return fail(claim, log, "InternalError", e.what());
  }
}

}  // namespace dn::find_daily
