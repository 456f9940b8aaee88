// infer-contract: writes data/contracts/<dataset>.json and data/migrations/V<NNN>__<dataset>.sql
// inferred from a CSV file, and prints both (make infer-contract, make load-csv for a new
// dataset). The inference is dn::core::csv::Inferrer, the file reading infer_file.cpp (two
// streamed passes over at most --max-bytes: the encoding, then the records); this program writes.
//
//   infer-contract --file orders.csv [--dataset orders] [--data-dir data] [--max-rows N]
//                  [--max-bytes N] [--dry-run] [--force]
// Exit status: 0 written (or printed), 1 error, 2 usage, 3 the loader could not read the contract.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "dn/core/csv.hpp"
#include "dn/core/csv_infer.hpp"
#include "infer_file.hpp"

namespace fs = std::filesystem;
namespace csv = dn::core::csv;

namespace {

struct Options {
  std::string file;
  std::string dataset;
  fs::path data_dir = "data";
  std::size_t max_rows = 100000;
  std::size_t max_bytes = std::size_t{32} * 1024 * 1024;
  bool dry_run = false;
  bool force = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "infer-contract: " << why
            << "\nusage: infer-contract --file <csv> [--dataset <name>] [--data-dir <dir>] "
               "[--max-rows N] [--max-bytes N] [--dry-run] [--force]\n";
  std::exit(2);  // NOLINT(concurrency-mt-unsafe): single-threaded program
}

std::size_t number_arg(const std::string& name, const std::string& text) {
  try {
    std::size_t used = 0;
    const auto v = std::stoull(text, &used);
    if (used == text.size() && v > 0) return static_cast<std::size_t>(v);
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): reported below
  }
  usage(name + " needs a positive number");
}

Options parse_args(int argc, char** argv) {
  Options o;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage(a + " needs a value");
      return args[++i];
    };
    if (a == "--file") {
      o.file = value();
    } else if (a == "--dataset") {
      o.dataset = value();
    } else if (a == "--data-dir") {
      o.data_dir = value();
    } else if (a == "--max-rows") {
      o.max_rows = number_arg(a, value());
    } else if (a == "--max-bytes") {
      o.max_bytes = number_arg(a, value());
    } else if (a == "--dry-run") {
      o.dry_run = true;
    } else if (a == "--force") {
      o.force = true;
    } else {
      usage("unknown argument " + a);
    }
  }
  if (o.file.empty()) usage("--file is required");
  if (o.dataset.empty()) o.dataset = csv::snake_case(fs::path(o.file).stem().string());
  return o;
}

int next_migration_number(const fs::path& dir, const std::string& dataset, fs::path& existing) {
  const std::regex name(R"(V(\d+)__(.+)\.sql)");
  int highest = 0;
  if (!fs::is_directory(dir)) return 1;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, m, name)) continue;
    highest = std::max(highest, std::stoi(m[1].str()));
    if (m[2].str() == dataset) existing = entry.path();
  }
  return highest + 1;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

std::string describe(const dn::cli::FileInference& s, const Options& o) {
  const std::string delimiter =
      s.dialect.delimiter == '\t' ? "tab" : std::string(1, s.dialect.delimiter);
  std::string key;
  for (const auto& n : s.inference.key) key += (key.empty() ? "" : ", ") + n;
  return "infer-contract: " + std::to_string(s.inference.rows_sampled) + " rows sampled (" +
         (s.inference.whole_file ? "the whole file" : "the first part of the file") + ") of " +
         o.file + "; encoding " + s.encoding + ", delimiter '" + delimiter + "'; " +
         (key.empty() ? "no key: rows are owned by their source object" : "key (" + key + ")");
}

int run(const Options& o) {
  const fs::path contract_path = o.data_dir / "contracts" / (o.dataset + ".json");
  fs::path existing_migration;
  const int number =
      next_migration_number(o.data_dir / "migrations", o.dataset, existing_migration);
  if (!o.force && !o.dry_run && fs::exists(contract_path)) {
    std::cerr << "infer-contract: " << contract_path.string()
              << " exists (the dataset has a contract; --force replaces it)\n";
    return 1;
  }
  if (!o.force && !o.dry_run && !existing_migration.empty()) {
    std::cerr << "infer-contract: " << existing_migration.string()
              << " exists for this dataset (--force replaces it)\n";
    return 1;
  }
  const auto s = dn::cli::infer_file(o.file, o.dataset, {o.max_rows, o.max_bytes});
  std::string num = std::to_string(number);
  if (num.size() < 3) num.insert(0, 3 - num.size(), '0');
  const fs::path migration_path =
      !existing_migration.empty() && o.force
          ? existing_migration
          : o.data_dir / "migrations" / ("V" + num + "__" + o.dataset + ".sql");
  std::cout << describe(s, o) << "\n";
  for (const auto& note : s.inference.notes) std::cout << "infer-contract: note: " << note << "\n";
  // Never write a contract the loader cannot read (it would reject every file of the dataset).
  try {
    (void)csv::parse_contract(s.inference.contract);
  } catch (const std::invalid_argument& e) {
    std::cout << s.inference.contract_text;
    std::cerr << "infer-contract: the loader cannot read this contract (" << e.what()
              << "); nothing written\n";
    return 3;
  }
  if (!o.dry_run) {
    write_file(contract_path, s.inference.contract_text);
    write_file(migration_path, s.inference.migration);
  }
  const std::string verb = o.dry_run ? "would write " : "wrote ";
  std::cout << "infer-contract: " << verb << contract_path.string() << "\n"
            << s.inference.contract_text << "infer-contract: " << verb << migration_path.string()
            << "\n"
            << s.inference.migration;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_args(argc, argv);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "infer-contract: " << e.what() << "\n";
    return 1;
  }
}
