// An enum's text names written once, as one table of {value, name} pairs that serves both
// directions (a log line's level, a metric's unit, a verdict in an outcome record...).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace dn::util {

template <class E>
struct Name {
  E value;
  std::string_view text;
};

// The name of `value`; the first entry's name for a value the table does not hold (an enum is
// only ever one of its enumerators, so the tables list them all).
template <class E, std::size_t N>
constexpr std::string_view name_of(const std::array<Name<E>, N>& names, E value) {
  static_assert(N > 0);
  for (const auto& n : names) {
    if (n.value == value) return n.text;
  }
  return names[0].text;
}

// The value whose name is exactly `text`.
template <class E, std::size_t N>
constexpr std::optional<E> value_named(const std::array<Name<E>, N>& names, std::string_view text) {
  for (const auto& n : names) {
    if (n.text == text) return n.value;
  }
  return std::nullopt;
}

}  // namespace dn::util
