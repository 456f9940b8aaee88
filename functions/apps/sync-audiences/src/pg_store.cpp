#include "pg_store.hpp"

#include <stdexcept>
#include <utility>

#include "dn/util/json.hpp"

namespace dn::sync_audiences {

namespace {

constexpr const char* kProfileColumns =
    R"("user_id"::text, "display_name"::text, "first_name"::text, "locale"::text, )"
    R"("time_zone"::text)";

std::optional<std::string> maybe(const PGresult* r, int row, int column) {
  if (PQgetisnull(r, row, column) == 1) return std::nullopt;
  return std::string(PQgetvalue(r, row, column));
}

audience::Audience profile_of(const PGresult* r, int row) {
  audience::Audience a;
  a.user_id = PQgetvalue(r, row, 0);
  a.profile.display_name = maybe(r, row, 1).value_or("");
  a.profile.first_name = maybe(r, row, 2);
  a.profile.locale = maybe(r, row, 3);
  a.profile.time_zone = maybe(r, row, 4);
  return a;
}

nlohmann::json optional_json(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string users_table(const std::string& setting) {
  const auto dot = setting.find('.');
  const std::string schema = dot == std::string::npos ? "public" : setting.substr(0, dot);
  const std::string table = dot == std::string::npos ? setting : setting.substr(dot + 1);
  if (schema.empty() || table.empty()) throw std::invalid_argument("empty schema or table");
  return audience::quote_ident(schema) + "." + audience::quote_ident(table);
}

Query users_query(const std::vector<audience::SegmentRule>& rules, const std::string& table,
                  const std::string& after, std::size_t limit) {
  Query q;
  q.params.push_back(after);
  q.sql = std::string("SELECT ") + kProfileColumns;
  for (const auto& rule : rules) {
    auto p = audience::predicate(rule, q.params.size() + 1);
    q.sql += ", " + p.sql;
    q.params.insert(q.params.end(), p.params.begin(), p.params.end());
  }
  q.sql += " FROM " + table +
           R"( WHERE "user_id" COLLATE "C" > $1 ORDER BY "user_id" COLLATE "C")" + " LIMIT " +
           std::to_string(limit);
  return q;
}

std::string published_query(std::size_t limit) {
  return std::string("SELECT ") + kProfileColumns +
         ", array_to_json(segments)::text FROM public.dn_audience_published WHERE user_id > $1 "
         "ORDER BY user_id LIMIT " +
         std::to_string(limit);
}

std::string upsert_published_sql() {
  return "INSERT INTO public.dn_audience_published "
         "(user_id, display_name, first_name, locale, time_zone, segments) "
         "SELECT r.user_id, r.display_name, r.first_name, r.locale, r.time_zone, "
         "ARRAY(SELECT e FROM jsonb_array_elements_text(r.segments) WITH ORDINALITY AS s(e, n) "
         "ORDER BY n) "
         "FROM jsonb_to_recordset($1::jsonb) AS r(user_id text, display_name text, "
         "first_name text, locale text, time_zone text, segments jsonb) "
         "ON CONFLICT (user_id) DO UPDATE SET display_name = EXCLUDED.display_name, "
         "first_name = EXCLUDED.first_name, locale = EXCLUDED.locale, "
         "time_zone = EXCLUDED.time_zone, segments = EXCLUDED.segments";
}

std::string delete_published_sql() {
  return "DELETE FROM public.dn_audience_published "
         "WHERE user_id IN (SELECT jsonb_array_elements_text($1::jsonb))";
}

PgStore::PgStore(const std::map<std::string, std::string>& params,
                 std::vector<audience::SegmentRule> rules, std::string users_table)
    : pg_(params), rules_(std::move(rules)), users_table_(std::move(users_table)) {}

bool PgStore::alive() {
  if (!pg_.ok()) return false;
  try {
    pg_.exec("SELECT 1");
    return true;
  } catch (const pg::PgError&) {
    return false;
  }
}

void PgStore::request_pass() {
  pg_.exec("UPDATE public.dn_audience_sync SET requested = requested + 1 WHERE id = 1");
}

bool PgStore::try_lock() {
  const auto r = pg_.exec("SELECT pg_try_advisory_lock(" + std::to_string(kSyncLockId) + ")");
  return std::string_view(PQgetvalue(r.get(), 0, 0)) == "t";
}

void PgStore::unlock() {
  pg_.exec("SELECT pg_advisory_unlock(" + std::to_string(kSyncLockId) + ")");
}

SyncState PgStore::state() {
  const auto r =
      pg_.exec("SELECT cursor, requested, started FROM public.dn_audience_sync WHERE id = 1");
  if (PQntuples(r.get()) != 1) {
    throw std::runtime_error("dn_audience_sync has no row (migration V004 not applied?)");
  }
  SyncState s;
  s.cursor = maybe(r.get(), 0, 0);
  s.requested = std::stoll(PQgetvalue(r.get(), 0, 1));
  s.started = std::stoll(PQgetvalue(r.get(), 0, 2));
  return s;
}

void PgStore::start_pass(std::int64_t requested) {
  pg_.exec(
      "UPDATE public.dn_audience_sync SET cursor = '', started = $1, started_at = now() "
      "WHERE id = 1",
      {std::to_string(requested)});
}

std::vector<audience::Audience> PgStore::users_after(const std::string& after, std::size_t limit) {
  const auto q = users_query(rules_, users_table_, after, limit);
  const auto r = pg_.exec(q.sql, q.params);
  std::vector<audience::Audience> out;
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    auto a = profile_of(r.get(), row);
    std::vector<bool> flags;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      flags.push_back(std::string_view(PQgetvalue(r.get(), row, static_cast<int>(5 + i))) == "t");
    }
    a.segments = audience::segments_of(rules_, flags);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<audience::Audience> PgStore::published_after(const std::string& after,
                                                         std::size_t limit) {
  const auto r = pg_.exec(published_query(limit), {after});
  std::vector<audience::Audience> out;
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    auto a = profile_of(r.get(), row);
    const auto segments = dn::util::parse_json(PQgetvalue(r.get(), row, 5));
    if (segments.is_array()) {
      for (const auto& s : segments) {
        if (s.is_string()) a.segments.push_back(s.get<std::string>());
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

void PgStore::commit_batch(const audience::Diff& diff, const std::optional<std::string>& cursor) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& a : diff.upserts) {
    rows.push_back({{"user_id", a.user_id},
                    {"display_name", a.profile.display_name},
                    {"first_name", optional_json(a.profile.first_name)},
                    {"locale", optional_json(a.profile.locale)},
                    {"time_zone", optional_json(a.profile.time_zone)},
                    {"segments", a.segments}});
  }
  pg_.exec("BEGIN");
  try {
    if (!diff.upserts.empty()) pg_.exec(upsert_published_sql(), {dn::util::to_json(rows)});
    if (!diff.removed.empty()) {
      pg_.exec(delete_published_sql(), {dn::util::to_json(nlohmann::json(diff.removed))});
    }
    if (cursor) {
      pg_.exec("UPDATE public.dn_audience_sync SET cursor = $1 WHERE id = 1", {*cursor});
    } else {
      pg_.exec(
          "UPDATE public.dn_audience_sync SET cursor = NULL, completed_at = now() WHERE id = 1");
    }
    pg_.exec("COMMIT");
  } catch (const pg::PgError&) {
    if (pg_.ok()) {
      try {
        pg_.exec("ROLLBACK");
      } catch (const pg::PgError&) {  // NOLINT(bugprone-empty-catch): the first error wins
      }
    }
    throw;
  }
}

}  // namespace dn::sync_audiences
