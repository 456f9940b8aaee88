// A DynamoDB item's attributes in their wire form ({"title": {"S": "Hello"}}, {"N": "42"}), as
// core reads items and the adapters write them: one writer of each form and one reader, so an
// absent or mistyped attribute reads the same in every function.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dn::core::attr {

// {"S": v}
nlohmann::json str(std::string_view v);
// {"N": "<v>"}
nlohmann::json num(std::int64_t v);
// The S value of attribute `name` of `item`; nullptr when `item` is not an object, has no such
// attribute or holds another type there.
const std::string* text(const nlohmann::json& item, std::string_view name);

}  // namespace dn::core::attr
