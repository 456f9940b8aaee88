// sync-audiences' Store over one libpq session, and the SQL it runs (pure builders, unit-tested).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "dn/core/audience.hpp"
#include "dn/pg/pg.hpp"
#include "sync.hpp"

namespace dn::sync_audiences {

// The session lock that keeps to one pass at a time (the loader's migrations use 7461001).
inline constexpr long kSyncLockId = 7461015;

// "schema"."table" from USERS_TABLE (`schema.table` or `table`, meaning public); throws
// std::invalid_argument for an empty part.
std::string users_table(const std::string& setting);

struct Query {
  std::string sql{};
  std::vector<std::string> params{};
};
// The users after $1 in byte order with their profile and one boolean per rule.
Query users_query(const std::vector<audience::SegmentRule>& rules, const std::string& table,
                  const std::string& after, std::size_t limit);
std::string published_query(std::size_t limit);
// Upsert from $1, a JSON array of {user_id, display_name, first_name, locale, time_zone, segments}.
std::string upsert_published_sql();
// Delete the ids of $1, a JSON array of strings.
std::string delete_published_sql();

class PgStore : public Store {
 public:
  PgStore(const std::map<std::string, std::string>& params,
          std::vector<audience::SegmentRule> rules, std::string users_table);

  bool alive() override;
  void request_pass() override;
  bool try_lock() override;
  void unlock() override;
  SyncState state() override;
  void start_pass(std::int64_t requested) override;
  std::vector<audience::Audience> users_after(const std::string& after, std::size_t limit) override;
  std::vector<audience::Audience> published_after(const std::string& after,
                                                  std::size_t limit) override;
  void commit_batch(const audience::Diff& diff, const std::optional<std::string>& cursor) override;

 private:
  pg::Pg pg_;
  std::vector<audience::SegmentRule> rules_;
  std::string users_table_;
};

}  // namespace dn::sync_audiences
