// See infer_file.hpp.
#include "infer_file.hpp"

#include <iconv.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace dn::cli {

namespace csv = dn::core::csv;

namespace {

constexpr std::size_t kChunk = std::size_t{64} * 1024;

// Streams at most `limit` bytes of the file to on_chunk (false stops); true when the whole file
// was read.
bool stream_file(const std::string& path, std::size_t limit,
                 const std::function<bool(std::string_view)>& on_chunk) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string buf(kChunk, '\0');
  std::size_t total = 0;
  while (in && total < limit) {
    in.read(buf.data(), static_cast<std::streamsize>(std::min(kChunk, limit - total)));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n == 0) break;
    total += n;
    if (!on_chunk(std::string_view(buf.data(), n))) return false;
  }
  return in.peek() == std::ifstream::traits_type::eof();
}

// Single-byte encodings to UTF-8 with glibc's iconv (no state crosses a chunk boundary).
class Transcoder {
 public:
  explicit Transcoder(const std::string& encoding) {
    if (encoding == "UTF-8") return;
    const char* from = encoding == "windows-1252" ? "WINDOWS-1252" : "ISO-8859-1";
    cd_ = iconv_open("UTF-8", from);
    if (cd_ == reinterpret_cast<iconv_t>(-1)) {  // NOLINT: iconv's documented failure value
      cd_ = nullptr;
      throw std::runtime_error(std::string("iconv cannot convert from ") + from);
    }
  }
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;
  ~Transcoder() {
    if (cd_ != nullptr) iconv_close(cd_);
  }

  std::string_view operator()(std::string_view in) {
    if (cd_ == nullptr) return in;
    out_.assign(in.size() * 3, '\0');          // a byte becomes at most 3 bytes of UTF-8
    char* src = const_cast<char*>(in.data());  // NOLINT: iconv's signature; it does not write
    std::size_t src_left = in.size();
    char* dst = out_.data();
    std::size_t dst_left = out_.size();
    if (iconv(cd_, &src, &src_left, &dst, &dst_left) == static_cast<std::size_t>(-1)) {
      throw std::runtime_error("the file is not valid in its encoding (a byte undefined there)");
    }
    return {out_.data(), out_.size() - dst_left};
  }

 private:
  iconv_t cd_ = nullptr;
  std::string out_;
};

bool foreign_bom(std::string_view chunk) {
  return chunk.size() >= 2 &&
         ((chunk[0] == '\xFF' && chunk[1] == '\xFE') || (chunk[0] == '\xFE' && chunk[1] == '\xFF'));
}

std::string detect(const std::string& path, std::size_t max_bytes) {
  csv::EncodingDetector detector;
  const bool whole = stream_file(path, max_bytes, [&](std::string_view chunk) {
    if (detector.bytes() == 0 && foreign_bom(chunk)) {
      throw std::runtime_error("the file is UTF-16/UTF-32 (byte order mark); save it as UTF-8");
    }
    detector.feed(chunk);
    return true;
  });
  return detector.encoding(whole);
}

}  // namespace

FileInference infer_file(const std::string& path, const std::string& dataset,
                         const SampleLimits& limits) {
  FileInference s;
  s.encoding = detect(path, limits.max_bytes);
  Transcoder transcode(s.encoding);
  csv::Inferrer inferrer({.dataset = dataset,
                          .source_name = std::filesystem::path(path).filename().string(),
                          .max_rows = limits.max_rows,
                          .max_bytes = limits.max_bytes});
  std::optional<csv::Parser> parser;
  const bool whole = stream_file(path, limits.max_bytes, [&](std::string_view raw) {
    const auto text = transcode(raw);
    if (!parser) {
      s.dialect.delimiter = csv::sniff_delimiter(text);
      parser.emplace(s.dialect, [&](const csv::Record& r) { inferrer.add(r); });
    }
    parser->feed(text);
    return !inferrer.full();
  });
  if (!parser) throw std::runtime_error(path + " is empty");
  if (!inferrer.full()) parser->finish();
  s.inference = inferrer.finish(s.dialect, s.encoding, whole);
  return s;
}

void for_each_record(const std::string& path, const std::string& encoding,
                     const csv::Dialect& dialect, const csv::RecordSink& sink) {
  Transcoder transcode(encoding);
  csv::Parser parser(dialect, sink);
  (void)stream_file(path, std::numeric_limits<std::size_t>::max(), [&](std::string_view raw) {
    parser.feed(transcode(raw));
    return true;
  });
  parser.finish();
}

}  // namespace dn::cli
