// Loading one S3 object, in named stages over the Store port:
//   1. ledger    - a version already finished is skipped (its outcome record rewritten);
//   2. stage     - BEGIN with limits from the deadline, per-object lock; the object (exactly the
//                  event's version) is streamed: transcode -> parse -> validate on this thread,
//                  COPY into a staging table on a second one;
//   3. absent    - "absent_keys": "delete": the object's earlier rows whose key is gone;
//   4. dedupe    - in-file duplicates (key, unique columns) and unique values owned elsewhere;
//   5. merge     - by key (insert/update changed rows), or replace the object's own rows;
//   6. finish    - rejects file, ledger row, COMMIT; only then the outcome record.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "contracts.hpp"
#include "dn/aws/result.hpp"
#include "dn/aws/s3.hpp"
#include "dn/core/csv.hpp"
#include "store.hpp"

namespace dn::loader {

using Clock = std::chrono::system_clock;

// Streams exactly object.version_id (when set) to on_chunk (false aborts); returns what was
// read.
using FetchFn = std::function<dn::aws::Result<dn::aws::ObjectInfo>(
    const ObjectRef&, const std::function<bool(std::string_view)>& on_chunk)>;
// Writes a small object (rejects file, outcome record) with SSE-KMS.
using PutFn =
    std::function<dn::aws::Result<void>(const std::string& bucket, const std::string& key,
                                        std::string_view body, const std::string& content_type)>;

struct LoadOutcome {
  enum class Status : std::uint8_t { Loaded, Rejected, Skipped, Ignored };
  Status status = Status::Loaded;
  std::string dataset{};
  std::string reason{};  // whole-file rejection reason, or why skipped/ignored
  std::uint64_t rows_read = 0;
  std::uint64_t rows_loaded = 0;
  std::uint64_t rows_changed = 0;  // inserted or updated (unchanged rows are not rewritten)
  std::uint64_t rows_rejected = 0;
  std::uint64_t rows_deleted = 0;  // "absent_keys": "delete": this object's rows gone from it
  std::uint64_t bytes_read = 0;
  std::string rejects_key{};  // empty when there were no rejects
  std::string outcome_key{};  // loaded/<key>.json
  std::chrono::milliseconds duration{0};
  std::chrono::milliseconds transfer{0};  // the object's GET (it streams during the load)
};
std::string_view status_name(LoadOutcome::Status status);

struct LoaderOptions {
  std::size_t copy_buffer_bytes = std::size_t{1} << 20U;  // one COPY write
  std::size_t copy_buffers = 4;                           // in flight between the two threads
  std::string incoming_prefix = "incoming/";
  std::string rejected_prefix = "rejected/";
  std::string outcome_prefix = "loaded/";
  std::string default_dataset{};   // used when the key names no dataset
  std::string work_mem = "256MB";  // for the duplicate checks and the merge
  // Objects larger than this are rejected at once (0: no limit): one invocation cannot load
  // them before its deadline (docs/DATA_PIPELINE.md, "Large files").
  std::uint64_t max_object_bytes = 0;
};

// A failure that retrying now cannot fix and that is not the file's fault either is thrown as
// std::runtime_error/PgError; a whole-file problem becomes a Rejected outcome.
class Loader {
 public:
  Loader(const Contracts& contracts, LoaderOptions options);

  // Throws (PgError, std::runtime_error) when the load could not complete: nothing was
  // committed and the caller should retry or let the message be retried.
  LoadOutcome load(Store& db, const ObjectRef& object, const FetchFn& fetch, const PutFn& put,
                   Clock::time_point deadline) const;

  [[nodiscard]] const LoaderOptions& options() const { return options_; }

 private:
  const Contracts* contracts_;
  LoaderOptions options_;
};

// The rejects and outcome keys for an incoming key; the outcome record's JSON.
std::string rejects_key_for(const LoaderOptions& options, const std::string& key);
std::string outcome_key_for(const LoaderOptions& options, const std::string& key);
std::string outcome_json(const ObjectRef& object, const LedgerRow& row);
std::string strip_quotes(std::string_view etag);

}  // namespace dn::loader
