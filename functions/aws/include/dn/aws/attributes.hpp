// A DynamoDB item's attributes in their wire form ({"title": {"S": "Hello"}}, {"N": "42"}), as
// the adapters write and read them: one writer of each form and one reader, so an absent or
// mistyped attribute reads the same in every function. Core never sees this form: the adapters
// hand it plain structs (core::DayItem, StoredNotification, StoredMember).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace dn::aws::attr {

// {"S": v}
nlohmann::json str(std::string_view v);
// {"N": "<v>"}
nlohmann::json num(std::int64_t v);
// The S value of attribute `name` of `item`; nullptr when `item` is not an object, has no such
// attribute or holds another type there.
const std::string* text(const nlohmann::json& item, std::string_view name);
// The same S value as a copy, nullopt where text() gives nullptr.
std::optional<std::string> maybe_text(const nlohmann::json& item, std::string_view name);
// The N value of attribute `name` of `item` as an integer; nullopt where text() would give
// nullptr for an S, or when the number is not an integer that fits 64 bits.
std::optional<std::int64_t> number(const nlohmann::json& item, std::string_view name);

}  // namespace dn::aws::attr
