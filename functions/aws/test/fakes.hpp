// Deterministic retry hooks (a manual clock that sleeping advances, a jitter that returns its cap,
// so the delays are exact and checkable) and the service tests' client-on-a-stub fixture base.
#pragma once

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/aws/retry.hpp"
#include "http_stub.hpp"

namespace dn::aws::testing {

struct FakeTime {
  Clock::time_point now = Clock::time_point(std::chrono::seconds(1774000000));
  std::vector<std::chrono::milliseconds> sleeps;
};

inline RetryHooks fake_hooks(const std::shared_ptr<FakeTime>& time) {
  return RetryHooks{[time] { return time->now; },
                    [time](std::chrono::milliseconds d) {
                      time->sleeps.push_back(d);
                      time->now += d;
                    },
                    [](std::chrono::milliseconds cap) { return cap; }};
}

inline Config test_config(const std::string& endpoint, const std::string& token = "") {
  Config config;
  config.region = "eu-west-2";
  config.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token};
  config.endpoint_url = endpoint;
  return config;
}

inline ClientOptions test_options(const std::shared_ptr<FakeTime>& time, int max_attempts = 4) {
  ClientOptions options;
  options.retry.max_attempts = max_attempts;
  options.retry.base_delay = std::chrono::milliseconds(10);
  options.retry.max_delay = std::chrono::milliseconds(1000);
  options.hooks = fake_hooks(time);
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.request_timeout = std::chrono::milliseconds(5000);
  return options;
}

// A Client on a fake clock (retry sleeps only advance it) that talks to its own StubServer: the
// base of the service tests' fixtures (`struct Fixture : StubbedClient { S3 s3{client}; ... }`).
struct StubbedClient {
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
  StubServer server;
  Client client;
  explicit StubbedClient(StubServer::Handler handler, int attempts = 4)
      : server(std::move(handler)),
        client(test_config(server.url()), test_options(time, attempts)) {}
};

}  // namespace dn::aws::testing
