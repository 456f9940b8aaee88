// manage-notifications' one port, the authored definitions and what a day holds, and its DynamoDB
// adapter. Items (docs/DATA_MODEL.md): DEFINITION / NOTIF#<id> (the definition, with a "version"
// for optimistic concurrency), DAY#<date> / NOTIF#<id> (the day's copies, written by find-daily)
// and DAY#<date> / FROZEN (the day has run: its copies can no longer change).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dn/aws/client.hpp"
#include "dn/aws/dynamodb.hpp"
#include "dn/aws/result.hpp"

namespace dn::manage_notifications {

// A stored definition, as written and read (schedule: core::schedule_text's canonical JSON).
struct DefinitionRecord {
  std::string id, title, body, segment, schedule;
  std::string created_at, updated_at;        // YYYY-MM-DDTHH:MM:SSZ
  std::int64_t version = 0;                  // 1, 2, ... (set by the store on a put: expected + 1)
  std::optional<std::int64_t> expires_at{};  // epoch seconds (table TTL)
};

// One DAY#<date> / NOTIF#<id> item.
struct DayCopy {
  std::string id, title, body, segment;
  std::optional<std::int64_t> definition_version{};  // absent on a seeded item
};

enum class PutOutcome {
  written,
  version_changed,  // the stored version is no longer `expected`: read again
  day_frozen,       // the one date's FROZEN marker exists (the transaction was cancelled by it)
};

class DefinitionStore {
 public:
  virtual ~DefinitionStore() = default;

  // The definition (strongly consistent), nullopt when there is none; an unreadable one has only
  // its id and version.
  virtual aws::Result<std::optional<DefinitionRecord>> get(const std::string& id) = 0;
  // Writes `record` with version expected + 1 if the stored version is still `expected` (0: no
  // definition), only while `date` has no FROZEN marker: one transaction.
  virtual aws::Result<PutOutcome> put_one_date(const DefinitionRecord& record,
                                               std::int64_t expected, const std::string& date) = 0;
  // The same for a rule: no day to check.
  virtual aws::Result<PutOutcome> put_rule(const DefinitionRecord& record,
                                           std::int64_t expected) = 0;
  // Deletes the definition; false when there was none.
  virtual aws::Result<bool> remove(const std::string& id) = 0;
  // Every definition (all pages, strongly consistent); `unreadable` counts items skipped.
  virtual aws::Result<std::vector<DefinitionRecord>> list(std::size_t* unreadable) = 0;
  // The NOTIF# items of DAY#<date> (copies and seeded items).
  virtual aws::Result<std::vector<DayCopy>> day_copies(const std::string& date) = 0;
  // Whether DAY#<date> / FROZEN exists (strongly consistent).
  virtual aws::Result<bool> is_frozen(const std::string& date) = 0;
};

// The items' wire forms: nullopt for an item missing a required string attribute.
nlohmann::json definition_item(const DefinitionRecord& record);
std::optional<DefinitionRecord> definition_of(const nlohmann::json& item);
std::optional<DayCopy> day_copy_of(const nlohmann::json& item);

class DynamoDefinitions final : public DefinitionStore {
 public:
  DynamoDefinitions(aws::Client& client, std::string table)
      : db_(client), table_(std::move(table)) {}

  aws::Result<std::optional<DefinitionRecord>> get(const std::string& id) override;
  aws::Result<PutOutcome> put_one_date(const DefinitionRecord& record, std::int64_t expected,
                                       const std::string& date) override;
  aws::Result<PutOutcome> put_rule(const DefinitionRecord& record, std::int64_t expected) override;
  aws::Result<bool> remove(const std::string& id) override;
  aws::Result<std::vector<DefinitionRecord>> list(std::size_t* unreadable) override;
  aws::Result<std::vector<DayCopy>> day_copies(const std::string& date) override;
  aws::Result<bool> is_frozen(const std::string& date) override;

 private:
  aws::DynamoDb db_;
  std::string table_;
};

}  // namespace dn::manage_notifications
