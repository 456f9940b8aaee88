// AWS fakes on the one test HTTP server (dn/testing/http_server.hpp): the stub's names as the
// AWS tests use them, a JSON-protocol answer, and the environment that points a function at it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dn/testing/http_server.hpp"

namespace dn::aws::testing {

using StubRequest = dn::testing::HttpRequest;
using StubResponse = dn::testing::HttpResponse;
using StubServer = dn::testing::HttpServer;
using dn::testing::Fault;
using dn::testing::script;

StubResponse json_response(int status, const std::string& body);

// The environment a function needs to call AWS on this stub (region, test credentials whose
// access key id is kStubAccessKeyId, AWS_ENDPOINT_URL); merge the function's own variables in.
inline constexpr const char* kStubAccessKeyId = "AKIDEXAMPLE";
std::map<std::string, std::string> stub_aws_env(const std::string& endpoint);

// Targets of the requests `server` received that are not SigV4-signed with kStubAccessKeyId.
std::vector<std::string> unsigned_requests(const StubServer& server);

}  // namespace dn::aws::testing
