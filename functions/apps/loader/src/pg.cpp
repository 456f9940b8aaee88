#include "pg.hpp"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dn/util/json.hpp"

namespace dn::loader {

namespace {

std::uint64_t to_u64(const char* text) {
  return text == nullptr ? 0 : std::strtoull(text, nullptr, 10);
}

Removed removed_rows(const PgResult& r) {
  Removed out;
  const int n = PQntuples(r.get());
  out.rows.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out.rows.push_back({to_u64(PQgetvalue(r.get(), i, 0)), to_u64(PQgetvalue(r.get(), i, 1))});
    out.total = to_u64(PQgetvalue(r.get(), i, 2));
  }
  return out;
}

}  // namespace

bool PgStore::alive() {
  if (!pg_.ok()) return false;
  try {
    pg_.exec("SELECT 1");
    return true;
  } catch (const PgError&) {
    return false;
  }
}

std::optional<LedgerRow> PgStore::ledger(const ObjectRef& o) {
  const auto r = pg_.exec(sql::ledger_select(), {o.bucket, o.key, o.version_id, o.etag});
  if (PQntuples(r.get()) == 0) return std::nullopt;
  const auto* p = r.get();
  return LedgerRow{
      PQgetvalue(p, 0, 0),         PQgetvalue(p, 0, 1),          PQgetvalue(p, 0, 2),
      to_u64(PQgetvalue(p, 0, 3)), to_u64(PQgetvalue(p, 0, 4)),  to_u64(PQgetvalue(p, 0, 5)),
      to_u64(PQgetvalue(p, 0, 6)), to_u64(PQgetvalue(p, 0, 7)),  PQgetvalue(p, 0, 8),
      to_u64(PQgetvalue(p, 0, 9)), to_u64(PQgetvalue(p, 0, 10)), to_u64(PQgetvalue(p, 0, 11))};
}

void PgStore::begin(const ObjectRef& o, const sql::Limits& limits) {
  pg_.exec("BEGIN; " + sql::set_limits(limits));
  pg_.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", {o.bucket + "/" + o.key});
}

void PgStore::commit() {
  pg_.exec("COMMIT");
}

void PgStore::rollback() noexcept {
  try {
    if (pg_.ok()) pg_.exec("ROLLBACK");
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the first error wins
  }
}

bool PgStore::first_load(const dn::core::csv::Contract& contract) {
  if (contract.rows_owned_by_object || contract.key.empty()) return false;
  const auto yes = [](const PgResult& r) {
    return PQntuples(r.get()) == 1 && std::string_view(PQgetvalue(r.get(), 0, 0)) == "t";
  };
  const std::string table = sql::target(contract);
  if (!yes(pg_.exec(sql::unique_index_on(),
                    {table, dn::util::to_json(nlohmann::json(contract.key))}))) {
    return false;
  }
  for (const auto& c : contract.columns) {
    const bool in_key =
        std::find(contract.key.begin(), contract.key.end(), c.name) != contract.key.end();
    if (c.unique && !in_key &&
        !yes(pg_.exec(sql::unique_index_on(),
                      {table, dn::util::to_json(nlohmann::json::array({c.name}))}))) {
      return false;
    }
  }
  return yes(pg_.exec(sql::target_is_empty(contract)));
}

void PgStore::create_stage(const dn::core::csv::Contract& contract) {
  pg_.exec(sql::create_stage(contract));
}

void PgStore::copy_begin(const dn::core::csv::Contract& contract, CopyInto into) {
  pg_.copy_begin(into == CopyInto::Target ? sql::copy_target(contract) : sql::copy_stage(contract));
}

void PgStore::copy_put(std::string_view rows) {
  pg_.copy_put(rows);
}

void PgStore::copy_end() {
  pg_.copy_end();
}

void PgStore::copy_abort(const std::string& reason) noexcept {
  try {
    pg_.copy_abort(reason);
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the session is dropped
  }
}

Removed PgStore::remove_duplicates(const std::vector<std::string>& columns, bool ignore_nulls,
                                   std::size_t max_rows) {
  return removed_rows(
      pg_.exec(sql::remove_duplicates(columns, ignore_nulls), {std::to_string(max_rows)}));
}

Removed PgStore::remove_taken(const dn::core::csv::Contract& contract, const std::string& column,
                              const ObjectRef& object, std::size_t max_rows) {
  std::vector<std::string> params{std::to_string(max_rows)};
  if (contract.rows_owned_by_object) params.push_back(object.key);
  return removed_rows(pg_.exec(sql::remove_taken(contract, column), params));
}

std::uint64_t PgStore::delete_absent_keys(const dn::core::csv::Contract& contract,
                                          const ObjectRef& object, const std::string& kept_keys) {
  return to_u64(
      PQcmdTuples(pg_.exec(sql::delete_absent_keys(contract), {object.key, kept_keys}).get()));
}

std::uint64_t PgStore::merge(const dn::core::csv::Contract& contract, const ObjectRef& object) {
  if (!contract.rows_owned_by_object) {
    // $1 (the object key) only in the statements that set dn_source_object.
    std::vector<std::string> params;
    if (contract.records_source_object()) params.push_back(object.key);
    std::uint64_t updated = 0;
    if (const auto update = sql::update_by_key(contract); !update.empty()) {
      updated = to_u64(PQcmdTuples(pg_.exec(update, params).get()));
    }
    return updated + to_u64(PQcmdTuples(pg_.exec(sql::insert_new_keys(contract), params).get()));
  }
  pg_.exec(sql::delete_object_rows(contract), {object.key});
  return to_u64(PQcmdTuples(pg_.exec(sql::insert_object_rows(contract), {object.key}).get()));
}

void PgStore::record(const ObjectRef& o, const LedgerRow& row) {
  pg_.exec(sql::ledger_insert(),
           {o.bucket, o.key, o.version_id, o.etag, row.dataset, row.status, row.reason,
            std::to_string(row.rows_read), std::to_string(row.rows_loaded),
            std::to_string(row.rows_changed), std::to_string(row.rows_rejected),
            std::to_string(row.bytes_read), row.rejects_key, std::to_string(row.duration_ms),
            std::to_string(row.transfer_ms), std::to_string(row.rows_deleted)});
}

namespace {

// One fixed lock id for migrations: concurrent cold starts apply them once. Each migration
// commits on its own, so one that cannot apply does not hold back the others. Without `failed`
// the first failure throws.
std::vector<std::string> run_migrations(Pg& pg,
                                        const std::map<std::string, std::string>& migrations,
                                        std::map<std::string, std::string>* failed) {
  std::vector<std::string> applied;
  for (const auto& [name, text] : migrations) {
    pg.exec("BEGIN");
    try {
      pg.exec("SELECT pg_advisory_xact_lock(7461001)");
      pg.exec(
          "CREATE TABLE IF NOT EXISTS public.schema_migrations (version text PRIMARY KEY, "
          "applied_at timestamptz NOT NULL DEFAULT now())");
      const auto done =
          pg.exec("SELECT 1 FROM public.schema_migrations WHERE version = $1", {name});
      if (PQntuples(done.get()) == 0) {
        pg.exec(text);
        pg.exec("INSERT INTO public.schema_migrations (version) VALUES ($1)", {name});
        applied.push_back(name);
      }
      pg.exec("COMMIT");
    } catch (const PgError& e) {
      try {
        if (pg.ok()) pg.exec("ROLLBACK");
      } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the first error wins
      }
      if (failed == nullptr || !e.permanent()) throw;
      (*failed)[name] = e.what();
    }
  }
  return applied;
}

}  // namespace

std::vector<std::string> PgStore::migrate(const std::map<std::string, std::string>& migrations,
                                          std::map<std::string, std::string>& failed) {
  return run_migrations(pg_, migrations, &failed);
}

std::vector<std::string> apply_migrations(Pg& db,
                                          const std::map<std::string, std::string>& migrations) {
  return run_migrations(db, migrations, nullptr);
}

}  // namespace dn::loader
