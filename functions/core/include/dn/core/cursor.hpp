// get-notifications' pagination cursor: opaque to clients and tamper-evident. It carries the sort
// key to resume after, bound to the user it was issued for, and an HMAC-SHA256 tag over both
// under a server-side key (Secrets Manager). A client can neither forge a cursor into another
// user's inbox nor move one it was given.
//
// Layout before base64url (no padding): version (1 byte) | userId | 0x00 | sk | tag (32 bytes).
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace dn::core {

inline constexpr unsigned char kCursorVersion = 1;
inline constexpr std::size_t kMaxCursorLength = 512;  // encoded characters

std::string base64url_encode(std::string_view bytes);
// False when `text` is not canonical unpadded base64url.
bool base64url_decode(std::string_view text, std::string& out);

std::string encode_cursor(std::string_view key, std::string_view user_id, std::string_view sk);

// Index 0: the inbox sort key to resume after; index 1: why the cursor is rejected (safe to show).
std::variant<std::string, std::string> decode_cursor(std::string_view key, std::string_view user_id,
                                                     std::string_view cursor);

}  // namespace dn::core
