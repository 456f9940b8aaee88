// Loading one S3 object: ledger check, streamed parse + validation, COPY into a staging table,
// in-file duplicate removal, merge into the target and the ledger row, all in one transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dn/aws/result.hpp"
#include "dn/aws/s3.hpp"
#include "dn/core/csv.hpp"
#include "pg.hpp"

namespace dn::loader {

struct ObjectRef {
  std::string bucket{};
  std::string key{};         // decoded
  std::string version_id{};  // empty when unknown / unversioned
  std::string etag{};        // without quotes; empty when unknown
  std::uint64_t size = 0;
};

// Streams an object to on_chunk (false aborts); returns what was read (version, ETag).
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
  std::uint64_t bytes_read = 0;
  std::string rejects_key{};  // empty when there were no rejects
  std::string outcome_key{};  // loaded/<key>.json
  std::chrono::milliseconds duration{0};
};
std::string_view status_name(LoadOutcome::Status status);

struct LoaderOptions {
  std::size_t copy_buffer_bytes = 1U << 20U;  // COPY data is sent in pieces of about this size
  std::string incoming_prefix = "incoming/";
  std::string rejected_prefix = "rejected/";
  std::string outcome_prefix = "loaded/";
  std::string default_dataset{};   // used when the key names no dataset
  std::string work_mem = "256MB";  // for the duplicate checks and the merge
};

// The rejects and outcome keys for an incoming key.
std::string rejects_key_for(const LoaderOptions& options, const std::string& key);
std::string outcome_key_for(const LoaderOptions& options, const std::string& key);
std::string strip_quotes(std::string_view etag);

class Loader {
 public:
  Loader(std::vector<dn::core::csv::Contract> contracts, LoaderOptions options);

  // Throws (PgError, std::runtime_error) when the load could not complete: nothing was
  // committed and the caller should let the message be retried.
  LoadOutcome load(Pg& db, const ObjectRef& object, const FetchFn& fetch, const PutFn& put);

  // Picks the contract for a key (incoming/<dataset>/... or the default); nullptr when none.
  [[nodiscard]] const dn::core::csv::Contract* contract_for(const std::string& key) const;

 private:
  std::vector<dn::core::csv::Contract> contracts_;
  LoaderOptions options_;
};

// Applies each migration (name -> SQL, applied in name order) once, recorded in
// public.schema_migrations, under an advisory lock so concurrent cold starts do not race.
// Returns the names applied now.
std::vector<std::string> apply_migrations(Pg& db,
                                          const std::map<std::string, std::string>& migrations);

}  // namespace dn::loader
