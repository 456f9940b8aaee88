// find-daily's expansion of the authored definitions (DEFINITION / NOTIF#<id>) into the frozen
// copies of one day (DAY#<date> / NOTIF#<id>). Pure: the adapter reads the items into
// StoredDefinition and stores the copies; which definitions occur, and which are unreadable, is
// decided here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/schedule.hpp"

namespace dn::core {

// A DEFINITION item's attributes as find-daily's adapter read them (an attribute that is absent
// or of another type is nullopt).
struct StoredDefinition {
  std::optional<std::string> sk{};
  std::optional<std::string> notification_id{};
  std::optional<std::string> title{};
  std::optional<std::string> body{};
  std::optional<std::string> segment{};
  std::optional<std::string> schedule{};  // the canonical schedule JSON text
  std::optional<std::string> created_at{};
  std::optional<std::int64_t> version{};
  std::optional<std::string> unreadable{};  // why the item could not be read at all
};

// One day's copy of a definition: the day item generate reads, plus the version it was copied
// from.
struct FrozenCopy {
  std::string notification_id;
  std::string segment;
  std::string title;
  std::string body;
  std::string created_at;
  std::int64_t definition_version = 0;

  friend bool operator==(const FrozenCopy&, const FrozenCopy&) = default;
};

struct DayExpansion {
  std::vector<FrozenCopy> copies{};    // the definitions occurring on the day, in id order
  std::vector<SkippedItem> skipped{};  // keyed "DEFINITION/<sk>" (or "definition <n>")
};

// The copies of the definitions whose schedule occurs on `date`. A definition that cannot be
// read (no valid id matching its key, no title, body or valid segment, a schedule that does not
// parse, no createdAt or version) is skipped with its reason; it never stops the others.
DayExpansion expand_definitions(std::string_view date,
                                const std::vector<StoredDefinition>& definitions);

}  // namespace dn::core
