#include "dn/aws/s3.hpp"

#include <charconv>
#include <string>

#include "dn/aws/encoding.hpp"

namespace dn::aws {
namespace {

Result<void> check_names(const std::string& bucket, const std::string& key) {
  if (bucket.empty() || bucket.find('/') != std::string::npos) {
    return Error{"InvalidArgument", "bucket name '" + bucket + "' is empty or has a '/'", 0, false};
  }
  if (key.empty()) return Error{"InvalidArgument", "object key is empty", 0, false};
  return {};
}

std::uint64_t to_u64(const std::string& text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

std::string s3_object_url(const Config& config, std::string_view bucket, std::string_view key) {
  const std::string path = uri_encode(key, true);
  if (!config.endpoint_url.empty()) {
    return config.endpoint_url + "/" + uri_encode(bucket, false) + "/" + path;
  }
  const std::string regional = "s3." + config.region + ".amazonaws.com";
  if (bucket.find('.') != std::string_view::npos) {
    return "https://" + regional + "/" + std::string(bucket) + "/" + path;
  }
  return "https://" + std::string(bucket) + "." + regional + "/" + path;
}

Result<ObjectInfo> S3::get_object(const std::string& bucket, const std::string& key,
                                  const std::function<bool(std::string_view)>& on_chunk,
                                  std::optional<ByteRange> range, const std::string& version_id) {
  if (auto ok = check_names(bucket, key); !ok.ok()) return ok.error();
  if (!on_chunk) return Error{"InvalidArgument", "get_object needs a chunk callback", 0, false};
  HttpRequest request{.method = "GET",
                      .service = "s3",
                      .url = s3_object_url(client_->config(), bucket, key),
                      .content_sha256 = true};
  if (range) {
    if (range->last && *range->last < range->first) {
      return Error{"InvalidArgument", "byte range ends before it starts", 0, false};
    }
    std::string value = "bytes=" + std::to_string(range->first) + "-";
    if (range->last) value += std::to_string(*range->last);
    request.headers.emplace_back("Range", std::move(value));
  }
  if (!version_id.empty()) request.query.emplace_back("versionId", version_id);
  request.on_body = on_chunk;
  auto response = client_->send(request);
  if (!response.ok()) return response.error();
  ObjectInfo info;
  info.etag = response->header("etag");
  info.version_id = response->header("x-amz-version-id");
  info.content_type = response->header("content-type");
  info.content_length = response->headers.count("content-length") != 0
                            ? to_u64(response->header("content-length"))
                            : response->streamed_bytes;
  return info;
}

Result<PutObjectResult> S3::put_object(const std::string& bucket, const std::string& key,
                                       std::string_view body, const Headers& headers) {
  if (auto ok = check_names(bucket, key); !ok.ok()) return ok.error();
  // Designated initialisers: GCC 12 -O3 flags member-wise assignment as maybe-uninitialized.
  const HttpRequest request{.method = "PUT",
                            .service = "s3",
                            .url = s3_object_url(client_->config(), bucket, key),
                            .headers = headers,
                            .body = body,
                            .content_sha256 = true};
  auto response = client_->send(request);
  if (!response.ok()) return response.error();
  return PutObjectResult{response->header("etag"), response->header("x-amz-version-id")};
}

}  // namespace dn::aws
