// The smallest function on dn::runtime, linked like a Lambda artifact: it echoes the event.
// bench_runtime_startup measures how long it takes from exec to its first `GET /next`.
#include "dn/runtime/runtime.hpp"

int main() {
  return dn::runtime::run([](const dn::runtime::Request& request) {
    return dn::runtime::Response::success(request.payload);
  });
}
