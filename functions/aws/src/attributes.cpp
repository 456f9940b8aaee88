#include "dn/aws/attributes.hpp"

namespace dn::aws::attr {

nlohmann::json str(std::string_view v) {
  return nlohmann::json{{"S", std::string(v)}};
}

nlohmann::json num(std::int64_t v) {
  return nlohmann::json{{"N", std::to_string(v)}};
}

const std::string* text(const nlohmann::json& item, std::string_view name) {
  if (!item.is_object()) return nullptr;
  const auto a = item.find(name);
  if (a == item.end() || !a->is_object()) return nullptr;
  const auto s = a->find("S");
  return s != a->end() && s->is_string() ? s->get_ptr<const std::string*>() : nullptr;
}

std::optional<std::string> maybe_text(const nlohmann::json& item, std::string_view name) {
  const auto* value = text(item, name);
  return value != nullptr ? std::optional<std::string>(*value) : std::nullopt;
}

}  // namespace dn::aws::attr
