// libcurl header plumbing shared by the Runtime API client and the AWS client: the request's
// header list, owned, and the response's header lines collected by a header callback.
#pragma once

#include <curl/curl.h>

#include <map>
#include <new>
#include <string>
#include <string_view>

#include "dn/util/text.hpp"

namespace dn::util {

// An owned curl_slist of "Name: value" lines for CURLOPT_HTTPHEADER, freed on destruction
// (clear CURLOPT_HTTPHEADER before it dies).
class CurlHeaders {
 public:
  CurlHeaders() = default;
  ~CurlHeaders() { curl_slist_free_all(list_); }
  CurlHeaders(const CurlHeaders&) = delete;
  CurlHeaders& operator=(const CurlHeaders&) = delete;
  CurlHeaders(CurlHeaders&&) = delete;
  CurlHeaders& operator=(CurlHeaders&&) = delete;

  // Appends one line; throws std::bad_alloc when curl cannot (the list stays as it was).
  void add(const std::string& line) {
    curl_slist* grown = curl_slist_append(list_, line.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    list_ = grown;
  }
  [[nodiscard]] curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// One line as curl's header callback hands it over: a status line starts a new header block
// (after 100 Continue or a redirect), so `headers` is cleared; "Name: value" is stored under the
// lower-cased name, both sides trimmed (the last of a repeated name wins); anything else is
// ignored.
inline void collect_header_line(std::string_view line,
                                std::map<std::string, std::string>& headers) {
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    headers[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
  }
}

}  // namespace dn::util
