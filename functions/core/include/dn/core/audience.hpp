// sync-audiences' rules (pure): the configured segments (SEGMENTS), the SQL predicate that says
// whether a users row belongs to each, the merge of one users batch with one batch of what is
// published, and the diff of the two into the DynamoDB operations that bring it up to date.
// User ids compare as bytes (std::string's order), which is PostgreSQL's COLLATE "C".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/expected.hpp"

namespace dn::core::audience {

enum class RuleKind : std::uint8_t { everyone, equals, prefix };

struct SegmentRule {
  std::string name{};
  RuleKind kind = RuleKind::everyone;
  std::string column{};    // equals, prefix
  std::string value{};     // equals: the value as PostgreSQL text; prefix: the prefix
  bool marketing = false;  // ANDs the rule with marketing_opt_in = true
};

// The SEGMENTS JSON: [{"name", "rule": {"kind": "everyone" | "equals" (column, value: string,
// number or boolean) | "prefix" (column, prefix)}, "marketing"?: bool}]. Refuses an unknown kind
// or member, an empty or invalid name (check_segment), a repeated name, a missing column or
// value. Reasons name the entry by position, never quote a value.
Expected<std::vector<SegmentRule>> parse_segments(std::string_view json_text);

inline constexpr std::string_view kMarketingColumn = "marketing_opt_in";

// A boolean SQL expression (never NULL) over the users row; its values are the parameters
// $first_param, $first_param + 1, ... in `params` order; column names are quoted identifiers.
struct Predicate {
  std::string sql{};
  std::vector<std::string> params{};
};
Predicate predicate(const SegmentRule& rule, std::size_t first_param);
// "name" with embedded quotes doubled.
std::string quote_ident(std::string_view name);
// A LIKE pattern (ESCAPE '\') matching every text that starts with `prefix`.
std::string like_prefix(std::string_view prefix);

struct Profile {
  std::string display_name{};
  std::optional<std::string> first_name{};
  std::optional<std::string> locale{};
  std::optional<std::string> time_zone{};
  bool operator==(const Profile&) const = default;
};

// A user as it should be published (segments in configuration order), or as it is.
struct Audience {
  std::string user_id{};
  Profile profile{};
  std::vector<std::string> segments{};
  bool operator==(const Audience&) const = default;
};

// The segment names of `rules` whose flag is set (flags in rules order).
std::vector<std::string> segments_of(const std::vector<SegmentRule>& rules,
                                     const std::vector<bool>& in_segment);

struct Pair {
  std::string user_id{};
  std::optional<Audience> desired{};    // absent: gone from users (or not publishable)
  std::optional<Audience> published{};  // absent: not in DynamoDB yet
};

struct Merged {
  std::vector<Pair> pairs{};  // by user id
  // The last id this batch covers, where the next one starts after; nullopt: the pass is done.
  std::optional<std::string> upper{};
};

// Merges a batch of users and a batch of published rows, each sorted by id, read after the same
// cursor with the same limit. A full batch (`*_full`: the limit was reached) may have more rows
// after its last id, so the batch ends at the smaller of the full batches' last ids and rows
// beyond it are left for the next batch; when neither is full this is the pass's last batch.
Merged merge(std::vector<Audience> users, bool users_full, std::vector<Audience> published,
             bool published_full);

enum class OpKind : std::uint8_t { delete_member, put_member, put_profile, delete_profile };

struct Op {
  OpKind kind = OpKind::put_member;
  std::string user_id{};
  std::string segment{};  // members only
  Profile profile{};      // puts only
  bool operator==(const Op&) const = default;
};

struct Diff {
  // Every delete_member first, then member puts and profile puts/deletes, user by user.
  std::vector<Op> ops{};
  std::vector<Audience> upserts{};     // new published rows
  std::vector<std::string> removed{};  // published rows to delete
  std::size_t members_written = 0;
  std::size_t members_removed = 0;
};

// What brings DynamoDB from `published` to `desired` for each pair. An unchanged user gives
// nothing; a changed profile rewrites the profile and every membership (members carry it).
Diff diff(const std::vector<Pair>& pairs);

}  // namespace dn::core::audience
