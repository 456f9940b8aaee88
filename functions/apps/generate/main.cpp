// The generate Lambda: configuration is read once at init, then one SQS batch per event.
#include "dn/runtime/startup.hpp"
#include "generate.hpp"

int main() {
  return dn::runtime::start(dn::generate::handler_from_env);
}
