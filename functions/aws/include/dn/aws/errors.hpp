// Turning AWS error responses into Error values.
#pragma once

#include <string_view>

#include "dn/aws/result.hpp"

namespace dn::aws {

// JSON protocol errors:
// {"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "message":"..."}
// (`Message` also accepted). The namespace before '#' and any ":<uri>" suffix are stripped;
// `error_type_header` (x-amzn-ErrorType) is the fallback code.
Error parse_json_error(long http_status, std::string_view body,
                       std::string_view error_type_header = {});

// S3 REST errors: <Error><Code>NoSuchKey</Code><Message>...</Message></Error>. An empty or
// unparsable body gets a code from the status ("NotFound", "HttpError").
Error parse_xml_error(long http_status, std::string_view body);

}  // namespace dn::aws
