// Build-time check of the dataset contracts against their migrations on a real PostgreSQL: every
// data/contracts/*.json parses (with the loader's own parser), every data/migrations/V*.sql
// applies (with the loader's own migration runner), and each contract's table has the contract's
// columns with types the loader's validated values always fit, a unique index on the key, and
// no NOT NULL column the loader would leave empty. make test runs it (contract_check_test).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pg.hpp"

namespace dn::cli {

struct ContractProblem {
  std::string file;     // contracts/<x>.json or migrations/V<n>__<x>.sql
  std::string message;  // what is wrong, naming the column
};

// Applies the migrations to `db` (an empty database), then checks every contract. Empty result:
// everything is consistent.
std::vector<ContractProblem> check_contracts(const std::filesystem::path& data_dir,
                                             dn::loader::Pg& db);

// Whether a column of PostgreSQL type `pg` (format_type's spelling) holds every value the
// validator passes for a contract column of type `type` (with its numeric precision/scale and
// text max_length); the reason when not.
std::optional<std::string> type_mismatch(const std::string& type, int precision, int scale,
                                         std::size_t max_length, const std::string& pg);

}  // namespace dn::cli
