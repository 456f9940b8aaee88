// get-notifications' pagination cursor: opaque to clients and tamper-evident. It carries the sort
// key to resume after, bound to the user and the list filter (status) it was issued for, and an
// HMAC-SHA256 tag over all of them under a server-side key (Secrets Manager). A client can
// neither forge a cursor into another user's inbox, nor move one it was given, nor replay a
// cursor of one filter against another.
//
// Layout before base64url (no padding):
//   version (1 byte) | userId | 0x00 | filter name | 0x00 | sk | tag (32 bytes).
#pragma once

#include <string>
#include <string_view>

#include "dn/core/expected.hpp"
#include "dn/core/inbox_state.hpp"

namespace dn::core {

inline constexpr unsigned char kCursorVersion = 2;
inline constexpr std::size_t kMaxCursorLength = 512;  // encoded characters

std::string base64url_encode(std::string_view bytes);
// False when `text` is not canonical unpadded base64url.
bool base64url_decode(std::string_view text, std::string& out);

std::string encode_cursor(std::string_view key, std::string_view user_id, InboxFilter filter,
                          std::string_view sk);

// The inbox sort key to resume after, or why the cursor is rejected (safe to show). A cursor
// issued for another user or another filter is rejected like a forged one.
Expected<std::string> decode_cursor(std::string_view key, std::string_view user_id,
                                    InboxFilter filter, std::string_view cursor);

}  // namespace dn::core
