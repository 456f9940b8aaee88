#include "manage_notifications.hpp"

#include <map>
#include <memory>
#include <stdexcept>
#include <utility>
#include <variant>

#include "dn/aws/config.hpp"
#include "dn/core/authoring.hpp"
#include "dn/core/proxy_event.hpp"
#include "dn/core/schedule.hpp"
#include "dn/runtime/log.hpp"
#include "inbox_parts.hpp"
#include "inbox_response.hpp"
#include "zoneinfo.hpp"

namespace dn::manage_notifications {
namespace {

using inbox::rejected;
using inbox::respond;
using inbox::store_failed;
using nlohmann::json;

runtime::Response served(int status, const json& body, json log) {
  log["outcome"] = "served";
  return respond(status, core::proxy_response(status, body), log);
}

// The record to write: `def` with the stored one's createdAt (now for a new one).
DefinitionRecord record_of(const core::Definition& def,
                           const std::optional<DefinitionRecord>& stored, const std::string& now) {
  DefinitionRecord r{def.id,
                     def.title,
                     def.body,
                     def.segment,
                     core::schedule_text(def.schedule),
                     now,
                     now,
                     stored ? stored->version + 1 : 1,
                     std::nullopt};
  if (stored && !stored->created_at.empty()) r.created_at = stored->created_at;
  if (const auto expiry = core::definition_expiry(def.schedule)) {
    r.expires_at = expiry->time_since_epoch().count();
  }
  return r;
}

// The day's entries by id: the definitions occurring that day (not when it is frozen), then the
// items stored in the day, which win (what find-daily copied is what is sent). A stored copy
// shows its definition's schedule while that definition is still the version it was copied from.
std::vector<core::DayEntry> day_entries(const std::string& date, bool frozen,
                                        const std::vector<DefinitionRecord>& definitions,
                                        const std::vector<DayCopy>& copies, std::size_t& skipped) {
  std::map<std::string, std::pair<const DefinitionRecord*, core::Schedule>> by_id;
  for (const auto& d : definitions) {
    auto schedule = core::parse_schedule_text(d.schedule);
    if (!schedule.ok()) {
      ++skipped;
      continue;
    }
    by_id.emplace(d.id, std::pair{&d, *std::move(schedule)});
  }
  std::map<std::string, core::DayEntry> entries;
  if (!frozen) {
    for (const auto& [id, def] : by_id) {
      if (!core::occurs_on(def.second, date)) continue;
      const auto& r = *def.first;
      entries[id] = core::DayEntry{r.id, r.title, r.body, r.segment, def.second};
    }
  }
  for (const auto& c : copies) {
    core::DayEntry e{c.id, c.title, c.body, c.segment, std::nullopt};
    const auto def = by_id.find(c.id);
    if (def != by_id.end() && c.definition_version == def->second.first->version) {
      e.schedule = def->second.second;
    }
    entries[c.id] = std::move(e);
  }
  std::vector<core::DayEntry> out;
  out.reserve(entries.size());
  for (auto& [id, e] : entries) out.push_back(std::move(e));
  return out;
}

struct Parts {
  std::unique_ptr<aws::Client> client;
  std::unique_ptr<DynamoDefinitions> store;
  std::unique_ptr<Handler> handler;
};

}  // namespace

runtime::Response Handler::handle(const runtime::Request& request) {
  auto parsed = core::parse_admin_request(request.payload);
  if (!parsed.ok()) return rejected(parsed.error());
  const inbox::Overloaded route{
      [this](const core::PutDefinitionRequest& r) { return put(r, clock_()); },
      [this](const core::ListDayRequest& r) { return list(r); },
      [this](const core::DeleteDefinitionRequest& r) { return remove(r); }};
  return std::visit(route, *parsed);
}

runtime::Response Handler::put(const core::PutDefinitionRequest& req, core::Instant now) {
  json log{{"route", "put"}, {"notificationId", req.id}};
  const auto today = core::local_date(now, zone_);
  if (!today) {  // a clock outside the years 0000-9999
    log["outcome"] = "error";
    return respond(500, core::internal_error_response(), log);
  }
  auto def = core::parse_definition(req.id, req.body, core::AuthoringRules{segments_, *today});
  if (!def.ok()) return rejected(core::bad_request(def.error().text));
  const auto& date = def->schedule.date;
  if (date) {
    auto frozen = store_->is_frozen(*date);
    if (!frozen.ok()) return store_failed(log, frozen.error());
    if (*frozen) return rejected(core::day_already_run(*date));
  }
  const std::string stamp = core::format_timestamp(now);
  for (int round = 0; round < kMaxPutRounds; ++round) {
    auto stored = store_->get(def->id);
    if (!stored.ok()) return store_failed(log, stored.error());
    const DefinitionRecord record = record_of(*def, *stored, stamp);
    const std::int64_t expected = *stored ? (*stored)->version : 0;
    auto outcome =
        date ? store_->put_one_date(record, expected, *date) : store_->put_rule(record, expected);
    if (!outcome.ok()) return store_failed(log, outcome.error());
    if (*outcome == PutOutcome::day_frozen) return rejected(core::day_already_run(*date));
    if (*outcome == PutOutcome::version_changed) continue;
    const bool created = !*stored;
    log["version"] = record.version;
    runtime::metrics().add(created ? "DefinitionsCreated" : "DefinitionsUpdated", 1);
    return served(created ? 201 : 200,
                  core::put_definition_body(def->id, created, record.version,
                                            core::first_day_from(def->schedule, *today)),
                  log);
  }
  return rejected(core::ApiError{
      409, "Conflict",
      "notification " + def->id + " is being changed by another request; try again"});
}

runtime::Response Handler::list(const core::ListDayRequest& req) {
  json log{{"route", "list"}, {"date", req.date}};
  auto frozen = store_->is_frozen(req.date);
  if (!frozen.ok()) return store_failed(log, frozen.error());
  std::size_t unreadable = 0;
  auto definitions = store_->list(&unreadable);
  if (!definitions.ok()) return store_failed(log, definitions.error());
  auto copies = store_->day_copies(req.date);
  if (!copies.ok()) return store_failed(log, copies.error());
  auto entries = day_entries(req.date, *frozen, *definitions, *copies, unreadable);
  log["frozen"] = *frozen;
  log["notifications"] = entries.size();
  // A definition this function did not write (or of a newer format) is shown nowhere: say so.
  if (unreadable > 0) log["skippedDefinitions"] = unreadable;
  return served(200, core::day_body(req.date, *frozen, std::move(entries)), log);
}

runtime::Response Handler::remove(const core::DeleteDefinitionRequest& req) {
  json log{{"route", "delete"}, {"notificationId", req.id}};
  auto deleted = store_->remove(req.id);
  if (!deleted.ok()) return store_failed(log, deleted.error());
  if (!*deleted) return rejected(core::no_such_notification());
  runtime::metrics().add("DefinitionsDeleted", 1);
  return served(200, core::deleted_body(req.id), log);
}

runtime::Handler handler_from_env(const GetenvFn& getenv) {
  const runtime::Env env(getenv);
  std::string table = env.required("TABLE_NAME");
  const std::string zone_name = env.required("TIMEZONE");
  auto segments = core::parse_segment_names(env.required("SEGMENTS"));
  if (!segments.ok()) {
    throw std::runtime_error(
        "SEGMENTS must be comma-separated segment names (letters, digits, '_' and '-')");
  }
  core::TimeZone zone = zoneinfo::load_zone(zone_name, zoneinfo::zoneinfo_roots(getenv));
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());
  auto parts = std::make_shared<Parts>();
  parts->client = std::make_unique<aws::Client>(std::move(*config));
  parts->store = std::make_unique<DynamoDefinitions>(*parts->client, std::move(table));
  parts->handler = std::make_unique<Handler>(*std::move(segments), std::move(zone), *parts->store,
                                             inbox::system_now);
  return runtime::serve(parts);
}

}  // namespace dn::manage_notifications
