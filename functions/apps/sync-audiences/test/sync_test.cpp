// The pass over in-memory ports: batches, continuation, the lock, failures and replays.
#include "sync.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fake_queue.hpp"

namespace dn::sync_audiences {
namespace {

using testing::FakeQueue;

using audience::Audience;
using audience::Op;
using audience::OpKind;

// PostgreSQL as the pass sees it; survives a dropped connection (the Store is remade).
struct FakeDb {
  std::map<std::string, Audience> users;      // desired segments already computed
  std::map<std::string, Audience> published;  // what DynamoDB holds
  SyncState sync;
  bool lock_taken_elsewhere = false;
  bool locked = false;
  int fail_commits = 0;  // the next commits throw (the connection is lost)
  int commits = 0;
  int connects = 0;
};

std::vector<Audience> after(const std::map<std::string, Audience>& rows, const std::string& id,
                            std::size_t limit) {
  std::vector<Audience> out;
  for (auto it = rows.upper_bound(id); it != rows.end() && out.size() < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

class FakeStore : public Store {
 public:
  explicit FakeStore(FakeDb& db) : db_(&db) {}
  ~FakeStore() override { db_->locked = false; }  // a closed session lets go of its lock
  bool alive() override { return true; }
  void request_pass() override { ++db_->sync.requested; }
  bool try_lock() override {
    if (db_->lock_taken_elsewhere || db_->locked) return false;
    db_->locked = true;
    return true;
  }
  void unlock() override { db_->locked = false; }
  SyncState state() override { return db_->sync; }
  void start_pass(std::int64_t requested) override {
    db_->sync.cursor = "";
    db_->sync.started = requested;
  }
  std::vector<Audience> users_after(const std::string& id, std::size_t limit) override {
    return after(db_->users, id, limit);
  }
  std::vector<Audience> published_after(const std::string& id, std::size_t limit) override {
    return after(db_->published, id, limit);
  }
  void commit_batch(const audience::Diff& diff, const std::optional<std::string>& cursor) override {
    if (db_->fail_commits > 0) {
      --db_->fail_commits;
      throw std::runtime_error("server closed the connection unexpectedly");
    }
    ++db_->commits;
    for (const auto& a : diff.upserts) db_->published[a.user_id] = a;
    for (const auto& id : diff.removed) db_->published.erase(id);
    db_->sync.cursor = cursor;
  }

 private:
  FakeDb* db_;
};

// DynamoDB: the items by (pk-ish, sk-ish) and every operation in order.
class FakeWriter : public Writer {
 public:
  aws::Result<void> write(const std::vector<Op>& ops) override {
    if (fail) return aws::Error{"ProvisionedThroughputExceededException", "throttled", 400, true};
    ++calls;
    for (const auto& op : ops) {
      log.push_back(op);
      const bool member = op.kind == OpKind::put_member || op.kind == OpKind::delete_member;
      const auto key = std::make_pair(member ? op.segment : std::string("PROFILE"), op.user_id);
      if (op.kind == OpKind::put_member || op.kind == OpKind::put_profile) {
        items[key] = op.profile.display_name;
      } else {
        items.erase(key);
      }
    }
    return {};
  }
  bool fail = false;
  int calls = 0;
  std::vector<Op> log;
  std::map<std::pair<std::string, std::string>, std::string> items;
};

nlohmann::json sqs_event(const std::vector<std::string>& bodies) {
  nlohmann::json records = nlohmann::json::array();
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    records.push_back({{"messageId", "m" + std::to_string(i + 1)}, {"body", bodies[i]}});
  }
  return {{"Records", records}};
}

Audience user(const std::string& id, const std::string& name, std::vector<std::string> segments) {
  return {id, {name, std::nullopt, std::nullopt, std::nullopt}, std::move(segments)};
}

class SyncTest : public ::testing::Test {
 protected:
  Handler make(std::size_t batch_size = 2) {
    Options options;
    options.batch_size = batch_size;
    options.continue_margin = std::chrono::seconds(30);
    return Handler(
        [this] {
          ++db.connects;
          return std::make_unique<FakeStore>(db);
        },
        writer, queue, options, [this] { return now; });
  }
  nlohmann::json run(Handler& h, const std::string& body = R"({"reason":"manual"})") {
    return h.handle(sqs_event({body}), now + std::chrono::minutes(10));
  }
  void add_users(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string id = "u" + std::to_string(i);
      db.users[id] = user(id, "User " + std::to_string(i), {"all-users"});
    }
  }
  static bool failed(const nlohmann::json& answer) {
    return !answer.at("batchItemFailures").empty();
  }

  FakeDb db;
  FakeWriter writer;
  FakeQueue queue;
  Clock::time_point now = Clock::time_point(std::chrono::hours(500000));
};

TEST_F(SyncTest, APassInSeveralBatchesPublishesEveryUser) {
  add_users(5);
  auto h = make(2);
  const auto answer = run(h);
  EXPECT_FALSE(failed(answer));
  EXPECT_EQ(db.commits, 3);             // u0 u1 | u2 u3 | u4
  EXPECT_EQ(writer.items.size(), 10U);  // a member and a profile each
  EXPECT_EQ(db.published.size(), 5U);
  EXPECT_FALSE(db.sync.cursor);
  EXPECT_EQ(db.sync.started, db.sync.requested);
  EXPECT_FALSE(db.locked);
  EXPECT_EQ(queue.sent, 0);
}

TEST_F(SyncTest, ASecondPassOfUnchangedUsersWritesNothing) {
  add_users(3);
  auto h = make(2);
  run(h);
  const auto before = writer.log.size();
  EXPECT_FALSE(failed(run(h)));
  EXPECT_EQ(writer.log.size(), before);
  EXPECT_EQ(db.sync.started, 2);  // the second trigger ran a pass of its own
}

TEST_F(SyncTest, ContinuesInANewInvocationNearTheDeadline) {
  add_users(5);
  auto h = make(2);
  // 20 s left: below the 30 s margin, so after one batch the rest is handed on.
  const auto answer =
      h.handle(sqs_event({R"({"reason":"manual"})"}), now + std::chrono::seconds(20));
  EXPECT_FALSE(failed(answer));
  EXPECT_EQ(queue.sent, 1);
  EXPECT_EQ(db.commits, 1);
  EXPECT_EQ(db.sync.cursor, std::optional<std::string>("u1"));
  EXPECT_FALSE(db.locked);
  // The continuation asks for no new pass and finishes this one.
  EXPECT_FALSE(failed(run(h, R"({"reason":"continue"})")));
  EXPECT_FALSE(db.sync.cursor);
  EXPECT_EQ(db.published.size(), 5U);
  EXPECT_EQ(db.sync.requested, 1);
  // A stray continuation after the pass finds nothing to do.
  const int commits = db.commits;
  EXPECT_FALSE(failed(run(h, R"({"reason":"continue"})")));
  EXPECT_EQ(db.commits, commits);
}

// S3 sends s3:TestEvent to the queue when the bucket's notifications are configured (a deploy):
// it is no load, so it neither connects (the database may not be ready yet) nor asks for a pass.
TEST_F(SyncTest, AnS3TestEventAsksForNothing) {
  add_users(2);
  auto h = make(2);
  const auto answer = run(h, R"({"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"})");
  EXPECT_FALSE(failed(answer));
  EXPECT_EQ(db.connects, 0);
  EXPECT_EQ(db.sync.requested, 0);
  EXPECT_TRUE(writer.log.empty());
  // Beside a real request in the same batch it changes nothing: the pass runs.
  EXPECT_FALSE(
      failed(h.handle(sqs_event({R"({"Event":"s3:TestEvent"})", R"({"Records":[{"s3":{}}]})"}),
                      now + std::chrono::minutes(10))));
  EXPECT_EQ(db.published.size(), 2U);
}

TEST_F(SyncTest, LockTakenBumpsRequestedAndSucceeds) {
  add_users(2);
  db.lock_taken_elsewhere = true;
  auto h = make(2);
  const auto answer = run(h);
  EXPECT_FALSE(failed(answer));
  EXPECT_EQ(db.sync.requested, 1);
  EXPECT_EQ(db.commits, 0);
  EXPECT_TRUE(writer.items.empty());
  // The holder, when it lets go, finds the request and runs the pass for it.
  db.lock_taken_elsewhere = false;
  EXPECT_FALSE(failed(run(h, R"({"reason":"continue"})")));
  EXPECT_EQ(db.published.size(), 2U);
  EXPECT_EQ(db.sync.started, 1);
}

TEST_F(SyncTest, ADynamoDbFailureFailsEveryMessageAndKeepsTheCursor) {
  add_users(3);
  auto h = make(2);
  writer.fail = true;
  const auto answer =
      h.handle(sqs_event({"{}", R"({"reason":"continue"})"}), now + std::chrono::minutes(10));
  ASSERT_EQ(answer.at("batchItemFailures").size(), 2U);
  EXPECT_EQ(answer.at("batchItemFailures")[0].at("itemIdentifier"), "m1");
  EXPECT_EQ(answer.at("batchItemFailures")[1].at("itemIdentifier"), "m2");
  EXPECT_EQ(db.commits, 0);
  EXPECT_EQ(db.sync.cursor, std::optional<std::string>(""));  // started, nothing done
  EXPECT_TRUE(db.published.empty());
  EXPECT_FALSE(db.locked);
  // The retry resumes the pass.
  writer.fail = false;
  EXPECT_FALSE(failed(run(h, R"({"reason":"continue"})")));
  EXPECT_EQ(db.published.size(), 3U);
  EXPECT_FALSE(db.sync.cursor);
}

TEST_F(SyncTest, AReplayedBatchRewritesTheSameItems) {
  add_users(3);
  db.users["u1"].segments = {"all-users", "marketing"};
  auto h = make(2);
  db.fail_commits = 1;  // DynamoDB written, PostgreSQL's commit lost
  EXPECT_TRUE(failed(run(h)));
  const auto first = writer.log;
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(db.sync.cursor, std::optional<std::string>(""));
  EXPECT_EQ(db.connects, 1);
  writer.log.clear();
  EXPECT_FALSE(failed(run(h, R"({"reason":"continue"})")));
  EXPECT_EQ(db.connects, 2);  // the broken session was not reused
  // The replay of the first batch is exactly the same writes, then the rest.
  ASSERT_GE(writer.log.size(), first.size());
  EXPECT_TRUE(std::equal(first.begin(), first.end(), writer.log.begin()));
  EXPECT_EQ(writer.items.size(), 7U);
  EXPECT_EQ(db.published.size(), 3U);
}

TEST_F(SyncTest, OptOutRemovalAndRenameAcrossPasses) {
  add_users(3);
  db.users["u0"].segments = {"all-users", "marketing"};
  auto h = make(2);
  run(h);
  db.users["u0"].segments = {"all-users"};    // opted out
  db.users.erase("u1");                       // gone
  db.users["u2"].profile.display_name = "Z";  // renamed
  writer.log.clear();
  run(h);
  const std::vector<Op> expected{{OpKind::delete_member, "u0", "marketing", {}},
                                 {OpKind::delete_member, "u1", "all-users", {}},
                                 {OpKind::delete_profile, "u1", "", {}},
                                 {OpKind::put_member, "u2", "all-users", db.users["u2"].profile},
                                 {OpKind::put_profile, "u2", "", db.users["u2"].profile}};
  EXPECT_EQ(writer.log, expected);
  EXPECT_EQ(db.published.count("u1"), 0U);
  EXPECT_EQ(writer.items.count({"marketing", "u0"}), 0U);
}

TEST_F(SyncTest, AnIdThatCannotBeAKeyIsNotPublished) {
  db.users["bad#id"] = user("bad#id", "B", {"all-users"});
  db.users["ok"] = user("ok", "O", {"all-users"});
  auto h = make(10);
  EXPECT_FALSE(failed(run(h)));
  EXPECT_EQ(db.published.size(), 1U);
  EXPECT_EQ(db.published.count("ok"), 1U);
  EXPECT_FALSE(db.sync.cursor);
}

TEST_F(SyncTest, ANonSqsEventIsRefused) {
  auto h = make();
  EXPECT_THROW(h.handle(nlohmann::json::object(), now), std::invalid_argument);
}

}  // namespace
}  // namespace dn::sync_audiences
