#include "load.hpp"

#include <cstdlib>
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

namespace dn::loader {

namespace csv = dn::core::csv;
using Clock = std::chrono::steady_clock;

namespace {

// A whole-file rejection found while streaming; unwinds to the load, which records it.
struct WholeFileRejection {
  std::string reason;
};

std::string join_idents(const std::vector<std::string>& names, const std::string& prefix = "") {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += prefix + Pg::ident(n);
  }
  return out;
}

std::string without_prefix(const std::string& key, const std::string& prefix) {
  return key.starts_with(prefix) ? key.substr(prefix.size()) : key;
}

bool ledger_has(Pg& db, const ObjectRef& o, const std::string& etag) {
  const auto r = db.exec(
      "SELECT 1 FROM public.load_ledger WHERE bucket = $1 AND object_key = $2 AND version_id = $3 "
      "AND etag = $4",
      {o.bucket, o.key, o.version_id, etag});
  return PQntuples(r.get()) > 0;
}

std::string outcome_json(const ObjectRef& o, const LoadOutcome& out) {
  return nlohmann::json{{"bucket", o.bucket},
                        {"key", o.key},
                        {"versionId", o.version_id},
                        {"etag", o.etag},
                        {"dataset", out.dataset},
                        {"status", status_name(out.status)},
                        {"reason", out.reason},
                        {"rowsRead", out.rows_read},
                        {"rowsLoaded", out.rows_loaded},
                        {"rowsChanged", out.rows_changed},
                        {"rowsRejected", out.rows_rejected},
                        {"bytesRead", out.bytes_read},
                        {"rejectsKey", out.rejects_key},
                        {"durationMs", out.duration.count()}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void insert_ledger(Pg& db, const ObjectRef& o, const LoadOutcome& out) {
  // DO NOTHING: a concurrent or earlier load of the same version already recorded it.
  db.exec(
      "INSERT INTO public.load_ledger (bucket, object_key, version_id, etag, dataset, status, "
      "reason, rows_read, rows_loaded, rows_changed, rows_rejected, bytes_read, rejects_key, "
      "duration_ms) VALUES ($1,$2,$3,$4,$5,$6,NULLIF($7,''),$8,$9,$10,$11,$12,NULLIF($13,''),$14) "
      "ON CONFLICT DO NOTHING",
      {o.bucket, o.key, o.version_id, o.etag, out.dataset, std::string(status_name(out.status)),
       out.reason, std::to_string(out.rows_read), std::to_string(out.rows_loaded),
       std::to_string(out.rows_changed), std::to_string(out.rows_rejected),
       std::to_string(out.bytes_read), out.rejects_key, std::to_string(out.duration.count())});
}

void put_or_throw(const PutFn& put, const std::string& bucket, const std::string& key,
                  std::string_view body, const std::string& type) {
  const auto r = put(bucket, key, body, type);
  if (!r.ok()) throw std::runtime_error("S3 PutObject " + key + ": " + r.error().to_string());
}

}  // namespace

std::string_view status_name(LoadOutcome::Status status) {
  switch (status) {
    case LoadOutcome::Status::Loaded:
      return "loaded";
    case LoadOutcome::Status::Rejected:
      return "rejected";
    case LoadOutcome::Status::Skipped:
      return "skipped";
    case LoadOutcome::Status::Ignored:
      return "ignored";
  }
  return "unknown";
}

std::string strip_quotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string rejects_key_for(const LoaderOptions& options, const std::string& key) {
  std::string k = options.rejected_prefix + without_prefix(key, options.incoming_prefix);
  if (!k.ends_with(".csv")) k += ".csv";
  return k;
}

std::string outcome_key_for(const LoaderOptions& options, const std::string& key) {
  return options.outcome_prefix + without_prefix(key, options.incoming_prefix) + ".json";
}

Loader::Loader(std::vector<csv::Contract> contracts, LoaderOptions options)
    : contracts_(std::move(contracts)), options_(std::move(options)) {}

const csv::Contract* Loader::contract_for(const std::string& key) const {
  const std::string rest = without_prefix(key, options_.incoming_prefix);
  const auto slash = rest.find('/');
  const std::string first = slash == std::string::npos ? "" : rest.substr(0, slash);
  for (const auto& c : contracts_) {
    if (c.dataset == first) return &c;
  }
  for (const auto& c : contracts_) {
    if (c.dataset == options_.default_dataset) return &c;
  }
  return contracts_.size() == 1 ? contracts_.data() : nullptr;
}

LoadOutcome Loader::load(Pg& db, const ObjectRef& event_object, const FetchFn& fetch,
                         const PutFn& put) {
  const auto started = Clock::now();
  LoadOutcome out;
  ObjectRef object = event_object;
  object.etag = strip_quotes(object.etag);
  if (!object.key.starts_with(options_.incoming_prefix)) {
    out.status = LoadOutcome::Status::Ignored;
    out.reason = "key is not under " + options_.incoming_prefix;
    return out;
  }
  out.outcome_key = outcome_key_for(options_, object.key);
  const csv::Contract* contract = contract_for(object.key);
  out.dataset = contract != nullptr ? contract->dataset : "";

  // Cheap check outside any transaction; repeated under the lock below.
  if (!object.etag.empty() && ledger_has(db, object, object.etag)) {
    out.status = LoadOutcome::Status::Skipped;
    out.reason = "already in the ledger";
    return out;
  }

  const auto finish_rejected = [&](const std::string& reason) {
    out =
        LoadOutcome{LoadOutcome::Status::Rejected,
                    out.dataset,
                    reason,
                    out.rows_read,
                    0,
                    0,
                    0,
                    out.bytes_read,
                    rejects_key_for(options_, object.key),
                    out.outcome_key,
                    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)};
    db.exec("BEGIN");
    try {
      db.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
              {object.bucket + "/" + object.key});
      const std::string body = csv::rejects_header() +
                               csv::rejects_line(csv::Reject{0, "", "whole file: " + reason}, "");
      put_or_throw(put, object.bucket, out.rejects_key, body, "text/csv");
      put_or_throw(put, object.bucket, out.outcome_key, outcome_json(object, out),
                   "application/json");
      insert_ledger(db, object, out);
      db.exec("COMMIT");
    } catch (...) {
      if (db.ok()) db.exec("ROLLBACK");
      throw;
    }
    return out;
  };

  if (contract == nullptr) return finish_rejected("no dataset contract matches this key");
  if (contract->rows_owned_by_object) {
    return finish_rejected("contracts with rows_owned_by are not loaded by this version");
  }
  if (contract->encoding != csv::Encoding::Utf8) {
    return finish_rejected("contracts with a non-UTF-8 encoding are not loaded by this version");
  }

  std::string rejects = csv::rejects_header();
  bool copying = false;
  db.exec("BEGIN");
  try {
    db.exec("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            {object.bucket + "/" + object.key});
    if (!object.etag.empty() && ledger_has(db, object, object.etag)) {
      db.exec("COMMIT");
      out.status = LoadOutcome::Status::Skipped;
      out.reason = "already in the ledger";
      return out;
    }
    db.exec("SELECT set_config('work_mem', $1, true)", {options_.work_mem});
    const std::string target = Pg::ident(contract->schema) + "." + Pg::ident(contract->table);
    db.exec("CREATE TEMP TABLE dn_stage (LIKE " + target +
            " INCLUDING DEFAULTS) ON COMMIT DROP; ALTER TABLE dn_stage ADD COLUMN dn_source_line "
            "bigint");
    std::vector<std::string> names;
    names.reserve(contract->columns.size());
    for (const auto& c : contract->columns) names.push_back(c.name);
    db.copy_begin("COPY dn_stage (" + join_idents(names) + ", dn_source_line) FROM STDIN");
    copying = true;

    std::optional<csv::Validator> validator;
    std::optional<WholeFileRejection> whole_file;
    std::string copy_buf;
    copy_buf.reserve(options_.copy_buffer_bytes + std::size_t{64} * 1024);
    const auto& dialect = contract->dialect;
    csv::Parser parser(dialect, [&](const csv::Record& r) {
      if (whole_file) return;
      if (!validator) {
        if (contract->header) {
          auto h = csv::map_header(*contract, r);
          if (!h.map) {
            whole_file = WholeFileRejection{h.error};
            return;
          }
          validator.emplace(*contract, std::move(*h.map));
          return;
        }
        validator.emplace(*contract, csv::positional_header(*contract));
      }
      ++out.rows_read;
      if (auto reject = validator->accept(r, copy_buf)) {
        if (++out.rows_rejected > contract->max_rejected_rows) {
          whole_file =
              WholeFileRejection{"more than " + std::to_string(contract->max_rejected_rows) +
                                 " rows failed validation (is this the right file?)"};
          return;
        }
        rejects += csv::rejects_line(*reject, r.to_csv(dialect.delimiter, dialect.quote));
      }
      if (copy_buf.size() >= options_.copy_buffer_bytes) {
        db.copy_put(copy_buf);
        copy_buf.clear();
      }
    });

    // Exceptions must not cross libcurl's C callback: park them and abort the transfer.
    std::exception_ptr failure;
    const auto got = fetch(object, [&](std::string_view chunk) {
      out.bytes_read += chunk.size();
      try {
        parser.feed(chunk);
      } catch (...) {
        failure = std::current_exception();
        return false;
      }
      if (parser.saw_foreign_bom() && !whole_file) {
        whole_file =
            WholeFileRejection{"the file is UTF-16/UTF-32 (byte order mark); UTF-8 needed"};
      }
      return !whole_file;
    });
    if (failure) std::rethrow_exception(failure);
    if (!got.ok() && !whole_file) {
      throw std::runtime_error("S3 GetObject " + object.key + ": " + got.error().to_string());
    }
    if (got.ok()) {
      object.etag = strip_quotes(got->etag);
      object.version_id = got->version_id;
    }
    if (!whole_file) parser.finish();
    if (!whole_file && !validator) {
      whole_file = WholeFileRejection{"the file is empty (no header line)"};
    }
    if (whole_file) {
      db.copy_abort("file rejected");
      copying = false;
      db.exec("ROLLBACK");
      return finish_rejected(whole_file->reason);
    }
    db.copy_put(copy_buf);
    db.copy_end();
    copying = false;

    // Duplicates inside the file (keys, then unique columns), keeping the first occurrence, and
    // unique values that already belong to another row of the target.
    const auto remove_duplicates = [&](const std::vector<std::string>& cols, bool is_key) {
      const std::string part = join_idents(cols);
      const std::string not_null = is_key ? "" : " WHERE " + Pg::ident(cols[0]) + " IS NOT NULL";
      const auto any = db.exec("SELECT 1 FROM dn_stage" + not_null + " GROUP BY " + part +
                               " HAVING count(*) > 1 LIMIT 1");
      if (PQntuples(any.get()) == 0) return;
      const auto removed = db.exec(
          "DELETE FROM dn_stage s USING (SELECT dn_source_line, first_value(dn_source_line) OVER w "
          "AS first, "
          "row_number() OVER w AS n FROM dn_stage" +
          not_null + " WINDOW w AS (PARTITION BY " + part +
          " ORDER BY dn_source_line)) d WHERE s.dn_source_line = d.dn_source_line AND d.n > 1 "
          "RETURNING s.dn_source_line, d.first");
      std::string label;
      for (const auto& c : cols) label += (label.empty() ? "" : "+") + c;
      for (int i = 0; i < PQntuples(removed.get()); ++i) {
        const auto line = std::strtoull(PQgetvalue(removed.get(), i, 0), nullptr, 10);
        rejects += csv::rejects_line(
            csv::Reject{line, label,
                        std::string(is_key ? "duplicate key" : "duplicate value") +
                            ", first seen on line " + PQgetvalue(removed.get(), i, 1)},
            "");
        ++out.rows_rejected;
      }
    };
    remove_duplicates(contract->key, true);
    for (const auto& c : contract->columns) {
      const bool in_key =
          std::find(contract->key.begin(), contract->key.end(), c.name) != contract->key.end();
      if (!c.unique || in_key) continue;
      remove_duplicates({c.name}, false);
      const auto taken = db.exec("DELETE FROM dn_stage s USING " + target + " t WHERE s." +
                                 Pg::ident(c.name) + " = t." + Pg::ident(c.name) + " AND (" +
                                 join_idents(contract->key, "s.") + ") IS DISTINCT FROM (" +
                                 join_idents(contract->key, "t.") + ") RETURNING s.dn_source_line");
      for (int i = 0; i < PQntuples(taken.get()); ++i) {
        rejects += csv::rejects_line(
            csv::Reject{std::strtoull(PQgetvalue(taken.get(), i, 0), nullptr, 10), c.name,
                        "value already belongs to another row of " + contract->table},
            "");
        ++out.rows_rejected;
      }
    }
    if (out.rows_rejected > contract->max_rejected_rows) {
      db.exec("ROLLBACK");
      return finish_rejected("more than " + std::to_string(contract->max_rejected_rows) +
                             " rows were rejected (is this the right file?)");
    }

    std::vector<std::string> non_key;
    for (const auto& n : names) {
      if (std::find(contract->key.begin(), contract->key.end(), n) == contract->key.end()) {
        non_key.push_back(n);
      }
    }
    std::string merge = "INSERT INTO " + target + " AS t (" + join_idents(names) + ") SELECT " +
                        join_idents(names) + " FROM dn_stage ON CONFLICT (" +
                        join_idents(contract->key) + ") DO ";
    if (non_key.empty()) {
      merge += "NOTHING";
    } else {
      merge += "UPDATE SET ";
      for (std::size_t i = 0; i < non_key.size(); ++i) {
        merge +=
            (i == 0 ? "" : ", ") + Pg::ident(non_key[i]) + " = EXCLUDED." + Pg::ident(non_key[i]);
      }
      // Rows whose values did not change are not rewritten.
      merge += " WHERE (" + join_idents(non_key, "t.") + ") IS DISTINCT FROM (" +
               join_idents(non_key, "EXCLUDED.") + ")";
    }
    const auto merged = db.exec(merge);
    out.rows_changed = std::strtoull(PQcmdTuples(merged.get()), nullptr, 10);
    out.rows_loaded = out.rows_read - out.rows_rejected;
    out.status = LoadOutcome::Status::Loaded;
    out.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    // The S3 writes happen before COMMIT: a failure leaves nothing committed and the retry
    // rewrites the same objects.
    if (out.rows_rejected > 0) {
      out.rejects_key = rejects_key_for(options_, object.key);
      put_or_throw(put, object.bucket, out.rejects_key, rejects, "text/csv");
    }
    put_or_throw(put, object.bucket, out.outcome_key, outcome_json(object, out),
                 "application/json");
    insert_ledger(db, object, out);
    db.exec("COMMIT");
    return out;
  } catch (...) {
    if (db.ok()) {
      try {
        if (copying) db.copy_abort("load failed");
        db.exec("ROLLBACK");
      } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the first error wins
      }
    }
    throw;
  }
}

std::vector<std::string> apply_migrations(Pg& db,
                                          const std::map<std::string, std::string>& migrations) {
  std::vector<std::string> applied;
  db.exec("BEGIN");
  try {
    // One fixed lock id for migrations: concurrent cold starts apply them once.
    db.exec("SELECT pg_advisory_xact_lock(7461001)");
    db.exec(
        "CREATE TABLE IF NOT EXISTS public.schema_migrations (version text PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& [name, sql] : migrations) {
      const auto done =
          db.exec("SELECT 1 FROM public.schema_migrations WHERE version = $1", {name});
      if (PQntuples(done.get()) > 0) continue;
      db.exec(sql);
      db.exec("INSERT INTO public.schema_migrations (version) VALUES ($1)", {name});
      applied.push_back(name);
    }
    db.exec("COMMIT");
  } catch (...) {
    if (db.ok()) db.exec("ROLLBACK");
    throw;
  }
  return applied;
}

}  // namespace dn::loader
