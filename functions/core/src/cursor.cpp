#include "dn/core/cursor.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "dn/core/keys.hpp"

namespace dn::core {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kTagSize = 32;

std::array<unsigned char, kTagSize> tag(std::string_view key, std::string_view payload) {
  std::array<unsigned char, kTagSize> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), out.data(), &len);
  return out;
}

int decode_char(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16U) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8U) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    out += kAlphabet[(v >> 6U) & 63U];
    out += kAlphabet[v & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16U;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8U;
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    if (rest == 2) out += kAlphabet[(v >> 6U) & 63U];
  }
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() % 4 == 1) return false;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = decode_char(c);
    if (v < 0) return false;
    acc = (acc << 6U) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  // Leftover bits must be zero, so every cursor has exactly one encoding.
  return (acc & ((1U << static_cast<unsigned>(bits)) - 1U)) == 0;
}

std::string encode_cursor(std::string_view key, std::string_view user_id, InboxFilter filter,
                          std::string_view sk) {
  std::string payload;
  payload += static_cast<char>(kCursorVersion);
  payload.append(user_id);
  payload += '\0';
  payload.append(filter_name(filter));
  payload += '\0';
  payload.append(sk);
  const auto t = tag(key, payload);
  payload.append(reinterpret_cast<const char*>(t.data()), t.size());
  return base64url_encode(payload);
}

Expected<std::string> decode_cursor(std::string_view key, std::string_view user_id,
                                    InboxFilter filter, std::string_view cursor) {
  if (cursor.empty() || cursor.size() > kMaxCursorLength) return Reason{"cursor is malformed"};
  std::string raw;
  if (!base64url_decode(cursor, raw) || raw.size() < 1 + 1 + kTagSize) {
    return Reason{"cursor is malformed"};
  }
  const std::string_view payload(raw.data(), raw.size() - kTagSize);
  const auto expected = tag(key, payload);
  if (CRYPTO_memcmp(expected.data(), raw.data() + payload.size(), kTagSize) != 0) {
    return Reason{"cursor is invalid or was issued for another request"};
  }
  if (static_cast<unsigned char>(payload[0]) != kCursorVersion) {
    return Reason{"cursor version is not supported"};
  }
  // Fields are split on 0x00, which neither a user id nor a filter name can contain.
  auto rest = payload.substr(1);
  for (const std::string_view field : {user_id, filter_name(filter)}) {
    const auto nul = rest.find('\0');
    if (nul == std::string_view::npos || rest.substr(0, nul) != field) {
      return Reason{"cursor is invalid or was issued for another request"};
    }
    rest = rest.substr(nul + 1);
  }
  const auto sk = rest;
  if (!sk.starts_with(keys::kInboxPrefix)) return Reason{"cursor is malformed"};
  return std::string(sk);
}

}  // namespace dn::core
