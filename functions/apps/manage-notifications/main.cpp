// The manage-notifications Lambda (the admin API): configuration and the time zone are read once
// at init, then one API request per event.
#include "dn/runtime/startup.hpp"
#include "manage_notifications.hpp"

int main() {
  return dn::runtime::start(dn::manage_notifications::handler_from_env);
}
