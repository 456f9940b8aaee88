#include "dn/core/chain.hpp"

#include "dn/util/names.hpp"

namespace dn::core {
namespace {

constexpr auto kHopVerdicts =
    std::to_array<util::Name<HopVerdict>>({{HopVerdict::proceed, "proceed"},
                                           {HopVerdict::duplicate, "duplicate"},
                                           {HopVerdict::stale, "stale"},
                                           {HopVerdict::rejected, "rejected"}});

}  // namespace

std::string_view hop_verdict_name(HopVerdict verdict) {
  return util::name_of(kHopVerdicts, verdict);
}

HopVerdict decide_hop(const std::optional<ChainState>& stored, std::int64_t hop,
                      std::string_view owner) {
  if (!stored) return HopVerdict::proceed;
  if (stored->status == kChainRejected) return HopVerdict::rejected;
  if (hop > stored->hop) return HopVerdict::proceed;
  if (hop < stored->hop) return HopVerdict::stale;
  if (stored->owner != owner) return HopVerdict::duplicate;
  // The owner again: a redelivery. Only a hop still running has work left; one that handed over
  // or finished would fork the chain or redo it.
  return stored->status == kChainRunning ? HopVerdict::proceed : HopVerdict::stale;
}

}  // namespace dn::core
