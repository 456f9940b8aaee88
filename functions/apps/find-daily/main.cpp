// The find-daily Lambda: configuration and the time zone are read once at init (a bad TIMEZONE
// is an init error), then one daily run per event.
#include "dn/runtime/startup.hpp"
#include "setup.hpp"

int main() {
  return dn::runtime::start(
      [](const auto& getenv) { return dn::find_daily::handler_from_env(getenv); });
}
