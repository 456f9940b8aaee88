// generate's progress through one notification's audience for one run, as a chain of messages:
// find-daily queues hop 0, and each invocation that stops before the audience's end hands over to
// the next hop with a continuation message. A chain must be walked once: a second message for a
// hop (a SendMessage retried after its answer was lost, a batch redelivered after its
// continuation was sent) would start a second walk of the same audience. The stored chain state
// (RUN#<date> / CHAIN#<notificationId>#<run>, kept by generate's adapter) and this rule decide
// whether a message may work on its hop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dn::core {

inline constexpr std::string_view kChainRunning = "running";      // a message claimed the hop
inline constexpr std::string_view kChainContinued = "continued";  // its continuation is queued
inline constexpr std::string_view kChainDone = "done";            // the audience's end was reached
inline constexpr std::string_view kChainRejected = "rejected";    // the definition is unusable

struct ChainState {
  std::int64_t hop = 0;
  std::string owner{};  // the message that claimed the hop (SQS messageId or the handed-over owner)
  std::string status{};  // one of the four above
};

enum class HopVerdict {
  proceed,    // work on the hop (first claim, the next hop, or the owner's own redelivery)
  duplicate,  // another message owns this hop
  stale,      // the chain has moved past this hop (or this hop already handed over / finished)
  rejected,   // the chain's definition was rejected: nothing more to do
};
std::string_view hop_verdict_name(HopVerdict verdict);  // "proceed", "duplicate", ...

// May the message `owner` work on `hop`, given the stored state (nullopt when none)?
HopVerdict decide_hop(const std::optional<ChainState>& stored, std::int64_t hop,
                      std::string_view owner);

}  // namespace dn::core
