#include "dn/core/freeze.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "dn/core/authoring.hpp"
#include "dn/core/keys.hpp"
#include "dn/core/validate.hpp"

namespace dn::core {
namespace {

// The id of a definition, or why it has none it can be stored under.
Expected<std::string> definition_id(const StoredDefinition& d) {
  if (!d.sk) return Reason{"sk is missing"};
  const std::string id(keys::strip_prefix(*d.sk, keys::kNotificationPrefix));
  if (id.empty()) return Reason{"sort key is not NOTIF#<notificationId>"};
  if (auto reason = check_notification_id(id); !reason.ok()) return reason.error();
  if (d.notification_id && *d.notification_id != id) {
    return Reason{"notificationId does not match the sort key"};
  }
  return id;
}

// The copy of a readable definition (its schedule not yet looked at), or why it is unreadable.
Expected<FrozenCopy> copy_of(const StoredDefinition& d, std::string id) {
  if (!d.title || d.title->empty()) return Reason{"title is missing"};
  if (!d.body || d.body->empty()) return Reason{"body is missing"};
  if (!d.segment) return Reason{"segment is missing"};
  if (auto reason = check_segment(*d.segment); !reason.ok()) return reason.error();
  if (!d.created_at) return Reason{"createdAt is missing"};
  if (!d.version || *d.version < 1) return Reason{"version is missing or not a positive number"};
  return FrozenCopy{std::move(id), *d.segment, *d.title, *d.body, *d.created_at, *d.version};
}

}  // namespace

DayExpansion expand_definitions(std::string_view date,
                                const std::vector<StoredDefinition>& definitions) {
  DayExpansion out;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < definitions.size(); ++i) {
    const StoredDefinition& d = definitions[i];
    const std::string key = d.sk ? "DEFINITION/" + *d.sk : "definition " + std::to_string(i);
    auto skip = [&](std::string reason) { out.skipped.push_back({key, std::move(reason)}); };
    if (d.unreadable) {
      skip(*d.unreadable);
      continue;
    }
    auto id = definition_id(d);
    if (!id.ok()) {
      skip(id.error().text);
      continue;
    }
    if (!d.schedule) {
      skip("schedule is missing");
      continue;
    }
    const auto schedule = parse_schedule_text(*d.schedule);
    if (!schedule.ok()) {
      skip("schedule: " + schedule.error().text);
      continue;
    }
    auto copy = copy_of(d, std::move(id).value());
    if (!copy.ok()) {
      skip(copy.error().text);
      continue;
    }
    if (!seen.insert(copy.value().notification_id).second) {
      skip("duplicate notificationId");
      continue;
    }
    if (occurs_on(schedule.value(), date)) out.copies.push_back(std::move(copy).value());
  }
  // A Query answers in key order already; sorting keeps the promise for any input.
  std::sort(out.copies.begin(), out.copies.end(), [](const FrozenCopy& a, const FrozenCopy& b) {
    return a.notification_id < b.notification_id;
  });
  return out;
}

}  // namespace dn::core
