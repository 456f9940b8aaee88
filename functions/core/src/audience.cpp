#include "dn/core/audience.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "dn/core/validate.hpp"
#include "dn/util/json.hpp"
#include "dn/util/text.hpp"

namespace dn::core::audience {

namespace {

using nlohmann::json;

Reason at(std::size_t index, std::string_view what) {
  return Reason{"segments[" + std::to_string(index) + "]: " + std::string(what)};
}

// Members other than `allowed`, named (member names are configuration, not values).
std::optional<std::string> unknown_member(const json& object,
                                          std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) return key;
  }
  return std::nullopt;
}

bool valid_column(const json& value) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  return !text.empty() && text.size() <= 63 && text.find('\0') == std::string::npos;
}

// The equals value as PostgreSQL reads it from a text parameter.
std::optional<std::string> value_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return util::to_json(value);
  return std::nullopt;
}

Expected<SegmentRule> parse_rule(std::size_t i, const json& rule, SegmentRule out) {
  if (!rule.is_object() || !rule.contains("kind") || !rule.at("kind").is_string()) {
    return at(i, "rule must be an object with a kind");
  }
  const auto& kind = rule.at("kind").get_ref<const std::string&>();
  if (kind == "everyone") {
    out.kind = RuleKind::everyone;
    if (unknown_member(rule, {"kind"})) return at(i, "an everyone rule has only a kind");
    return out;
  }
  const bool equals = kind == "equals";
  if (!equals && kind != "prefix") return at(i, "rule.kind must be everyone, equals or prefix");
  out.kind = equals ? RuleKind::equals : RuleKind::prefix;
  const char* value_name = equals ? "value" : "prefix";
  if (const auto extra = unknown_member(rule, {"kind", "column", value_name})) {
    return at(i, "rule has the unknown member " + *extra);
  }
  if (!rule.contains("column") || !valid_column(rule.at("column"))) {
    return at(i, "rule.column must be a column name of 1 to 63 bytes");
  }
  out.column = rule.at("column").get<std::string>();
  const auto value = rule.contains(value_name) ? value_text(rule.at(value_name)) : std::nullopt;
  if (!value || (!equals && (!rule.at(value_name).is_string() || value->empty()))) {
    return at(i, equals ? "rule.value must be a string, number or boolean"
                        : "rule.prefix must be a non-empty string");
  }
  out.value = *value;
  return out;
}

Expected<SegmentRule> parse_entry(std::size_t i, const json& entry) {
  if (!entry.is_object()) return at(i, "must be an object");
  if (const auto extra = unknown_member(entry, {"name", "rule", "marketing"})) {
    return at(i, "has the unknown member " + *extra);
  }
  SegmentRule out;
  if (!entry.contains("name") || !entry.at("name").is_string()) {
    return at(i, "name must be a string");
  }
  out.name = entry.at("name").get<std::string>();
  if (const auto valid = check_segment(out.name); !valid.ok()) {
    return at(i, "name is not a valid segment name (1-64 of A-Z a-z 0-9 _ -)");
  }
  if (entry.contains("marketing")) {
    if (!entry.at("marketing").is_boolean()) return at(i, "marketing must be true or false");
    out.marketing = entry.at("marketing").get<bool>();
  }
  if (!entry.contains("rule")) return at(i, "has no rule");
  return parse_rule(i, entry.at("rule"), std::move(out));
}

std::string param(std::size_t n) {
  return "$" + std::to_string(n);
}

}  // namespace

Expected<std::vector<SegmentRule>> parse_segments(std::string_view json_text) {
  const auto doc = util::parse_json(json_text);
  if (doc.is_discarded() || !doc.is_array()) return Reason{"segments must be a JSON array"};
  std::vector<SegmentRule> rules;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    auto rule = parse_entry(i, doc.at(i));
    if (!rule.ok()) return rule.error();
    for (std::size_t j = 0; j < rules.size(); ++j) {
      if (rules[j].name == rule->name) {
        return at(i, "repeats the name of segments[" + std::to_string(j) + "]");
      }
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

std::string quote_ident(std::string_view name) {
  return util::double_quoted(name);
}

std::string like_prefix(std::string_view prefix) {
  std::string out;
  out.reserve(prefix.size() + 1);
  for (const char c : prefix) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

Predicate predicate(const SegmentRule& rule, std::size_t first_param) {
  Predicate p;
  switch (rule.kind) {
    case RuleKind::everyone:
      p.sql = "true";
      break;
    case RuleKind::equals:
      // The parameter takes the column's type, so a boolean or integer column compares as such.
      p.sql = "(" + quote_ident(rule.column) + " = " + param(first_param) + ") IS TRUE";
      p.params.push_back(rule.value);
      break;
    case RuleKind::prefix:
      p.sql = "(" + quote_ident(rule.column) + "::text COLLATE \"C\" LIKE " + param(first_param) +
              " ESCAPE '\\') IS TRUE";
      p.params.push_back(like_prefix(rule.value));
      break;
  }
  if (rule.marketing) p.sql += " AND " + quote_ident(kMarketingColumn) + " IS TRUE";
  return p;
}

std::vector<std::string> segments_of(const std::vector<SegmentRule>& rules,
                                     const std::vector<bool>& in_segment) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rules.size() && i < in_segment.size(); ++i) {
    if (in_segment[i]) out.push_back(rules[i].name);
  }
  return out;
}

Merged merge(std::vector<Audience> users, bool users_full, std::vector<Audience> published,
             bool published_full) {
  Merged out;
  users_full = users_full && !users.empty();
  published_full = published_full && !published.empty();
  if (users_full && published_full) {
    out.upper = std::min(users.back().user_id, published.back().user_id);
  } else if (users_full) {
    out.upper = users.back().user_id;
  } else if (published_full) {
    out.upper = published.back().user_id;
  }
  const auto within = [&](const Audience& a) { return !out.upper || a.user_id <= *out.upper; };
  std::size_t u = 0;
  std::size_t p = 0;
  while (true) {
    const bool has_u = u < users.size() && within(users[u]);
    const bool has_p = p < published.size() && within(published[p]);
    if (!has_u && !has_p) break;
    Pair pair;
    const bool take_u = has_u && (!has_p || users[u].user_id <= published[p].user_id);
    if (take_u) {
      pair.user_id = users[u].user_id;
      pair.desired = std::move(users[u++]);
    }
    if (has_p && (!take_u || published[p].user_id == pair.user_id)) {
      pair.user_id = published[p].user_id;
      pair.published = std::move(published[p++]);
    }
    out.pairs.push_back(std::move(pair));
  }
  return out;
}

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void diff_one(const Pair& pair, Diff& out, std::vector<Op>& puts) {
  static const std::vector<std::string> kNone;
  const auto& had = pair.published ? pair.published->segments : kNone;
  const auto& want = pair.desired ? pair.desired->segments : kNone;
  for (const auto& segment : had) {
    if (!contains(want, segment)) {
      out.ops.push_back({OpKind::delete_member, pair.user_id, segment, {}});
      ++out.members_removed;
    }
  }
  if (!pair.desired) {
    if (pair.published) {
      puts.push_back({OpKind::delete_profile, pair.user_id, "", {}});
      out.removed.push_back(pair.user_id);
    }
    return;
  }
  const auto& profile = pair.desired->profile;
  const bool new_profile = !pair.published || pair.published->profile != profile;
  for (const auto& segment : want) {
    if (new_profile || !contains(had, segment)) {
      puts.push_back({OpKind::put_member, pair.user_id, segment, profile});
      ++out.members_written;
    }
  }
  if (new_profile) puts.push_back({OpKind::put_profile, pair.user_id, "", profile});
  if (!pair.published || *pair.published != *pair.desired) out.upserts.push_back(*pair.desired);
}

}  // namespace

Diff diff(const std::vector<Pair>& pairs) {
  Diff out;
  std::vector<Op> puts;
  for (const auto& pair : pairs) diff_one(pair, out, puts);
  out.ops.insert(out.ops.end(), std::make_move_iterator(puts.begin()),
                 std::make_move_iterator(puts.end()));
  return out;
}

}  // namespace dn::core::audience
