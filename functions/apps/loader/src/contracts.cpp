#include "contracts.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "dn/util/json.hpp"

namespace dn::loader {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::map<std::string, std::string> read_dir(const fs::path& dir, const std::string& prefix,
                                            const std::string& suffix, bool strip_suffix) {
  std::map<std::string, std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.starts_with(prefix) || !name.ends_with(suffix)) continue;
    out[strip_suffix ? name.substr(0, name.size() - suffix.size()) : name] =
        read_file(entry.path());
  }
  return out;
}

}  // namespace

Contracts::Contracts(const std::map<std::string, std::string>& documents,
                     std::map<std::string, std::string> migrations)
    : migrations_(std::move(migrations)) {
  for (const auto& [dataset, text] : documents) {
    Entry entry;
    try {
      const auto json = dn::util::parse_json_or_throw(text);
      entry.contract = dn::core::csv::parse_contract(json);
      if (entry.contract->dataset != dataset) {
        entry.error =
            "the contract in " + dataset + ".json names dataset '" + entry.contract->dataset + "'";
        entry.contract.reset();
      }
    } catch (const std::exception& e) {
      entry.error = std::string("the dataset contract does not parse: ") + e.what();
    }
    datasets_[dataset] = std::move(entry);
  }
}

Contracts Contracts::from_directory(const std::string& dir) {
  if (!fs::is_directory(dir)) throw std::runtime_error("contract directory " + dir + " not found");
  return Contracts(read_dir(fs::path(dir) / "contracts", "", ".json", true),
                   read_dir(fs::path(dir) / "migrations", "V", ".sql", false));
}

Contracts::Lookup Contracts::lookup(const std::string& dataset) const {
  Lookup out;
  out.dataset = dataset;
  const auto it = datasets_.find(dataset);
  if (it == datasets_.end()) {
    out.error = "no dataset contract matches this key";
  } else if (it->second.contract) {
    out.contract = &*it->second.contract;
  } else {
    out.error = it->second.error;
  }
  return out;
}

Contracts::Lookup Contracts::for_key(const std::string& key_without_prefix,
                                     const std::string& default_dataset) const {
  const auto slash = key_without_prefix.find('/');
  const std::string first = slash == std::string::npos ? "" : key_without_prefix.substr(0, slash);
  // incoming/<dataset>/...: that dataset's contract or none (never another dataset's).
  if (!first.empty()) {
    Lookup found = lookup(first);
    if (datasets_.count(first) == 0) found.error = "no dataset contract named '" + first + "'";
    return found;
  }
  if (datasets_.count(default_dataset) != 0) return lookup(default_dataset);
  if (datasets_.size() == 1) return lookup(datasets_.begin()->first);
  Lookup none;
  none.error = "no dataset contract matches this key";
  return none;
}

std::optional<std::string> Contracts::dataset_of_migration(const std::string& name) const {
  const auto sep = name.find("__");
  if (sep == std::string::npos || !name.ends_with(".sql")) return std::nullopt;
  const std::string what = name.substr(sep + 2, name.size() - sep - 2 - 4);
  if (datasets_.count(what) != 0) return what;
  // V<NNN>__<dataset>_<change>.sql (V005__users_source_object.sql): the longest such dataset.
  std::optional<std::string> found;
  for (const auto& [dataset, entry] : datasets_) {
    if (what.starts_with(dataset + "_") && (!found || dataset.size() > found->size())) {
      found = dataset;
    }
  }
  return found;
}

void Contracts::fail(const std::string& dataset, const std::string& reason) {
  auto& entry = datasets_[dataset];
  entry.contract.reset();
  entry.error = reason;
}

std::map<std::string, std::string> Contracts::errors() const {
  std::map<std::string, std::string> out;
  for (const auto& [dataset, entry] : datasets_) {
    if (!entry.contract) out[dataset] = entry.error;
  }
  return out;
}

}  // namespace dn::loader
