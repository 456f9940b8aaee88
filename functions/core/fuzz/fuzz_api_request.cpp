// libFuzzer: any bytes as an API Gateway event, for either function's routes, must give a
// request or a 4xx, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dn/core/api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto r = dn::core::parse_inbox_request(input);
  if (r.index() == 1) (void)dn::core::error_response(std::get<1>(r));
  const auto read = dn::core::parse_read_request(input);
  if (const auto* e = std::get_if<dn::core::ApiError>(&read)) (void)dn::core::error_response(*e);
  const auto write = dn::core::parse_write_request(input);
  if (const auto* e = std::get_if<dn::core::ApiError>(&write)) (void)dn::core::error_response(*e);
  return 0;
}
