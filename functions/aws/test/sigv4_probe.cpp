// Sends fixed requests through the real dn::aws client (its own SigV4 signs) to the endpoint given
// on the command line and prints one JSON line per request describing what was meant, so
// sigv4_crosscheck.py can re-sign each captured request with botocore and compare.
// Usage: aws_sigv4_probe <endpoint-url>
#include <curl/curl.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dn/aws/aws.hpp"

namespace {

using nlohmann::json;

// AWS's documented example key pair, not a credential.
constexpr const char* kAccessKey = "AKIDEXAMPLE";
constexpr const char* kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken =
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMiJHMEUCIQ+example/token+with/slashes==";
constexpr const char* kRegion = "eu-west-2";
constexpr const char* kBucketName = "dn-data-local";
constexpr const char* kKeyName = "reports/2026 Q1/na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.csv";

int failures = 0;

// `expect` is "match", or "mismatch" for the raw-curl controls below.
void announce(const std::string& name, const std::string& service, bool token,
              const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& query = {},
              const std::string& expect = "match") {
  json q = json::array();
  for (const auto& [k, v] : query) q.push_back({k, v});
  std::cout << json{{"case", name},
                    {"service", service},
                    {"token", token},
                    {"region", kRegion},
                    {"access_key", kAccessKey},
                    {"secret_key", kSecretKey},
                    {"session_token", token ? kToken : ""},
                    {"path", path},
                    {"query", q},
                    {"expect", expect}}
                   .dump()
            << std::endl;
}

size_t discard(char*, size_t size, size_t count, void*) {
  return size * count;
}

// Controls: plain libcurl 7.88 (no dn::aws) signing what dn::aws refuses or rewrites. botocore
// must disagree with each, which shows the comparison catches real signing defects.
void raw_curl(const std::string& url, const std::vector<std::string>& header_lines) {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  for (const auto& line : header_lines) headers = curl_slist_append(headers, line.c_str());
  const std::string sigv4 = std::string("aws:amz:") + kRegion + ":s3";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, kAccessKey);
  curl_easy_setopt(curl, CURLOPT_PASSWORD, kSecretKey);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  if (curl_easy_perform(curl) != CURLE_OK) ++failures;
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
}

void controls(const std::string& endpoint) {
  const std::string kBucket = kBucketName;
  const std::string empty_hash =
      "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const std::string object = endpoint + "/" + kBucket + "/k";
  announce("control_curl788_prefix_header_order", "s3", false, "/" + kBucket + "/k", {},
           "mismatch");
  raw_curl(object, {empty_hash, "x-amz-meta-a: 1", "x-amz-meta-a-b: 2"});
  announce("control_curl788_blank_header", "s3", false, "/" + kBucket + "/k", {}, "mismatch");
  raw_curl(object, {empty_hash, "x-amz-meta-blank:"});
  announce("control_curl788_unsorted_query", "s3", false, "/" + kBucket,
           {{"prefix", "a"}, {"list-type", "2"}}, "mismatch");
  raw_curl(endpoint + "/" + kBucket + "?prefix=a&list-type=2", {empty_hash});
}

template <class R>
void check(const std::string& name, const R& result) {
  if (!result.ok()) {
    std::cerr << name << ": " << result.error().to_string() << "\n";
    ++failures;
  }
}

void run(const std::string& endpoint, bool with_token) {
  const std::string kBucket = kBucketName;
  const std::string kKey = kKeyName;
  dn::aws::Config config;
  config.region = kRegion;
  config.credentials = {kAccessKey, kSecretKey, with_token ? kToken : ""};
  config.endpoint_url = endpoint;
  dn::aws::ClientOptions options;
  options.retry.max_attempts = 1;  // one captured request per case
  dn::aws::Client client(config, options);
  const std::string suffix = with_token ? "+token" : "";

  announce("dynamodb_query" + suffix, "dynamodb", with_token, "/");
  check("dynamodb_query", dn::aws::DynamoDb(client).query(
                              {{"TableName", "Notifications"},
                               {"KeyConditionExpression", "pk = :pk AND begins_with(sk, :p)"},
                               {"ExpressionAttributeValues",
                                {{":pk", {{"S", "USER#u-42"}}}, {":p", {{"S", "INBOX#"}}}}},
                               {"ScanIndexForward", false},
                               {"Limit", 20}}));

  announce("sqs_send_message_batch" + suffix, "sqs", with_token, "/");
  auto sent = dn::aws::Sqs(client).send_message_batch(
      "http://sqs.eu-west-2.localhost:4566/000000000000/generate",
      {{"n1", R"({"v":1,"date":"2026-03-29","notificationId":"n1","segment":"all"})", {}},
       {"n2", "caf\xC3\xA9 \xE2\x98\x95", 3}});
  check("sqs_send_message_batch", sent);
  if (sent.ok() && !sent->failed.empty()) ++failures;

  announce("s3_get_object" + suffix, "s3", with_token, "/" + kBucket + "/" + kKey);
  std::string object;
  check("s3_get_object", dn::aws::S3(client).get_object(kBucket, kKey, [&](std::string_view c) {
    object.append(c);
    return true;
  }));

  announce("s3_get_object_range" + suffix, "s3", with_token, "/" + kBucket + "/" + kKey);
  check("s3_get_object_range",
        dn::aws::S3(client).get_object(
            kBucket, kKey, [](std::string_view) { return true; }, dn::aws::ByteRange{0, 99}));

  announce("s3_put_object" + suffix, "s3", with_token, "/" + kBucket + "/rejected/" + kKey);
  check("s3_put_object",
        dn::aws::S3(client).put_object(kBucket, "rejected/" + kKey,
                                       "line,column,reason\n3,email,\"not an email\"\n",
                                       {{"Content-Type", "text/csv; charset=utf-8"},
                                        {"x-amz-server-side-encryption", "aws:kms"}}));

  // The header pair curl 7.88 orders wrongly: signed by dn::aws itself.
  announce("s3_put_object_kms_key" + suffix, "s3", with_token, "/" + kBucket + "/incoming/a.csv");
  check("s3_put_object_kms_key",
        dn::aws::S3(client).put_object(
            kBucket, "incoming/a.csv", "a,b\n1,2\n",
            {{"Content-Type", "text/csv"},
             {"x-amz-server-side-encryption", "aws:kms"},
             {"x-amz-server-side-encryption-aws-kms-key-id",
              "arn:aws:kms:eu-west-2:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}));

  const std::vector<std::pair<std::string, std::string>> query{{"prefix", "reports/2026 Q1/"},
                                                               {"list-type", "2"},
                                                               {"continuation-token", "a+b/c=="},
                                                               {"fetch-owner", ""}};
  announce("s3_list_objects_query" + suffix, "s3", with_token, "/" + kBucket, query);
  dn::aws::HttpRequest list;
  list.service = "s3";
  list.url = endpoint + "/" + kBucket;
  list.query = query;
  list.content_sha256 = true;
  check("s3_list_objects_query", client.send(list));

  announce("secretsmanager_get_secret_value" + suffix, "secretsmanager", with_token, "/");
  check("secretsmanager_get_secret_value",
        dn::aws::SecretsManager(client).get_secret_value("dn/local/cursor-key"));

  announce("dynamodb_batch_write_item" + suffix, "dynamodb", with_token, "/");
  check("dynamodb_batch_write_item",
        dn::aws::DynamoDb(client).batch_write(
            "Notifications", {{{"PutRequest",
                                {{"Item",
                                  {{"pk", {{"S", "USER#u-42"}}},
                                   {"sk", {{"S", "INBOX#2026-03-29#n1"}}},
                                   {"title", {{"S", "Caf\xC3\xA9 \xE2\x98\x95"}}}}}}}}}));

  announce("s3_get_object_version" + suffix, "s3", with_token, "/" + kBucket + "/" + kKey,
           {{"versionId", "3/L4kqtJl+0"}});
  check("s3_get_object_version",
        dn::aws::S3(client).get_object(
            kBucket, kKey, [](std::string_view) { return true; }, std::nullopt, "3/L4kqtJl+0"));

  announce("s3_head_object" + suffix, "s3", with_token, "/" + kBucket + "/" + kKey);
  dn::aws::HttpRequest head;
  head.method = "HEAD";
  head.service = "s3";
  head.url = dn::aws::s3_object_url(config, kBucket, kKey);
  head.content_sha256 = true;
  check("s3_head_object", client.send(head));

  // SQS's query protocol (a form body): the functions use the JSON protocol, but the signer
  // must cover both shapes SQS accepts.
  announce("sqs_query_get_queue_url" + suffix, "sqs", with_token, "/");
  dn::aws::HttpRequest form;
  form.method = "POST";
  form.service = "sqs";
  form.url = config.service_endpoint("sqs") + "/";
  form.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  const std::string form_body = "Action=GetQueueUrl&QueueName=generate&Version=2012-11-05";
  form.body = form_body;
  check("sqs_query_get_queue_url", client.send(form));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: aws_sigv4_probe <endpoint-url>\n";
    return 2;
  }
  run(argv[1], false);
  run(argv[1], true);
  controls(argv[1]);
  return failures == 0 ? 0 : 1;
}
