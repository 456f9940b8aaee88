// The sync-audiences Lambda: configuration at init, then one SQS batch per event (a pass over
// users).
#include "dn/runtime/startup.hpp"
#include "setup.hpp"

int main() {
  return dn::runtime::start(dn::sync_audiences::handler_from_env);
}
