// libFuzzer: any bytes as a PUT body, or as a stored schedule, give a Definition or a Reason,
// never a crash; what is accepted keeps the rules' promises (checked, so a break is a crash).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dn/core/authoring.hpp"

namespace {

const dn::core::AuthoringRules kRules{{"all-users", "marketing"}, "2026-12-02"};

void require(bool condition) {
  if (!condition) std::abort();
}

// The canonical text reads back as the same schedule, and the next day is a day it occurs on.
void check_schedule(const dn::core::Schedule& s) {
  const auto again = dn::core::parse_schedule_text(dn::core::schedule_text(s));
  require(again.ok() && *again == s);
  if (const auto next = dn::core::first_day_from(s, kRules.today)) {
    require(dn::core::occurs_on(s, *next) && *next >= kRules.today);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto d = dn::core::parse_definition("n1", input, kRules); d.ok()) {
    require(!d->title.empty() && d->title.size() <= dn::core::kMaxTitleBytes);
    require(!d->body.empty() && d->body.size() <= dn::core::kMaxBodyBytes);
    require(dn::core::first_day_from(d->schedule, kRules.today).has_value());
    check_schedule(d->schedule);
  }
  if (const auto s = dn::core::parse_schedule_text(input); s.ok()) check_schedule(*s);
  return 0;
}
