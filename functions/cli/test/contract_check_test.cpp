// Contracts against their migrations on a real PostgreSQL 15 (started here, as the loader's
// integration test does). The first case checks the repository's own data/ directory, so a bad
// contract fails `make test`; the others break a copy of it on purpose and expect the check to
// name the problem, and check that inferred contracts (the corpus) always pass.
#include "contract_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "pg_server.hpp"

namespace fs = std::filesystem;
using dn::cli::ContractProblem;
using dn::loader::Pg;
using nlohmann::json;

namespace {

constexpr const char* kDataDir = DN_DATA_DIR;
constexpr const char* kCorpusDir = DN_CORPUS_DIR;

std::string listed(const std::vector<ContractProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += "  " + p.file + ": " + p.message + "\n";
  return out;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

void write_json(const fs::path& path, const json& doc) {
  std::ofstream(path) << doc.dump(2) << "\n";
}

class ContractCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<dn::loader::testing::PgServer>(); }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    copy_ = fs::temp_directory_path() /
            ("contract-check-" + std::to_string(getpid()) + "-" + std::to_string(++databases_));
    fs::remove_all(copy_);
    fs::copy(kDataDir, copy_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(copy_); }

  // Checks a data directory against a new, empty database.
  static std::vector<ContractProblem> check(const fs::path& dir) {
    const std::string db = "check_" + std::to_string(++databases_);
    Pg(server_->admin_params()).exec("CREATE DATABASE " + db + " OWNER loader");
    auto params = server_->loader_params();
    params["dbname"] = db;
    Pg pg(params);
    return dn::cli::check_contracts(dir, pg);
  }

  // One problem, in `file`, whose message contains `text`.
  void expect_only(const std::string& file, const std::string& text) {
    const auto problems = check(copy_);
    ASSERT_EQ(problems.size(), 1U) << listed(problems);
    EXPECT_EQ(problems[0].file, file) << listed(problems);
    EXPECT_NE(problems[0].message.find(text), std::string::npos) << listed(problems);
  }

  fs::path users() const { return copy_ / "contracts" / "users.json"; }
  void edit_users(const std::function<void(json&)>& change) const {
    auto doc = read_json(users());
    change(doc);
    write_json(users(), doc);
  }
  json& column(json& doc, const std::string& name) const {
    for (auto& c : doc["columns"]) {
      if (c["name"] == name) return c;
    }
    throw std::out_of_range(name);
  }

  static std::unique_ptr<dn::loader::testing::PgServer> server_;
  static int databases_;
  fs::path copy_;
};

std::unique_ptr<dn::loader::testing::PgServer> ContractCheck::server_;
int ContractCheck::databases_ = 0;

}  // namespace

// make test fails here when a contract in data/contracts does not fit its migration.
TEST_F(ContractCheck, TheRepositorysContractsFitTheirTables) {
  const auto problems = check(kDataDir);
  EXPECT_TRUE(problems.empty()) << "data/ has contract problems:\n" << listed(problems);
}

TEST_F(ContractCheck, ATypeTheTableCannotHoldIsNamed) {
  edit_users([&](json& d) { column(d, "email")["type"] = "integer"; });
  expect_only("contracts/users.json",
              "column email: contract type integer does not fit the table's text");
}

TEST_F(ContractCheck, AColumnMissingFromTheTableIsNamed) {
  edit_users([&](json& d) { d["columns"].push_back({{"name", "nickname"}, {"type", "text"}}); });
  expect_only("contracts/users.json", "column nickname is not in table public.users");
}

// The issue's case: a contract column "Entity" beside a migration that created it unquoted (so
// PostgreSQL named it entity). It built and deployed, then every load failed; now make test
// names it (as an unparsable name before quoted identifiers, as a missing column after).
TEST_F(ContractCheck, TheEntityCaseFailsTheBuild) {
  edit_users([&](json& d) { d["columns"].push_back({{"name", "Entity"}, {"type", "text"}}); });
  std::ofstream(copy_ / "migrations" / "V900__entity.sql")
      << "ALTER TABLE users ADD COLUMN Entity text;\n";
  expect_only("contracts/users.json", "Entity");
}

TEST_F(ContractCheck, AContractThatDoesNotParseIsNamed) {
  std::ofstream(copy_ / "contracts" / "broken.json") << R"({"dataset": "broken", "columns": [)";
  expect_only("contracts/broken.json", "does not parse");
  fs::remove(copy_ / "contracts" / "broken.json");
  edit_users([&](json& d) { column(d, "locale")["type"] = "varchar"; });
  expect_only("contracts/users.json", "does not parse");
}

TEST_F(ContractCheck, AMigrationThatDoesNotApplyIsNamed) {
  std::ofstream(copy_ / "migrations" / "V900__typo.sql") << "CREATE TABLE x (id integr);\n";
  expect_only("migrations/V900__typo.sql", "does not apply");
}

TEST_F(ContractCheck, AnOptionalColumnThatIsNotNullIsNamed) {
  edit_users([&](json& d) { column(d, "display_name").erase("required"); });
  expect_only("contracts/users.json", "display_name is optional in the contract but NOT NULL");
}

TEST_F(ContractCheck, AKeyWithoutAUniqueIndexIsNamed) {
  edit_users([&](json& d) { d["key"] = {"user_id", "email"}; });
  expect_only("contracts/users.json", "no primary key or unique index on the key (user_id, email)");
}

TEST_F(ContractCheck, AbsentKeysDeleteWithoutTheSourceObjectColumnIsNamed) {
  fs::remove(copy_ / "migrations" / "V005__users_source_object.sql");
  expect_only("contracts/users.json", "\"absent_keys\": \"delete\" needs column dn_source_object");
}

TEST_F(ContractCheck, AContractWithoutItsTableIsNamed) {
  write_json(copy_ / "contracts" / "orders.json",
             {{"dataset", "orders"},
              {"table", "orders"},
              {"key", {"id"}},
              {"columns", {{{"name", "id"}, {"type", "integer"}, {"required", true}}}}});
  expect_only("contracts/orders.json", "table public.orders does not exist after the migrations");
}

TEST_F(ContractCheck, TwoContractsForOneTableAreNamed) {
  auto doc = read_json(users());
  doc["dataset"] = "users_again";
  write_json(copy_ / "contracts" / "users_again.json", doc);
  expect_only("contracts/users_again.json",
              "table public.users is also used by contracts/users.json");
}

// Every corpus file inferred into the copy (as make infer-contract writes it) passes the check:
// the inferred migrations create exactly what the inferred contracts describe.
TEST_F(ContractCheck, InferredContractsAndMigrationsAlwaysFit) {
  std::vector<std::string> pending;
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    const auto name = entry.path().filename().string();
    if (!name.ends_with(".expected.json")) continue;
    const auto expected = read_json(entry.path());
    const auto stem = name.substr(0, name.size() - 14);
    const auto file =
        fs::path(kCorpusDir) / expected.value("infer_from", expected.at("file").get<std::string>());
    const std::string cmd = std::string(DN_INFER_CONTRACT) + " --file '" + file.string() +
                            "' --dataset corpus_" + stem + " --data-dir '" + copy_.string() +
                            "' >/dev/null";
    const int status = std::system(cmd.c_str());  // NOLINT(cert-env33-c,concurrency-mt-unsafe)
    ASSERT_EQ(status, 0) << cmd;
    if (expected.contains("needs")) pending.push_back("contracts/corpus_" + stem + ".json");
  }
  std::string unexpected;
  for (const auto& p : check(copy_)) {
    const bool is_pending = std::find(pending.begin(), pending.end(), p.file) != pending.end() &&
                            p.message.starts_with("does not parse");
    if (is_pending) {
      std::cout << "pending (loader support): " << p.file << ": " << p.message << "\n";
    } else {
      unexpected += "  " + p.file + ": " + p.message + "\n";
    }
  }
  EXPECT_TRUE(unexpected.empty()) << unexpected;
}
