// The generate Lambda: configuration is read once at init, then one SQS batch per event.
#include <cstdlib>

#include "dn/runtime/runtime.hpp"
#include "generate.hpp"

int main() {
  return dn::runtime::run_with_init([] {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read at init, before any other thread exists
    return dn::generate::handler_from_env([](const char* name) { return std::getenv(name); });
  });
}
