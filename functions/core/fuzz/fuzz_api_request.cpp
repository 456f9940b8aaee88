// libFuzzer: any bytes as an API Gateway event, for either function's routes, must give a
// request or a 4xx, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dn/core/api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto r = dn::core::parse_inbox_request(input);
  if (!r.ok()) (void)dn::core::error_response(r.error());
  const auto read = dn::core::parse_read_request(input);
  if (!read.ok()) (void)dn::core::error_response(read.error());
  const auto write = dn::core::parse_write_request(input);
  if (!write.ok()) (void)dn::core::error_response(write.error());
  return 0;
}
