// Loader integration tests: a real PostgreSQL 15 server (TLS, verify-full) started here, S3 and
// Secrets Manager served by the loopback stub, the whole SQS handler path.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include "contracts.hpp"
#include "dn/aws/client.hpp"
#include "dn/aws/s3.hpp"
#include "dn/aws/secrets_manager.hpp"
#include "dn/util/text.hpp"
#include "handler.hpp"
#include "http_stub.hpp"
#include "pg.hpp"
#include "pg_server.hpp"

namespace {

using dn::aws::testing::StubRequest;
using dn::aws::testing::StubResponse;
using dn::loader::Pg;
using nlohmann::json;

constexpr const char* kBucket = "data-bucket";
constexpr const char* kHeader =
    "user_id,email,first_name,last_name,display_name,time_zone,locale,signup_date,last_login_at,"
    "marketing_opt_in,preferred_channel,digest_hour,lifetime_value\n";

// A fake S3 bucket and Secrets Manager behind one stub server.
struct FakeAws {
  std::mutex mutex;
  std::map<std::string, std::string> objects;  // "/bucket/key" -> body
  std::map<std::string, int> versions;
  std::string secret;
  int gets = 0;

  StubResponse handle(const StubRequest& r) {
    std::lock_guard<std::mutex> lock(mutex);
    if (r.method == "POST" && r.header("x-amz-target") == "secretsmanager.GetSecretValue") {
      return dn::aws::testing::json_response(200, json{{"SecretString", secret}}.dump());
    }
    const std::string path = r.target.substr(0, r.target.find('?'));
    if (r.method == "PUT") {
      objects[path] = r.body;
      ++versions[path];
      return StubResponse{200, {{"ETag", "\"put\""}}, ""};
    }
    if (r.method == "GET") {
      ++gets;
      const auto it = objects.find(path);
      if (it == objects.end()) {
        return StubResponse{404,
                            {{"Content-Type", "application/xml"}},
                            "<Error><Code>NoSuchKey</Code><Message>no</Message></Error>"};
      }
      return StubResponse{
          200,
          {{"ETag", "\"etag-" + std::to_string(std::hash<std::string>{}(it->second)) + "\""},
           {"x-amz-version-id", dn::util::numbered("v", versions[path])}},
          it->second};
    }
    return StubResponse{400, {}, "unexpected"};
  }

  void upload(const std::string& key, const std::string& body) {
    std::lock_guard<std::mutex> lock(mutex);
    const std::string path = std::string("/") + kBucket + "/" + key;
    objects[path] = body;
    ++versions[path];
  }
  std::optional<std::string> object(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    const auto it = objects.find(std::string("/") + kBucket + "/" + key);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  }
  std::string etag_of(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    return "etag-" + std::to_string(
                         std::hash<std::string>{}(objects[std::string("/") + kBucket + "/" + key]));
  }
  std::string version_of(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    return dn::util::numbered("v", versions[std::string("/") + kBucket + "/" + key]);
  }
};

std::string user_row(const std::string& id, int i) {
  std::ostringstream row;
  // Names exercise quoting (comma, quotes, a line break) and non-ASCII text.
  const std::string display = i % 7 == 0    ? "\"O'Brien, \"\"Pat\"\"\""
                              : i % 11 == 0 ? "\"Zoë\nSmith\""
                                            : "User " + std::to_string(i);
  row << id << "," << id << "@Example.com,First" << i << ",Last" << i << "," << display
      << ",Europe/Paris,fr-FR," << (i % 2 == 0 ? "2023-01-15" : "15/01/2023") << ","
      << (i % 3 == 0 ? "" : "2024-03-31T08:00:00Z") << "," << (i % 2 == 0 ? "true" : "no")
      << ",email," << i % 24 << "," << i << ".50\n";
  return row.str();
}

std::string clean_file(const std::string& prefix, int rows) {
  std::string out = kHeader;
  for (int i = 1; i <= rows; ++i) out += user_row(prefix + std::to_string(i), i);
  return out;
}

json sqs_event(const std::string& message_id, const std::string& key, const std::string& etag,
               const std::string& version) {
  const json s3_body = {
      {"Records",
       {{{"eventName", "ObjectCreated:Put"},
         {"s3",
          {{"bucket", {{"name", kBucket}}},
           {"object", {{"key", key}, {"eTag", etag}, {"versionId", version}, {"size", 1}}}}}}}}};
  return {{"Records", {{{"messageId", message_id}, {"body", s3_body.dump()}}}}};
}

// The repository's contracts and migrations (data/), plus test datasets: rows owned by their
// object, a windows-1252 file, headers that are not identifiers, and a contract that does not
// parse.
dn::loader::Contracts test_contracts() {
  std::map<std::string, std::string> documents;
  std::map<std::string, std::string> migrations;
  const auto repo = dn::loader::Contracts::from_directory(DN_DATA_DIR);
  migrations = repo.migrations();
  for (const auto& name : {"users"}) {
    std::ifstream in(std::string(DN_DATA_DIR) + "/contracts/" + name + ".json");
    documents[name] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  documents["events"] = R"json({
    "dataset": "events", "table": "events", "rows_owned_by": "object",
    "columns": [
      {"name": "Entity", "type": "text", "required": true},
      {"name": "phone", "header": "Contact Phone Number", "type": "text"},
      {"name": "amount 1", "header": "Amount", "occurrence": 1, "type": "integer"},
      {"name": "amount 2", "header": "Amount", "occurrence": 2, "type": "integer"},
      {"name": "ref", "type": "text", "unique": true}
    ]})json";
  migrations["V900__events.sql"] =
      "CREATE TABLE events (\"Entity\" text NOT NULL, phone text, \"amount 1\" integer, "
      "\"amount 2\" integer, ref text, dn_source_object text NOT NULL, dn_source_line bigint "
      "NOT NULL); CREATE INDEX ON events (dn_source_object); CREATE UNIQUE INDEX ON events (ref)";
  documents["cities"] = R"json({
    "dataset": "cities", "table": "cities", "key": ["Nom"],
    "format": {"encoding": "windows-1252"},
    "columns": [
      {"name": "Nom", "header": "Ville ou lieu-dit", "type": "text", "required": true},
      {"name": "note", "type": "text"}
    ]})json";
  migrations["V901__cities.sql"] = "CREATE TABLE cities (\"Nom\" text PRIMARY KEY, note text)";
  // A unique column that no unique index enforces.
  documents["tags"] = R"json({
    "dataset": "tags", "table": "tags", "key": ["id"],
    "columns": [
      {"name": "id", "type": "text", "required": true},
      {"name": "code", "type": "text", "unique": true}
    ]})json";
  migrations["V903__tags.sql"] = "CREATE TABLE tags (id text PRIMARY KEY, code text)";
  documents["broken"] = R"json({"dataset": "broken", "table": "broken", "columns": []})json";
  // absent_keys: a value that is neither keep nor delete, and delete without a key.
  documents["absentbad"] = R"json({"dataset": "absentbad", "table": "tags", "key": ["id"],
    "absent_keys": "sometimes", "columns": [{"name": "id", "type": "text", "required": true}]})json";
  documents["absentkeyless"] = R"json({"dataset": "absentkeyless", "table": "events",
    "rows_owned_by": "object", "absent_keys": "delete",
    "columns": [{"name": "Entity", "type": "text", "required": true}]})json";
  documents["badtable"] = R"json({
    "dataset": "badtable", "table": "badtable", "rows_owned_by": "object",
    "columns": [{"name": "x", "type": "integer"}]})json";
  migrations["V902__badtable.sql"] = "CREATE TABLE badtable (x integer";  // does not apply
  return {documents, migrations};
}

// PgStore that notes where each COPY went ("stage" or "target").
class SpyStore : public dn::loader::PgStore {
 public:
  SpyStore(const std::map<std::string, std::string>& params,
           std::shared_ptr<std::vector<std::string>> copies)
      : PgStore(params), copies_(std::move(copies)) {}
  void copy_begin(const dn::core::csv::Contract& contract, dn::loader::CopyInto into) override {
    copies_->emplace_back(into == dn::loader::CopyInto::Target ? "target" : "stage");
    PgStore::copy_begin(contract, into);
  }

 private:
  std::shared_ptr<std::vector<std::string>> copies_;
};

class LoaderIt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<dn::loader::testing::PgServer>();
    contracts_ = std::make_unique<dn::loader::Contracts>(test_contracts());
    dn::loader::PgStore migrate(server_->loader_params());
    std::map<std::string, std::string> failed;
    migrate.migrate(contracts_->migrations(), failed);
    ASSERT_EQ(failed.size(), 1U) << "only the broken dataset's migration fails";
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    aws_ = std::make_unique<FakeAws>();
    aws_->secret = server_->secret_json();
    stub_ = std::make_unique<dn::aws::testing::StubServer>(
        [this](const StubRequest& r) { return aws_->handle(r); });
    const std::map<std::string, std::string> env = {{"AWS_REGION", "eu-west-1"},
                                                    {"AWS_ACCESS_KEY_ID", "AKIDTEST"},
                                                    {"AWS_SECRET_ACCESS_KEY", "secret"},
                                                    {"AWS_ENDPOINT_URL", stub_->url()}};
    auto config = dn::aws::Config::from_env(
        [env](const char* name) -> const char* {
          const auto it = env.find(name);
          return it == env.end() ? nullptr : it->second.c_str();
        },
        {});
    ASSERT_TRUE(config.ok());
    client_ = std::make_unique<dn::aws::Client>(std::move(*config));
    auto* client = client_.get();
    const std::string cert = server_->root_cert();
    auto copies = copies_;
    connection_ = std::make_unique<dn::loader::Connection>(
        [client, cert, copies]() -> std::unique_ptr<dn::loader::Store> {
          auto secret = dn::aws::SecretsManager(*client).get_secret_value("arn:db-secret");
          if (!secret.ok()) throw std::runtime_error(secret.error().to_string());
          return std::make_unique<SpyStore>(
              dn::loader::connection_params(*secret, "verify-full", cert, "dn-loader"), copies);
        });
    fetch_ = [client](const dn::loader::ObjectRef& o,
                      const std::function<bool(std::string_view)>& on_chunk) {
      return dn::aws::S3(*client).get_object(o.bucket, o.key, on_chunk, std::nullopt, o.version_id);
    };
    put_ = [client](const std::string& bucket, const std::string& key, std::string_view body,
                    const std::string& type) -> dn::aws::Result<void> {
      auto r = dn::aws::S3(*client).put_object(
          bucket, key, body, {{"Content-Type", type}, {"x-amz-server-side-encryption", "aws:kms"}});
      if (!r.ok()) return r.error();
      return {};
    };
    options_.copy_buffer_bytes =
        std::size_t{16} * 1024;  // data reaches the server while the file streams
    db_ = std::make_unique<Pg>(server_->loader_params());
  }

  json run(const json& event, const dn::loader::FetchFn& fetch = nullptr,
           dn::loader::HandlerOptions handler_options = {}) {
    dn::loader::Handler handler(*contracts_, options_, *connection_, fetch ? fetch : fetch_, put_,
                                handler_options);
    return handler.handle(event, dn::loader::Clock::now() + std::chrono::minutes(5));
  }

  json load(const std::string& key, const std::string& message_id = "m1") {
    return run(sqs_event(message_id, key, aws_->etag_of(key), aws_->version_of(key)));
  }

  std::string scalar(const std::string& sql) {
    const auto r = db_->exec(sql);
    return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
  }
  long long count(const std::string& where) {
    return std::stoll(scalar("SELECT count(*) FROM users WHERE " + where));
  }
  std::string fingerprint(const std::string& extra = ", loaded_at") {
    return scalar(
        "SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY user_id), '')) FROM "
        "(SELECT user_id, email, first_name, last_name, display_name, time_zone, locale, "
        "signup_date, last_login_at, marketing_opt_in, preferred_channel, digest_hour, "
        "lifetime_value" +
        extra + " FROM users) u");
  }
  // The values only: rows loaded at different times compare equal.
  std::string values() { return fingerprint(""); }
  std::string ledger_counts(const std::string& key, const std::string& version) {
    return scalar(
        "SELECT status || ' ' || rows_read || '/' || rows_loaded || '/' || rows_changed || '/' || "
        "rows_rejected FROM load_ledger WHERE object_key = '" +
        key + "' AND version_id = '" + version + "'");
  }

  std::string deleted(const std::string& key, const std::string& version) {
    return scalar("SELECT rows_deleted FROM load_ledger WHERE object_key = '" + key +
                  "' AND version_id = '" + version + "'");
  }
  // user_id=dn_source_object for the users whose id starts with `prefix`.
  std::string owners(const std::string& prefix) {
    return scalar(
        "SELECT string_agg(user_id || '=' || coalesce(dn_source_object, '<null>'), ';' ORDER BY "
        "user_id) FROM users WHERE user_id LIKE '" +
        prefix + "%'");
  }

  static std::unique_ptr<dn::loader::testing::PgServer> server_;
  static std::unique_ptr<dn::loader::Contracts> contracts_;
  std::unique_ptr<FakeAws> aws_;
  std::shared_ptr<std::vector<std::string>> copies_ = std::make_shared<std::vector<std::string>>();
  std::unique_ptr<dn::aws::testing::StubServer> stub_;
  std::unique_ptr<dn::aws::Client> client_;
  std::unique_ptr<dn::loader::Connection> connection_;
  dn::loader::FetchFn fetch_;
  dn::loader::PutFn put_;
  dn::loader::LoaderOptions options_;
  std::unique_ptr<Pg> db_;
};

std::unique_ptr<dn::loader::testing::PgServer> LoaderIt::server_;
std::unique_ptr<dn::loader::Contracts> LoaderIt::contracts_;

json no_failures() {
  return {{"batchItemFailures", json::array()}};
}

TEST_F(LoaderIt, CleanFileLoadsExactlyOverTls) {
  aws_->upload("incoming/users/clean.csv", clean_file("clean-", 500));
  EXPECT_EQ(load("incoming/users/clean.csv"), no_failures());

  EXPECT_EQ(count("user_id LIKE 'clean-%'"), 500);
  EXPECT_EQ(scalar("SELECT display_name FROM users WHERE user_id = 'clean-7'"), "O'Brien, \"Pat\"");
  EXPECT_EQ(scalar("SELECT display_name FROM users WHERE user_id = 'clean-11'"), "Zoë\nSmith");
  EXPECT_EQ(scalar("SELECT email || ' ' || signup_date || ' ' || marketing_opt_in || ' ' || "
                   "lifetime_value FROM users WHERE user_id = 'clean-3'"),
            "clean-3@example.com 2023-01-15 false 3.50");
  EXPECT_EQ(scalar("SELECT last_login_at IS NULL FROM users WHERE user_id = 'clean-3'"), "t");
  EXPECT_EQ(scalar("SELECT status || ' ' || rows_read || ' ' || rows_loaded || ' ' || "
                   "rows_rejected FROM load_ledger WHERE object_key = 'incoming/users/clean.csv'"),
            "loaded 500 500 0");
  EXPECT_FALSE(aws_->object("rejected/users/clean.csv"));
  const auto outcome = aws_->object("loaded/users/clean.csv.json");
  ASSERT_TRUE(outcome);
  EXPECT_EQ(json::parse(*outcome).at("rowsLoaded"), 500);
  // The loader's own session used TLS.
  EXPECT_EQ(scalar("SELECT bool_and(s.ssl)::text FROM pg_stat_ssl s JOIN pg_stat_activity a "
                   "USING (pid) WHERE a.application_name = 'dn-loader'"),
            "true");
}

TEST_F(LoaderIt, BadRowsAreRejectedByLineAndTheRestLoads) {
  std::string file = kHeader;
  std::set<std::string> bad_lines;
  int line = 2;  // where the next record starts
  int rows = 0;
  const auto add = [&](const std::string& row, bool bad) {
    ++rows;
    if (bad) bad_lines.insert(std::to_string(line));
    line += static_cast<int>(std::count(row.begin(), row.end(), '\n'));
    file += row;
  };
  for (int i = 1; i <= 40; ++i) {
    const std::string id = "bad-" + std::to_string(i);
    switch (i) {
      case 5:
        add(id + ",not-an-email,a,b,Name,UTC,en,2023-01-01,,true,email,1,1\n", true);
        break;
      case 9:
        add(",x9@example.com,a,b,Name,UTC,en,2023-01-01,,true,email,1,1\n", true);
        break;
      case 13:
        add(id + ",x13@example.com,a,b,Name,UTC,en,2023-02-30,,true,email,1,1\n", true);
        break;
      case 17:
        add(id + ",x17@example.com,a,b,Name,UTC,en,2023-01-01,,true,fax,1,1\n", true);
        break;
      case 21:
        add(id + ",x21@example.com,only,nine,fields\n", true);
        break;
      case 25:
        add(id + ",x25@example.com,\xC3(bad,b,Name,UTC,en,2023-01-01,,true,email,1,1\n", true);
        break;
      case 29:
        add("bad-1,dup@example.com,a,b,Name,UTC,en,2023-01-01,,true,email,1,1\n", true);  // key
        break;
      case 33:
        add(id + ",bad-2@example.com,a,b,Name,UTC,en,2023-01-01,,true,email,25,1\n", true);
        break;
      default:
        add(user_row(id, i), false);
    }
  }
  // Row 33 has digest_hour 25 (found first); the last row repeats the e-mail of row 2.
  add("bad-99,bad-2@example.com,a,b,Name,UTC,en,2023-01-01,,true,email,1,1\n", true);
  aws_->upload("incoming/users/bad.csv", file);
  EXPECT_EQ(load("incoming/users/bad.csv"), no_failures());

  const auto ledger = db_->exec(
      "SELECT rows_read, rows_loaded, rows_rejected, rejects_key FROM load_ledger "
      "WHERE object_key = 'incoming/users/bad.csv'");
  ASSERT_EQ(PQntuples(ledger.get()), 1);
  const long long read = std::stoll(PQgetvalue(ledger.get(), 0, 0));
  const long long loaded = std::stoll(PQgetvalue(ledger.get(), 0, 1));
  const long long rejected = std::stoll(PQgetvalue(ledger.get(), 0, 2));
  EXPECT_EQ(read, rows);
  EXPECT_EQ(loaded + rejected, rows);
  EXPECT_EQ(rejected, static_cast<long long>(bad_lines.size()));
  EXPECT_EQ(count("user_id LIKE 'bad-%'"), loaded);
  EXPECT_EQ(std::string(PQgetvalue(ledger.get(), 0, 3)), "rejected/users/bad.csv");

  const auto rejects = aws_->object("rejected/users/bad.csv");
  ASSERT_TRUE(rejects);
  std::set<std::string> named;
  std::istringstream in(*rejects);
  std::string row;
  std::getline(in, row);
  EXPECT_EQ(row, "line,column,reason,raw\r");
  while (std::getline(in, row)) {
    if (!row.empty() && std::isdigit(static_cast<unsigned char>(row[0])) != 0) {
      named.insert(row.substr(0, row.find(',')));
    }
  }
  EXPECT_EQ(named, bad_lines);
  EXPECT_NE(rejects->find(",email,not an e-mail address"), std::string::npos);
  EXPECT_NE(rejects->find("duplicate key, first seen on line 2"), std::string::npos);
  EXPECT_NE(rejects->find("invalid UTF-8"), std::string::npos);
}

TEST_F(LoaderIt, SameObjectTwiceChangesNothing) {
  aws_->upload("incoming/users/twice.csv", clean_file("twice-", 200));
  EXPECT_EQ(load("incoming/users/twice.csv", "m1"), no_failures());
  const auto before = fingerprint();
  const auto gets = aws_->gets;
  EXPECT_EQ(load("incoming/users/twice.csv", "m2"), no_failures());  // redelivery
  EXPECT_EQ(fingerprint(), before);
  EXPECT_EQ(aws_->gets, gets);  // skipped from the ledger without reading the object
  EXPECT_EQ(
      scalar("SELECT count(*) FROM load_ledger WHERE object_key = 'incoming/users/twice.csv'"),
      "1");

  // The same bytes uploaded again (a new version): loaded, but no row is rewritten.
  aws_->upload("incoming/users/twice.csv", clean_file("twice-", 200));
  EXPECT_EQ(load("incoming/users/twice.csv", "m3"), no_failures());
  EXPECT_EQ(fingerprint(), before);
  EXPECT_EQ(scalar("SELECT rows_loaded || '/' || rows_changed FROM load_ledger WHERE "
                   "object_key = 'incoming/users/twice.csv' AND version_id = 'v2'"),
            "200/0");
}

TEST_F(LoaderIt, MissingRequiredHeaderRejectsTheWholeFile) {
  aws_->upload("incoming/users/noheader.csv", "user_id,first_name\nh-1,Ann\n");
  EXPECT_EQ(load("incoming/users/noheader.csv"), no_failures());  // retrying would not help
  EXPECT_EQ(count("user_id = 'h-1'"), 0);
  EXPECT_EQ(scalar("SELECT status || ': ' || reason FROM load_ledger WHERE "
                   "object_key = 'incoming/users/noheader.csv'"),
            "rejected: missing required column(s) in the header: email, display_name, time_zone, "
            "signup_date, marketing_opt_in, preferred_channel");
  const auto rejects = aws_->object("rejected/users/noheader.csv");
  ASSERT_TRUE(rejects);
  EXPECT_NE(rejects->find("whole file: missing required column(s)"), std::string::npos);
}

TEST_F(LoaderIt, Utf16FileIsRejectedAsAWhole) {
  aws_->upload("incoming/users/utf16.csv", std::string("\xFF\xFEu\0s\0", 6));
  EXPECT_EQ(load("incoming/users/utf16.csv"), no_failures());
  EXPECT_NE(scalar("SELECT reason FROM load_ledger WHERE object_key = 'incoming/users/utf16.csv'")
                .find("UTF-16"),
            std::string::npos);
}

// A fetch that, halfway through the file (COPY data already on the server), kills the loader's
// session once, as a failover would.
dn::loader::FetchFn killing_fetch(const dn::loader::FetchFn& fetch, Pg& admin,
                                  std::shared_ptr<std::atomic<bool>> killed) {
  return [&fetch, &admin, killed](const dn::loader::ObjectRef& o,
                                  const std::function<bool(std::string_view)>& on_chunk) {
    std::uint64_t seen = 0;
    return fetch(o, [&](std::string_view chunk) {
      seen += chunk.size();
      if (!*killed && seen > 1000000) {
        const auto r = admin.exec(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
            "application_name = 'dn-loader' AND state = 'active'");
        *killed = std::string(PQgetvalue(r.get(), 0, 0)) == "1";
      }
      return on_chunk(chunk);
    });
  };
}

TEST_F(LoaderIt, KilledConnectionLeavesNoRowsAndTheMessageIsRetried) {
  const int rows = 20000;
  aws_->upload("incoming/users/kill.csv", clean_file("kill-", rows));
  Pg admin([&] {
    auto p = server_->admin_params();
    p["dbname"] = "dn";
    return p;
  }());
  auto killed = std::make_shared<std::atomic<bool>>(false);
  const auto event =
      sqs_event("kill-msg", "incoming/users/kill.csv", aws_->etag_of("incoming/users/kill.csv"),
                aws_->version_of("incoming/users/kill.csv"));
  dn::loader::HandlerOptions no_retry;
  no_retry.max_attempts = 1;
  const auto result = run(event, killing_fetch(fetch_, admin, killed), no_retry);
  ASSERT_TRUE(*killed) << "the loader's session was not found active";
  EXPECT_EQ(result, (json{{"batchItemFailures", {{{"itemIdentifier", "kill-msg"}}}}}));
  EXPECT_EQ(count("user_id LIKE 'kill-%'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM load_ledger WHERE object_key = 'incoming/users/kill.csv'"),
            "0");
  EXPECT_FALSE(aws_->object("loaded/users/kill.csv.json"));  // no outcome for an uncommitted load

  // SQS redelivers: a new connection is made and the file loads whole.
  EXPECT_EQ(run(event), no_failures());
  EXPECT_EQ(count("user_id LIKE 'kill-%'"), rows);
}

TEST_F(LoaderIt, AFailoverMidLoadIsRetriedAtOnceOnANewConnection) {
  const int rows = 20000;
  aws_->upload("incoming/users/failover.csv", clean_file("failover-", rows));
  Pg admin([&] {
    auto p = server_->admin_params();
    p["dbname"] = "dn";
    return p;
  }());
  auto killed = std::make_shared<std::atomic<bool>>(false);
  const auto gets = aws_->gets;
  const auto result = run(sqs_event("fo-msg", "incoming/users/failover.csv",
                                    aws_->etag_of("incoming/users/failover.csv"),
                                    aws_->version_of("incoming/users/failover.csv")),
                          killing_fetch(fetch_, admin, killed));
  ASSERT_TRUE(*killed);
  // The same invocation loaded it (no wait for the visibility timeout), exactly once.
  EXPECT_EQ(result, no_failures());
  EXPECT_EQ(aws_->gets, gets + 2);
  EXPECT_EQ(count("user_id LIKE 'failover-%'"), rows);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM load_ledger WHERE object_key = 'incoming/users/failover.csv'"),
      "1");
}

TEST_F(LoaderIt, AStaleConnectionIsReplacedBeforeTheLoad) {
  aws_->upload("incoming/users/stale.csv", clean_file("stale-", 10));
  EXPECT_EQ(load("incoming/users/stale.csv", "s1"), no_failures());
  // The server drops every loader session while the loader is idle (a failover between two
  // messages); PQstatus still says CONNECTION_OK.
  Pg admin([&] {
    auto p = server_->admin_params();
    p["dbname"] = "dn";
    return p;
  }());
  admin.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
      "'dn-loader'");
  aws_->upload("incoming/users/stale.csv", clean_file("stale-", 20));
  dn::loader::HandlerOptions no_retry;
  no_retry.max_attempts = 1;  // the check before the load must catch it, not a retry
  EXPECT_EQ(
      run(sqs_event("s2", "incoming/users/stale.csv", aws_->etag_of("incoming/users/stale.csv"),
                    aws_->version_of("incoming/users/stale.csv")),
          nullptr, no_retry),
      no_failures());
  EXPECT_EQ(count("user_id LIKE 'stale-%'"), 20);
}

TEST_F(LoaderIt, MissingObjectAndBadBodiesAreReportedFailed) {
  EXPECT_EQ(run(sqs_event("gone", "incoming/users/none.csv", "e", "v")),
            (json{{"batchItemFailures", {{{"itemIdentifier", "gone"}}}}}));
  const json junk = {{"Records", {{{"messageId", "junk"}, {"body", "{\"hello\":1}"}}}}};
  EXPECT_EQ(run(junk), (json{{"batchItemFailures", {{{"itemIdentifier", "junk"}}}}}));
}

TEST_F(LoaderIt, KeysOutsideIncomingAreIgnored) {
  aws_->upload("rejected/users/x.csv", "anything");
  EXPECT_EQ(run(sqs_event("ign", "rejected/users/x.csv", "e", "v")), no_failures());
  EXPECT_EQ(aws_->gets, 0);
}

TEST_F(LoaderIt, RowsOwnedByTheirObjectAreReplacedByItsNextVersionOnly) {
  const std::string header = "Amount,Contact Phone Number, Entity ,Amount,ref\n";
  aws_->upload("incoming/events/a.csv", header + "1,+44 1,A1,10,ra1\n2,,A2,20,ra2\n");
  aws_->upload("incoming/events/b.csv", header + "3,\"\",B1,30,rb1\n");
  EXPECT_EQ(load("incoming/events/a.csv"), no_failures());
  EXPECT_EQ(load("incoming/events/b.csv"), no_failures());
  const auto table = [&] {
    return scalar(
        "SELECT string_agg(concat_ws('|', \"Entity\", coalesce(phone, '<null>'), \"amount 1\", "
        "\"amount 2\", ref, dn_source_object, dn_source_line), ';' ORDER BY \"Entity\") FROM "
        "events");
  };
  // Header text mapped onto the columns (trimmed, two "Amount" fields by position); "" is the
  // empty string, an empty field NULL.
  EXPECT_EQ(table(),
            "A1|+44 1|1|10|ra1|incoming/events/a.csv|2;A2|<null>|2|20|ra2|incoming/events/a.csv|3;"
            "B1||3|30|rb1|incoming/events/b.csv|2");

  // A new version of a.csv replaces exactly a.csv's rows; b.csv's stay.
  aws_->upload("incoming/events/a.csv", header + "5,,A9,50,ra9\n");
  EXPECT_EQ(load("incoming/events/a.csv", "m2"), no_failures());
  const auto after = table();
  EXPECT_EQ(after,
            "A9|<null>|5|50|ra9|incoming/events/a.csv|2;B1||3|30|rb1|incoming/events/b.csv|2");
  // A redelivered event changes nothing.
  EXPECT_EQ(load("incoming/events/a.csv", "m3"), no_failures());
  EXPECT_EQ(table(), after);
  // A unique value owned by another object's row is rejected; in-file duplicates too.
  aws_->upload("incoming/events/c.csv", header + "1,,C1,1,rb1\n1,,C2,1,rc\n1,,C3,1,rc\n");
  EXPECT_EQ(load("incoming/events/c.csv"), no_failures());
  const auto outcome = json::parse(*aws_->object("loaded/events/c.csv.json"));
  EXPECT_EQ(outcome.at("rowsLoaded"), 1);
  EXPECT_EQ(outcome.at("rowsRejected"), 2);
  const auto rejects = *aws_->object("rejected/events/c.csv");
  EXPECT_NE(rejects.find("2,ref,value already belongs to another row of events"),
            std::string::npos);
  EXPECT_NE(rejects.find("4,ref,\"duplicate value, first seen on line 3\""), std::string::npos);
}

TEST_F(LoaderIt, DeclaredWindows1252IsTranscodedUndefinedBytesRejectPerRow) {
  // "Ville ou lieu-dit" header; é = E9, € = 80 in windows-1252; 81 is undefined there.
  aws_->upload("incoming/cities/fr.csv",
               "Ville ou lieu-dit,note\r\nP\xE9rigueux,co\xFBt 5 \x80\r\nB\x81"
               "d,x\r\n");
  EXPECT_EQ(load("incoming/cities/fr.csv"), no_failures());
  EXPECT_EQ(scalar("SELECT string_agg(\"Nom\" || '=' || note, ';') FROM cities"),
            "Périgueux=coût 5 €");
  const auto rejects = *aws_->object("rejected/cities/fr.csv");
  EXPECT_NE(rejects.find("3,Nom,invalid UTF-8"), std::string::npos) << rejects;

  // Undeclared (the users contract is UTF-8): the Latin-1 byte is rejected per row, the rest
  // loads.
  aws_->upload("incoming/users/latin.csv",
               std::string(kHeader) + user_row("latin-1", 1) +
                   "latin-2,l2@example.com,Ren\xE9,B,Name,UTC,fr,2023-01-01,,true,email,1,1\n");
  EXPECT_EQ(load("incoming/users/latin.csv"), no_failures());
  EXPECT_EQ(count("user_id LIKE 'latin-%'"), 1);
  EXPECT_NE(aws_->object("rejected/users/latin.csv")->find("3,first_name,invalid UTF-8"),
            std::string::npos);
}

TEST_F(LoaderIt, AnUnusableContractRejectsOnlyItsOwnDatasetsFiles) {
  aws_->upload("incoming/broken/x.csv", "a\n1\n");
  aws_->upload("incoming/badtable/x.csv", "x\n1\n");
  aws_->upload("incoming/nosuch/x.csv", "x\n1\n");
  aws_->upload("incoming/users/ok.csv", clean_file("okds-", 3));
  for (const auto* key : {"incoming/broken/x.csv", "incoming/badtable/x.csv",
                          "incoming/nosuch/x.csv", "incoming/users/ok.csv"}) {
    EXPECT_EQ(load(key), no_failures()) << key;  // none goes to the DLQ
  }
  EXPECT_EQ(count("user_id LIKE 'okds-%'"), 3);
  EXPECT_EQ(json::parse(*aws_->object("loaded/users/ok.csv.json")).at("status"), "loaded");
  const auto reason = [&](const std::string& key) {
    return scalar("SELECT status || ': ' || reason FROM load_ledger WHERE object_key = '" + key +
                  "'");
  };
  EXPECT_EQ(reason("incoming/broken/x.csv"),
            "rejected: the dataset contract does not parse: columns must not be empty");
  EXPECT_NE(reason("incoming/badtable/x.csv").find("rejected: migration V902__badtable.sql failed"),
            std::string::npos);
  EXPECT_EQ(reason("incoming/nosuch/x.csv"), "rejected: no dataset contract named 'nosuch'");
  const auto outcome = json::parse(*aws_->object("loaded/broken/x.csv.json"));
  EXPECT_EQ(outcome.at("status"), "rejected");
  EXPECT_NE(outcome.at("reason").get<std::string>().find("does not parse"), std::string::npos);
}

TEST_F(LoaderIt, TheOutcomeRecordIsWrittenOnlyAfterCommit) {
  aws_->upload("incoming/users/order.csv", clean_file("order-", 5));
  // The outcome PUT fails after COMMIT (S3 down for that call): the message fails, the rows are
  // committed, and the redelivery writes the missing outcome from the ledger.
  bool fail_outcome = true;
  bool committed_when_put = false;
  const auto flaky_put = [&](const std::string& bucket, const std::string& key,
                             std::string_view body,
                             const std::string& type) -> dn::aws::Result<void> {
    if (key.starts_with("loaded/")) {
      committed_when_put = count("user_id LIKE 'order-%'") == 5;
      if (fail_outcome) return dn::aws::Error{"NetworkError", "down", 0, true};
    }
    return put_(bucket, key, body, type);
  };
  const auto event =
      sqs_event("o1", "incoming/users/order.csv", aws_->etag_of("incoming/users/order.csv"),
                aws_->version_of("incoming/users/order.csv"));
  dn::loader::Handler handler(*contracts_, options_, *connection_, fetch_, flaky_put);
  const auto deadline = dn::loader::Clock::now() + std::chrono::minutes(1);
  EXPECT_EQ(handler.handle(event, deadline),
            (json{{"batchItemFailures", {{{"itemIdentifier", "o1"}}}}}));
  EXPECT_TRUE(committed_when_put);  // another session saw the rows when the outcome was put
  EXPECT_FALSE(aws_->object("loaded/users/order.csv.json"));
  fail_outcome = false;
  const auto gets = aws_->gets;
  EXPECT_EQ(handler.handle(event, deadline), no_failures());
  EXPECT_EQ(aws_->gets, gets);  // from the ledger, without reading the object again
  const auto outcome = json::parse(*aws_->object("loaded/users/order.csv.json"));
  EXPECT_EQ(outcome.at("status"), "loaded");
  EXPECT_EQ(outcome.at("rowsLoaded"), 5);
}

// A first load (the table holds no row; its primary key and unique e-mail index enforce what the
// loader's duplicate checks would) is COPYed straight into the table, and the rows are exactly
// those the staged path loads from the same file.
TEST_F(LoaderIt, AFirstLoadIsCopiedStraightIntoTheTableWithTheSameRowsAsTheStage) {
  db_->exec("TRUNCATE users");
  std::string file = clean_file("first-", 300);
  const auto bad_line = std::to_string(std::count(file.begin(), file.end(), '\n') + 1);
  file += "first-bad,not-an-email,a,b,Name,UTC,en,2023-01-01,,true,email,1,1\n";
  aws_->upload("incoming/users/first.csv", file);
  EXPECT_EQ(load("incoming/users/first.csv"), no_failures());
  EXPECT_EQ(*copies_, (std::vector<std::string>{"target"}));
  EXPECT_EQ(ledger_counts("incoming/users/first.csv", "v1"), "loaded 301/300/300/1");
  EXPECT_NE(
      aws_->object("rejected/users/first.csv")->find(bad_line + ",email,not an e-mail address"),
      std::string::npos);
  EXPECT_EQ(scalar("SELECT display_name FROM users WHERE user_id = 'first-11'"), "Zoë\nSmith");
  const auto direct = values();

  // The same file through the staging table: another row makes the table non-empty.
  db_->exec("TRUNCATE users");
  db_->exec(
      "INSERT INTO users (user_id, email, display_name, time_zone, signup_date, "
      "marketing_opt_in, preferred_channel) VALUES ('zz-other', 'zz@example.com', 'Z', 'UTC', "
      "'2023-01-01', true, 'email')");
  aws_->upload("incoming/users/first-again.csv", file);
  EXPECT_EQ(load("incoming/users/first-again.csv"), no_failures());
  EXPECT_EQ(copies_->back(), "stage");
  db_->exec("DELETE FROM users WHERE user_id = 'zz-other'");
  EXPECT_EQ(values(), direct);
}

// In-file duplicates fail the direct COPY (unique violation); the load starts again through the
// staging table and each repeat is rejected by line, the first occurrence loaded, as always.
TEST_F(LoaderIt, DuplicatesInAFirstLoadAreRejectedByLineAndTheRestLoads) {
  db_->exec("TRUNCATE users");
  std::string file = clean_file("fdup-", 10);
  file += "fdup-2,other@example.com,a,b,Name,UTC,en,2023-01-01,,true,email,1,1\n";     // line 12
  file += "fdup-new,fdup-3@example.com,a,b,Name,UTC,en,2023-01-01,,true,email,1,1\n";  // 13
  aws_->upload("incoming/users/fdup.csv", file);
  const auto gets = aws_->gets;
  EXPECT_EQ(load("incoming/users/fdup.csv"), no_failures());
  EXPECT_EQ(*copies_, (std::vector<std::string>{"target", "stage"}));
  EXPECT_EQ(aws_->gets, gets + 2);  // the stream cannot be replayed: read again
  EXPECT_EQ(ledger_counts("incoming/users/fdup.csv", "v1"), "loaded 12/10/10/2");
  EXPECT_EQ(count("user_id LIKE 'fdup-%'"), 10);
  EXPECT_EQ(scalar("SELECT email FROM users WHERE user_id = 'fdup-2'"), "fdup-2@example.com");
  const auto rejects = *aws_->object("rejected/users/fdup.csv");
  EXPECT_NE(rejects.find("12,user_id,\"duplicate key, first seen on line 3\""), std::string::npos)
      << rejects;
  EXPECT_NE(rejects.find("13,email,\"duplicate value, first seen on line 4\""), std::string::npos)
      << rejects;
  EXPECT_EQ(scalar("SELECT count(*) FROM load_ledger WHERE object_key = 'incoming/users/fdup.csv'"),
            "1");
}

// A unique column no unique index enforces ("tags".code): a first load cannot rely on the
// database, so it goes through the stage and its duplicate check.
TEST_F(LoaderIt, AUniqueColumnWithoutAUniqueIndexKeepsTheFirstLoadOnTheStage) {
  aws_->upload("incoming/tags/t.csv", "id,code\nt1,A\nt2,B\nt3,A\n");
  EXPECT_EQ(load("incoming/tags/t.csv"), no_failures());
  EXPECT_EQ(*copies_, (std::vector<std::string>{"stage"}));
  EXPECT_EQ(scalar("SELECT string_agg(id || '=' || code, ';' ORDER BY id) FROM tags"), "t1=A;t2=B");
  EXPECT_NE(aws_->object("rejected/tags/t.csv")->find("4,code,\"duplicate value"),
            std::string::npos);
}

// The first file loaded again as a new version (same bytes): loaded through the stage, nothing
// rewritten.
TEST_F(LoaderIt, ReloadingTheFirstFileChangesNothing) {
  db_->exec("TRUNCATE users");
  aws_->upload("incoming/users/reload.csv", clean_file("reload-", 200));
  EXPECT_EQ(load("incoming/users/reload.csv", "r1"), no_failures());
  const auto before = fingerprint();
  const auto xmins = scalar("SELECT string_agg(xmin::text, ',' ORDER BY user_id) FROM users");
  aws_->upload("incoming/users/reload.csv", clean_file("reload-", 200));
  EXPECT_EQ(load("incoming/users/reload.csv", "r2"), no_failures());
  EXPECT_EQ(*copies_, (std::vector<std::string>{"target", "stage"}));
  EXPECT_EQ(fingerprint(), before);
  EXPECT_EQ(scalar("SELECT string_agg(xmin::text, ',' ORDER BY user_id) FROM users"), xmins);
  EXPECT_EQ(ledger_counts("incoming/users/reload.csv", "v2"), "loaded 200/200/0/0");
  EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE xmax <> 0"), "0");  // nothing locked
}

// A populated table: changed rows are updated, new keys inserted, unchanged rows neither
// rewritten nor locked (xmin and xmax as they were), a value another key holds rejected.
TEST_F(LoaderIt, APopulatedTableUpdatesChangedRowsAndInsertsNewKeysOnly) {
  db_->exec("TRUNCATE users");
  aws_->upload("incoming/users/pop.csv", clean_file("pop-", 100));
  EXPECT_EQ(load("incoming/users/pop.csv", "p1"), no_failures());
  const auto unchanged = [&] {  // pop-2..9, pop-20..99
    return scalar(
        "SELECT count(*) || ' ' || string_agg(xmin::text || ':' || xmax::text, ',' ORDER BY "
        "user_id) FROM users WHERE user_id ~ '^pop-([2-9]|[2-9][0-9])$'");
  };
  const auto before = unchanged();
  // pop-1 and pop-10..19 change their first name; pop-100 is not in the file (absent_keys:
  // delete: it leaves); pop-101..120 are new; pop-120 takes the e-mail of a user no file holds.
  db_->exec(
      "INSERT INTO users (user_id, email, display_name, time_zone, signup_date, "
      "marketing_opt_in, preferred_channel) VALUES ('zz-pop', 'zz-pop@example.com', 'Z', 'UTC', "
      "'2023-01-01', true, 'email')");
  std::string file = kHeader;
  std::string taken_line;
  for (int i = 1; i <= 120; ++i) {
    if (i == 100) continue;
    std::string row = user_row("pop-" + std::to_string(i), i);
    const std::string id = "pop-" + std::to_string(i);
    if (id == "pop-1" || (i >= 10 && i <= 19)) {
      const auto at = row.find(",First");
      row.replace(at, 6, ",Changed");
    }
    if (i == 120) {
      row.replace(row.find("pop-120@"), 8, "zz-pop@");
      taken_line = std::to_string(std::count(file.begin(), file.end(), '\n') + 1);
    }
    file += row;
  }
  aws_->upload("incoming/users/pop.csv", file);
  EXPECT_EQ(load("incoming/users/pop.csv", "p2"), no_failures());
  EXPECT_EQ(copies_->back(), "stage");
  EXPECT_EQ(ledger_counts("incoming/users/pop.csv", "v2"), "loaded 119/118/30/1");
  EXPECT_EQ(deleted("incoming/users/pop.csv", "v2"), "1");
  EXPECT_EQ(count("user_id LIKE 'pop-%'"), 118);
  EXPECT_EQ(count("user_id = 'pop-100'"), 0);
  EXPECT_EQ(count("first_name LIKE 'Changed%'"), 11);
  EXPECT_EQ(before.substr(0, 3), "88 ");
  EXPECT_EQ(unchanged(), before);
  EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE user_id LIKE 'pop-%' AND xmax <> 0"), "0");
  const auto rejects = *aws_->object("rejected/users/pop.csv");
  EXPECT_NE(rejects.find(taken_line + ",email,value already belongs to another row of users"),
            std::string::npos)
      << rejects;
}

// "absent_keys": "delete" (the users contract): a version of object K deletes the users K loaded
// before that it no longer holds, except the readable keys of its rejected rows; users of other
// objects, or loaded before the loader recorded objects (NULL), are never deleted.
TEST_F(LoaderIt, AUserMissingFromTheNextVersionOfItsObjectLeavesTheTable) {
  db_->exec("TRUNCATE users");
  const std::string k = "incoming/users/absent.csv";
  const auto row = [](const std::string& id, int i) { return user_row("abs-" + id, i); };
  aws_->upload(k, kHeader + row("a", 1) + row("b", 2) + row("c", 3));
  EXPECT_EQ(load(k, "k1"), no_failures());
  EXPECT_EQ(*copies_, (std::vector<std::string>{"target"}));  // the first load's COPY
  EXPECT_EQ(owners("abs-"), "abs-a=" + k + ";abs-b=" + k + ";abs-c=" + k);
  // Another object's user, and a user loaded before dn_source_object existed.
  aws_->upload("incoming/users/absent-other.csv", kHeader + row("d", 4));
  EXPECT_EQ(load("incoming/users/absent-other.csv", "l1"), no_failures());
  db_->exec(
      "INSERT INTO users (user_id, email, display_name, time_zone, signup_date, "
      "marketing_opt_in, preferred_channel) VALUES ('abs-legacy', 'legacy@example.com', 'L', "
      "'UTC', '2023-01-01', true, 'email')");
  const std::string d = ";abs-d=incoming/users/absent-other.csv";
  const std::string legacy = ";abs-legacy=<null>";

  // Version 2 without b: b leaves. e takes b's e-mail in the same version: b's row is deleted
  // before the check of values other rows hold.
  std::string e = row("e", 5);
  e.replace(e.find("abs-e@"), 6, "abs-b@");
  aws_->upload(k, kHeader + row("a", 1) + row("c", 3) + e);
  EXPECT_EQ(load(k, "k2"), no_failures());
  EXPECT_EQ(owners("abs-"), "abs-a=" + k + ";abs-c=" + k + d + ";abs-e=" + k + legacy);
  EXPECT_EQ(ledger_counts(k, "v2"), "loaded 3/3/1/0");
  EXPECT_EQ(deleted(k, "v2"), "1");
  EXPECT_EQ(json::parse(*aws_->object("loaded/users/absent.csv.json")).at("rowsDeleted"), 1);

  // A redelivered event changes nothing: a row planted as K's would go if the load ran again.
  db_->exec(
      "INSERT INTO users (user_id, email, display_name, time_zone, signup_date, "
      "marketing_opt_in, preferred_channel, dn_source_object) VALUES ('abs-planted', "
      "'planted@example.com', 'P', 'UTC', '2023-01-01', true, 'email', '" +
      k + "')");
  const auto before = fingerprint();
  EXPECT_EQ(load(k, "k2-again"), no_failures());
  EXPECT_EQ(fingerprint(), before);
  EXPECT_EQ(count("user_id = 'abs-planted'"), 1);
  EXPECT_EQ(deleted(k, "v2"), "1");
  db_->exec("DELETE FROM users WHERE user_id = 'abs-planted'");

  // Version 3: c's row has a bad e-mail (its key is readable): c stays, as it was.
  std::string bad_c = row("c", 3);
  bad_c.replace(bad_c.find("abs-c@"), 6, "abs-c-");
  aws_->upload(k, kHeader + row("a", 1) + e + bad_c);
  EXPECT_EQ(load(k, "k3"), no_failures());
  EXPECT_EQ(ledger_counts(k, "v3"), "loaded 3/2/0/1");
  EXPECT_EQ(deleted(k, "v3"), "0");
  EXPECT_EQ(scalar("SELECT email FROM users WHERE user_id = 'abs-c'"), "abs-c@example.com");
  EXPECT_NE(aws_->object("rejected/users/absent.csv")->find("4,email,"), std::string::npos);

  // Version 4: c's row has two fields: its key cannot be read, so it protects nothing.
  aws_->upload(k, kHeader + row("a", 1) + e + "abs-c,broken\n");
  EXPECT_EQ(load(k, "k4"), no_failures());
  EXPECT_EQ(ledger_counts(k, "v4"), "loaded 3/2/0/1");
  EXPECT_EQ(deleted(k, "v4"), "1");
  EXPECT_EQ(owners("abs-"), "abs-a=" + k + d + ";abs-e=" + k + legacy);
}

// keep (the default, here the tags dataset, whose table has no dn_source_object): a key the next
// version no longer holds stays.
TEST_F(LoaderIt, AKeepDatasetKeepsTheKeysItsObjectNoLongerHolds) {
  aws_->upload("incoming/tags/keep.csv", "id,code\nkeep-1,K1\nkeep-2,K2\n");
  EXPECT_EQ(load("incoming/tags/keep.csv", "t1"), no_failures());
  aws_->upload("incoming/tags/keep.csv", "id,code\nkeep-1,K1\n");
  EXPECT_EQ(load("incoming/tags/keep.csv", "t2"), no_failures());
  EXPECT_EQ(scalar("SELECT string_agg(id, ',' ORDER BY id) FROM tags WHERE id LIKE 'keep-%'"),
            "keep-1,keep-2");
  EXPECT_EQ(json::parse(*aws_->object("loaded/tags/keep.csv.json")).at("rowsDeleted"), 0);
  EXPECT_EQ(
      scalar("SELECT rows_deleted FROM load_ledger WHERE object_key = 'incoming/tags/keep.csv' "
             "AND version_id = 'v2'"),
      "0");
}

// A bad absent_keys is a contract error: that dataset's files are rejected with the reason.
TEST_F(LoaderIt, ABadAbsentKeysIsAContractError) {
  aws_->upload("incoming/absentbad/x.csv", "id\n1\n");
  aws_->upload("incoming/absentkeyless/x.csv", "Entity\n1\n");
  EXPECT_EQ(load("incoming/absentbad/x.csv"), no_failures());
  EXPECT_EQ(load("incoming/absentkeyless/x.csv"), no_failures());
  const auto reason = [&](const std::string& dataset) {
    const auto o = json::parse(*aws_->object("loaded/" + dataset + "/x.csv.json"));
    return o.at("status").get<std::string>() + ": " + o.at("reason").get<std::string>();
  };
  EXPECT_EQ(reason("absentbad"),
            "rejected: the dataset contract does not parse: absent_keys must be \"keep\" or "
            "\"delete\", not \"sometimes\"");
  EXPECT_EQ(reason("absentkeyless"),
            "rejected: the dataset contract does not parse: absent_keys needs a key (rows owned "
            "by their object are replaced whole)");
}

}  // namespace
