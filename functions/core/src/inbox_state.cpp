#include "dn/core/inbox_state.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "dn/core/keys.hpp"
#include "dn/core/validate.hpp"
#include "dn/util/json.hpp"
#include "dn/util/names.hpp"

namespace dn::core {
namespace {

using nlohmann::json;

constexpr auto kFilters = std::to_array<util::Name<InboxFilter>>(
    {{InboxFilter::all, "all"}, {InboxFilter::unread, "unread"}, {InboxFilter::read, "read"}});

constexpr auto kChanges =
    std::to_array<util::Name<StateChange>>({{StateChange::mark_read, "read"},
                                            {StateChange::mark_unread, "unread"},
                                            {StateChange::archive, "archive"},
                                            {StateChange::unarchive, "unarchive"}});

}  // namespace

std::string_view filter_name(InboxFilter filter) {
  return util::name_of(kFilters, filter);
}

std::optional<InboxFilter> parse_filter(std::string_view text) {
  return util::value_named(kFilters, text);
}

std::string_view change_name(StateChange change) {
  return util::name_of(kChanges, change);
}

Expected<Transition> apply_change(const InboxState& state, StateChange change,
                                  std::string_view now) {
  Transition t{state, false};
  switch (change) {
    case StateChange::mark_read:
      if (!state.read_at) t.state.read_at = std::string(now);
      break;
    case StateChange::mark_unread:
      if (state.archived_at) {
        return Reason{"an archived notification is read; unarchive it before marking it unread"};
      }
      t.state.read_at.reset();
      break;
    case StateChange::archive:
      if (!state.archived_at) t.state.archived_at = std::string(now);
      if (!state.read_at) t.state.read_at = std::string(now);
      break;
    case StateChange::unarchive:
      t.state.archived_at.reset();
      break;
  }
  t.changed = t.state != state;
  return t;
}

bool in_filter(const InboxState& state, InboxFilter filter) {
  if (state.archived()) return false;
  switch (filter) {
    case InboxFilter::unread:
      return !state.read();
    case InboxFilter::read:
      return state.read();
    case InboxFilter::all:
      break;
  }
  return true;
}

std::optional<std::string> state_partition(std::string_view user_id, const InboxState& state) {
  if (state.archived()) return std::nullopt;
  return keys::state_pk(user_id, state.read());
}

Listing listing(std::string_view user_id, InboxFilter filter) {
  if (filter == InboxFilter::all) return Listing{{}, keys::kPk, keys::user_pk(user_id), true};
  return Listing{keys::kStateIndex, keys::kStatePk,
                 keys::state_pk(user_id, filter == InboxFilter::read), false};
}

std::string record_id(std::string_view date, std::string_view notification_id) {
  std::string out(date);
  out.push_back('.');
  out.append(notification_id);
  return out;
}

Expected<RecordRef> parse_record_id(std::string_view id) {
  static constexpr std::string_view kShape =
      "id must be <date>.<notificationId>, e.g. 2026-11-24.digest";
  const auto dot = id.find('.');
  if (id.empty() || dot == std::string_view::npos) return Reason{std::string(kShape)};
  const auto date = id.substr(0, dot);
  const auto notification = id.substr(dot + 1);
  if (!check_date(date).ok()) return Reason{std::string(kShape)};
  if (auto reason = check_notification_id(notification); !reason.ok())
    return Reason{"id: " + reason.error().text};
  return RecordRef{std::string(date), std::string(notification)};
}

std::optional<RecordRef> record_from_sk(std::string_view sk) {
  const auto rest = keys::strip_prefix(sk, keys::kInboxPrefix);
  const auto hash = rest.find('#');
  if (hash == std::string_view::npos) return std::nullopt;
  const auto date = rest.substr(0, hash);
  const auto notification = rest.substr(hash + 1);
  if (!check_date(date).ok() || !check_notification_id(notification).ok()) return std::nullopt;
  return RecordRef{std::string(date), std::string(notification)};
}

Expected<StateChange> parse_state_patch(std::string_view body) {
  static constexpr std::string_view kShape =
      R"(body must be {"read": true|false} or {"archived": true|false})";
  if (body.size() > kMaxPatchBody) {
    return Reason{"body must be at most " + std::to_string(kMaxPatchBody) + " bytes"};
  }
  const auto doc = dn::util::parse_json(body);
  if (doc.is_discarded() || !doc.is_object() || doc.size() != 1) {
    return Reason{std::string(kShape)};
  }
  const auto field = doc.begin();
  const std::string& name = field.key();
  const auto& value = field.value();
  if (name != "read" && name != "archived") return Reason{std::string(kShape)};
  if (!value.is_boolean()) return Reason{name + " must be true or false"};
  const bool on = value.get<bool>();
  if (name == "read") return on ? StateChange::mark_read : StateChange::mark_unread;
  return on ? StateChange::archive : StateChange::unarchive;
}

UnreadCount unread_count(long long counted, bool more) {
  const long long capped = std::clamp<long long>(counted, 0, kUnreadCountCap);
  return UnreadCount{static_cast<int>(capped), !more && counted <= kUnreadCountCap};
}

}  // namespace dn::core
