// The real SQL of a pass on a throwaway PostgreSQL 15 (the loader's harness, the repository's
// migrations applied by the loader's runner), with DynamoDB replaced by a recording writer.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "contracts.hpp"
#include "dn/pg/pg.hpp"
#include "fake_queue.hpp"
#include "pg.hpp"
#include "pg_server.hpp"
#include "pg_store.hpp"
#include "sync.hpp"

namespace dn::sync_audiences {
namespace {

using testing::FakeQueue;

using audience::Op;
using audience::OpKind;
using audience::Profile;

constexpr const char* kSegments = R"([
  {"name":"all-users","rule":{"kind":"everyone"}},
  {"name":"marketing","rule":{"kind":"equals","column":"marketing_opt_in","value":true},"marketing":true},
  {"name":"push","rule":{"kind":"equals","column":"preferred_channel","value":"push"}},
  {"name":"locale-en","rule":{"kind":"prefix","column":"locale","prefix":"en"}}])";

class RecordingWriter : public Writer {
 public:
  aws::Result<void> write(const std::vector<Op>& ops) override {
    log.insert(log.end(), ops.begin(), ops.end());
    return {};
  }
  std::vector<Op> log;
};

class SyncPgIt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = std::make_unique<dn::loader::testing::PgServer>();
    pg::Pg db(server_->loader_params());
    // The loader's own runner over data/migrations: V004 must be among them and apply.
    const auto applied = dn::loader::apply_migrations(
        db, dn::loader::Contracts::from_directory(DN_DATA_DIR).migrations());
    ASSERT_NE(std::find(applied.begin(), applied.end(), "V004__audience_sync.sql"), applied.end());
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    db_ = std::make_unique<pg::Pg>(server_->loader_params());
    db_->exec(
        "TRUNCATE users, dn_audience_published; UPDATE dn_audience_sync SET cursor = NULL, "
        "requested = 0, started = 0");
  }

  void add_user(const std::string& id, const std::string& name, const char* first,
                const char* locale, bool opt_in, const std::string& channel) {
    db_->exec(
        "INSERT INTO users (user_id, email, first_name, display_name, time_zone, locale, "
        "signup_date, marketing_opt_in, preferred_channel) VALUES ($1, $1 || '@example.com', "
        "NULLIF($2, ''), $3, 'Europe/Paris', NULLIF($4, ''), '2026-01-01', $5, $6)",
        {id, first == nullptr ? "" : first, name, locale == nullptr ? "" : locale,
         opt_in ? "true" : "false", channel});
  }

  std::vector<Op> pass() {
    writer_.log.clear();
    auto rules = audience::parse_segments(kSegments);
    EXPECT_TRUE(rules.ok());
    Options options;
    options.batch_size = 2;  // several batches over five users
    Handler handler(
        [&] {
          return std::make_unique<PgStore>(server_->loader_params(), *rules,
                                           users_table("public.users"));
        },
        writer_, queue_, options);
    nlohmann::json event = {{"Records", {{{"messageId", "m1"}, {"body", "{}"}}}}};
    const auto answer = handler.handle(event, Clock::now() + std::chrono::minutes(5));
    EXPECT_TRUE(answer.at("batchItemFailures").empty()) << answer.dump();
    return writer_.log;
  }

  std::string scalar(const std::string& sql) {
    const auto r = db_->exec(sql);
    return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
  }

  static std::unique_ptr<dn::loader::testing::PgServer> server_;
  std::unique_ptr<pg::Pg> db_;
  RecordingWriter writer_;
  FakeQueue queue_;
};

std::unique_ptr<dn::loader::testing::PgServer> SyncPgIt::server_;

Profile profile(const std::string& name, const char* first, const char* locale) {
  return {name, first ? std::optional<std::string>(first) : std::nullopt,
          locale ? std::optional<std::string>(locale) : std::nullopt, "Europe/Paris"};
}

TEST_F(SyncPgIt, APassThenChangesGiveExactlyTheirOperations) {
  // Byte order: "B1" < "a1" < "a2" < "b_1" < "c1" (COLLATE "C", whatever the database's locale).
  add_user("a1", "Ann", "Ann", "en-GB", true, "push");
  add_user("B1", "Bob", nullptr, "fr-FR", false, "email");
  add_user("a2", "Al", nullptr, nullptr, true, "email");
  add_user("b_1", "Bea", nullptr, "enx", false, "push");
  add_user("c1", "Cy", nullptr, "e_", true, "sms");
  const auto ann = profile("Ann", "Ann", "en-GB");
  const auto bob = profile("Bob", nullptr, "fr-FR");
  const auto al = profile("Al", nullptr, nullptr);
  const auto bea = profile("Bea", nullptr, "enx");
  const auto cy = profile("Cy", nullptr, "e_");
  const std::vector<Op> first{{OpKind::put_member, "B1", "all-users", bob},
                              {OpKind::put_profile, "B1", "", bob},
                              {OpKind::put_member, "a1", "all-users", ann},
                              {OpKind::put_member, "a1", "marketing", ann},
                              {OpKind::put_member, "a1", "push", ann},
                              {OpKind::put_member, "a1", "locale-en", ann},
                              {OpKind::put_profile, "a1", "", ann},
                              {OpKind::put_member, "a2", "all-users", al},
                              {OpKind::put_member, "a2", "marketing", al},
                              {OpKind::put_profile, "a2", "", al},
                              {OpKind::put_member, "b_1", "all-users", bea},
                              {OpKind::put_member, "b_1", "push", bea},
                              {OpKind::put_member, "b_1", "locale-en", bea},
                              {OpKind::put_profile, "b_1", "", bea},
                              {OpKind::put_member, "c1", "all-users", cy},
                              {OpKind::put_member, "c1", "marketing", cy},
                              {OpKind::put_profile, "c1", "", cy}};
  EXPECT_EQ(pass(), first);
  EXPECT_EQ(scalar("SELECT count(*) FROM dn_audience_published"), "5");
  EXPECT_EQ(scalar("SELECT segments::text FROM dn_audience_published WHERE user_id = 'a1'"),
            "{all-users,marketing,push,locale-en}");
  EXPECT_EQ(scalar("SELECT coalesce(cursor, 'done') || ' ' || requested || ' ' || started "
                   "FROM dn_audience_sync"),
            "done 1 1");

  // Unchanged: nothing.
  EXPECT_TRUE(pass().empty());

  db_->exec("UPDATE users SET marketing_opt_in = false WHERE user_id = 'a1'");  // opt-out
  db_->exec("DELETE FROM users WHERE user_id = 'a2'");                          // removal
  db_->exec("UPDATE users SET display_name = 'Cyrus' WHERE user_id = 'c1'");    // new name
  const auto cyrus = profile("Cyrus", nullptr, "e_");
  // Batches of two: [B1 a1] [a2 b_1] [c1]; each batch's deletes come before its puts.
  const std::vector<Op> second{{OpKind::delete_member, "a1", "marketing", {}},
                               {OpKind::delete_member, "a2", "all-users", {}},
                               {OpKind::delete_member, "a2", "marketing", {}},
                               {OpKind::delete_profile, "a2", "", {}},
                               {OpKind::put_member, "c1", "all-users", cyrus},
                               {OpKind::put_member, "c1", "marketing", cyrus},
                               {OpKind::put_profile, "c1", "", cyrus}};
  EXPECT_EQ(pass(), second);
  EXPECT_EQ(scalar("SELECT string_agg(user_id, ',' ORDER BY user_id) FROM dn_audience_published"),
            "B1,a1,b_1,c1");
  EXPECT_EQ(scalar("SELECT display_name FROM dn_audience_published WHERE user_id = 'c1'"), "Cyrus");
  EXPECT_TRUE(pass().empty());
  EXPECT_EQ(queue_.sent, 0);
}

TEST_F(SyncPgIt, TheKeysetWalkCanUseTheCollateCIndex) {
  add_user("a1", "Ann", nullptr, nullptr, false, "push");
  auto rules = audience::parse_segments(kSegments);
  ASSERT_TRUE(rules.ok());
  const auto q = users_query(*rules, users_table("public.users"), "", 1000);
  // Five rows would be read whole; with scans of the whole table ruled out, the plan shows
  // whether the index can serve both the range and the order (no Sort).
  db_->exec("SET enable_seqscan = off; SET enable_bitmapscan = off");
  std::string plan;
  const auto r = db_->exec("EXPLAIN " + q.sql, q.params);
  for (int i = 0; i < PQntuples(r.get()); ++i)
    plan += std::string(PQgetvalue(r.get(), i, 0)) + "\n";
  EXPECT_NE(plan.find("Index Scan using users_user_id_c_idx"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
}

TEST_F(SyncPgIt, ALockHeldElsewhereOnlyRecordsTheRequest) {
  add_user("a1", "Ann", nullptr, nullptr, false, "email");
  pg::Pg other(server_->loader_params());
  other.exec("SELECT pg_advisory_lock(" + std::to_string(kSyncLockId) + ")");
  EXPECT_TRUE(pass().empty());
  EXPECT_EQ(scalar("SELECT requested || ' ' || started FROM dn_audience_sync"), "1 0");
  other.exec("SELECT pg_advisory_unlock(" + std::to_string(kSyncLockId) + ")");
  EXPECT_EQ(pass().size(), 2U);  // the member and the profile
  EXPECT_EQ(scalar("SELECT requested || ' ' || started FROM dn_audience_sync"), "2 2");
}

}  // namespace
}  // namespace dn::sync_audiences
