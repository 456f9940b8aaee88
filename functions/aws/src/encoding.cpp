#include "dn/aws/encoding.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "dn/util/text.hpp"

namespace dn::aws {
namespace {

constexpr std::string_view kHex = "0123456789ABCDEF";
constexpr std::string_view kHexLower = "0123456789abcdef";

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

// RFC 7230 tchar.
bool is_token_char(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

using util::lower;

// SigV4 Trimall: no leading/trailing blanks, runs of blanks become one space.
std::string trim_all(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHexLower[data[i] >> 4U]);
    out.push_back(kHexLower[data[i] & 0x0FU]);
  }
  return out;
}

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest hmac(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

std::string_view as_view(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

std::string uri_encode(std::string_view raw, bool keep_slash) {
  std::string out;
  out.reserve(raw.size());
  for (char ch : raw) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4U]);
      out.push_back(kHex[c & 0x0FU]);
    }
  }
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(pairs.size());
  for (const auto& [key, value] : pairs) {
    encoded.emplace_back(uri_encode(key, false), uri_encode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return to_hex(digest.data(), digest.size());
}

Result<void> check_signable_headers(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return is_token_char(static_cast<unsigned char>(c));
        })) {
      return Error{"InvalidArgument", "header name '" + name + "' is not an HTTP token", 0, false};
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Error{"InvalidArgument", "header " + name + " contains CR, LF or NUL", 0, false};
    }
    if (trim_all(value).empty()) {
      // curl would sign "name:" yet never send the header: the signature could not match.
      return Error{"InvalidArgument", "header " + name + " has a blank value", 0, false};
    }
    std::string lname = lower(name);
    if (lname == "host" || lname == "authorization" || lname == "x-amz-date" ||
        lname == "x-amz-security-token") {
      return Error{"InvalidArgument", "header " + name + " is set by the client itself", 0, false};
    }
    if (std::find(names.begin(), names.end(), lname) != names.end()) {
      return Error{"InvalidArgument", "header " + name + " is given twice", 0, false};
    }
    names.push_back(std::move(lname));
  }
  return {};
}

std::string sigv4_authorization(const SigV4Input& in) {
  std::vector<std::pair<std::string, std::string>> canon;
  canon.emplace_back("host", trim_all(in.host));
  canon.emplace_back("x-amz-date", std::string(in.amz_date));
  for (const auto& [name, value] : *in.headers) canon.emplace_back(lower(name), trim_all(value));
  std::sort(canon.begin(), canon.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : canon) {
    canonical_headers.append(name).append(":").append(value).append("\n");
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += name;
  }
  std::string request;
  request.append(in.method).append("\n").append(in.path).append("\n");
  request.append(in.query).append("\n").append(canonical_headers).append("\n");
  request.append(signed_headers).append("\n").append(in.payload_hash);

  const std::string date = in.amz_date.substr(0, 8);
  std::string scope;
  scope.append(date).append("/").append(in.region).append("/").append(in.service);
  scope.append("/aws4_request");
  std::string to_sign = "AWS4-HMAC-SHA256\n";
  to_sign.append(in.amz_date).append("\n").append(scope).append("\n").append(sha256_hex(request));

  const Digest k_date = hmac("AWS4" + std::string(in.secret_access_key), date);
  const Digest k_region = hmac(as_view(k_date), in.region);
  const Digest k_service = hmac(as_view(k_region), in.service);
  const Digest k_signing = hmac(as_view(k_service), "aws4_request");
  const Digest signature = hmac(as_view(k_signing), to_sign);

  std::string out = "AWS4-HMAC-SHA256 Credential=";
  out.append(in.access_key_id).append("/").append(scope);
  out.append(", SignedHeaders=").append(signed_headers);
  out.append(", Signature=").append(to_hex(signature.data(), signature.size()));
  return out;
}

}  // namespace dn::aws
