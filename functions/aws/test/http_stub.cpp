#include "http_stub.hpp"

namespace dn::aws::testing {

StubResponse json_response(int status, const std::string& body) {
  return StubResponse{
      .status = status, .headers = {{"Content-Type", "application/x-amz-json-1.0"}}, .body = body};
}

std::map<std::string, std::string> stub_aws_env(const std::string& endpoint) {
  return {{"AWS_REGION", "eu-west-2"},
          {"AWS_ACCESS_KEY_ID", kStubAccessKeyId},
          {"AWS_SECRET_ACCESS_KEY", "not-a-secret"},
          {"AWS_ENDPOINT_URL", endpoint}};
}

std::vector<std::string> unsigned_requests(const StubServer& server) {
  const std::string prefix = std::string("AWS4-HMAC-SHA256 Credential=") + kStubAccessKeyId + "/";
  std::vector<std::string> out;
  for (const auto& r : server.requests()) {
    if (r.header("authorization").rfind(prefix, 0) != 0) out.push_back(r.method + " " + r.target);
  }
  return out;
}

}  // namespace dn::aws::testing
