// The update-notifications Lambda: configuration is read once at init, then one API request per
// event.
#include "dn/runtime/startup.hpp"
#include "update_notifications.hpp"

int main() {
  return dn::runtime::start(dn::update_notifications::handler_from_env);
}
