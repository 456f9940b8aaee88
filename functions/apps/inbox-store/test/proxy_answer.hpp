#pragma once
// What an API function's handler answers one API Gateway event with, as its handler tests read
// it: (statusCode, parsed body). Every answer, success or error, must be a proxy response (never
// an invocation error) that names the build that served it.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "dn/runtime/build.hpp"
#include "dn/runtime/runtime.hpp"

namespace dn::inbox::testing {

template <class Handler>
std::pair<int, nlohmann::json> proxy_answer(Handler& handler, const nlohmann::json& event,
                                            runtime::Request request = {}) {
  request.payload = event.dump();
  const runtime::Response resp = handler.handle(request);
  EXPECT_TRUE(resp.is_success());
  const auto proxy = nlohmann::json::parse(resp.body());
  EXPECT_EQ(proxy["headers"].value("X-Build-Id", ""), std::string(runtime::build_id()));
  EXPECT_EQ(proxy["headers"].value("Content-Type", ""), "application/json");
  return {proxy["statusCode"].get<int>(), nlohmann::json::parse(proxy["body"].get<std::string>())};
}

}  // namespace dn::inbox::testing
