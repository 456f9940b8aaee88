// Contracts read at start-up: one that does not parse is that dataset's error, never the
// loader's; keys pick their dataset by folder.
#include "contracts.hpp"

#include <gtest/gtest.h>

namespace {

const char* kGood = R"json({"dataset": "users", "table": "users", "key": ["id"],
  "columns": [{"name": "id", "type": "text", "required": true}]})json";

TEST(LoaderContracts, ABrokenContractIsItsDatasetsErrorOnly) {
  dn::loader::Contracts c({{"users", kGood},
                           {"bad", "{ not json"},
                           {"entity", R"({"dataset": "entity", "table": "e", "columns": []})"},
                           {"renamed", kGood}},
                          {{"V001__users.sql", "x"}, {"V002__load_ledger.sql", "y"}});
  EXPECT_NE(c.for_key("users/a.csv", "users").contract, nullptr);
  const auto bad = c.for_key("bad/a.csv", "users");
  EXPECT_EQ(bad.contract, nullptr);
  EXPECT_EQ(bad.dataset, "bad");
  EXPECT_NE(bad.error.find("does not parse"), std::string::npos);
  EXPECT_NE(c.for_key("entity/a.csv", "users").error.find("columns must not be empty"),
            std::string::npos);
  EXPECT_EQ(c.for_key("renamed/a.csv", "users").error,
            "the contract in renamed.json names dataset 'users'");
  EXPECT_EQ(c.errors().size(), 3U);
}

TEST(LoaderContracts, KeysPickTheirDatasetByFolder) {
  dn::loader::Contracts c({{"users", kGood}}, {});
  EXPECT_EQ(c.for_key("users/x.csv", "users").dataset, "users");
  EXPECT_EQ(c.for_key("x.csv", "users").dataset, "users");  // no folder: the default
  const auto other = c.for_key("orders/x.csv", "users");    // never another dataset's contract
  EXPECT_EQ(other.contract, nullptr);
  EXPECT_EQ(other.error, "no dataset contract named 'orders'");
}

TEST(LoaderContracts, MigrationsBelongToTheDatasetTheyNameAndFailuresStayThere) {
  dn::loader::Contracts c({{"users", kGood}}, {{"V001__users.sql", "x"}});
  EXPECT_EQ(c.dataset_of_migration("V001__users.sql"), "users");
  EXPECT_EQ(c.dataset_of_migration("V002__load_ledger.sql"), std::nullopt);
  // A later change to the dataset's table: V<NNN>__<dataset>_<change>.sql.
  EXPECT_EQ(c.dataset_of_migration("V005__users_source_object.sql"), "users");
  EXPECT_EQ(c.dataset_of_migration("V006__usersource.sql"), std::nullopt);
  dn::loader::Contracts two({{"users", kGood}, {"users_source", kGood}}, {});
  EXPECT_EQ(two.dataset_of_migration("V007__users_source_x.sql"), "users_source");  // longest
  c.fail("users", "migration V001__users.sql failed: boom");
  EXPECT_EQ(c.for_key("users/x.csv", "users").error, "migration V001__users.sql failed: boom");
}

TEST(LoaderContracts, TheRepositorysContractsAllParse) {
  const auto c = dn::loader::Contracts::from_directory(DN_DATA_DIR);
  EXPECT_TRUE(c.errors().empty());
  EXPECT_NE(c.for_key("users/x.csv", "users").contract, nullptr);
  EXPECT_FALSE(c.migrations().empty());
}

}  // namespace
