#include "dn/core/message.hpp"

#include <nlohmann/json.hpp>

#include "dn/core/validate.hpp"

namespace dn::core {

std::string encode_message(const GenerateMessage& message) {
  nlohmann::json j{{"v", kMessageVersion},
                   {"date", message.date},
                   {"notificationId", message.notification_id},
                   {"segment", message.segment}};
  if (message.cursor) j["cursor"] = *message.cursor;
  return j.dump();
}

std::variant<GenerateMessage, MessageError> decode_message(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return MessageError{"body is not a JSON object"};
  const auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<long long>() != kMessageVersion) {
    return MessageError{"unsupported message version (want v=1)"};
  }
  auto text = [&](const char* name) -> const std::string* {
    const auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* date = text("date");
  const std::string* id = text("notificationId");
  const std::string* segment = text("segment");
  if (date == nullptr || id == nullptr || segment == nullptr) {
    return MessageError{"date, notificationId and segment must be strings"};
  }
  if (auto r = check_date(*date)) return MessageError{*r};
  if (auto r = check_notification_id(*id)) return MessageError{*r};
  if (auto r = check_segment(*segment)) return MessageError{*r};
  GenerateMessage m{*date, *id, *segment};
  if (const auto c = j.find("cursor"); c != j.end() && !c->is_null()) {
    if (!c->is_string() || c->get_ref<const std::string&>().empty()) {
      return MessageError{"cursor must be a non-empty string when present"};
    }
    m.cursor = c->get<std::string>();
  }
  return m;
}

}  // namespace dn::core
