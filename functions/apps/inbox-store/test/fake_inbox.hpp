// An in-memory inbox implementing both ports with core's rules, for the handler tests of
// get-notifications and update-notifications. Sort keys order records as DynamoDB's do.
#pragma once

#include <map>
#include <set>
#include <string>
#include <variant>

#include "dn/core/keys.hpp"
#include "inbox_store.hpp"

namespace dn::inbox::testing {

// "<letter><n>", e.g. a notification id "n7" (not "n" + std::to_string(n): GCC 12's -O3
// -Wrestrict false positive in the release tests).
inline std::string numbered(char letter, int n) {
  std::string id(1, letter);
  id += std::to_string(n);
  return id;
}

struct StoredRecord {
  core::InboxEntry record;
  std::int64_t expires_at = 4102444800;  // 2100-01-01
};

class FakeInbox final : public Reader, public StateWriter {
 public:
  std::map<std::string, std::map<std::string, StoredRecord>> users;  // userId -> sk -> record
  std::set<std::string> profiles;
  bool fail = false;
  int reads = 0;   // list, count and profile queries
  int writes = 0;  // apply and mark_read calls

  void add(const std::string& user, const std::string& date, const std::string& id,
           const core::InboxState& state = {}, std::int64_t expires_at = 4102444800) {
    profiles.insert(user);
    users[user][core::keys::inbox_sk(date, id)] = StoredRecord{
        core::InboxEntry{date, id, "t " + id, "b " + id, date + "T06:00:00Z", state}, expires_at};
  }
  const core::InboxState& state(const std::string& user, const std::string& date,
                                const std::string& id) {
    return users[user].at(core::keys::inbox_sk(date, id)).record.state;
  }

  aws::Result<Page> list(const std::string& user_id, core::InboxFilter filter, int limit,
                         const std::optional<std::string>& start_sk, const Now& now) override {
    ++reads;
    if (fail) return failure();
    Page page;
    int evaluated = 0;
    std::string last;
    // Like a Query of the listing's partition: Limit counts the records evaluated, expired ones
    // (and, in the user's own partition, archived ones) are evaluated but not returned, and a
    // full page says where the next one starts.
    const bool table = core::listing(user_id, filter).index.empty();
    walk(user_id, start_sk, [&](const std::string& sk, const StoredRecord& r) {
      if (!table && !core::in_filter(r.record.state, filter)) return true;
      if (evaluated == limit) {
        page.next_sk = last;
        return false;
      }
      ++evaluated;
      last = sk;
      if (r.expires_at > now.epoch && core::in_filter(r.record.state, filter)) {
        page.records.push_back(r.record);
      }
      return true;
    });
    return page;
  }

  aws::Result<Tally> count_unread(const std::string& user_id, int up_to, const Now& now) override {
    ++reads;
    if (fail) return failure();
    Tally t;
    int looked = 0;
    walk(user_id, std::nullopt, [&](const std::string&, const StoredRecord& r) {
      if (!core::in_filter(r.record.state, core::InboxFilter::unread)) return true;
      if (looked == up_to) {
        t.more = true;
        return false;
      }
      ++looked;
      if (r.expires_at > now.epoch) ++t.counted;
      return true;
    });
    return t;
  }

  aws::Result<bool> user_exists(const std::string& user_id) override {
    ++reads;
    if (fail) return failure();
    return profiles.contains(user_id);
  }

  aws::Result<Applied> apply(const std::string& user_id, const core::RecordRef& record,
                             core::StateChange change, const Now& now) override {
    ++writes;
    if (fail) return failure();
    auto& part = users[user_id];
    const auto it = part.find(core::keys::inbox_sk(record.date, record.notification_id));
    if (it == part.end() || it->second.expires_at <= now.epoch) {
      return Applied{Applied::Kind::not_found, {}, false, {}};
    }
    auto t = core::apply_change(it->second.record.state, change, now.text);
    if (!t.ok()) {
      return Applied{Applied::Kind::conflict, it->second.record.state, false, t.error().text};
    }
    const auto& done = *t;
    it->second.record.state = done.state;
    return Applied{Applied::Kind::applied, done.state, done.changed, {}};
  }

  aws::Result<UnreadKeys> unread_page(const std::string& user_id, int limit,
                                      const std::optional<std::string>& start_sk,
                                      const Now& now) override {
    ++reads;
    if (fail) return failure();
    UnreadKeys keys;
    int evaluated = 0;
    std::string last;
    walk(user_id, start_sk, [&](const std::string& sk, const StoredRecord& r) {
      if (!core::in_filter(r.record.state, core::InboxFilter::unread)) return true;
      if (evaluated == limit) {
        keys.next_sk = last;
        return false;
      }
      ++evaluated;
      last = sk;
      if (r.expires_at > now.epoch) keys.sks.push_back(sk);
      return true;
    });
    return keys;
  }

  aws::Result<long long> mark_read(const std::string& user_id, const std::vector<std::string>& sks,
                                   const Now& now) override {
    ++writes;
    if (fail) return failure();
    long long marked = 0;
    for (const auto& sk : sks) {
      auto& r = users[user_id].at(sk).record.state;
      if (core::in_filter(r, core::InboxFilter::unread)) {
        r.read_at = now.text;
        ++marked;
      }
    }
    return marked;
  }

 private:
  static aws::Error failure() {
    return aws::Error{"InternalServerError", "table exploded at 10.0.0.7", 500, true};
  }
  // Newest first, strictly after `start` when given; `visit` returns false to stop.
  template <class F>
  void walk(const std::string& user, const std::optional<std::string>& start, F visit) {
    auto& part = users[user];
    auto it = start ? std::make_reverse_iterator(part.lower_bound(*start)) : part.rbegin();
    for (; it != part.rend(); ++it) {
      if (!visit(it->first, it->second)) return;
    }
  }
};

}  // namespace dn::inbox::testing
