#include "dn/core/inbox.hpp"

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

std::string render(std::string_view text_in, std::string_view user_id,
                   std::string_view display_name) {
  static constexpr std::string_view kName = "{{displayName}}";
  static constexpr std::string_view kUser = "{{userId}}";
  const std::string_view name = display_name.empty() ? kDefaultDisplayName : display_name;
  std::string out;
  out.reserve(text_in.size());
  std::size_t i = 0;
  while (i < text_in.size() && out.size() <= kMaxRenderedLength) {
    const auto rest = text_in.substr(i);
    if (rest.starts_with(kName)) {
      out.append(name);
      i += kName.size();
    } else if (rest.starts_with(kUser)) {
      out.append(user_id);
      i += kUser.size();
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
  const std::string_view display =
      member.display_name ? std::string_view(*member.display_name) : std::string_view();
  return InboxRecord{std::string(uid),
                     n.date,
                     n.notification_id,
                     render(n.title, uid, display),
                     render(n.body, uid, display),
                     n.created_at,
                     expires_at_epoch};
}

}  // namespace dn::core
