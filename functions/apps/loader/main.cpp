// The loader Lambda: configuration and the dataset contracts (data/ in the zip) at init, then one
// SQS batch per event (migrations before the first load).
#include "dn/runtime/startup.hpp"
#include "setup.hpp"

int main() {
  return dn::runtime::start(dn::loader::handler_from_env);
}
