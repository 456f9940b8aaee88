// The parts of an API Gateway REST proxy event that every API route reads (the inbox routes in
// api.hpp, the admin routes in admin_api.hpp), with one reading of each.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dn/core/api.hpp"

namespace dn::core {

struct ProxyEvent {
  nlohmann::json doc;
  std::string method;    // httpMethod; empty when absent
  std::string resource;  // resource; empty when absent
};

// The event, or the 400 when it is not a JSON object.
Refusable<ProxyEvent> parse_proxy_event(std::string_view event_json);

// The string member `name` of `object`; empty when `object` is not an object, has no such member
// or holds another type there.
std::string string_member(const nlohmann::json& object, const char* name);

// pathParameters.<name> (empty when absent).
std::string path_parameter(const ProxyEvent& event, const char* name);

// The query string object (possibly empty), or the 400 when it is not an object or null.
Refusable<nlohmann::json> query_of(const ProxyEvent& event);

// The request body as text: absent and null are empty; a base64-encoded body is refused (the
// API declares no binary media types, so only a misconfiguration would send one).
Refusable<std::string> body_of(const ProxyEvent& event);

// The 400 with `message`; the 405 naming what the route supports ("GET", "PUT or DELETE").
ApiError bad_request(std::string message);
ApiError method_not_allowed(std::string_view supported);
// The 404 of a resource no route serves.
ApiError no_such_route();

}  // namespace dn::core
