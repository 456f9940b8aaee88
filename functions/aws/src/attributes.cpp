#include "dn/aws/attributes.hpp"

#include <charconv>

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

std::optional<std::int64_t> number(const nlohmann::json& item, std::string_view name) {
  if (!item.is_object()) return std::nullopt;
  const auto a = item.find(name);
  if (a == item.end() || !a->is_object()) return std::nullopt;
  const auto n = a->find("N");
  if (n == a->end() || !n->is_string()) return std::nullopt;
  const auto& digits = n->get_ref<const std::string&>();
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace dn::aws::attr
