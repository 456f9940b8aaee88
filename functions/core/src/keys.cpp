#include "dn/core/keys.hpp"

namespace dn::core::keys {
namespace {
std::string join(std::string_view prefix, std::string_view value) {
  std::string out;
  out.reserve(prefix.size() + value.size());
  out.append(prefix).append(value);
  return out;
}
// A key of two parts: prefix, value, '#', then (INBOX#<date>#<notificationId>).
std::string join(std::string_view prefix, std::string_view value, std::string_view then) {
  std::string out = join(prefix, value);
  out.push_back('#');
  out.append(then);
  return out;
}
}  // namespace

std::string day_pk(std::string_view date) {
  return join(kDayPrefix, date);
}
std::string notification_sk(std::string_view notification_id) {
  return join(kNotificationPrefix, notification_id);
}
std::string definition_sk(std::string_view notification_id) {
  return notification_sk(notification_id);
}
std::string segment_pk(std::string_view segment) {
  return join(kSegmentPrefix, segment);
}
std::string member_sk(std::string_view user_id) {
  return join(kUserPrefix, user_id);
}
std::string user_pk(std::string_view user_id) {
  return join(kUserPrefix, user_id);
}
std::string inbox_sk(std::string_view date, std::string_view notification_id) {
  return join(kInboxPrefix, date, notification_id);
}
std::string state_pk(std::string_view user_id, bool read) {
  std::string out = join(kUserPrefix, user_id);
  out.append(read ? "#read" : "#unread");
  return out;
}
std::string run_pk(std::string_view date) {
  return join(kRunPrefix, date);
}
std::string chain_sk(std::string_view notification_id, std::string_view run) {
  return join(kChainPrefix, notification_id, run);
}

std::string_view strip_prefix(std::string_view key, std::string_view prefix) {
  return key.starts_with(prefix) ? key.substr(prefix.size()) : std::string_view{};
}

}  // namespace dn::core::keys
