// libFuzzer: any string as a cursor must decode or be rejected with a reason, never crash, and
// never be accepted (the fuzzer cannot know the key).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dn/core/cursor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (dn::core::decode_cursor("fuzz-key", "user-1", dn::core::InboxFilter::all, input).ok())
    std::abort();
  return 0;
}
