// The continuation queue for tests: counts what it was asked to send.
#pragma once

#include "sync.hpp"

namespace dn::sync_audiences::testing {

class FakeQueue : public Queue {
 public:
  aws::Result<void> send_continue() override {
    ++sent;
    return {};
  }
  int sent = 0;
};

}  // namespace dn::sync_audiences::testing
