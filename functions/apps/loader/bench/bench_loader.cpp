// Loader benchmark on one generated users file (DN_LOADER_BENCH_BYTES, default 1 GiB), against
// a throwaway PostgreSQL 15 over TLS, printed as `name: value` lines:
//   the loader's parse + validate + COPY + merge path fed from the local file (peak RSS too),
//   psql \copy of the same file (the limit), pgloader when installed, and a row-by-row INSERT
//   baseline on a slice.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "contracts.hpp"
#include "dn/core/csv.hpp"
#include "load.hpp"
#include "pg.hpp"
#include "pg_server.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int sh(const std::string& command) {
  return std::system(command.c_str());  // NOLINT(cert-env33-c, concurrency-mt-unsafe): bench
}

// The PgStore with each stage's time summed, so the bench says where a load spends it.
class TimedStore : public dn::loader::Store {
 public:
  explicit TimedStore(dn::loader::Store& inner) : inner_(inner) {}
  std::map<std::string, double> seconds;

  bool alive() override { return inner_.alive(); }
  std::optional<dn::loader::LedgerRow> ledger(const dn::loader::ObjectRef& o) override {
    return inner_.ledger(o);
  }
  void begin(const dn::loader::ObjectRef& o, const dn::loader::sql::Limits& l) override {
    inner_.begin(o, l);
  }
  void commit() override {
    timed("commit", [&] { inner_.commit(); });
  }
  void rollback() noexcept override { inner_.rollback(); }
  bool first_load(const dn::core::csv::Contract& c) override {
    bool yes = false;
    timed("first_load_check", [&] { yes = inner_.first_load(c); });
    return yes;
  }
  void create_stage(const dn::core::csv::Contract& c) override { inner_.create_stage(c); }
  void copy_begin(const dn::core::csv::Contract& c, dn::loader::CopyInto into) override {
    copy_started_ = Clock::now();
    copy_name_ = into == dn::loader::CopyInto::Target ? "copy_target" : "copy_stage";
    inner_.copy_begin(c, into);
  }
  void copy_put(std::string_view rows) override { inner_.copy_put(rows); }
  void copy_end() override {
    inner_.copy_end();
    seconds[copy_name_] += seconds_since(copy_started_);
  }
  void copy_abort(const std::string& reason) noexcept override { inner_.copy_abort(reason); }
  dn::loader::Removed remove_duplicates(const std::vector<std::string>& columns, bool ignore_nulls,
                                        std::size_t max_rows) override {
    dn::loader::Removed r;
    timed("duplicates", [&] { r = inner_.remove_duplicates(columns, ignore_nulls, max_rows); });
    return r;
  }
  dn::loader::Removed remove_taken(const dn::core::csv::Contract& c, const std::string& column,
                                   const dn::loader::ObjectRef& o, std::size_t max_rows) override {
    dn::loader::Removed r;
    timed("taken", [&] { r = inner_.remove_taken(c, column, o, max_rows); });
    return r;
  }
  std::uint64_t delete_absent_keys(const dn::core::csv::Contract& c, const dn::loader::ObjectRef& o,
                                   const std::string& kept) override {
    std::uint64_t n = 0;
    timed("absent", [&] { n = inner_.delete_absent_keys(c, o, kept); });
    return n;
  }
  std::uint64_t merge(const dn::core::csv::Contract& c, const dn::loader::ObjectRef& o) override {
    std::uint64_t n = 0;
    timed("merge", [&] { n = inner_.merge(c, o); });
    return n;
  }
  void record(const dn::loader::ObjectRef& o, const dn::loader::LedgerRow& row) override {
    inner_.record(o, row);
  }
  std::vector<std::string> migrate(const std::map<std::string, std::string>& m,
                                   std::map<std::string, std::string>& failed) override {
    return inner_.migrate(m, failed);
  }

 private:
  template <class F>
  void timed(const std::string& name, F&& f) {
    const auto t = Clock::now();
    f();
    seconds[name] += seconds_since(t);
  }
  dn::loader::Store& inner_;
  Clock::time_point copy_started_{};
  std::string copy_name_;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded bench
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

int main() {
  try {
    const std::string bytes = env_or("DN_LOADER_BENCH_BYTES", "1GB");
    const std::string slice_rows = env_or("DN_LOADER_BENCH_INSERT_ROWS", "20000");
    dn::loader::testing::PgServer server;
    const std::string file = server.dir() + "/bench.csv";
    if (sh("python3 '" + std::string(DN_DATA_DIR) + "/generate_sample.py' --size " + bytes +
           " --out '" + file + "' 2>/dev/null") != 0) {
      std::cerr << "bench_loader: sample generation failed\n";
      return 1;
    }
    const auto file_bytes = std::filesystem::file_size(file);

    auto params = server.loader_params();
    dn::loader::PgStore store(params);
    auto& db = store.pg();
    const auto contracts = dn::loader::Contracts::from_directory(DN_DATA_DIR);
    std::map<std::string, std::string> failed;
    store.migrate(contracts.migrations(), failed);

    // 1. The loader, from the local file in 64 KiB chunks (Lambda hands out smaller ones), into
    // the empty table (a first load: COPY straight into it).
    dn::loader::Loader loader(contracts, {});
    const auto put = [](const std::string&, const std::string&, std::string_view,
                        const std::string&) -> dn::aws::Result<void> { return {}; };
    struct Timed {
      double seconds = 0;
      dn::loader::LoadOutcome outcome;
      std::map<std::string, double> stages;
    };
    // Every load is a version of one object, as a users export is: absent_keys delete compares
    // each with the rows that object loaded before.
    const std::string key = "incoming/users/bench.csv";
    const auto load_through_loader = [&](const std::string& path,
                                         const std::string& version) -> Timed {
      const auto size = std::filesystem::file_size(path);
      const auto fetch = [&](const dn::loader::ObjectRef&,
                             const std::function<bool(std::string_view)>& on_chunk)
          -> dn::aws::Result<dn::aws::ObjectInfo> {
        std::ifstream in(path, std::ios::binary);
        std::string buf(std::size_t{64} * 1024, '\0');
        while (in) {
          in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
          const auto n = static_cast<std::size_t>(in.gcount());
          if (n == 0) break;
          if (!on_chunk(std::string_view(buf.data(), n))) break;
        }
        return dn::aws::ObjectInfo{"\"bench\"", version, size, "text/csv"};
      };
      TimedStore timed(store);
      const auto t = Clock::now();
      auto out = loader.load(timed, {"bench", key, version, "bench", 0}, fetch, put,
                             dn::loader::Clock::now() + std::chrono::hours(1));
      const double s = seconds_since(t);
      if (out.status != dn::loader::LoadOutcome::Status::Loaded) {
        throw std::runtime_error("the load of " + key + " was " +
                                 std::string(dn::loader::status_name(out.status)) + ": " +
                                 out.reason);
      }
      return {s, std::move(out), timed.seconds};
    };
    const auto first = load_through_loader(file, "v1");
    const double loader_s = first.seconds;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double rows = static_cast<double>(first.outcome.rows_loaded);
    std::printf("loader_file_mb: %.0f\n", static_cast<double>(file_bytes) / 1048576.0);
    std::printf("loader_rows: %.0f\n", rows);
    std::printf("loader_rows_per_s: %.0f\n", rows / loader_s);
    std::printf("loader_mb_per_s: %.1f\n", static_cast<double>(file_bytes) / 1048576.0 / loader_s);
    std::printf("loader_peak_rss_mb: %.1f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
    for (const auto& [stage, s] : first.stages)
      std::printf("loader_%s_s: %.2f\n", stage.c_str(), s);

    // 2. psql \copy of the same file into the same (emptied) table, over the same TLS link.
    db.exec("TRUNCATE users");
    const std::string pgpass = server.dir() + "/pgpass";
    {
      std::ofstream pass(pgpass);
      pass << "localhost:" << server.port() << ":dn:loader:" << params.at("password") << "\n";
    }
    std::filesystem::permissions(
        pgpass, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const std::string conn =
        "host=localhost port=" + std::to_string(server.port()) +
        " user=loader dbname=dn sslmode=verify-full sslrootcert=" + server.root_cert();
    const std::string cols =
        "user_id,email,first_name,last_name,display_name,time_zone,locale,signup_date,"
        "last_login_at,marketing_opt_in,preferred_channel,digest_hour,lifetime_value";
    const auto t1 = Clock::now();
    if (sh("PGPASSFILE='" + pgpass +
           "' PGOPTIONS='-c datestyle=ISO,DMY' psql -q -v ON_ERROR_STOP=1 '" + conn +
           "' -c \"\\copy users(" + cols + ") FROM '" + file +
           "' WITH (FORMAT csv, HEADER true)\"") != 0) {
      std::cerr << "bench_loader: psql \\copy failed\n";
      return 1;
    }
    const double psql_s = seconds_since(t1);
    // psql's rows as if the object had loaded them (not timed), so that the populated runs
    // compare values, not owners.
    db.exec("UPDATE users SET dn_source_object = $1", {key});
    std::printf("psql_copy_rows_per_s: %.0f\n", rows / psql_s);
    std::printf("psql_copy_s: %.2f\n", psql_s);
    std::printf("loader_s: %.2f\n", loader_s);
    std::printf("loader_vs_psql_copy: %.2f\n", psql_s / loader_s);

    // 2b. A populated table (psql's rows, the same as the loader's): the same file again as a
    // new version of the object (every key known, nothing changed), then a version with the same
    // keys and other values (every row changed). Both go through the stage, the duplicate checks
    // and the merge; psql has no upsert, so the ratio is to its plain COPY into the empty table.
    const std::string changed = server.dir() + "/bench-changed.csv";
    if (sh("python3 '" + std::string(DN_DATA_DIR) + "/generate_sample.py' --size " + bytes +
           " --seed 43 --out '" + changed + "' 2>/dev/null") != 0) {
      std::cerr << "bench_loader: sample generation failed\n";
      return 1;
    }
    for (const auto& [name, path] : {std::pair<std::string, std::string>{"unchanged", file},
                                     std::pair<std::string, std::string>{"changed", changed}}) {
      const auto again = load_through_loader(path, "v-" + name);
      std::printf("loader_populated_%s_s: %.2f\n", name.c_str(), again.seconds);
      std::printf("loader_populated_%s_rows_changed: %llu\n", name.c_str(),
                  static_cast<unsigned long long>(again.outcome.rows_changed));
      for (const auto& [stage, s] : again.stages)
        std::printf("loader_populated_%s_%s_s: %.2f\n", name.c_str(), stage.c_str(), s);
      std::printf("loader_populated_%s_vs_psql_copy: %.2f\n", name.c_str(), psql_s / again.seconds);
    }

    // 3. pgloader, when installed (Debian package pgloader).
    if (sh("command -v pgloader >/dev/null 2>&1") == 0) {
      db.exec("TRUNCATE users");
      const std::string load_file = server.dir() + "/bench.load";
      {
        std::ofstream cmd(load_file);
        cmd << "LOAD CSV FROM '" << file << "' (" << cols << ")\n"
            << "INTO postgresql://loader@localhost:" << server.port() << "/dn?sslmode=require"
            << "&tablename=users (" << cols << ")\n"
            << "WITH skip header = 1, fields terminated by ',', fields optionally enclosed by '\"'"
            << ", fields escaped by double-quote\n"
            << "SET datestyle = 'ISO,DMY';\n";
      }
      const auto t2 = Clock::now();
      // pgloader verifies the server certificate against OpenSSL's default store, so it is
      // pointed at the test CA (its --no-ssl-cert-verification has no effect in 3.6).
      const int rc =
          sh("PGPASSFILE='" + pgpass + "' SSL_CERT_FILE='" + server.root_cert() +
             "' pgloader --quiet '" + load_file + "' >'" + server.dir() + "/pgloader.log' 2>&1");
      const double pgl_s = seconds_since(t2);
      if (rc == 0) {
        std::printf("pgloader_rows_per_s: %.0f\n", rows / pgl_s);
        std::printf("loader_vs_pgloader: %.2f\n", pgl_s / loader_s);
      } else {
        std::printf("loader_vs_pgloader: nan\n");
        std::cerr << "bench_loader: pgloader failed (rc " << rc << ")\n";
      }
    } else {
      std::printf("loader_vs_pgloader: nan\n");
      std::cerr << "bench_loader: pgloader not installed\n";
    }

    // 4. Row-by-row INSERT (autocommit) on a slice: the naive baseline.
    db.exec("TRUNCATE users");
    db.exec("SET datestyle = 'ISO,DMY'");
    const std::size_t limit = std::stoul(slice_rows);
    std::size_t inserted = 0;
    const std::string insert = "INSERT INTO users (" + cols +
                               ") VALUES ($1,$2,$3,$4,$5,$6,NULLIF($7,''),$8,NULLIF($9,'')::"
                               "timestamptz,$10,$11,$12::int,$13::numeric)";
    std::ifstream in(file, std::ios::binary);
    std::string chunk(std::size_t{64} * 1024, '\0');
    bool header = true;
    const auto t3 = Clock::now();
    dn::core::csv::Parser parser({}, [&](const dn::core::csv::Record& r) {
      if (header || inserted >= limit) {
        header = false;
        return;
      }
      std::vector<std::string> values(r.fields.begin(), r.fields.end());
      db.exec(insert, values);
      ++inserted;
    });
    while (in && inserted < limit) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      parser.feed(std::string_view(chunk.data(), static_cast<std::size_t>(in.gcount())));
    }
    const double insert_s = seconds_since(t3);
    std::printf("row_insert_rows_per_s: %.0f\n", static_cast<double>(inserted) / insert_s);
    std::printf("loader_vs_row_insert: %.1f\n",
                (rows / loader_s) / (static_cast<double>(inserted) / insert_s));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_loader: " << e.what() << "\n";
    return 1;
  }
}
