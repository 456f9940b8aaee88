#include "dn/aws/errors.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "dn/aws/retry.hpp"
#include "dn/util/json.hpp"

namespace dn::aws {
namespace {

// "com.amazonaws.dynamodb.v20120810#Code" -> "Code"; "Code:http://internal..." -> "Code".
std::string strip_error_type(std::string_view type) {
  if (const auto hash = type.rfind('#'); hash != std::string_view::npos) {
    type.remove_prefix(hash + 1);
  }
  if (const auto colon = type.find(':'); colon != std::string_view::npos) {
    type = type.substr(0, colon);
  }
  return std::string(type);
}

std::string code_from_status(long status) {
  switch (status) {
    case 304:
      return "NotModified";
    case 404:
      return "NotFound";
    case 412:
      return "PreconditionFailed";
    default:
      return "HttpError";
  }
}

Error finish(long status, std::string code, std::string message) {
  if (code.empty()) code = code_from_status(status);
  if (message.empty()) message = "HTTP status " + std::to_string(status);
  const bool retryable = is_retryable_code(code) || is_retryable_status(status);
  return Error{std::move(code), std::move(message), status, retryable};
}

// The text of the first <tag>...</tag>, with the five XML entities decoded.
std::string xml_element(std::string_view body, std::string_view tag) {
  // Built with append: GCC 12 -O3 reports a false -Wrestrict for "<" + std::string(...).
  std::string open("<");
  open.append(tag).append(">");
  std::string close("</");
  close.append(tag).append(">");
  const auto start = body.find(open);
  if (start == std::string_view::npos) return {};
  const auto from = start + open.size();
  const auto end = body.find(close, from);
  if (end == std::string_view::npos) return {};
  std::string_view raw = body.substr(from, end - from);
  std::string out;
  while (!raw.empty()) {
    if (raw.front() == '&') {
      static constexpr std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
      bool decoded = false;
      for (const auto& [entity, ch] : kEntities) {
        if (raw.substr(0, entity.size()) == entity) {
          out.push_back(ch);
          raw.remove_prefix(entity.size());
          decoded = true;
          break;
        }
      }
      if (decoded) continue;
    }
    out.push_back(raw.front());
    raw.remove_prefix(1);
  }
  return out;
}

}  // namespace

Error parse_json_error(long http_status, std::string_view body,
                       std::string_view error_type_header) {
  std::string code;
  std::string message;
  const auto doc = dn::util::parse_json(body);
  if (doc.is_object()) {
    for (const char* key : {"__type", "code", "Code"}) {
      if (const auto it = doc.find(key); it != doc.end() && it->is_string()) {
        code = strip_error_type(it->get<std::string>());
        break;
      }
    }
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (const auto it = doc.find(key); it != doc.end() && it->is_string()) {
        message = it->get<std::string>();
        break;
      }
    }
  }
  if (code.empty() && !error_type_header.empty()) code = strip_error_type(error_type_header);
  Error error = finish(http_status, std::move(code), std::move(message));
  if (doc.is_object()) error.body = std::string(body);
  return error;
}

Error parse_xml_error(long http_status, std::string_view body) {
  return finish(http_status, xml_element(body, "Code"), xml_element(body, "Message"));
}

}  // namespace dn::aws
