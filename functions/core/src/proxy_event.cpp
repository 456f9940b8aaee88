#include "dn/core/proxy_event.hpp"

#include "dn/util/json.hpp"

namespace dn::core {

using nlohmann::json;

ApiError bad_request(std::string message) {
  return ApiError{400, "BadRequest", std::move(message)};
}

ApiError method_not_allowed(std::string_view supported) {
  return ApiError{405, "MethodNotAllowed", "only " + std::string(supported) + " is supported"};
}

ApiError no_such_route() {
  return ApiError{404, "NotFound", "no such route"};
}

std::string string_member(const json& object, const char* name) {
  if (!object.is_object()) return {};
  const auto v = object.find(name);
  return v != object.end() && v->is_string() ? v->get<std::string>() : std::string();
}

Refusable<ProxyEvent> parse_proxy_event(std::string_view event_json) {
  auto doc = dn::util::parse_json(event_json);
  if (doc.is_discarded() || !doc.is_object()) {
    return bad_request("request is not an API Gateway event");
  }
  ProxyEvent e;
  e.method = string_member(doc, "httpMethod");
  e.resource = string_member(doc, "resource");
  e.doc = std::move(doc);
  return e;
}

std::string path_parameter(const ProxyEvent& e, const char* name) {
  const auto path = e.doc.find("pathParameters");
  return path == e.doc.end() ? std::string() : string_member(*path, name);
}

Refusable<json> query_of(const ProxyEvent& e) {
  const auto q = e.doc.find("queryStringParameters");
  if (q == e.doc.end() || q->is_null()) return json::object();
  if (!q->is_object()) return bad_request("query string is malformed");
  return *q;
}

Refusable<std::string> body_of(const ProxyEvent& e) {
  if (const auto b64 = e.doc.find("isBase64Encoded");
      b64 != e.doc.end() && b64->is_boolean() && b64->get<bool>()) {
    return bad_request("body must be JSON text");
  }
  const auto b = e.doc.find("body");
  if (b == e.doc.end() || b->is_null()) return std::string();
  if (!b->is_string()) return bad_request("body must be JSON text");
  return b->get<std::string>();
}

}  // namespace dn::core
