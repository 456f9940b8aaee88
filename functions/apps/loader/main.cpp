// The loader Lambda: configuration and the database secret at init (plus migrations), then one
// SQS batch per event.
#include "dn/runtime/startup.hpp"
#include "setup.hpp"

int main() {
  return dn::runtime::start(dn::loader::handler_from_env);
}
