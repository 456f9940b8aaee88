// The byte-level rules of SigV4 requests, exposed for tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dn/aws/result.hpp"

namespace dn::aws {

// RFC 3986 percent-encoding: A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX (upper
// case hex); '/' stays when keep_slash (S3 object keys).
std::string uri_encode(std::string_view raw, bool keep_slash);

// SigV4 canonical query string: pairs encoded with uri_encode, sorted by key then value, each
// written key=value (the '=' even for an empty value), joined with '&'.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& pairs);

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

// Checks a header set before it is signed: names must be HTTP tokens and unique (case-blind),
// values non-blank and free of CR/LF ("InvalidArgument" otherwise).
Result<void> check_signable_headers(
    const std::vector<std::pair<std::string, std::string>>& headers);

struct SigV4Input {
  std::string method;
  std::string host;   // as sent in the Host header (with :port when not default)
  std::string path;   // already percent-encoded
  std::string query;  // already canonical
  const std::vector<std::pair<std::string, std::string>>* headers;  // without host/x-amz-date
  std::string payload_hash;  // hex SHA-256 or UNSIGNED-PAYLOAD
  std::string amz_date;      // YYYYMMDDTHHMMSSZ
  std::string region;
  std::string service;
  std::string access_key_id;
  std::string secret_access_key;
};

// The Authorization header value SigV4 prescribes (AWS4-HMAC-SHA256 Credential=...,
// SignedHeaders=..., Signature=...). The one signer of every request (sign_request).
std::string sigv4_authorization(const SigV4Input& in);

}  // namespace dn::aws
