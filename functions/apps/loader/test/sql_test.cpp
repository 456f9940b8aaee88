// The loader's SQL builders: identifiers quoted whatever the contract names them, the statements
// each stage runs, limits derived from the deadline.
#include "sql.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace {

namespace csv = dn::core::csv;
namespace sql = dn::loader::sql;
using std::chrono::milliseconds;

csv::Contract contract(const char* text) {
  return csv::parse_contract(nlohmann::json::parse(text));
}

const char* kKeyed = R"json({"dataset": "d", "table": "t", "key": ["id"],
  "columns": [{"name": "id", "type": "text", "required": true},
              {"name": "Contact \"Phone\"", "type": "text"}]})json";
const char* kOwned = R"json({"dataset": "d", "table": "t", "rows_owned_by": "object",
  "columns": [{"name": "Entity", "type": "text"}, {"name": "ref", "type": "text", "unique": true}]})json";

TEST(LoaderSql, IdentifiersAreAlwaysQuoted) {
  EXPECT_EQ(sql::ident("plain"), "\"plain\"");
  EXPECT_EQ(sql::ident("Contact \"Phone\"; DROP"), "\"Contact \"\"Phone\"\"; DROP\"");
  EXPECT_EQ(sql::idents({"a", "B c"}, "s."), "s.\"a\", s.\"B c\"");
}

TEST(LoaderSql, StageAndCopy) {
  const auto c = contract(kKeyed);
  EXPECT_EQ(
      sql::create_stage(c),
      "CREATE TEMP TABLE dn_stage ON COMMIT DROP AS SELECT \"id\", \"Contact \"\"Phone\"\"\", "
      "NULL::bigint AS \"dn_source_line\" FROM \"public\".\"t\" WITH NO DATA");
  EXPECT_EQ(sql::copy_stage(c),
            "COPY dn_stage (\"id\", \"Contact \"\"Phone\"\"\", \"dn_source_line\") FROM STDIN");
}

TEST(LoaderSql, MergeByKeyUpdatesOnlyChangedRowsThenInsertsNewKeys) {
  const auto c = contract(kKeyed);
  EXPECT_EQ(sql::update_by_key(c),
            "UPDATE \"public\".\"t\" AS t SET \"Contact \"\"Phone\"\"\" = s.\"Contact "
            "\"\"Phone\"\"\" FROM dn_stage s WHERE (t.\"id\") = (s.\"id\") AND (t.\"Contact "
            "\"\"Phone\"\"\") IS DISTINCT FROM (s.\"Contact \"\"Phone\"\"\")");
  EXPECT_EQ(sql::insert_new_keys(c),
            "INSERT INTO \"public\".\"t\" AS t (\"id\", \"Contact \"\"Phone\"\"\") SELECT "
            "s.\"id\", s.\"Contact \"\"Phone\"\"\" FROM dn_stage s WHERE NOT EXISTS (SELECT 1 "
            "FROM \"public\".\"t\" t WHERE (t.\"id\") = (s.\"id\")) ON CONFLICT (\"id\") DO "
            "UPDATE SET \"Contact \"\"Phone\"\"\" = EXCLUDED.\"Contact \"\"Phone\"\"\" WHERE "
            "(t.\"Contact \"\"Phone\"\"\") IS DISTINCT FROM (EXCLUDED.\"Contact \"\"Phone\"\"\")");
  // A key-only contract has nothing to update.
  const auto key_only = contract(R"json({"dataset": "d", "table": "t", "key": ["id"],
    "columns": [{"name": "id", "type": "text", "required": true}]})json");
  EXPECT_EQ(sql::update_by_key(key_only), "");
  EXPECT_TRUE(sql::insert_new_keys(key_only).ends_with("ON CONFLICT (\"id\") DO NOTHING"));
}

TEST(LoaderSql, AFirstLoadCopiesIntoTheTargetWhenIndexesEnforceUniqueness) {
  const auto c = contract(kKeyed);
  EXPECT_EQ(sql::copy_target(c),
            "COPY \"public\".\"t\" (\"id\", \"Contact \"\"Phone\"\"\") FROM STDIN");
  EXPECT_EQ(sql::target_is_empty(c), "SELECT NOT EXISTS (SELECT 1 FROM \"public\".\"t\")");
  const auto q = sql::unique_index_on();
  for (const char* part : {"i.indisunique", "i.indimmediate", "i.indisvalid", "i.indpred IS NULL",
                           "i.indexprs IS NULL", "k.coll = a.attcollation"}) {
    EXPECT_NE(q.find(part), std::string::npos) << part;
  }
}

TEST(LoaderSql, RowsOwnedByAnObjectAreReplacedByIt) {
  const auto c = contract(kOwned);
  EXPECT_EQ(sql::delete_object_rows(c),
            "DELETE FROM \"public\".\"t\" WHERE \"dn_source_object\" = $1");
  EXPECT_EQ(sql::insert_object_rows(c),
            "INSERT INTO \"public\".\"t\" (\"Entity\", \"ref\", \"dn_source_object\", "
            "\"dn_source_line\") SELECT \"Entity\", \"ref\", $1::text, \"dn_source_line\" FROM "
            "dn_stage");
  // A unique value is taken when another object's row holds it.
  EXPECT_NE(sql::remove_taken(c, "ref").find("t.\"dn_source_object\" <> $2"), std::string::npos);
}

// "absent_keys": "delete": every row the merge writes records its object ($1); a row that only
// changes owner is rewritten; the delete spares the staged keys and the rejected rows' keys ($2).
TEST(LoaderSql, AbsentKeysDeleteRecordsTheSourceObjectAndDeletesOnlyItsRows) {
  const auto c = contract(R"json({"dataset": "d", "table": "t", "key": ["id"],
    "absent_keys": "delete",
    "columns": [{"name": "id", "type": "text", "required": true}, {"name": "v", "type": "text"}]})json");
  EXPECT_EQ(sql::update_by_key(c),
            "UPDATE \"public\".\"t\" AS t SET \"v\" = s.\"v\", \"dn_source_object\" = $1::text "
            "FROM dn_stage s WHERE (t.\"id\") = (s.\"id\") AND (t.\"v\", t.\"dn_source_object\") "
            "IS DISTINCT FROM (s.\"v\", $1::text)");
  EXPECT_EQ(sql::insert_new_keys(c),
            "INSERT INTO \"public\".\"t\" AS t (\"id\", \"v\", \"dn_source_object\") SELECT "
            "s.\"id\", s.\"v\", $1::text FROM dn_stage s WHERE NOT EXISTS (SELECT 1 FROM "
            "\"public\".\"t\" t WHERE (t.\"id\") = (s.\"id\")) ON CONFLICT (\"id\") DO UPDATE SET "
            "\"v\" = EXCLUDED.\"v\", \"dn_source_object\" = EXCLUDED.\"dn_source_object\" WHERE "
            "(t.\"v\", t.\"dn_source_object\") IS DISTINCT FROM (EXCLUDED.\"v\", "
            "EXCLUDED.\"dn_source_object\")");
  EXPECT_EQ(sql::copy_target(c),
            "COPY \"public\".\"t\" (\"id\", \"v\", \"dn_source_object\") FROM STDIN");
  EXPECT_EQ(
      sql::delete_absent_keys(c),
      "DELETE FROM \"public\".\"t\" AS t WHERE t.\"dn_source_object\" = $1 AND NOT EXISTS "
      "(SELECT 1 FROM dn_stage s WHERE (t.\"id\") = (s.\"id\")) AND NOT EXISTS (SELECT 1 FROM "
      "jsonb_populate_recordset(NULL::\"public\".\"t\", $2::jsonb) AS r WHERE (t.\"id\") = "
      "(r.\"id\"))");
  // A key-only contract still moves a row to the object that loads it.
  const auto key_only = contract(R"json({"dataset": "d", "table": "t", "key": ["id"],
    "absent_keys": "delete", "columns": [{"name": "id", "type": "text", "required": true}]})json");
  EXPECT_EQ(
      sql::update_by_key(key_only),
      "UPDATE \"public\".\"t\" AS t SET \"dn_source_object\" = $1::text FROM dn_stage s "
      "WHERE (t.\"id\") = (s.\"id\") AND (t.\"dn_source_object\") IS DISTINCT FROM ($1::text)");
  // keep (the default) writes no dn_source_object.
  EXPECT_EQ(sql::copy_target(contract(kKeyed)).find("dn_source_object"), std::string::npos);
  EXPECT_EQ(sql::insert_new_keys(contract(kKeyed)).find("dn_source_object"), std::string::npos);
}

TEST(LoaderSql, DuplicateChecksReturnABoundedResult) {
  const auto q = sql::remove_duplicates({"id"}, false);
  EXPECT_NE(q.find("PARTITION BY \"id\" ORDER BY \"dn_source_line\""), std::string::npos);
  EXPECT_NE(q.find("count(*) OVER () FROM d ORDER BY line LIMIT $1"), std::string::npos);
  EXPECT_EQ(q.find("IS NOT NULL"), std::string::npos);
  EXPECT_NE(sql::remove_duplicates({"email"}, true).find("WHERE \"email\" IS NOT NULL"),
            std::string::npos);
  EXPECT_NE(sql::remove_taken(contract(kKeyed), "id").find("LIMIT $1"), std::string::npos);
}

TEST(LoaderSql, LimitsFollowTheTimeLeft) {
  const auto l = sql::limits_for(milliseconds(600000));
  EXPECT_EQ(l.statement, milliseconds(600000));
  EXPECT_EQ(l.lock, milliseconds(300000));
  EXPECT_EQ(l.idle_in_transaction, milliseconds(60000));
  const auto tight = sql::limits_for(milliseconds(0));  // never 0 (= no limit in PostgreSQL)
  EXPECT_EQ(tight.statement, milliseconds(1000));
  EXPECT_EQ(tight.lock, milliseconds(500));
  EXPECT_EQ(sql::set_limits(tight),
            "SET LOCAL statement_timeout = 1000; SET LOCAL lock_timeout = 500; SET LOCAL "
            "idle_in_transaction_session_timeout = 1000; SET LOCAL work_mem = '64MB'");
}

}  // namespace
