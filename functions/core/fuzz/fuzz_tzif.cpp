// libFuzzer: arbitrary bytes as a TZif file and as a POSIX TZ string must parse or fail cleanly,
// and a parsed zone must answer for any instant.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "dn/core/timezone.hpp"

namespace {

void exercise(const dn::core::TimeZone& zone) {
  for (const std::int64_t t :
       {std::numeric_limits<std::int64_t>::min(), std::int64_t{-2208988800}, std::int64_t{0},
        std::int64_t{1711846800}, std::int64_t{4102444800}, std::int64_t{253402300799},
        std::numeric_limits<std::int64_t>::max()}) {
    const dn::core::Instant at{std::chrono::seconds{t}};
    (void)zone.at(at);
    (void)dn::core::local_date(at, zone);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);  // NOLINT
  if (auto zone = dn::core::TimeZone::from_tzif(bytes); zone.ok()) {
    exercise(zone.value());
  }
  if (auto zone = dn::core::TimeZone::from_posix(bytes); zone.ok()) {
    exercise(zone.value());
  }
  return 0;
}
