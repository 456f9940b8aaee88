// The streaming RFC 4180 state machine. Runs of ordinary bytes are copied in bulk; the per-byte
// switch only sees delimiters, quotes and line ends.
#include <cstring>
#include <string>
#include <utility>

#include "dn/core/csv.hpp"

namespace dn::core::csv {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool needs_quotes(std::string_view field, char delimiter, char quote) {
  for (const char c : field) {
    if (c == delimiter || c == quote || c == '\r' || c == '\n') return true;
  }
  return false;
}

}  // namespace

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= n) {
      std::uint64_t word = 0;
      std::memcpy(&word, bytes + i, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char b = bytes[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b == 0xE0) {
      len = 3;
      lo = 0xA0;  // no overlongs
    } else if (b == 0xED) {
      len = 3;
      hi = 0x9F;  // no UTF-16 surrogates
    } else if (b >= 0xE1 && b <= 0xEF) {
      len = 3;
    } else if (b == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      len = 4;
    } else if (b == 0xF4) {
      len = 4;
      hi = 0x8F;  // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::nullopt;
}

std::string Record::to_csv(char delimiter, char quote) const {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += delimiter;
    const std::string_view f = fields[i];
    if (!needs_quotes(f, delimiter, quote) && !(f.empty() && is_quoted(i))) {
      out += f;
      continue;
    }
    out += quote;
    for (const char c : f) {
      if (c == quote) out += quote;
      out += c;
    }
    out += quote;
  }
  return out;
}

Parser::Parser(Dialect dialect, RecordSink sink) : dialect_(dialect), sink_(std::move(sink)) {}

void Parser::add_issue(std::size_t column, std::string reason) {
  // One issue per kind and column is enough to explain a reject.
  for (const auto& issue : issues_) {
    if (issue.column == column && issue.reason == reason) return;
  }
  issues_.push_back(Issue{column, std::move(reason)});
}

void Parser::append(char c) {
  record_open_ = true;
  if (record_truncated_) return;
  if (buffer_.size() - field_start_ >= dialect_.max_field_bytes) {
    field_truncated_ = true;
    return;
  }
  if (buffer_.size() >= dialect_.max_record_bytes) {
    record_truncated_ = true;
    return;
  }
  buffer_.push_back(c);
}

void Parser::end_field() {
  record_open_ = true;
  if (record_truncated_) return;
  // Delimiters count towards the record budget too, so a line of commas stays bounded.
  if (buffer_.size() + field_ends_.size() >= dialect_.max_record_bytes) {
    record_truncated_ = true;
    return;
  }
  field_ends_.push_back(buffer_.size());
  field_cut_.push_back(field_truncated_ ? 1 : 0);
  field_quoted_.push_back(quoted_ ? 1 : 0);
  field_start_ = buffer_.size();
  field_truncated_ = false;
  quoted_ = false;
}

void Parser::end_record() {
  ++record_number_;
  Record record;
  record.line = record_line_;
  record.number = record_number_;
  record.fields.reserve(field_ends_.size());
  std::size_t begin = 0;
  for (std::size_t i = 0; i < field_ends_.size(); ++i) {
    const std::string_view field(buffer_.data() + begin, field_ends_[i] - begin);
    record.fields.push_back(field);
    if (field_cut_[i] != 0) {
      add_issue(i, "field longer than " + std::to_string(dialect_.max_field_bytes) + " bytes");
    } else if (const auto bad = find_invalid_utf8(field)) {
      add_issue(i, "invalid UTF-8 at byte " + std::to_string(*bad + 1) + " of the field");
    }
    begin = field_ends_[i];
  }
  if (record_truncated_) {
    add_issue(Issue::kWholeRecord,
              "record longer than " + std::to_string(dialect_.max_record_bytes) + " bytes");
  }
  record.quoted = std::move(field_quoted_);
  record.issues = std::move(issues_);
  sink_(record);

  buffer_.clear();
  field_ends_.clear();
  field_cut_.clear();
  field_quoted_.clear();
  quoted_ = false;
  issues_.clear();
  field_start_ = 0;
  field_truncated_ = false;
  record_truncated_ = false;
  record_open_ = false;
}

bool Parser::handle_bom(std::string_view& chunk) {
  while (!chunk.empty() && bom_probe_.size() < kUtf8Bom.size()) {
    bom_probe_.push_back(chunk.front());
    chunk.remove_prefix(1);
  }
  return bom_probe_.size() >= kUtf8Bom.size();
}

void Parser::feed(std::string_view chunk) {
  if (finished_) return;
  bytes_ += chunk.size();
  if (!bom_settled_) {
    if (!handle_bom(chunk)) return;  // wait for three bytes (or finish)
    bom_settled_ = true;
    std::string probe = std::move(bom_probe_);
    std::string_view head(probe);
    if (head.substr(0, 3) == kUtf8Bom) {
      head.remove_prefix(3);
    } else if (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF") {
      foreign_bom_ = true;
    }
    feed_body(head);
  }
  feed_body(chunk);
}

void Parser::feed_body(std::string_view data) {
  const char delim = dialect_.delimiter;
  const char quote = dialect_.quote;
  const std::size_t n = data.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = data[i];
    switch (state_) {
      case State::AfterCr:
        state_ = State::FieldStart;
        if (c == '\n') ++i;  // CRLF: the line was already counted at the CR
        break;
      case State::FieldStart:
        if (c == quote) {
          record_open_ = true;
          quoted_ = true;
          state_ = State::Quoted;
          ++i;
          break;
        }
        state_ = State::Unquoted;
        [[fallthrough]];
      case State::Unquoted: {
        std::size_t j = i;
        while (j < n && data[j] != delim && data[j] != quote && data[j] != '\n' &&
               data[j] != '\r') {
          ++j;
        }
        if (j > i) {
          append_run(data.substr(i, j - i));
          i = j;
          if (i == n) break;
        }
        const char d = data[i];
        ++i;
        if (d == delim) {
          end_field();
          state_ = State::FieldStart;
        } else if (d == '\n' || d == '\r') {
          ++line_;
          end_line();
          state_ = d == '\r' ? State::AfterCr : State::FieldStart;
        } else {
          add_issue(field_ends_.size(), "quote character inside an unquoted field");
          append(d);
        }
        break;
      }
      case State::Quoted: {
        std::size_t j = i;
        while (j < n && data[j] != quote) {
          if (data[j] == '\n') ++line_;
          ++j;
        }
        if (j > i) append_run(data.substr(i, j - i));
        i = j;
        if (i < n) {
          state_ = State::QuoteInQuoted;
          ++i;
        }
        break;
      }
      case State::QuoteInQuoted:
        ++i;
        if (c == quote) {
          append(quote);  // a doubled quote is one literal quote
          state_ = State::Quoted;
        } else if (c == delim) {
          end_field();
          state_ = State::FieldStart;
        } else if (c == '\n' || c == '\r') {
          ++line_;
          end_line();
          state_ = c == '\r' ? State::AfterCr : State::FieldStart;
        } else {
          add_issue(field_ends_.size(), "text after the closing quote of a quoted field");
          append(c);
          state_ = State::Unquoted;
        }
        break;
    }
  }
}

void Parser::append_run(std::string_view run) {
  record_open_ = true;
  if (record_truncated_) return;
  const std::size_t field_len = buffer_.size() - field_start_;
  std::size_t take = run.size();
  if (field_len + take > dialect_.max_field_bytes) {
    take = dialect_.max_field_bytes - std::min(field_len, dialect_.max_field_bytes);
    field_truncated_ = true;
  }
  if (buffer_.size() + take > dialect_.max_record_bytes) {
    take = dialect_.max_record_bytes - std::min(buffer_.size(), dialect_.max_record_bytes);
    record_truncated_ = true;
  }
  buffer_.append(run.data(), take);
}

void Parser::end_line() {
  if (record_open_) {
    end_field();
    end_record();
  }
  record_line_ = line_;
}

void Parser::finish() {
  if (finished_) return;
  if (!bom_settled_) {
    bom_settled_ = true;
    std::string probe = std::move(bom_probe_);
    std::string_view head(probe);
    if (head.substr(0, 2) == "\xFF\xFE" || head.substr(0, 2) == "\xFE\xFF") foreign_bom_ = true;
    feed_body(head);
  }
  finished_ = true;
  if (state_ == State::Quoted) {
    add_issue(field_ends_.size(), "quoted field not closed before the end of the file");
    end_field();
    end_record();
  } else if (record_open_) {
    end_field();
    end_record();
  }
}

}  // namespace dn::core::csv
