// The dataset contracts and migrations a loader runs with, read at start-up from a directory
// (data/ in the Lambda zip: contracts/<dataset>.json, migrations/V<NNN>__<name>.sql), so a new
// dataset needs a new zip but no new binary. A contract that does not parse is kept as that
// dataset's error: only its own files are rejected, every other dataset loads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dn/core/csv.hpp"

namespace dn::loader {

class Contracts {
 public:
  // dataset (file name without .json) -> document text; migration file name -> SQL.
  Contracts(const std::map<std::string, std::string>& documents,
            std::map<std::string, std::string> migrations);
  // Reads <dir>/contracts/*.json and <dir>/migrations/V*.sql. Throws std::runtime_error only
  // when the directory itself cannot be read.
  static Contracts from_directory(const std::string& dir);

  struct Lookup {
    std::string dataset{};                              // "" when none matches
    const dn::core::csv::Contract* contract = nullptr;  // nullptr: see error
    std::string error{};
  };
  // incoming/<dataset>/...: that dataset's contract; a key with no folder: the default
  // dataset's, else the only one.
  [[nodiscard]] Lookup for_key(const std::string& key_without_prefix,
                               const std::string& default_dataset) const;

  [[nodiscard]] const std::map<std::string, std::string>& migrations() const { return migrations_; }
  // A migration named V<NNN>__<dataset>.sql or V<NNN>__<dataset>_<change>.sql belongs to that
  // dataset (if it has a contract; the longest such name).
  [[nodiscard]] std::optional<std::string> dataset_of_migration(const std::string& name) const;
  // Marks a dataset unusable (its migration failed): its files are rejected with `reason`.
  void fail(const std::string& dataset, const std::string& reason);
  // Datasets whose contract did not parse, with why (logged at start-up).
  [[nodiscard]] std::map<std::string, std::string> errors() const;

 private:
  struct Entry {
    std::optional<dn::core::csv::Contract> contract{};
    std::string error{};
  };
  [[nodiscard]] Lookup lookup(const std::string& dataset) const;

  std::map<std::string, Entry> datasets_;
  std::map<std::string, std::string> migrations_;
};

}  // namespace dn::loader
