#include "transcode.hpp"

#include <cerrno>
#include <stdexcept>
#include <string>

namespace dn::loader {

Transcoder::Transcoder(dn::core::csv::Encoding from)
    : cd_(iconv_open("UTF-8", std::string(dn::core::csv::encoding_name(from)).c_str())) {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): iconv's documented error value
  if (cd_ == reinterpret_cast<iconv_t>(-1)) {
    throw std::runtime_error("iconv cannot convert from " +
                             std::string(dn::core::csv::encoding_name(from)));
  }
}

Transcoder::~Transcoder() {
  iconv_close(cd_);
}

std::string_view Transcoder::convert(std::string_view chunk) {
  // A single-byte encoding needs at most 3 UTF-8 bytes per byte (windows-1252's euro sign).
  out_.resize(chunk.size() * 3 + 4);
  // iconv's interface is not const-correct; it only reads the input.
  char* in = const_cast<char*>(chunk.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  std::size_t in_left = chunk.size();
  char* out = out_.data();
  std::size_t out_left = out_.size();
  while (in_left > 0) {
    if (iconv(cd_, &in, &in_left, &out, &out_left) != static_cast<std::size_t>(-1)) break;
    if (errno != EILSEQ || out_left == 0) {
      throw std::runtime_error("iconv failed while transcoding the file");
    }
    // Not defined in the source encoding: keep the byte (invalid UTF-8, rejected per row).
    *out++ = *in++;
    --in_left;
    --out_left;
  }
  out_.resize(out_.size() - out_left);
  return out_;
}

}  // namespace dn::loader
