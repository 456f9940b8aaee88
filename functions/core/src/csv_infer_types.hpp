// Inside contract inference: what the sampled values of one column say about its type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dn/core/csv.hpp"

namespace dn::core::csv::infer {

enum class Order : std::uint8_t { Fixed, DayFirst, MonthFirst };

// A format that reads a value, derived from the value's shape (and checked against it).
struct Candidate {
  std::string format;
  Order order = Order::Fixed;
  bool timed = false;
  bool zoned = false;
};
// Numeric day and month give two candidates (day-first, month-first) when both read the value.
std::vector<Candidate> temporal_candidates(std::string_view value);

enum class NumberShape : std::uint8_t {
  None,
  Integer,      // fits integer
  BigInteger,   // fits bigint
  HugeInteger,  // more digits than bigint holds
  Decimal,      // plain decimal notation
  Float,        // scientific notation, NaN or Infinity
  Code,         // digits with leading zeros or a + sign: an identifier, not a quantity
};
NumberShape number_shape(std::string_view value);

struct ColumnEvidence {
  std::size_t values = 0;  // non-empty
  std::size_t empty = 0;
  std::size_t booleans = 0;
  std::size_t integers = 0;
  std::size_t big_integers = 0;
  std::size_t huge_integers = 0;
  std::size_t decimals = 0;
  std::size_t floats = 0;
  std::size_t codes = 0;
  bool temporal_possible = true;
  std::size_t zoned = 0;
  std::size_t unzoned = 0;
  std::size_t timed = 0;
  std::size_t needs_day_first = 0;    // read only day-first (a day above 12 first)
  std::size_t needs_month_first = 0;  // read only month-first
  std::size_t ambiguous = 0;          // read both ways, differently
  std::vector<std::string> fixed_formats;
  std::vector<std::string> day_first_formats;
  std::vector<std::string> month_first_formats;

  void add(std::string_view value);

 private:
  void add_temporal(std::string_view value);
};

struct TypeChoice {
  ColumnType type = ColumnType::Text;
  std::vector<std::string> formats;
  std::string note;  // why a typed-looking column stayed text
};
TypeChoice choose_type(const ColumnEvidence& evidence);
void choose_temporal(const ColumnEvidence& evidence, TypeChoice& choice);

}  // namespace dn::core::csv::infer
