#include "dn/util/json.hpp"

namespace dn::util {

nlohmann::json parse_json(std::string_view text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

nlohmann::json parse_json_or_throw(std::string_view text) {
  return nlohmann::json::parse(text);
}

std::string to_json(const nlohmann::json& value) {
  return value.dump();
}

std::string to_json_lossy(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_json_lossy(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace dn::util
