// The loader's flow over the Store port with an in-memory fake: stage order, commit before the
// outcome, ledger skips, limits from the deadline, retries after a lost connection, bounded
// duplicate reports, whole-file rejections. The SQL itself is covered by sql_test and, against a
// real PostgreSQL, by loader_integration.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_store.hpp"
#include "handler.hpp"

namespace {

using dn::loader::Clock;
using dn::loader::testing::FakeDatabase;
using dn::loader::testing::FakeStore;
using nlohmann::json;

const char* kContract = R"json({
  "dataset": "things", "table": "things", "key": ["id"], "max_rejected_rows": 3,
  "columns": [{"name": "id", "type": "text", "required": true}, {"name": "n", "type": "integer"}]
})json";

// "absent_keys": "delete": the object's earlier rows whose key is gone are deleted.
const char* kMembers = R"json({
  "dataset": "members", "table": "members", "key": ["id"], "absent_keys": "delete",
  "max_rejected_rows": 5,
  "columns": [{"name": "id", "type": "text", "required": true, "max_length": 4},
              {"name": "n", "type": "integer"}]
})json";

json event_for(const std::string& key, std::uint64_t size = 10) {
  const json body = {
      {"Records",
       {{{"eventName", "ObjectCreated:Put"},
         {"s3",
          {{"bucket", {{"name", "b"}}},
           {"object", {{"key", key}, {"eTag", "e1"}, {"versionId", "v1"}, {"size", size}}}}}}}}};
  return {{"Records", {{{"messageId", "m1"}, {"body", body.dump()}}}}};
}

class LoaderFlow : public ::testing::Test {
 protected:
  LoaderFlow()
      : contracts_(
            {{"things", kContract}, {"members", kMembers}, {"broken", "{\"dataset\": \"broken\"}"}},
            {{"V001__things.sql", "CREATE TABLE things ()"}}),
        connection_([this]() -> std::unique_ptr<dn::loader::Store> {
          return std::make_unique<FakeStore>(db_);
        }) {}

  json handle(const json& event, Clock::time_point deadline) {
    dn::loader::Handler handler(contracts_, options_, connection_, fetch(), put(), handler_);
    return handler.handle(event, deadline);
  }
  json handle(const json& event) { return handle(event, Clock::now() + std::chrono::minutes(10)); }

  dn::loader::FetchFn fetch() {
    return [this](const dn::loader::ObjectRef& o,
                  const std::function<bool(std::string_view)>& on_chunk)
               -> dn::aws::Result<dn::aws::ObjectInfo> {
      db_->log.push_back("fetch " + o.key + "@" + o.version_id);
      for (std::size_t i = 0; i < file_.size(); i += 7) {
        if (!on_chunk(std::string_view(file_).substr(i, 7))) break;
      }
      return dn::aws::ObjectInfo{"\"e1\"", "v1", file_.size(), "text/csv"};
    };
  }
  dn::loader::PutFn put() {
    return [this](const std::string&, const std::string& key, std::string_view body,
                  const std::string&) -> dn::aws::Result<void> {
      db_->log.push_back("put " + key);
      if (key == fail_put_) {
        fail_put_.clear();
        return dn::aws::Error{"NetworkError", "S3 unreachable", 0, true};
      }
      objects_[key] = std::string(body);
      return {};
    };
  }
  [[nodiscard]] long position(const std::string& entry) const {
    const auto it = std::find(db_->log.begin(), db_->log.end(), entry);
    return it == db_->log.end() ? -1 : static_cast<long>(it - db_->log.begin());
  }

  std::shared_ptr<FakeDatabase> db_ = std::make_shared<FakeDatabase>();
  dn::loader::Contracts contracts_;
  dn::loader::Connection connection_;
  dn::loader::LoaderOptions options_;
  dn::loader::HandlerOptions handler_;
  std::string file_ = "id,n\na,1\nb,2\n";
  std::string fail_put_;
  std::map<std::string, std::string> objects_;
};

json no_failures() {
  return {{"batchItemFailures", json::array()}};
}

TEST_F(LoaderFlow, StagesRunInOrderAndTheOutcomeFollowsTheCommit) {
  file_ = "id,n\na,1\nb,x\n";  // one reject
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  // The exact version of the event is read.
  EXPECT_GE(position("fetch incoming/things/f.csv@v1"), 0);
  const auto begin = position("begin");
  const auto copy_end = position("copy_end");
  const auto rejects = position("put rejected/things/f.csv");
  const auto record = position("record");
  const auto commit = position("commit");
  const auto outcome = position("put loaded/things/f.csv.json");
  EXPECT_LT(begin, copy_end);
  EXPECT_LT(copy_end, position("remove_duplicates"));
  EXPECT_LT(position("merge"), rejects);
  EXPECT_LT(rejects, record);  // the ledger never names a rejects file that is not there
  EXPECT_LT(record, commit);
  EXPECT_LT(commit, outcome);  // the outcome record exists only for committed loads
  EXPECT_EQ(db_->tables["things"].size(), 1U);
  const auto o = json::parse(objects_.at("loaded/things/f.csv.json"));
  EXPECT_EQ(o.at("status"), "loaded");
  EXPECT_EQ(o.at("rowsLoaded"), 1);
  EXPECT_EQ(o.at("versionId"), "v1");
}

TEST_F(LoaderFlow, ADeathBetweenCommitAndOutcomeIsRepairedByTheRedelivery) {
  fail_put_ = "loaded/things/f.csv.json";
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")),
            (json{{"batchItemFailures", {{{"itemIdentifier", "m1"}}}}}));
  EXPECT_EQ(db_->ledger.size(), 1U);  // committed
  EXPECT_EQ(objects_.count("loaded/things/f.csv.json"), 0U);
  db_->log.clear();
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  EXPECT_EQ(position("fetch incoming/things/f.csv@v1"), -1);  // skipped by the ledger
  EXPECT_EQ(position("begin"), -1);
  EXPECT_EQ(json::parse(objects_.at("loaded/things/f.csv.json")).at("rowsLoaded"), 2);
  EXPECT_EQ(db_->tables["things"].size(), 2U);  // loaded once
}

TEST_F(LoaderFlow, StatementAndLockTimeoutsComeFromTheDeadline) {
  EXPECT_EQ(handle(event_for("incoming/things/f.csv"), Clock::now() + std::chrono::seconds(120)),
            no_failures());
  ASSERT_TRUE(db_->last_limits);
  EXPECT_LE(db_->last_limits->statement, std::chrono::seconds(120));
  EXPECT_GT(db_->last_limits->statement, std::chrono::seconds(110));
  EXPECT_EQ(db_->last_limits->lock, db_->last_limits->statement / 2);
}

TEST_F(LoaderFlow, ALostConnectionIsRetriedAtOnceOnANewOne) {
  db_->fail_at = "copy_put";  // a failover while COPY data flows
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  EXPECT_EQ(db_->connections, 2);
  EXPECT_EQ(db_->tables["things"].size(), 2U);
  EXPECT_EQ(db_->ledger.size(), 1U);
}

TEST_F(LoaderFlow, NoTimeLeftMeansTheMessageIsRetriedLater) {
  db_->fail_at = "merge";
  handler_.min_time_to_retry = std::chrono::minutes(20);
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")),
            (json{{"batchItemFailures", {{{"itemIdentifier", "m1"}}}}}));
  EXPECT_TRUE(db_->tables["things"].empty());
  EXPECT_TRUE(db_->ledger.empty());
  EXPECT_EQ(objects_.count("loaded/things/f.csv.json"), 0U);
}

TEST_F(LoaderFlow, AStaleConnectionIsReplacedBeforeTheLoad) {
  handler_.max_attempts = 1;  // the check before the load must catch it, not a retry
  EXPECT_EQ(handle(event_for("incoming/things/a.csv")), no_failures());
  db_->dead_up_to = db_->connections;  // the session died while the loader was idle
  EXPECT_EQ(handle(event_for("incoming/things/b.csv")), no_failures());
  EXPECT_EQ(db_->connections, 2);
  EXPECT_EQ(db_->ledger.size(), 2U);
}

TEST_F(LoaderFlow, ATableThatDoesNotFitTheContractRejectsTheFile) {
  db_->fail_at = "create_stage";
  db_->fail_state = "42703";  // undefined_column
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  const auto o = json::parse(objects_.at("loaded/things/f.csv.json"));
  EXPECT_EQ(o.at("status"), "rejected");
  EXPECT_NE(o.at("reason").get<std::string>().find("the database refused the load"),
            std::string::npos);
}

TEST_F(LoaderFlow, DuplicateReportsAreBoundedByTheRejectLimit) {
  file_ = "id,n\na,1\na,2\na,3\na,4\na,5\nb,1\n";  // 4 duplicates, max_rejected_rows 3
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  EXPECT_EQ(db_->duplicate_limits, (std::vector<std::size_t>{4}));  // read back at most 3 + 1
  const auto o = json::parse(objects_.at("loaded/things/f.csv.json"));
  EXPECT_EQ(o.at("status"), "rejected");
  EXPECT_EQ(o.at("reason"), "more than 3 rows were rejected (is this the right file?)");
  EXPECT_TRUE(db_->tables["things"].empty());
}

TEST_F(LoaderFlow, AnObjectTooLargeForOneInvocationIsRejectedAtOnce) {
  options_.max_object_bytes = 1000;
  EXPECT_EQ(handle(event_for("incoming/things/big.csv", 5000)), no_failures());
  EXPECT_EQ(position("fetch incoming/things/big.csv@v1"), -1);  // never read, never retried
  const auto o = json::parse(objects_.at("loaded/things/big.csv.json"));
  EXPECT_EQ(o.at("status"), "rejected");
  EXPECT_EQ(o.at("reason"),
            "the object is 5000 bytes; one load takes at most 1000 bytes (split the file; "
            "docs/DATA_PIPELINE.md, Large files)");
}

TEST_F(LoaderFlow, ABrokenContractRejectsOnlyItsDataset) {
  EXPECT_EQ(handle(event_for("incoming/broken/f.csv")), no_failures());
  EXPECT_EQ(json::parse(objects_.at("loaded/broken/f.csv.json")).at("status"), "rejected");
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  EXPECT_EQ(json::parse(objects_.at("loaded/things/f.csv.json")).at("status"), "loaded");
}

// A first load (an empty table whose unique indexes enforce the key) is COPYed straight into the
// table: no staging table, no duplicate check, no merge; the commit order stays.
TEST_F(LoaderFlow, AFirstLoadIsCopiedStraightIntoTheTable) {
  db_->unique_indexes = true;
  file_ = "id,n\na,1\nb,x\nc,3\n";  // one validation reject, kept in the stream
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  EXPECT_GE(position("copy_begin target"), 0);
  EXPECT_EQ(position("create_stage"), -1);
  EXPECT_EQ(position("remove_duplicates"), -1);
  EXPECT_EQ(position("merge"), -1);
  EXPECT_LT(position("copy_end"), position("put rejected/things/f.csv"));
  EXPECT_LT(position("put rejected/things/f.csv"), position("record"));
  EXPECT_LT(position("commit"), position("put loaded/things/f.csv.json"));
  ASSERT_EQ(db_->tables["things"].size(), 2U);
  EXPECT_EQ(db_->tables["things"][1], (std::vector<std::string>{"c", "3"}));  // no line column
  const auto o = json::parse(objects_.at("loaded/things/f.csv.json"));
  EXPECT_EQ(o.at("status"), "loaded");
  EXPECT_EQ(o.at("rowsRead"), 3);
  EXPECT_EQ(o.at("rowsLoaded"), 2);
  EXPECT_EQ(o.at("rowsChanged"), 2);
  EXPECT_EQ(o.at("rowsRejected"), 1);
  EXPECT_NE(objects_.at("rejected/things/f.csv").find("3,n,"), std::string::npos);
}

// A repeated key fails the direct COPY; the load starts again through the staging table, which
// rejects the repeat by line (first occurrence wins), exactly as for any other load.
TEST_F(LoaderFlow, ADuplicateKeyInAFirstLoadIsRejectedByLineThroughTheStage) {
  db_->unique_indexes = true;
  file_ = "id,n\na,1\nb,2\na,3\n";
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  EXPECT_LT(position("copy_begin target"), position("rollback"));
  EXPECT_LT(position("rollback"), position("create_stage"));
  EXPECT_EQ(std::count(db_->log.begin(), db_->log.end(), "fetch incoming/things/f.csv@v1"), 2);
  EXPECT_EQ(db_->tables["things"].size(), 2U);
  EXPECT_EQ(db_->ledger.size(), 1U);
  const auto o = json::parse(objects_.at("loaded/things/f.csv.json"));
  EXPECT_EQ(o.at("status"), "loaded");
  EXPECT_EQ(o.at("rowsRead"), 3);  // counted once, not once per attempt
  EXPECT_EQ(o.at("rowsLoaded"), 2);
  EXPECT_EQ(o.at("rowsRejected"), 1);
  EXPECT_NE(
      objects_.at("rejected/things/f.csv").find("4,id,\"duplicate key, first seen on line 2\""),
      std::string::npos);
}

TEST_F(LoaderFlow, TooManyDuplicatesInAFirstLoadRejectTheWholeFile) {
  db_->unique_indexes = true;
  file_ = "id,n\na,1\na,2\na,3\na,4\na,5\nb,1\n";  // 4 duplicates, max_rejected_rows 3
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  const auto o = json::parse(objects_.at("loaded/things/f.csv.json"));
  EXPECT_EQ(o.at("status"), "rejected");
  EXPECT_EQ(o.at("reason"), "more than 3 rows were rejected (is this the right file?)");
  EXPECT_TRUE(db_->tables["things"].empty());
}

// Only an empty table takes the direct COPY; without unique indexes that enforce the key, never.
TEST_F(LoaderFlow, APopulatedTableOrUnenforcedKeysGoThroughTheStage) {
  db_->unique_indexes = true;
  EXPECT_EQ(handle(event_for("incoming/things/a.csv")), no_failures());
  EXPECT_GE(position("copy_begin target"), 0);
  db_->log.clear();
  EXPECT_EQ(handle(event_for("incoming/things/b.csv")), no_failures());
  EXPECT_EQ(position("copy_begin target"), -1);
  EXPECT_GE(position("merge"), 0);

  db_->tables.clear();
  db_->unique_indexes = false;
  db_->log.clear();
  EXPECT_EQ(handle(event_for("incoming/things/c.csv")), no_failures());
  EXPECT_EQ(position("copy_begin target"), -1);
  EXPECT_GE(position("remove_duplicates"), 0);
}

// The delete runs after the COPY and before the duplicate checks; it keeps the keys of rejected
// rows whose key can be read (a value error), not those whose key cannot (a wrong field count,
// a key too long); the count reaches the outcome record and the ledger.
TEST_F(LoaderFlow, AbsentKeysAreDeletedExceptTheReadableKeysOfRejectedRows) {
  db_->absent_rows = 2;
  file_ = "id,n\na,1\nb,x\nc\nlong1,1\nd,4\n";
  EXPECT_EQ(handle(event_for("incoming/members/f.csv")), no_failures());
  EXPECT_LT(position("copy_end"), position("delete_absent_keys"));
  EXPECT_LT(position("delete_absent_keys"), position("remove_duplicates"));
  EXPECT_LT(position("delete_absent_keys"), position("merge"));
  EXPECT_EQ(db_->kept_keys, (std::vector<std::string>{R"([{"id":"b"}])"}));
  const auto o = json::parse(objects_.at("loaded/members/f.csv.json"));
  EXPECT_EQ(o.at("rowsRejected"), 3);
  EXPECT_EQ(o.at("rowsDeleted"), 2);
  EXPECT_EQ(db_->ledger.begin()->second.rows_deleted, 2U);

  // A keep dataset never deletes.
  db_->log.clear();
  EXPECT_EQ(handle(event_for("incoming/things/f.csv")), no_failures());
  EXPECT_EQ(position("delete_absent_keys"), -1);
  EXPECT_EQ(json::parse(objects_.at("loaded/things/f.csv.json")).at("rowsDeleted"), 0);
}

// A first load of a dataset that records the source object: each row COPYed into the table
// carries the object key; an empty table has nothing to delete.
TEST_F(LoaderFlow, AFirstLoadRecordsTheSourceObjectOfEveryRow) {
  db_->unique_indexes = true;
  db_->absent_rows = 7;  // would show if the delete ran
  file_ = "id,n\na,1\nb,2\n";
  EXPECT_EQ(handle(event_for("incoming/members/f.csv")), no_failures());
  EXPECT_GE(position("copy_begin target"), 0);
  EXPECT_EQ(position("delete_absent_keys"), -1);
  EXPECT_EQ(db_->tables["members"],
            (std::vector<std::vector<std::string>>{{"a", "1", "incoming/members/f.csv"},
                                                   {"b", "2", "incoming/members/f.csv"}}));
  EXPECT_EQ(json::parse(objects_.at("loaded/members/f.csv.json")).at("rowsDeleted"), 0);
}

}  // namespace
