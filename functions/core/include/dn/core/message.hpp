// The GenerateMessage queue's message body, shared by find-daily (producer) and generate
// (consumer): {"v":1,"date":"YYYY-MM-DD","notificationId":"...","segment":"...","cursor":"...",
// "run":"...","hop":N,"owner":"...","stalls":N}. `cursor` is present only on a continuation (the
// audience member to resume after). `run` and `hop` place the message in its chain (the run that
// queued it, and how many hand-overs came before it), so a duplicate or stale message of a chain
// is recognised; `owner` is set only on a message handed over before it claimed its hop (it keeps
// the original's claim), `stalls` counts hand-overs in a row that made no progress. All four are
// optional: a message without `run` is processed without the chain check.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dn/core/expected.hpp"

namespace dn::core {

inline constexpr int kMessageVersion = 1;

struct GenerateMessage {
  std::string date;
  std::string notification_id;
  std::string segment;
  std::optional<std::string> cursor{};
  std::optional<std::string> run{};
  std::int64_t hop = 0;
  std::optional<std::string> owner{};
  int stalls = 0;
};

std::string encode_message(const GenerateMessage& message);
// The message, or why the body is not a valid GenerateMessage (a poison message: never retried
// forever).
Expected<GenerateMessage> decode_message(std::string_view body);

}  // namespace dn::core
