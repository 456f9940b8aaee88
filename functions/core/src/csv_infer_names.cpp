// Inference helpers that need no sample: column names from header text, the delimiter of a
// file's first lines, its encoding, and the migration of a contract.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "dn/core/csv.hpp"
#include "dn/core/csv_infer.hpp"
#include "dn/util/text.hpp"

namespace dn::core::csv {

namespace {

// Base letters of U+0100..U+017F (Latin Extended-A), one per code point; the ligatures
// U+0132/3 (ij) and U+0152/3 (oe) are spelled out separately.
constexpr std::string_view kExtendedA =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllllnnnnnnnnnoooooooorrrrrr"
    "ssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kExtendedA.size() == 0x80);

// The ASCII spelling of a Latin letter with a diacritic (U+00C0..U+017F), or "" for anything
// else (non-Latin letters, symbols): those act as separators.
std::string_view latin_base(std::uint32_t cp) {
  static constexpr std::string_view kLatin1 =  // U+00C0..U+00FF, '_' = not a letter
      "aaaaaaaceeeeiiiidnooooo_ouuuuyts"
      "aaaaaaaceeeeiiiidnooooo_ouuuuyty";
  if (cp == 0xC6 || cp == 0xE6) return "ae";
  if (cp == 0xDE || cp == 0xFE) return "th";
  if (cp == 0xDF) return "ss";
  if (cp == 0x132 || cp == 0x133) return "ij";
  if (cp == 0x152 || cp == 0x153) return "oe";
  if (cp >= 0xC0 && cp <= 0xFF) {
    const auto s = kLatin1.substr(cp - 0xC0, 1);
    return s == "_" ? std::string_view() : s;
  }
  if (cp >= 0x100 && cp <= 0x17F) return kExtendedA.substr(cp - 0x100, 1);
  return {};
}

// Decodes one UTF-8 sequence at `i` (advancing it); U+FFFD for an invalid one.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = 1;
  std::uint32_t cp = b;
  if (b >= 0xF0) {
    len = 4;
    cp = b & 0x07U;
  } else if (b >= 0xE0) {
    len = 3;
    cp = b & 0x0FU;
  } else if (b >= 0xC0) {
    len = 2;
    cp = b & 0x1FU;
  }
  if (i + len > s.size()) {
    i = s.size();
    return 0xFFFD;
  }
  for (std::size_t k = 1; k < len; ++k)
    cp = (cp << 6U) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
  i += len;
  return cp;
}

enum class Cls : std::uint8_t { Upper, Lower, Digit, Sep };

struct Piece {
  char c;
  Cls cls;
};

// Header text as classified ASCII characters (accents dropped, symbols spelled out).
std::vector<Piece> pieces_of(std::string_view text) {
  std::vector<Piece> out;
  const auto word = [&](std::string_view w) {
    out.push_back({'_', Cls::Sep});
    for (const char c : w) out.push_back({c, Cls::Lower});
    out.push_back({'_', Cls::Sep});
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if ((static_cast<unsigned char>(c) & 0x80U) != 0) {
      const auto base = latin_base(next_code_point(text, i));
      if (base.empty()) out.push_back({'_', Cls::Sep});
      for (const char b : base) out.push_back({b, Cls::Lower});
      continue;
    }
    ++i;
    if (c >= 'A' && c <= 'Z') {
      out.push_back({static_cast<char>(c - 'A' + 'a'), Cls::Upper});
    } else if (c >= 'a' && c <= 'z') {
      out.push_back({c, Cls::Lower});
    } else if (c >= '0' && c <= '9') {
      out.push_back({c, Cls::Digit});
    } else if (c == '%') {
      word("pct");
    } else if (c == '#') {
      word("num");
    } else if (c == '&') {
      word("and");
    } else {
      out.push_back({'_', Cls::Sep});
    }
  }
  return out;
}

bool is_delimiter_candidate_consistent(std::string_view head, char delimiter, std::size_t& fields,
                                       std::size_t& consistent) {
  std::vector<std::size_t> counts;
  Dialect d;
  d.delimiter = delimiter;
  Parser parser(d, [&](const Record& r) { counts.push_back(r.fields.size()); });
  parser.feed(head);
  parser.finish();
  // The last record may be cut by the end of the head: it does not count.
  if (counts.size() > 1) counts.pop_back();
  if (counts.empty()) return false;
  fields = counts.front();
  consistent = static_cast<std::size_t>(std::count(counts.begin(), counts.end(), fields));
  return fields >= 2;
}

std::string quote_ident(std::string_view name) {
  return util::double_quoted(name);
}

}  // namespace

std::string snake_case(std::string_view header) {
  const auto p = pieces_of(header);
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i].cls == Cls::Sep) {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    // camelCase and HTTPStatus: a capital after a small letter or digit, or the last capital of
    // a run followed by a small letter, starts a word.
    if (p[i].cls == Cls::Upper && i > 0 && !out.empty() && out.back() != '_') {
      const bool after_lower = p[i - 1].cls == Cls::Lower || p[i - 1].cls == Cls::Digit;
      const bool run_end =
          p[i - 1].cls == Cls::Upper && i + 1 < p.size() && p[i + 1].cls == Cls::Lower;
      if (after_lower || run_end) out += '_';
    }
    out += p[i].c;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (!out.empty() && out.front() >= '0' && out.front() <= '9') out.insert(0, "col_");
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

char sniff_delimiter(std::string_view head) {
  char best = ',';
  std::size_t best_consistent = 0;
  std::size_t best_fields = 0;
  for (const char d : {',', ';', '\t', '|'}) {
    std::size_t fields = 0;
    std::size_t consistent = 0;
    if (!is_delimiter_candidate_consistent(head, d, fields, consistent)) continue;
    if (consistent > best_consistent || (consistent == best_consistent && fields > best_fields)) {
      best = d;
      best_consistent = consistent;
      best_fields = fields;
    }
  }
  return best;
}

void EncodingDetector::feed(std::string_view chunk) {
  bytes_ += chunk.size();
  if (!undefined_in_1252_) {
    undefined_in_1252_ = std::any_of(chunk.begin(), chunk.end(), [](char c) {
      const auto b = static_cast<unsigned char>(c);
      return b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D;
    });
  }
  if (invalid_utf8_) return;
  std::string buffer = carry_;
  buffer.append(chunk);
  carry_.clear();
  const auto bad = find_invalid_utf8(buffer);
  if (!bad) return;
  // A multi-byte sequence cut by the end of this chunk continues in the next one.
  const std::string_view tail = std::string_view(buffer).substr(*bad);
  const auto lead = static_cast<unsigned char>(tail.front());
  const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  const bool continues = std::all_of(tail.begin() + 1, tail.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
  });
  if (need > 0 && tail.size() < need && continues) {
    carry_.assign(tail);
  } else {
    invalid_utf8_ = true;
  }
}

std::string EncodingDetector::encoding(bool whole_file) const {
  if (!invalid_utf8_ && (carry_.empty() || !whole_file)) return "UTF-8";
  return undefined_in_1252_ ? "latin-1" : "windows-1252";
}

std::string detect_encoding(std::string_view sample, bool whole_file) {
  EncodingDetector detector;
  detector.feed(sample);
  return detector.encoding(whole_file);
}

std::string migration_sql(const nlohmann::json& contract, std::string_view comment) {
  const std::string table = quote_ident(contract.value("schema", std::string("public"))) + "." +
                            quote_ident(contract.at("table").get<std::string>());
  std::string sql;
  if (!comment.empty()) sql += "-- " + std::string(comment) + "\n";
  sql += "CREATE TABLE IF NOT EXISTS " + table + " (\n";
  std::vector<std::string> lines;
  for (const auto& col : contract.at("columns")) {
    const auto type = parse_column_type(col.at("type").get<std::string>());
    lines.push_back("  " + quote_ident(col.at("name").get<std::string>()) + " " +
                    pg_type(type.value_or(ColumnType::Text)) +
                    (col.value("required", false) ? " NOT NULL" : ""));
  }
  const bool keyless = contract.value("rows_owned_by", std::string()) == "object";
  if (keyless) {
    lines.emplace_back("  \"dn_source_object\" text NOT NULL");
    lines.emplace_back("  \"dn_source_line\" bigint NOT NULL");
  } else {
    std::string key;
    for (const auto& k : contract.at("key")) {
      key += (key.empty() ? "" : ", ") + quote_ident(k.get<std::string>());
    }
    lines.push_back("  PRIMARY KEY (" + key + ")");
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    sql += lines[i] + (i + 1 < lines.size() ? ",\n" : "\n");
  }
  sql += ");\n";
  if (keyless) {
    const auto name = contract.at("table").get<std::string>() + "_dn_source_object_idx";
    sql += "CREATE INDEX IF NOT EXISTS " + quote_ident(name) + " ON " + table +
           " (\"dn_source_object\");\n";
  }
  return sql;
}

}  // namespace dn::core::csv
