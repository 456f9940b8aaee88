// Row validation against a contract and the COPY text-format encoding of accepted rows. The
// checks are strict enough that PostgreSQL accepts every row we send: a value it would refuse
// would abort the whole COPY.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <system_error>

#include "dn/core/csv.hpp"
#include "dn/core/csv_formats.hpp"
#include "dn/util/text.hpp"

namespace dn::core::csv {

namespace {

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  }
  return n;
}

Expected<void> check_integer(const Column& col, std::string_view v, std::string& out, long long lo,
                             long long hi) {
  std::string_view digits = v;
  if (!digits.empty() && digits.front() == '+') {
    digits.remove_prefix(1);
    if (!digits.empty() && digits.front() == '-') return Reason{"not an integer"};
  }
  long long value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range) ||
      (digits.front() == '-' && digits.size() == 1)) {
    return Reason{"not an integer"};
  }
  if (ec == std::errc::result_out_of_range || value < lo || value > hi) {
    return Reason{"integer out of range"};
  }
  if (col.min && value < *col.min) return Reason{"below the minimum " + std::to_string(*col.min)};
  if (col.max && value > *col.max) return Reason{"above the maximum " + std::to_string(*col.max)};
  out = std::to_string(value);
  return {};
}

Expected<void> check_numeric(const Column& col, std::string_view v, std::string& out) {
  std::size_t pos = 0;
  if (pos < v.size() && (v[pos] == '+' || v[pos] == '-')) ++pos;
  std::size_t int_digits = 0;
  std::size_t frac_digits = 0;
  while (pos < v.size() && util::is_digit(v[pos])) {
    ++pos;
    ++int_digits;
  }
  if (pos < v.size() && v[pos] == '.') {
    ++pos;
    while (pos < v.size() && util::is_digit(v[pos])) {
      ++pos;
      ++frac_digits;
    }
  }
  if (pos != v.size() || int_digits + frac_digits == 0) return Reason{"not a decimal number"};
  if (col.precision > 0) {
    // Leading zeros do not count towards precision.
    std::size_t start = (v[0] == '+' || v[0] == '-') ? 1 : 0;
    std::size_t significant = int_digits;
    while (significant > 0 && v[start] == '0') {
      ++start;
      --significant;
    }
    if (frac_digits > static_cast<std::size_t>(col.scale)) {
      return Reason{"more than " + std::to_string(col.scale) + " digits after the decimal point"};
    }
    if (significant > static_cast<std::size_t>(col.precision - col.scale)) {
      return Reason{"too many digits for numeric(" + std::to_string(col.precision) + "," +
                    std::to_string(col.scale) + ")"};
    }
  }
  out.assign(v.front() == '+' ? v.substr(1) : v);
  return {};
}

Expected<void> check_boolean(std::string_view v, std::string& out) {
  std::string lower(v);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "t" || lower == "yes" || lower == "y" || lower == "1") {
    out.assign(1, 't');
  } else if (lower == "false" || lower == "f" || lower == "no" || lower == "n" || lower == "0") {
    out.assign(1, 'f');
  } else {
    return Reason{"not a boolean (true/false, yes/no, 1/0)"};
  }
  return {};
}

// A date, timestamp or timestamptz in one of the column's formats (the first that reads it).
Expected<void> check_formatted(const Column& col, std::string_view v, std::string& out) {
  bool shape_ok = false;
  DateTime parsed;
  for (const auto& format : col.formats) {
    const auto match = parse_datetime(format, v, parsed);
    if (match == FormatMatch::NoMatch) continue;
    shape_ok = true;
    if (match == FormatMatch::Invalid) continue;
    out = col.type == ColumnType::Date        ? iso_date(parsed)
          : col.type == ColumnType::Timestamp ? iso_timestamp(parsed)
                                              : iso_timestamptz(parsed);
    return {};
  }
  const std::string_view what = col.type == ColumnType::Date ? "date" : "date and time";
  if (shape_ok)
    return Reason{col.type == ColumnType::Date ? "not a calendar date"
                                               : "not a valid date and time"};
  std::string accepted;
  for (const auto& f : col.formats) {
    if (!accepted.empty()) accepted += " or ";
    accepted += f;
  }
  return Reason{"not a " + std::string(what) + " in the accepted format(s) " + accepted};
}

// ISO 8601 as PostgreSQL writes it: YYYY-MM-DD[T ]HH:MM[:SS[.fraction]], then an offset for
// timestamptz (Z, +HH, +HHMM, +HH:MM) and none for timestamp: the defaults without `formats`.
FormatMatch parse_iso(std::string_view v, bool zoned, DateTime& parsed) {
  static constexpr std::array<std::string_view, 3> kPlain{"%Y-%m-%dT%H:%M:%S.%f",
                                                          "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"};
  static constexpr std::array<std::string_view, 3> kZoned{
      "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"};
  std::string t(v);
  if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
  for (const auto format : zoned ? kZoned : kPlain) {
    const auto match = parse_datetime(format, t, parsed);
    if (match != FormatMatch::NoMatch) return match;
  }
  return FormatMatch::NoMatch;
}

Expected<void> check_iso(std::string_view v, bool zoned, std::string& out) {
  DateTime parsed;
  switch (parse_iso(v, zoned, parsed)) {
    case FormatMatch::Ok:
      out = zoned ? iso_timestamptz(parsed) : iso_timestamp(parsed);
      return {};
    case FormatMatch::Invalid:
      return Reason{"not a valid date and time"};
    case FormatMatch::NoMatch:
      break;
  }
  if (parse_iso(v, !zoned, parsed) != FormatMatch::NoMatch) {
    return Reason{
        zoned ? "timestamp without a time zone offset (add Z or +HH:MM)"
              : "timestamp with a time zone offset (the column is timestamp without time zone)"};
  }
  return Reason{"not an ISO-8601 timestamp"};
}

bool email_local_char(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
  return std::string_view(".!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

Expected<void> check_email(std::string_view v, std::string& out) {
  const auto at = v.rfind('@');
  if (at == std::string_view::npos || v.find('@') != at) return Reason{"not an e-mail address"};
  const auto local = v.substr(0, at);
  const auto domain = v.substr(at + 1);
  if (v.size() > 254 || local.empty() || local.size() > 64 || domain.empty()) {
    return Reason{"not an e-mail address"};
  }
  if (!std::all_of(local.begin(), local.end(), email_local_char) || local.front() == '.' ||
      local.back() == '.' || local.find("..") != std::string_view::npos) {
    return Reason{"not an e-mail address (local part)"};
  }
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    const auto label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
        })) {
      return Reason{"not an e-mail address (domain)"};
    }
    ++labels;
    start = dot + 1;
  }
  if (labels < 2) return Reason{"not an e-mail address (domain has no dot)"};
  out.assign(local);
  out += '@';
  for (const char c : domain) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {};
}

std::string csv_field(std::string_view value) {
  const bool quote = value.find_first_of(",\"\r\n") != std::string_view::npos;
  return quote ? util::double_quoted(value) : std::string(value);
}

}  // namespace

Expected<void> normalise_value(const Column& column, std::string_view value, std::string& out) {
  if (value.find('\0') != std::string_view::npos) return Reason{"contains a NUL byte"};
  switch (column.type) {
    case ColumnType::Text:
      if (column.max_length > 0 && utf8_length(value) > column.max_length) {
        return Reason{"longer than " + std::to_string(column.max_length) + " characters"};
      }
      out.assign(value);
      return {};
    case ColumnType::Integer:
      return check_integer(column, value, out, std::numeric_limits<int>::min(),
                           std::numeric_limits<int>::max());
    case ColumnType::Bigint:
      return check_integer(column, value, out, std::numeric_limits<long long>::min(),
                           std::numeric_limits<long long>::max());
    case ColumnType::Numeric:
      return check_numeric(column, value, out);
    case ColumnType::Boolean:
      return check_boolean(value, out);
    case ColumnType::Date:
      return check_formatted(column, value, out);
    case ColumnType::Timestamptz:
      return column.formats.empty() ? check_iso(value, true, out)
                                    : check_formatted(column, value, out);
    case ColumnType::Timestamp:
      return column.formats.empty() ? check_iso(value, false, out)
                                    : check_formatted(column, value, out);
    case ColumnType::Double:
      return check_double(value, out);
    case ColumnType::Email:
      if (column.max_length > 0 && utf8_length(value) > column.max_length) {
        return Reason{"longer than " + std::to_string(column.max_length) + " characters"};
      }
      return check_email(value, out);
    case ColumnType::Enum:
      if (std::find(column.values.begin(), column.values.end(), value) == column.values.end()) {
        std::string accepted;
        for (const auto& v : column.values) {
          if (!accepted.empty()) accepted += ", ";
          accepted += v;
        }
        return Reason{"not one of: " + accepted};
      }
      out.assign(value);
      return {};
  }
  return Reason{"unsupported type"};
}

bool keeps_empty_string(ColumnType type) {
  return type == ColumnType::Text;
}

void append_copy_escaped(std::string& out, std::string_view value) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const char* esc = nullptr;
    switch (c) {
      case '\\':
        esc = "\\\\";
        break;
      case '\t':
        esc = "\\t";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      default:
        continue;
    }
    out.append(value.data() + start, i - start);
    out += esc;
    start = i + 1;
  }
  out.append(value.data() + start, value.size() - start);
}

Validator::Validator(const Contract& contract, HeaderMap map)
    : contract_(&contract), map_(std::move(map)) {}

bool Validator::field_count_ok(const Record& record) const {
  const auto& fields = record.fields;
  if (fields.size() < map_.field_count) return contract_->allow_jagged_rows;
  return std::all_of(fields.begin() + static_cast<std::ptrdiff_t>(map_.field_count), fields.end(),
                     [](std::string_view f) { return f.empty(); });
}

std::optional<Reject> Validator::accept(const Record& record, std::string& copy_out) {
  const auto& columns = contract_->columns;
  const auto column_name = [&](std::size_t field) -> std::string {
    if (field == Issue::kWholeRecord) return "";
    for (std::size_t i = 0; i < map_.source.size(); ++i) {
      if (map_.source[i] == field) return columns[i].name;
    }
    return "field " + std::to_string(field + 1);
  };
  if (!record.issues.empty()) {
    const auto& issue = record.issues.front();
    return Reject{record.line, column_name(issue.column), issue.reason};
  }
  if (!field_count_ok(record)) {
    return Reject{record.line, "",
                  "expected " + std::to_string(map_.field_count) + " fields, found " +
                      std::to_string(record.fields.size())};
  }
  const std::size_t rollback = copy_out.size();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& col = columns[i];
    const std::size_t src = map_.source[i];
    const std::string_view value =
        src < record.fields.size() ? record.fields[src] : std::string_view();
    if (value.empty()) {
      if (col.required) {
        copy_out.resize(rollback);
        return Reject{record.line, col.name, "required value is empty"};
      }
      // As PostgreSQL's CSV COPY: "" is the empty string, an unquoted empty field is NULL.
      copy_out +=
          src < record.fields.size() && record.is_quoted(src) && keeps_empty_string(col.type)
              ? "\t"
              : "\\N\t";
      continue;
    }
    if (auto problem = normalise_value(col, value, scratch_); !problem.ok()) {
      copy_out.resize(rollback);
      return Reject{record.line, col.name, problem.error().text};
    }
    append_copy_escaped(copy_out, scratch_);
    copy_out += '\t';
  }
  copy_out += std::to_string(record.line);
  copy_out += '\n';
  return std::nullopt;
}

std::optional<std::vector<std::string>> Validator::readable_key(const Record& record) {
  const auto& key = contract_->key;
  if (key.empty() || !field_count_ok(record)) return std::nullopt;
  const auto issue_on = [&](std::size_t field) {
    return std::any_of(record.issues.begin(), record.issues.end(), [&](const Issue& issue) {
      return issue.column == field || issue.column == Issue::kWholeRecord;
    });
  };
  std::vector<std::string> values;
  values.reserve(key.size());
  for (const auto& name : key) {
    const auto i = contract_->column_index(name);
    if (!i) return std::nullopt;
    const std::size_t src = map_.source[*i];
    if (src >= record.fields.size() || record.fields[src].empty() || issue_on(src)) {
      return std::nullopt;
    }
    if (!normalise_value(contract_->columns[*i], record.fields[src], scratch_).ok()) {
      return std::nullopt;
    }
    values.push_back(scratch_);
  }
  return values;
}

std::string rejects_header() {
  return "line,column,reason,raw\r\n";
}

std::string rejects_line(const Reject& reject, std::string_view raw, std::size_t max_raw) {
  std::string cut(raw.substr(0, max_raw));
  // Do not end the cut inside a UTF-8 sequence.
  if (raw.size() > max_raw) {
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0U) == 0x80U)
      cut.pop_back();
    if (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0x80U) != 0) cut.pop_back();
  }
  return std::to_string(reject.line) + "," + csv_field(reject.column) + "," +
         csv_field(reject.reason) + "," + csv_field(cut) + "\r\n";
}

}  // namespace dn::core::csv
