// S3 over REST. Object URLs: with AWS_ENDPOINT_URL (MiniStack) path-style
// <endpoint>/<bucket>/<key>; on AWS virtual-hosted
// https://<bucket>.s3.<region>.amazonaws.com/<key>, or path-style
// https://s3.<region>.amazonaws.com/<bucket>/<key> for bucket names with a '.' (their virtual host
// would not match the wildcard certificate). Keys are percent-encoded per RFC 3986 keeping '/'.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/aws/result.hpp"

namespace dn::aws {

struct ByteRange {
  std::uint64_t first = 0;
  std::optional<std::uint64_t> last{};  // inclusive; absent = to the end
};

struct ObjectInfo {
  std::string etag{};                // as S3 sends it, quotes included
  std::string version_id{};          // empty when the bucket is not versioned
  std::uint64_t content_length = 0;  // bytes in this response (the range, when one was asked)
  std::string content_type{};
};

struct PutObjectResult {
  std::string etag{};
  std::string version_id{};
};

// The object URL described above (exposed for tests).
std::string s3_object_url(const Config& config, std::string_view bucket, std::string_view key);

class S3 {
 public:
  explicit S3(Client& client) : client_(&client) {}

  // Streams the object (or range) to on_chunk; never buffers it whole. on_chunk returning false
  // aborts with Error "Aborted". Retried only while nothing was handed to on_chunk. With a
  // version_id, exactly that version (versionId query parameter), else the current one. Bounded
  // by progress and the deadline, not a fixed time (see HttpRequest::timeout).
  Result<ObjectInfo> get_object(const std::string& bucket, const std::string& key,
                                const std::function<bool(std::string_view)>& on_chunk,
                                std::optional<ByteRange> range = std::nullopt,
                                const std::string& version_id = "");

  // PUT with x-amz-content-sha256 of `body`. `headers` are extra signed headers such as
  // Content-Type or x-amz-server-side-encryption: aws:kms (see client.hpp for the header rule
  // that curl 7.88 imposes).
  Result<PutObjectResult> put_object(const std::string& bucket, const std::string& key,
                                     std::string_view body, const Headers& headers = {});

 private:
  Client* client_;
};

}  // namespace dn::aws
