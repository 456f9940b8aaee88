// The corpus (tests/corpus): each hand-written file is inferred as `make infer-contract` does;
// the contract must be the expected one, and validating the whole file with it must give the
// expected outcome (every row accepted, or exactly the expected lines rejected). The deployment
// tests (tests/e2e/test_corpus.py) load the same files and compare the tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dn/core/csv.hpp"
#include "infer_file.hpp"

namespace fs = std::filesystem;
namespace csv = dn::core::csv;
using nlohmann::json;

namespace {

constexpr const char* kCorpusDir = DN_CORPUS_DIR;

std::vector<std::string> corpus_cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kCorpusDir)) {
    const auto name = e.path().filename().string();
    if (name.ends_with(".expected.json")) out.push_back(name.substr(0, name.size() - 14));
  }
  std::sort(out.begin(), out.end());
  return out;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// The inferred column as the expected files write it (defaults left out).
json column_json(const csv::InferredColumn& c) {
  json j = {{"name", c.name}, {"header", c.header}};
  if (c.repeated) j["occurrence"] = c.occurrence;
  j["type"] = csv::column_type_name(c.type);
  if (c.required) j["required"] = true;
  if (!c.formats.empty()) j["formats"] = c.formats;
  return j;
}

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");  // NOLINT(cert-env33-c): test driver
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  status = pclose(pipe);
  return out;
}

class Corpus : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST(CorpusFiles, AtLeastFifteenCasesEachWithItsFile) {
  const auto cases = corpus_cases();
  EXPECT_GE(cases.size(), 15U);
  for (const auto& c : cases) {
    const auto expected = read_json(fs::path(kCorpusDir) / (c + ".expected.json"));
    EXPECT_TRUE(fs::exists(fs::path(kCorpusDir) / expected.at("file").get<std::string>())) << c;
    EXPECT_FALSE(expected.at("rows").empty()) << c;
  }
}

TEST_P(Corpus, InfersTheExpectedContractAndAcceptsTheFile) {
  const auto expected = read_json(fs::path(kCorpusDir) / (GetParam() + ".expected.json"));
  const auto want = expected.at("contract");
  const fs::path file = fs::path(kCorpusDir) / expected.at("file").get<std::string>();
  const fs::path infer_from =
      fs::path(kCorpusDir) / expected.value("infer_from", file.filename().string());
  const auto got = dn::cli::infer_file(infer_from.string(), "corpus_" + GetParam(), {});

  EXPECT_EQ(got.encoding, want.value("encoding", "UTF-8"));
  EXPECT_EQ(std::string(1, got.dialect.delimiter), want.value("delimiter", ","));
  const auto format = got.inference.contract.at("format");
  EXPECT_EQ(format.value("allow_jagged_rows", false), want.value("allow_jagged_rows", false));
  if (want.contains("key")) {
    EXPECT_EQ(json(got.inference.key), want.at("key"));
  } else {
    EXPECT_TRUE(got.inference.key.empty());
    EXPECT_EQ(got.inference.contract.value("rows_owned_by", ""), want.at("rows_owned_by"));
  }
  json columns = json::array();
  for (const auto& c : got.inference.columns) columns.push_back(column_json(c));
  EXPECT_EQ(columns, want.at("columns")) << columns.dump(1);

  csv::Contract contract;
  try {
    contract = csv::parse_contract(got.inference.contract);
  } catch (const std::invalid_argument& e) {
    if (!expected.contains("needs")) throw;
    GTEST_SKIP() << "pending (" << expected.at("needs").get<std::string>()
                 << "): the contract does not parse yet: " << e.what();
  }
  // The whole file through the validator with the inferred contract, as the loader reads it.
  std::optional<csv::Validator> validator;
  std::uint64_t rows = 0;
  std::vector<std::uint64_t> rejected;
  std::string copy;
  dn::cli::for_each_record(
      file.string(), got.encoding, contract.dialect, [&](const csv::Record& r) {
        if (!validator) {  // the header, mapped as the loader maps it
          auto mapped = csv::map_header(contract, r);
          ASSERT_TRUE(mapped.ok()) << mapped.error().text;
          validator.emplace(contract, std::move(*mapped));
          return;
        }
        ++rows;
        if (auto reject = validator->accept(r, copy)) {
          rejected.push_back(r.line);
          EXPECT_NE(reject->reason.find(expected.value("rejected_reason", "(none expected)")),
                    std::string::npos)
              << "line " << r.line << ": " << reject->reason;
        }
      });
  const auto outcome = expected.at("outcome");
  EXPECT_EQ(rows, outcome.at("rowsRead").get<std::uint64_t>());
  EXPECT_EQ(json(rejected), expected.value("rejected_lines", json::array()));
  EXPECT_EQ(rows - rejected.size(), expected.at("rows").size());
}

INSTANTIATE_TEST_SUITE_P(TestsCorpus, Corpus, ::testing::ValuesIn(corpus_cases()),
                         [](const auto& param_info) { return param_info.param; });

// The program itself: writes both files into the data directory with the next migration
// number, prints them, and refuses to replace an existing contract without --force.
TEST(InferContractProgram, WritesPrintsAndRefusesToOverwrite) {
  const fs::path dir =
      fs::temp_directory_path() / ("infer-contract-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "migrations");
  std::ofstream(dir / "migrations" / "V001__users.sql") << "-- x\n";
  std::ofstream(dir / "migrations" / "V007__other.sql") << "-- y\n";
  const std::string file = (fs::path(kCorpusDir) / "excel_bom_contacts.csv").string();
  const std::string cmd = std::string(DN_INFER_CONTRACT) + " --file '" + file +
                          "' --dataset contacts --data-dir '" + dir.string() + "'";
  int status = 0;
  const auto out = run(cmd, status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("3 rows sampled (the whole file)"), std::string::npos) << out;
  EXPECT_NE(out.find("key (contact_id)"), std::string::npos) << out;
  ASSERT_TRUE(fs::exists(dir / "contracts" / "contacts.json"));
  ASSERT_TRUE(fs::exists(dir / "migrations" / "V008__contacts.sql"));
  std::stringstream written;
  written << std::ifstream(dir / "contracts" / "contacts.json").rdbuf();
  EXPECT_NE(out.find(written.str()), std::string::npos);  // printed as written
  EXPECT_EQ(read_json(dir / "contracts" / "contacts.json").at("dataset"), "contacts");

  const auto again = run(cmd, status);
  EXPECT_NE(status, 0);
  EXPECT_NE(again.find("exists"), std::string::npos) << again;
  const auto forced = run(cmd + " --force", status);
  EXPECT_EQ(status, 0) << forced;
  EXPECT_FALSE(fs::exists(dir / "migrations" / "V009__contacts.sql"));  // replaced in place

  const auto dry = run(std::string(DN_INFER_CONTRACT) + " --dry-run --file '" + file +
                           "' --data-dir '" + dir.string() + "'",
                       status);
  EXPECT_EQ(status, 0) << dry;
  EXPECT_NE(dry.find("would write"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "contracts" / "excel_bom_contacts.json"));

  const auto bad = run(
      std::string(DN_INFER_CONTRACT) + " --file /nonexistent.csv --data-dir '" + dir.string() + "'",
      status);
  EXPECT_NE(status, 0);
  EXPECT_NE(bad.find("cannot open"), std::string::npos) << bad;
  fs::remove_all(dir);
}
