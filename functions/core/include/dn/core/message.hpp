// The GenerateMessage queue's message body, shared by find-daily (producer) and generate
// (consumer): {"v":1,"date":"YYYY-MM-DD","notificationId":"...","segment":"...","cursor":"..."}.
// `cursor` is present only on a continuation message (the audience page to resume from).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dn::core {

inline constexpr int kMessageVersion = 1;

struct GenerateMessage {
  std::string date;
  std::string notification_id;
  std::string segment;
  std::optional<std::string> cursor{};
};

// The reason a body is not a valid GenerateMessage (a poison message: never retried forever).
struct MessageError {
  std::string reason;
};

std::string encode_message(const GenerateMessage& message);
std::variant<GenerateMessage, MessageError> decode_message(std::string_view body);

}  // namespace dn::core
