// File I/O around contract inference: streams a CSV file (at most a sample of it) through the
// encoding detection, transcoding to UTF-8 and the parser into dn::core::csv::Inferrer. Used by
// the infer-contract program and its tests.
#pragma once

#include <cstddef>
#include <string>

#include "dn/core/csv.hpp"
#include "dn/core/csv_infer.hpp"

namespace dn::cli {

struct SampleLimits {
  std::size_t max_rows = 100000;
  std::size_t max_bytes = std::size_t{32} * 1024 * 1024;
};

struct FileInference {
  dn::core::csv::Inference inference;
  dn::core::csv::Dialect dialect;
  std::string encoding;  // UTF-8, windows-1252 or latin-1
};

// Two streamed passes over at most limits.max_bytes: the encoding, then the records. Throws
// std::runtime_error (unreadable, empty or UTF-16 file) or std::invalid_argument (no header,
// bad dataset name).
FileInference infer_file(const std::string& path, const std::string& dataset,
                         const SampleLimits& limits);

// Every record of the whole file, transcoded from `encoding` to UTF-8 and parsed with `dialect`
// (what the loader does with a file of a dataset with this contract).
void for_each_record(const std::string& path, const std::string& encoding,
                     const dn::core::csv::Dialect& dialect, const dn::core::csv::RecordSink& sink);

}  // namespace dn::cli
