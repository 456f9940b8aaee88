// Running a whole function in a test: its handler_from_env over a fake environment, through the
// stub Runtime API, with the log lines it writes captured or dropped.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dn/runtime/log.hpp"
#include "dn/runtime/runtime.hpp"
#include "dn/runtime/startup.hpp"
#include "dn/runtime/testing/stub_runtime_api.hpp"

namespace dn::runtime::testing {

// A getenv over `vars`; names missing from it are unset.
inline GetenvFn env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

// run_with_init against `api` until `invocations` have been handled (or init fails); the
// function's log lines are appended to `lines` when given, dropped otherwise.
inline int run_function(const std::function<Handler()>& init, const StubRuntimeApi& api,
                        std::size_t invocations, std::vector<std::string>* lines = nullptr) {
  set_line_sink([lines](std::string_view line) {
    if (lines != nullptr) lines->emplace_back(line);
  });
  const int rc =
      run_with_init(init, Options{.endpoint = api.endpoint(), .max_invocations = invocations});
  set_line_sink(nullptr);
  return rc;
}

// The init error a function whose init is `init` posts (its message), or nullopt when it posts
// something else or start-up does not end with code 1.
inline std::optional<std::string> init_error(const std::function<Handler()>& init) {
  const StubRuntimeApi api;
  if (run_function(init, api, 1) == 0) return std::nullopt;
  const auto posts = api.posts();
  if (posts.size() != 1 || posts[0].kind != Post::Kind::init_error) return std::nullopt;
  return posts[0].body;
}

}  // namespace dn::runtime::testing
