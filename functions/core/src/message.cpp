#include "dn/core/message.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "dn/core/validate.hpp"
#include "dn/util/json.hpp"

namespace dn::core {
namespace {
constexpr long long kMaxCount = 2147483647;
}  // namespace

std::string encode_message(const GenerateMessage& message) {
  nlohmann::json j{{"v", kMessageVersion},
                   {"date", message.date},
                   {"notificationId", message.notification_id},
                   {"segment", message.segment}};
  if (message.cursor) j["cursor"] = *message.cursor;
  if (message.run) {
    j["run"] = *message.run;
    j["hop"] = message.hop;
  }
  if (message.owner) j["owner"] = *message.owner;
  if (message.stalls > 0) j["stalls"] = message.stalls;
  return dn::util::to_json(j);
}

Expected<GenerateMessage> decode_message(std::string_view body) {
  const auto j = dn::util::parse_json(body);
  if (j.is_discarded() || !j.is_object()) return Reason{"body is not a JSON object"};
  const auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<long long>() != kMessageVersion) {
    return Reason{"unsupported message version (want v=1)"};
  }
  auto text = [&](const char* name) -> const std::string* {
    const auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* date = text("date");
  const std::string* id = text("notificationId");
  const std::string* segment = text("segment");
  if (date == nullptr || id == nullptr || segment == nullptr) {
    return Reason{"date, notificationId and segment must be strings"};
  }
  if (auto r = check_date(*date); !r.ok()) return r.error();
  if (auto r = check_notification_id(*id); !r.ok()) return r.error();
  if (auto r = check_segment(*segment); !r.ok()) return r.error();
  GenerateMessage m{*date, *id, *segment};
  if (const auto c = j.find("cursor"); c != j.end() && !c->is_null()) {
    if (!c->is_string() || c->get_ref<const std::string&>().empty()) {
      return Reason{"cursor must be a non-empty string when present"};
    }
    m.cursor = c->get<std::string>();
  }
  // run / owner: ids like the others ([A-Za-z0-9_-], at most 64); hop / stalls: 0..2^31.
  for (const auto& [name, field] : {std::pair{"run", &m.run}, std::pair{"owner", &m.owner}}) {
    const auto it = j.find(name);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string() || !check_user_id(it->get_ref<const std::string&>()).ok()) {
      return Reason{std::string(name) + " must be 1-64 of [A-Za-z0-9_-] when present"};
    }
    *field = it->get<std::string>();
  }
  if (const auto h = j.find("hop"); h != j.end() && !h->is_null()) {
    if (!h->is_number_integer() || h->get<long long>() < 0 || h->get<long long>() > kMaxCount) {
      return Reason{"hop must be an integer 0..2147483647 when present"};
    }
    m.hop = h->get<std::int64_t>();
  }
  if (const auto st = j.find("stalls"); st != j.end() && !st->is_null()) {
    if (!st->is_number_integer() || st->get<long long>() < 0 || st->get<long long>() > kMaxCount) {
      return Reason{"stalls must be an integer 0..2147483647 when present"};
    }
    m.stalls = static_cast<int>(st->get<long long>());
  }
  return m;
}

}  // namespace dn::core
