#pragma once
// Parsing and writing JSON, compiled once (util/src/json.cpp). Every unit that called
// nlohmann's parse() or dump() itself compiled the whole parser or serializer again at -O3
// (about 5 CPU-s a unit, most of a fresh clone's build); call these instead.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dn::util {

// A discarded value (is_discarded()) when text is not JSON; never throws.
nlohmann::json parse_json(std::string_view text);

// Throws nlohmann::json::parse_error (its what() names the byte where it went wrong).
nlohmann::json parse_json_or_throw(std::string_view text);

// Compact JSON; throws nlohmann::json::type_error when a string is not valid UTF-8.
std::string to_json(const nlohmann::json& value);

// Compact JSON with invalid UTF-8 replaced by U+FFFD (for text that came from outside: logs,
// reasons quoting a file).
std::string to_json_lossy(const nlohmann::json& value);
std::string to_json_lossy(const nlohmann::ordered_json& value);

}  // namespace dn::util
