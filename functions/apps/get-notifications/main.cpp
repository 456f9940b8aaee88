// The get-notifications Lambda: configuration and the cursor key are read once at init (a missing
// key is an init error), then one API request per event.
#include "dn/runtime/startup.hpp"
#include "get_notifications.hpp"

int main() {
  return dn::runtime::start(dn::get_notifications::handler_from_env);
}
