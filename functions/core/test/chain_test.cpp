// The chain rule: one walk of a notification's audience per run, whatever the queue does.
#include "dn/core/chain.hpp"

#include <gtest/gtest.h>

namespace dn::core {
namespace {

ChainState state(std::int64_t hop, std::string owner, std::string_view status) {
  return ChainState{hop, std::move(owner), std::string(status)};
}

TEST(CoreChain, TheFirstMessageAndEachNextHopProceed) {
  EXPECT_EQ(decide_hop(std::nullopt, 0, "m0"), HopVerdict::proceed);
  EXPECT_EQ(decide_hop(state(0, "m0", kChainContinued), 1, "m1"), HopVerdict::proceed);
  // The hand-over's mark was lost: the next hop still proceeds.
  EXPECT_EQ(decide_hop(state(0, "m0", kChainRunning), 1, "m1"), HopVerdict::proceed);
}

TEST(CoreChain, ASecondMessageForAHopIsADuplicate) {
  // A SendMessage retried after its answer was lost: same body, another message id.
  EXPECT_EQ(decide_hop(state(3, "m3", kChainRunning), 3, "m3-again"), HopVerdict::duplicate);
  EXPECT_EQ(decide_hop(state(3, "m3", kChainDone), 3, "m3-again"), HopVerdict::duplicate);
}

TEST(CoreChain, TheOwnersRedeliveryResumesOnlyARunningHop) {
  EXPECT_EQ(decide_hop(state(3, "m3", kChainRunning), 3, "m3"), HopVerdict::proceed);
  // It handed over already (a batch redelivered after its continuation was sent), or finished.
  EXPECT_EQ(decide_hop(state(3, "m3", kChainContinued), 3, "m3"), HopVerdict::stale);
  EXPECT_EQ(decide_hop(state(3, "m3", kChainDone), 3, "m3"), HopVerdict::stale);
}

TEST(CoreChain, AnOlderHopIsStaleAndARejectedChainStops) {
  EXPECT_EQ(decide_hop(state(4, "m4", kChainRunning), 3, "m3"), HopVerdict::stale);
  EXPECT_EQ(decide_hop(state(0, "m0", kChainRejected), 0, "m0"), HopVerdict::rejected);
  EXPECT_EQ(decide_hop(state(0, "m0", kChainRejected), 1, "m1"), HopVerdict::rejected);
  EXPECT_EQ(hop_verdict_name(HopVerdict::duplicate), "duplicate");
}

}  // namespace
}  // namespace dn::core
