// An in-memory Store for the loader's flow tests: tables of COPY rows, a ledger, a transaction
// that only COMMIT makes visible, a log of every call (shared with the fake S3's PUTs so tests
// can check the order), and faults to inject.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "store.hpp"

namespace dn::loader::testing {

using Row = std::vector<std::string>;  // contract columns, then the source line

struct FakeDatabase {
  std::map<std::string, std::vector<Row>> tables;  // committed
  std::map<std::string, LedgerRow> ledger;         // committed, by bucket/key/version/etag
  std::vector<std::string> log;
  std::string fail_at;  // a call name: it throws PgError(fail_state) once
  std::string fail_state = "08006";
  std::optional<sql::Limits> last_limits;
  std::vector<std::size_t> duplicate_limits;  // max_rows of each duplicate check
  int connections = 0;
  int dead_up_to = 0;  // sessions numbered up to this one are gone (a failover)
  // Unique indexes enforce the key (as PgStore::first_load checks in the catalog): an empty
  // table takes a first load's COPY directly, and a repeated key fails that COPY (23505).
  bool unique_indexes = false;
  // delete_absent_keys: the kept keys (JSON) of each call, and what it reports deleted.
  std::vector<std::string> kept_keys;
  std::uint64_t absent_rows = 0;
};

inline std::string ledger_key(const ObjectRef& o) {
  return o.bucket + "/" + o.key + "/" + o.version_id + "/" + o.etag;
}

class FakeStore : public Store {
 public:
  explicit FakeStore(std::shared_ptr<FakeDatabase> db)
      : db_(std::move(db)), id_(++db_->connections) {}

  bool alive() override {
    note("alive");
    return id_ > db_->dead_up_to;
  }
  std::optional<LedgerRow> ledger(const ObjectRef& o) override {
    note("ledger");
    const auto it = db_->ledger.find(ledger_key(o));
    if (it == db_->ledger.end()) return std::nullopt;
    return it->second;
  }
  void begin(const ObjectRef&, const sql::Limits& limits) override {
    note("begin");
    db_->last_limits = limits;
    pending_tables_ = db_->tables;
    pending_ledger_ = db_->ledger;
  }
  void commit() override {
    note("commit");
    db_->tables = pending_tables_;
    db_->ledger = pending_ledger_;
  }
  void rollback() noexcept override { db_->log.emplace_back("rollback"); }
  bool first_load(const dn::core::csv::Contract& contract) override {
    note("first_load");
    return db_->unique_indexes && !contract.rows_owned_by_object && !contract.key.empty() &&
           pending_tables_[contract.table].empty();
  }
  void create_stage(const dn::core::csv::Contract& contract) override {
    note("create_stage");
    stage_.clear();
    contract_ = &contract;
  }
  void copy_begin(const dn::core::csv::Contract& contract, CopyInto into) override {
    note(into == CopyInto::Target ? "copy_begin target" : "copy_begin");
    into_ = into;
    contract_ = &contract;
    stage_.clear();
    copied_.clear();
  }
  void copy_put(std::string_view rows) override {
    maybe_fail("copy_put");
    copied_.append(rows);
  }
  void copy_end() override {
    note("copy_end");
    std::istringstream in(copied_);
    std::string line;
    while (std::getline(in, line)) {
      Row row;
      std::string field;
      std::istringstream fields(line);
      while (std::getline(fields, field, '\t')) row.push_back(field);
      stage_.push_back(row);
    }
    if (into_ == CopyInto::Target) copy_into_target();
  }
  void copy_abort(const std::string&) noexcept override { db_->log.emplace_back("copy_abort"); }

  Removed remove_duplicates(const std::vector<std::string>& columns, bool ignore_nulls,
                            std::size_t max_rows) override {
    note("remove_duplicates");
    db_->duplicate_limits.push_back(max_rows);
    std::vector<std::size_t> idx;
    idx.reserve(columns.size());
    for (const auto& c : columns) idx.push_back(*contract_->column_index(c));
    std::map<Row, std::string> first;
    Removed out;
    std::vector<Row> kept;
    for (const auto& row : stage_) {
      Row k;
      for (auto i : idx) k.push_back(row[i]);
      if (ignore_nulls && k[0] == "\\N") {
        kept.push_back(row);
        continue;
      }
      const auto [it, fresh] = first.emplace(k, row.back());
      if (fresh) {
        kept.push_back(row);
        continue;
      }
      ++out.total;
      if (out.rows.size() < max_rows) {
        out.rows.push_back({std::stoull(row.back()), std::stoull(it->second)});
      }
    }
    stage_ = kept;
    return out;
  }
  Removed remove_taken(const dn::core::csv::Contract&, const std::string&, const ObjectRef&,
                       std::size_t) override {
    note("remove_taken");
    return {};
  }
  std::uint64_t delete_absent_keys(const dn::core::csv::Contract&, const ObjectRef&,
                                   const std::string& kept_keys) override {
    note("delete_absent_keys");
    db_->kept_keys.push_back(kept_keys);
    return db_->absent_rows;
  }
  std::uint64_t merge(const dn::core::csv::Contract& contract, const ObjectRef&) override {
    note("merge");
    auto& table = pending_tables_[contract.table];
    for (const auto& row : stage_) table.push_back(row);
    return stage_.size();
  }
  void record(const ObjectRef& o, const LedgerRow& row) override {
    note("record");
    pending_ledger_.emplace(ledger_key(o), row);
  }
  std::vector<std::string> migrate(const std::map<std::string, std::string>& migrations,
                                   std::map<std::string, std::string>& failed) override {
    note("migrate");
    std::vector<std::string> applied;
    for (const auto& [name, text] : migrations) {
      if (text.find("BROKEN") != std::string::npos) {
        failed[name] = "syntax error";
      } else {
        applied.push_back(name);
      }
    }
    return applied;
  }

 private:
  // The rows go into the table (the transaction's view) unless a key repeats.
  void copy_into_target() {
    auto& table = pending_tables_[contract_->table];
    std::set<Row> keys;
    for (const auto* rows : {&table, &stage_}) {
      for (const auto& row : *rows) {
        Row k;
        for (const auto& c : contract_->key) k.push_back(row[*contract_->column_index(c)]);
        if (!keys.insert(k).second) {
          throw PgError("duplicate key value violates unique constraint", "23505");
        }
      }
    }
    table.insert(table.end(), stage_.begin(), stage_.end());
    stage_.clear();
  }
  void note(const std::string& call) {
    db_->log.push_back(call);
    maybe_fail(call);
  }
  void maybe_fail(const std::string& call) {
    if (db_->fail_at == call) {
      db_->fail_at.clear();
      throw PgError("injected failure at " + call, db_->fail_state);
    }
  }

  std::shared_ptr<FakeDatabase> db_;
  int id_;
  const dn::core::csv::Contract* contract_ = nullptr;  // of the staging table
  CopyInto into_ = CopyInto::Stage;
  std::vector<Row> stage_;
  std::string copied_;
  std::map<std::string, std::vector<Row>> pending_tables_;
  std::map<std::string, LedgerRow> pending_ledger_;
};

}  // namespace dn::loader::testing
