// The find-daily Lambda: configuration and the time zone are read once at init (a bad TIMEZONE
// is an init error), then one daily run per event.
#include <cstdlib>

#include "dn/runtime/runtime.hpp"
#include "setup.hpp"

int main() {
  return dn::runtime::run_with_init([] {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read at init, before any other thread exists
    return dn::find_daily::handler_from_env([](const char* name) { return std::getenv(name); });
  });
}
