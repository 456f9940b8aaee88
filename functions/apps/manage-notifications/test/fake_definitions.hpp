// An in-memory DefinitionStore: definitions by id, day copies by date, frozen days, plus hooks
// that make the next put meet a racing freeze or a racing writer, and a failing call.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "definition_store.hpp"

namespace dn::manage_notifications::testing {

class FakeDefinitions final : public DefinitionStore {
 public:
  std::map<std::string, DefinitionRecord> definitions;
  std::map<std::string, std::vector<DayCopy>> copies;  // by date
  std::set<std::string> frozen;
  std::size_t unreadable = 0;  // reported by list
  // The day of the next put_one_date freezes between the handler's check and the transaction.
  bool freeze_before_next_put = false;
  // This many puts meet another writer first (their version bumped before they apply).
  int racing_writers = 0;
  // Every call fails (a 500).
  bool fail = false;
  int puts = 0;

  aws::Result<std::optional<DefinitionRecord>> get(const std::string& id) override {
    if (fail) return failure();
    const auto it = definitions.find(id);
    if (it == definitions.end()) return std::optional<DefinitionRecord>{};
    return std::optional<DefinitionRecord>{it->second};
  }

  aws::Result<PutOutcome> put_one_date(const DefinitionRecord& record, std::int64_t expected,
                                       const std::string& date) override {
    if (fail) return failure();
    ++puts;
    if (freeze_before_next_put) {
      freeze_before_next_put = false;
      frozen.insert(date);
    }
    if (frozen.count(date) != 0) return PutOutcome::day_frozen;
    return write(record, expected);
  }

  aws::Result<PutOutcome> put_rule(const DefinitionRecord& record, std::int64_t expected) override {
    if (fail) return failure();
    ++puts;
    return write(record, expected);
  }

  aws::Result<bool> remove(const std::string& id) override {
    if (fail) return failure();
    return definitions.erase(id) > 0;
  }

  aws::Result<std::vector<DefinitionRecord>> list(std::size_t* skipped) override {
    if (fail) return failure();
    if (skipped != nullptr) *skipped += unreadable;
    std::vector<DefinitionRecord> out;
    for (const auto& [id, d] : definitions) out.push_back(d);
    return out;
  }

  aws::Result<std::vector<DayCopy>> day_copies(const std::string& date) override {
    if (fail) return failure();
    const auto it = copies.find(date);
    return it == copies.end() ? std::vector<DayCopy>{} : it->second;
  }

  aws::Result<bool> is_frozen(const std::string& date) override {
    if (fail) return failure();
    return frozen.count(date) != 0;
  }

 private:
  static aws::Error failure() { return aws::Error{"InternalServerError", "boom", 500, true}; }

  // A versioned write (racing writers first).
  PutOutcome write(const DefinitionRecord& record, std::int64_t expected) {
    if (racing_writers > 0) {
      --racing_writers;
      auto& other = definitions[record.id];
      other = record;
      other.title = "written by another request";
      other.version = expected + 1;
      return PutOutcome::version_changed;
    }
    const auto it = definitions.find(record.id);
    const std::int64_t stored = it == definitions.end() ? 0 : it->second.version;
    if (stored != expected) return PutOutcome::version_changed;
    DefinitionRecord written = record;
    written.version = expected + 1;
    definitions[record.id] = written;
    return PutOutcome::written;
  }
};

}  // namespace dn::manage_notifications::testing
