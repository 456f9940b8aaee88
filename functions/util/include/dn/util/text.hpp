// Small ASCII text helpers shared by every library (header names, settings, HTTP lines).
#pragma once

#include <algorithm>
#include <cctype>
#include <concepts>
#include <string>
#include <string_view>

namespace dn::util {

// `text` with A-Z mapped to a-z; every other byte unchanged.
inline std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `c` is one of '0'..'9' (std::isdigit depends on the locale and takes an int).
constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// `text` is one or more of '0'..'9'.
inline bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

// The decimal value of `digits`, which all_digits accepts and which is short enough for an int.
inline int decimal_value(std::string_view digits) {
  int v = 0;
  for (const char c : digits) v = v * 10 + (c - '0');
  return v;
}

// `text` without leading and trailing whitespace (spaces, tabs, CR, LF).
inline std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

// `text` between double quotes, each quote inside doubled: an SQL identifier ("a""b") and a CSV
// field (RFC 4180) are both written this way.
inline std::string double_quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// `prefix` followed by `n` in decimal ("q7" for "q", 7). Appended, not `"q" + std::to_string(n)`:
// GCC 12 at -O3 reports a false -Wrestrict on a literal plus a temporary string (release builds).
inline std::string numbered(std::string_view prefix, std::integral auto n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

}  // namespace dn::util
