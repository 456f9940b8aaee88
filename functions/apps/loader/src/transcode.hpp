// Streaming conversion of a declared single-byte encoding (windows-1252, latin-1) to UTF-8 with
// glibc's iconv. A byte the encoding does not define is passed through unchanged: it is invalid
// UTF-8, so the parser rejects that row with the reason instead of the load guessing a letter.
#pragma once

#include <iconv.h>

#include <string>
#include <string_view>

#include "dn/core/csv.hpp"

namespace dn::loader {

class Transcoder {
 public:
  // Throws std::runtime_error when iconv does not know the encoding.
  explicit Transcoder(dn::core::csv::Encoding from);
  ~Transcoder();
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  // The UTF-8 text of `chunk` (valid until the next call).
  std::string_view convert(std::string_view chunk);

 private:
  iconv_t cd_;
  std::string out_;
};

}  // namespace dn::loader
