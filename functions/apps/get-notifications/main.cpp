// The get-notifications Lambda: configuration and the cursor key are read once at init (a missing
// key is an init error), then one API request per event.
#include <cstdlib>

#include "dn/runtime/runtime.hpp"
#include "get_notifications.hpp"

int main() {
  return dn::runtime::run_with_init([] {
    // Read at init, before any other thread exists.
    return dn::get_notifications::handler_from_env([](const char* name) {
      return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    });
  });
}
