#pragma once
// What an inbox function (get-notifications, update-notifications) owns for the life of the
// process, as runtime::serve takes it: the AWS client of the environment, the store over the
// table, and the function's handler.

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "dn/aws/client.hpp"
#include "dn/aws/config.hpp"
#include "dn/core/timezone.hpp"
#include "dn/runtime/startup.hpp"
#include "inbox_store.hpp"

namespace dn::inbox {

template <class Handler>
struct Parts {
  std::unique_ptr<aws::Client> client;
  std::unique_ptr<DynamoInbox> inbox;
  std::unique_ptr<Handler> handler;
};

// The client (AWS settings of `getenv`; a bad one is an init error) and the store over `table`;
// the caller adds the handler.
template <class Handler>
std::shared_ptr<Parts<Handler>> parts_from_env(const runtime::GetenvFn& getenv, std::string table) {
  auto config = aws::Config::from_env(getenv, aws::default_ca_candidates());
  if (!config.ok()) throw std::runtime_error(config.error().to_string());
  auto parts = std::make_shared<Parts<Handler>>();
  parts->client = std::make_unique<aws::Client>(std::move(*config));
  parts->inbox = std::make_unique<DynamoInbox>(*parts->client, std::move(table));
  return parts;
}

// The handlers' clock: the system clock, in whole seconds.
inline core::Instant system_now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace dn::inbox
