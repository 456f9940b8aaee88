#include "dn/core/chain.hpp"

namespace dn::core {

std::string_view hop_verdict_name(HopVerdict verdict) {
  switch (verdict) {
    case HopVerdict::proceed:
      return "proceed";
    case HopVerdict::duplicate:
      return "duplicate";
    case HopVerdict::stale:
      return "stale";
    case HopVerdict::rejected:
      return "rejected";
  }
  return "proceed";
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
