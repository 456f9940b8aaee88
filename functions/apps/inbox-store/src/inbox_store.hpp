// The inbox's ports, in domain terms, and their DynamoDB adapter. Records live in the user's
// partition (USER#<userId> / INBOX#<date>#<notificationId>) and carry their state and the key of
// the `state` index (core/inbox_state.hpp), which lists the records that are not archived by read
// state. So a list page and the unread count are one Query each, and a state change is one
// conditional UpdateItem (docs/DATA_MODEL.md, "Inbox state").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/result.hpp"
#include "dn/core/api.hpp"
#include "dn/core/inbox_state.hpp"

namespace dn::inbox {

// When: the state timestamps are written as text, expiry is compared in epoch seconds.
struct Now {
  std::string text;  // YYYY-MM-DDTHH:MM:SSZ
  std::int64_t epoch = 0;
};

struct Page {
  std::vector<core::InboxEntry> records{};
  std::optional<std::string> next_sk{};  // where the next page starts; nullopt at the end
};

struct Tally {
  long long counted = 0;  // unread records found among those looked at
  bool more = false;      // the store stopped before the end
};

// What get-notifications reads. Records whose expiresAt has passed are never returned (TTL
// deletes lazily).
class Reader {
 public:
  virtual ~Reader() = default;
  // One page of `filter`, newest first, after `start_sk` when given.
  virtual aws::Result<Page> list(const std::string& user_id, core::InboxFilter filter, int limit,
                                 const std::optional<std::string>& start_sk, const Now& now) = 0;
  // Unread records, looking at no more than `up_to`.
  virtual aws::Result<Tally> count_unread(const std::string& user_id, int up_to,
                                          const Now& now) = 0;
  // Does USER#<userId>/PROFILE exist? (Tells an unknown user from an empty inbox.)
  virtual aws::Result<bool> user_exists(const std::string& user_id) = 0;
};

struct Applied {
  enum class Kind { applied, not_found, conflict };
  Kind kind = Kind::applied;
  core::InboxState state{};  // applied: the state after the change
  bool changed = false;      // applied: false when it already was in that state
  std::string reason{};      // conflict: why
};

struct UnreadKeys {
  std::vector<std::string> sks{};        // sort keys of unread records, newest first
  std::optional<std::string> next_sk{};  // nullopt when no unread record follows
};

// What update-notifications changes.
class StateWriter {
 public:
  virtual ~StateWriter() = default;
  // Applies `change` to one record (core::apply_change's rule) with one conditional write.
  virtual aws::Result<Applied> apply(const std::string& user_id, const core::RecordRef& record,
                                     core::StateChange change, const Now& now) = 0;
  // A page of the user's unread records, after `start_sk` when given.
  virtual aws::Result<UnreadKeys> unread_page(const std::string& user_id, int limit,
                                              const std::optional<std::string>& start_sk,
                                              const Now& now) = 0;
  // Marks the records read that are still unread; returns how many this call changed.
  virtual aws::Result<long long> mark_read(const std::string& user_id,
                                           const std::vector<std::string>& sks, const Now& now) = 0;
  virtual aws::Result<bool> user_exists(const std::string& user_id) = 0;
};

class DynamoInbox final : public Reader, public StateWriter {
 public:
  DynamoInbox(aws::Client& client, std::string table)
      : client_(&client), db_(client), table_(std::move(table)) {}

  aws::Result<Page> list(const std::string& user_id, core::InboxFilter filter, int limit,
                         const std::optional<std::string>& start_sk, const Now& now) override;
  aws::Result<Tally> count_unread(const std::string& user_id, int up_to, const Now& now) override;
  aws::Result<bool> user_exists(const std::string& user_id) override;

  aws::Result<Applied> apply(const std::string& user_id, const core::RecordRef& record,
                             core::StateChange change, const Now& now) override;
  aws::Result<UnreadKeys> unread_page(const std::string& user_id, int limit,
                                      const std::optional<std::string>& start_sk,
                                      const Now& now) override;
  aws::Result<long long> mark_read(const std::string& user_id, const std::vector<std::string>& sks,
                                   const Now& now) override;

 private:
  aws::Client* client_;
  aws::DynamoDb db_;
  std::string table_;
};

// The state an inbox item carries (readAt, archivedAt), from its AttributeValue form.
core::InboxState state_of(const nlohmann::json& item);
// An inbox item as the API shows it, or nullopt when its sort key is not an inbox key.
std::optional<core::InboxEntry> record_of(const nlohmann::json& item);

}  // namespace dn::inbox
