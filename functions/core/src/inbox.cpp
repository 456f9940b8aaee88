#include "dn/core/inbox.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "dn/core/keys.hpp"
#include "dn/core/timezone.hpp"
#include "dn/core/validate.hpp"

namespace dn::core {
namespace {

// Cuts `s` to at most `limit` bytes without splitting a UTF-8 sequence.
void truncate_utf8(std::string& s, std::size_t limit) {
  if (s.size() <= limit) return;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
  s.resize(cut);
}

}  // namespace

std::string render(std::string_view text_in, const RenderFields& fields) {
  const auto or_else = [](std::string_view v, std::string_view fallback) {
    return v.empty() ? fallback : v;
  };
  const std::string_view display = or_else(fields.display_name, kDefaultDisplayName);
  const std::pair<std::string_view, std::string_view> values[] = {
      {"{{displayName}}", display},
      {"{{firstName}}", or_else(fields.first_name, display)},
      {"{{locale}}", or_else(fields.locale, kDefaultLocale)},
      {"{{userId}}", fields.user_id},
  };
  std::string out;
  out.reserve(text_in.size());
  std::size_t i = 0;
  while (i < text_in.size() && out.size() <= kMaxRenderedLength) {
    const auto rest = text_in.substr(i);
    // Only a "{{" can start a placeholder; the plain characters skip the lookup.
    const auto* hit = rest.starts_with("{{")
                          ? std::find_if(std::begin(values), std::end(values),
                                         [&](const auto& v) { return rest.starts_with(v.first); })
                          : std::end(values);
    if (hit != std::end(values)) {
      out.append(hit->second);
      i += hit->first.size();
    } else {
      out.push_back(text_in[i]);
      ++i;
    }
  }
  truncate_utf8(out, kMaxRenderedLength);
  return out;
}

Expected<Notification> notification_from_item(const StoredNotification& item) {
  if (!item.pk || !item.sk) return Reason{"notification item has no pk/sk"};
  const auto date = keys::strip_prefix(*item.pk, keys::kDayPrefix);
  const auto id = keys::strip_prefix(*item.sk, keys::kNotificationPrefix);
  if (!check_date(date).ok() || !check_notification_id(id).ok()) {
    return Reason{"notification item keys are not DAY#<date>/NOTIF#<id>"};
  }
  if (!item.segment || !check_segment(*item.segment).ok()) {
    return Reason{"notification has no valid segment"};
  }
  if (!item.title || !item.body) return Reason{"notification has no title/body"};
  return Notification{std::string(date), std::string(id), *item.segment,
                      *item.title,       *item.body,      item.created_at.value_or(std::string())};
}

std::optional<std::int64_t> expires_at(std::string_view date, int ttl_days) {
  const auto d = parse_date(date);
  if (!d || ttl_days < 1) return std::nullopt;
  return (days_from_civil(d->year, d->month, d->day) + ttl_days) * kSecondsPerDay;
}

Expected<InboxRecord> inbox_record(const Notification& n, const StoredMember& member,
                                   std::int64_t expires_at_epoch) {
  // The user id is the member key's suffix; a userId attribute, when present, must agree.
  const std::string_view uid =
      member.sk ? keys::strip_prefix(*member.sk, keys::kUserPrefix) : std::string_view();
  if (auto reason = check_user_id(uid); !reason.ok())
    return Reason{"member key is not USER#<userId>: " + reason.error().text};
  if (member.user_id && *member.user_id != uid) {
    return Reason{"member userId does not match its key"};
  }
  const auto view = [](const std::optional<std::string>& v) {
    return v ? std::string_view(*v) : std::string_view();
  };
  const RenderFields fields{uid, view(member.display_name), view(member.first_name),
                            view(member.locale)};
  return InboxRecord{
      std::string(uid),       n.date,       n.notification_id, render(n.title, fields),
      render(n.body, fields), n.created_at, expires_at_epoch};
}

}  // namespace dn::core
