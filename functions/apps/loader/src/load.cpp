#include "load.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "copy_pipe.hpp"
#include "dn/util/json.hpp"
#include "transcode.hpp"

namespace dn::loader {

namespace csv = dn::core::csv;
using std::chrono::milliseconds;

namespace {

std::string without_prefix(const std::string& key, const std::string& prefix) {
  return key.starts_with(prefix) ? key.substr(prefix.size()) : key;
}

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

void put_or_throw(const PutFn& put, const std::string& bucket, const std::string& key,
                  std::string_view body, const std::string& type) {
  const auto r = put(bucket, key, body, type);
  if (!r.ok()) throw std::runtime_error("S3 PutObject " + key + ": " + r.error().to_string());
}

LedgerRow ledger_row(const LoadOutcome& out) {
  return LedgerRow{out.dataset,
                   std::string(status_name(out.status)),
                   out.reason,
                   out.rows_read,
                   out.rows_loaded,
                   out.rows_changed,
                   out.rows_rejected,
                   out.bytes_read,
                   out.rejects_key,
                   static_cast<std::uint64_t>(out.duration.count()),
                   static_cast<std::uint64_t>(out.transfer.count()),
                   out.rows_deleted};
}

// What streaming the object into the staging table found.
struct Staged {
  std::string rejects = csv::rejects_header();  // validation rejects, in file order
  std::optional<std::string> whole_file{};      // a reason to reject the file as a whole
  // "absent_keys": "delete": the keys of rejected rows that could still be read ({column:
  // value} each; at most max_rejected_rows), kept although the rows did not load.
  nlohmann::json kept_keys = nlohmann::json::array();
  std::string etag{};
  std::string version_id{};
};

// "absent_keys": "delete": a rejected row whose key can be read keeps its key's row (bad input
// loses nothing).
void keep_key(const csv::Contract& contract, csv::Validator& validator, const csv::Record& r,
              nlohmann::json& kept) {
  if (contract.absent_keys != csv::AbsentKeys::Delete) return;
  const auto key = validator.readable_key(r);
  if (!key) return;
  nlohmann::json entry = nlohmann::json::object();
  for (std::size_t i = 0; i < key->size(); ++i) entry[contract.key[i]] = (*key)[i];
  kept.push_back(std::move(entry));
}

// One load in progress: the stages share the object, the contract and the counters.
class Run {
 public:
  Run(const LoaderOptions& options, Store& db, ObjectRef object, const FetchFn& fetch,
      const PutFn& put, Clock::time_point deadline)
      : options_(options),
        db_(db),
        object_(std::move(object)),
        fetch_(fetch),
        put_(put),
        deadline_(deadline),
        started_(Clock::now()) {
    out_.outcome_key = outcome_key_for(options_, object_.key);
  }

  LoadOutcome run(const Contracts::Lookup& lookup);

 private:
  std::optional<LoadOutcome> attempt(const csv::Contract& contract, bool try_direct);
  void restart();
  std::optional<LoadOutcome> already_finished();
  void begin();
  Staged stage(const csv::Contract& contract, CopyInto into);
  void delete_absent(const csv::Contract& contract, const Staged& staged);
  std::optional<std::string> dedupe(const csv::Contract& contract, std::string& rejects);
  void merge(const csv::Contract& contract);
  LoadOutcome finish(const std::string& rejects);
  LoadOutcome reject_whole(const std::string& reason);
  void add_removed(const Removed& removed, const std::string& column, const std::string& why);

  const LoaderOptions& options_;
  Store& db_;
  ObjectRef object_;
  const FetchFn& fetch_;
  const PutFn& put_;
  Clock::time_point deadline_;
  Clock::time_point started_;
  LoadOutcome out_;
  std::string rejects_;
  std::size_t max_rejected_ = 0;
};

// 1. A version already in the ledger is done: rewrite its outcome record (a load that died
// between COMMIT and the outcome PUT left none) and skip it.
std::optional<LoadOutcome> Run::already_finished() {
  if (object_.etag.empty()) return std::nullopt;
  const auto row = db_.ledger(object_);
  if (!row) return std::nullopt;
  put_or_throw(put_, object_.bucket, out_.outcome_key, outcome_json(object_, *row),
               "application/json");
  LoadOutcome skipped;
  skipped.status = LoadOutcome::Status::Skipped;
  skipped.dataset = row->dataset;
  skipped.reason = "already in the ledger (" + row->status + ")";
  skipped.outcome_key = out_.outcome_key;
  return skipped;
}

void Run::begin() {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
  auto limits = sql::limits_for(left);
  limits.work_mem = options_.work_mem;
  db_.begin(object_, limits);
}

// 2. Streams the object through transcoder, parser and validator into the staging table (or,
// for a first load, the target). The COPY runs on its own thread (CopyPipe), so parsing and the
// database work overlap.
Staged Run::stage(const csv::Contract& contract, CopyInto into) {
  Staged staged;
  // A first load into a table that records the source object: each row's last field (its line
  // number) becomes the object key.
  std::string source_field;
  if (contract.records_source_object()) csv::append_copy_escaped(source_field, object_.key);
  if (into == CopyInto::Stage) db_.create_stage(contract);
  db_.copy_begin(contract, into);
  bool copying = true;
  try {
    CopyPipe pipe([this](std::string_view rows) { db_.copy_put(rows); }, options_.copy_buffer_bytes,
                  options_.copy_buffers);
    std::optional<csv::Validator> validator;
    const auto& dialect = contract.dialect;
    csv::Parser parser(dialect, [&](const csv::Record& r) {
      if (staged.whole_file) return;
      if (!validator) {
        if (contract.header) {
          auto h = csv::map_header(contract, r);
          if (!h.ok()) {
            staged.whole_file = h.error().text;
            return;
          }
          validator.emplace(contract, std::move(*h));
          return;
        }
        validator.emplace(contract, csv::positional_header(contract));
      }
      ++out_.rows_read;
      auto& rows = pipe.buffer();
      if (auto reject = validator->accept(r, rows)) {
        if (++out_.rows_rejected > max_rejected_) {
          staged.whole_file = "more than " + std::to_string(max_rejected_) +
                              " rows failed validation (is this the right file?)";
          return;
        }
        staged.rejects += csv::rejects_line(*reject, r.to_csv(dialect.delimiter, dialect.quote));
        keep_key(contract, *validator, r, staged.kept_keys);
      } else if (into == CopyInto::Target) {
        // The target has no line column: drop the row's last field (its line number).
        rows.resize(rows.rfind('\t') + (source_field.empty() ? 0 : 1));
        rows += source_field;
        rows += '\n';
      }
      pipe.flush_if_full();
    });
    std::optional<Transcoder> transcoder;
    if (contract.encoding != csv::Encoding::Utf8) transcoder.emplace(contract.encoding);

    // Exceptions must not cross libcurl's C callback: park them and abort the transfer.
    std::exception_ptr failure;
    const auto transfer_started = Clock::now();
    const auto got = fetch_(object_, [&](std::string_view chunk) {
      out_.bytes_read += chunk.size();
      try {
        parser.feed(transcoder ? transcoder->convert(chunk) : chunk);
      } catch (...) {
        failure = std::current_exception();
        return false;
      }
      if (parser.saw_foreign_bom() && !staged.whole_file) {
        staged.whole_file = "the file is UTF-16/UTF-32 (byte order mark); UTF-8 needed";
      }
      return !staged.whole_file && !pipe.failed();
    });
    out_.transfer = since(transfer_started);
    if (failure) std::rethrow_exception(failure);
    if (!got.ok() && !staged.whole_file) {
      if (pipe.failed()) pipe.finish();  // the database's error explains the abort
      throw std::runtime_error("S3 GetObject " + object_.key + ": " + got.error().to_string());
    }
    if (got.ok()) {
      staged.etag = strip_quotes(got->etag);
      staged.version_id = got->version_id;
    }
    if (!staged.whole_file) parser.finish();
    if (!staged.whole_file && !validator) staged.whole_file = "the file is empty (no header line)";
    if (staged.whole_file) {
      copying = false;
      db_.copy_abort("file rejected");
      return staged;
    }
    pipe.finish();
    copying = false;
    db_.copy_end();
  } catch (...) {
    if (copying) db_.copy_abort("load failed");
    throw;
  }
  return staged;
}

void Run::add_removed(const Removed& removed, const std::string& column, const std::string& why) {
  for (const auto& row : removed.rows) {
    std::string reason = why;
    if (row.first_line > 0) reason += ", first seen on line " + std::to_string(row.first_line);
    rejects_ += csv::rejects_line(csv::Reject{row.line, column, reason}, "");
  }
  out_.rows_rejected += removed.total;
}

// 3. Before the duplicate checks, so that a key they reject is still in the stage (kept) and a
// unique value the deleted rows held is free for the file's rows.
void Run::delete_absent(const csv::Contract& contract, const Staged& staged) {
  if (contract.absent_keys != csv::AbsentKeys::Delete) return;
  out_.rows_deleted =
      db_.delete_absent_keys(contract, object_, dn::util::to_json(staged.kept_keys));
}

// 4. In-file duplicates (the key, then each unique column; the first occurrence wins) and unique
// values that already belong to another row of the target. The database holds the duplicates;
// the loader reads back at most the rows it may still reject.
std::optional<std::string> Run::dedupe(const csv::Contract& contract, std::string& rejects) {
  rejects_ = std::move(rejects);
  const auto room = [&] {
    return static_cast<std::size_t>(max_rejected_ -
                                    std::min<std::uint64_t>(out_.rows_rejected, max_rejected_)) +
           1;
  };
  const auto too_many = [&]() -> std::optional<std::string> {
    if (out_.rows_rejected <= max_rejected_) return std::nullopt;
    return "more than " + std::to_string(max_rejected_) +
           " rows were rejected (is this the right file?)";
  };
  if (!contract.key.empty()) {
    std::string label;
    for (const auto& k : contract.key) label += (label.empty() ? "" : "+") + k;
    add_removed(db_.remove_duplicates(contract.key, false, room()), label, "duplicate key");
    if (auto reason = too_many()) return reason;
  }
  for (const auto& c : contract.columns) {
    const bool in_key =
        std::find(contract.key.begin(), contract.key.end(), c.name) != contract.key.end();
    if (!c.unique || in_key) continue;
    add_removed(db_.remove_duplicates({c.name}, true, room()), c.name, "duplicate value");
    if (auto reason = too_many()) return reason;
    add_removed(db_.remove_taken(contract, c.name, object_, room()), c.name,
                "value already belongs to another row of " + contract.table);
    if (auto reason = too_many()) return reason;
  }
  return std::nullopt;
}

// 5. Into the target table.
void Run::merge(const csv::Contract& contract) {
  out_.rows_changed = db_.merge(contract, object_);
  out_.rows_loaded = out_.rows_read - out_.rows_rejected;
  out_.status = LoadOutcome::Status::Loaded;
}

// 6. The rejects file before COMMIT (the ledger row names it), the ledger row in the same
// transaction as the rows, and the outcome record only after COMMIT: whoever reads it knows the
// load is committed. If the process dies in between, the redelivered event finds the ledger row
// and writes the outcome then (already_finished).
LoadOutcome Run::finish(const std::string& rejects) {
  if (out_.rows_rejected > 0) {
    out_.rejects_key = rejects_key_for(options_, object_.key);
    put_or_throw(put_, object_.bucket, out_.rejects_key, rejects, "text/csv");
  }
  out_.duration = since(started_);
  const LedgerRow row = ledger_row(out_);
  db_.record(object_, row);
  db_.commit();
  put_or_throw(put_, object_.bucket, out_.outcome_key, outcome_json(object_, row),
               "application/json");
  return out_;
}

// A whole-file rejection, recorded like a load (ledger + outcome) so a redelivery is a no-op.
LoadOutcome Run::reject_whole(const std::string& reason) {
  db_.rollback();
  out_.status = LoadOutcome::Status::Rejected;
  out_.reason = reason;
  out_.rows_loaded = 0;
  out_.rows_changed = 0;
  out_.rows_rejected = 0;
  out_.rows_deleted = 0;
  begin();
  try {
    if (auto done = already_finished()) {
      db_.commit();
      return *done;
    }
    out_.rows_rejected = 0;
    out_.rejects_key = rejects_key_for(options_, object_.key);
    const std::string body =
        csv::rejects_header() + csv::rejects_line(csv::Reject{0, "", "whole file: " + reason}, "");
    put_or_throw(put_, object_.bucket, out_.rejects_key, body, "text/csv");
    out_.duration = since(started_);
    const LedgerRow row = ledger_row(out_);
    db_.record(object_, row);
    db_.commit();
    put_or_throw(put_, object_.bucket, out_.outcome_key, outcome_json(object_, row),
                 "application/json");
    return out_;
  } catch (...) {
    db_.rollback();
    throw;
  }
}

// A first load whose COPY into the target a constraint refused (an in-file duplicate, a value a
// concurrent load took) starts again through the staging table, which reports each such row.
void Run::restart() {
  out_.rows_read = 0;
  out_.rows_rejected = 0;
  out_.rows_deleted = 0;
  out_.bytes_read = 0;
  rejects_.clear();
}

LoadOutcome Run::run(const Contracts::Lookup& lookup) {
  out_.dataset = lookup.dataset;
  if (auto done = already_finished()) return *done;  // cheap, outside any transaction
  if (lookup.contract == nullptr) return reject_whole(lookup.error);
  const auto& contract = *lookup.contract;
  max_rejected_ = contract.max_rejected_rows;
  if (options_.max_object_bytes > 0 && object_.size > options_.max_object_bytes) {
    return reject_whole("the object is " + std::to_string(object_.size) +
                        " bytes; one load takes at most " +
                        std::to_string(options_.max_object_bytes) +
                        " bytes (split the file; docs/DATA_PIPELINE.md, Large files)");
  }
  if (auto done = attempt(contract, true)) return *done;
  restart();
  return *attempt(contract, false);
}

// One transaction. Returns nullopt only when a direct COPY (try_direct and a first load) was
// refused by a constraint: nothing is committed and the caller starts again through the stage.
std::optional<LoadOutcome> Run::attempt(const csv::Contract& contract, bool try_direct) {
  begin();
  bool copying_direct = false;
  try {
    if (auto done = already_finished()) {  // again, under the lock
      db_.commit();
      return done;
    }
    const bool direct = try_direct && db_.first_load(contract);
    copying_direct = direct;
    Staged staged = stage(contract, direct ? CopyInto::Target : CopyInto::Stage);
    copying_direct = false;
    if (!staged.etag.empty()) object_.etag = staged.etag;
    if (!staged.version_id.empty()) object_.version_id = staged.version_id;
    if (staged.whole_file) return reject_whole(*staged.whole_file);
    if (direct) {
      // The unique indexes accepted every row: there is nothing to dedupe or merge.
      rejects_ = std::move(staged.rejects);
      out_.rows_loaded = out_.rows_read - out_.rows_rejected;
      out_.rows_changed = out_.rows_loaded;
      out_.status = LoadOutcome::Status::Loaded;
    } else {
      delete_absent(contract, staged);
      if (auto reason = dedupe(contract, staged.rejects)) return reject_whole(*reason);
      merge(contract);
    }
    return finish(rejects_);
  } catch (const PgError& e) {
    db_.rollback();
    if (copying_direct && e.integrity_violation()) return std::nullopt;
    // The table does not match the contract (a missing column, a wrong type): no retry fixes
    // it, the file is rejected with PostgreSQL's reason.
    if (e.permanent())
      return reject_whole(std::string("the database refused the load: ") + e.what());
    throw;
  } catch (...) {
    db_.rollback();
    throw;
  }
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

std::string outcome_json(const ObjectRef& o, const LedgerRow& row) {
  return dn::util::to_json_lossy(nlohmann::json{{"bucket", o.bucket},
                                                {"key", o.key},
                                                {"versionId", o.version_id},
                                                {"etag", o.etag},
                                                {"dataset", row.dataset},
                                                {"status", row.status},
                                                {"reason", row.reason},
                                                {"rowsRead", row.rows_read},
                                                {"rowsLoaded", row.rows_loaded},
                                                {"rowsChanged", row.rows_changed},
                                                {"rowsRejected", row.rows_rejected},
                                                {"rowsDeleted", row.rows_deleted},
                                                {"bytesRead", row.bytes_read},
                                                {"rejectsKey", row.rejects_key},
                                                {"durationMs", row.duration_ms},
                                                {"transferMs", row.transfer_ms}});
}

Loader::Loader(const Contracts& contracts, LoaderOptions options)
    : contracts_(&contracts), options_(std::move(options)) {}

LoadOutcome Loader::load(Store& db, const ObjectRef& event_object, const FetchFn& fetch,
                         const PutFn& put, Clock::time_point deadline) const {
  ObjectRef object = event_object;
  object.etag = strip_quotes(object.etag);
  if (!object.key.starts_with(options_.incoming_prefix)) {
    LoadOutcome out;
    out.status = LoadOutcome::Status::Ignored;
    out.reason = "key is not under " + options_.incoming_prefix;
    return out;
  }
  const auto lookup = contracts_->for_key(without_prefix(object.key, options_.incoming_prefix),
                                          options_.default_dataset);
  Run run(options_, db, std::move(object), fetch, put, deadline);
  return run.run(lookup);
}

}  // namespace dn::loader
