// libFuzzer: the parser and validator must never crash, whatever the bytes or chunking. The first
// byte picks the chunk size, so split points are explored too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dn/core/csv.hpp"

namespace csv = dn::core::csv;

namespace {

const csv::Contract& contract() {
  static const csv::Contract c = csv::parse_contract(nlohmann::json::parse(R"({
    "dataset": "f", "table": "f", "key": ["id"],
    "format": {"max_field_bytes": 64, "max_record_bytes": 256},
    "columns": [
      {"name": "id", "type": "text", "required": true, "max_length": 16},
      {"name": "email", "type": "email"}, {"name": "n", "type": "integer", "min": 0},
      {"name": "b", "type": "bigint"}, {"name": "x", "type": "numeric", "precision": 6, "scale": 2},
      {"name": "ok", "type": "boolean"}, {"name": "d", "type": "date", "formats": ["%Y-%m-%d", "%d/%m/%Y"]},
      {"name": "ts", "type": "timestamptz"}, {"name": "e", "type": "enum", "values": ["a", "b"]}
    ]})"));
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 17;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& c = contract();
  std::optional<csv::Validator> validator;
  std::string copy;
  std::string rejects;
  csv::Parser parser(c.dialect, [&](const csv::Record& r) {
    if (!validator) {
      const auto header = csv::map_header(c, r);
      validator.emplace(c, header.ok() ? *header : csv::positional_header(c));
      return;
    }
    if (auto reject = validator->accept(r, copy)) {
      rejects += csv::rejects_line(*reject, r.to_csv(), 64);
    }
    if (copy.size() > 4096) copy.clear();
    if (rejects.size() > 4096) rejects.clear();
  });
  for (std::size_t pos = 0; pos < input.size(); pos += chunk) parser.feed(input.substr(pos, chunk));
  parser.finish();
  return 0;
}
