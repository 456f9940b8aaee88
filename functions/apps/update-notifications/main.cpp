// The update-notifications Lambda: configuration is read once at init, then one API request per
// event.
#include <cstdlib>

#include "dn/runtime/runtime.hpp"
#include "update_notifications.hpp"

int main() {
  return dn::runtime::run_with_init([] {
    // Read at init, before any other thread exists.
    return dn::update_notifications::handler_from_env([](const char* name) {
      return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    });
  });
}
