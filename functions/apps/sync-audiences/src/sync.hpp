// The pass that brings DynamoDB's audience members and profiles up to date with PostgreSQL's
// users: batches of users in user-id order (COLLATE "C"), each merged with what is published,
// diffed (dn/core/audience.hpp), written to DynamoDB and only then recorded in PostgreSQL with
// the cursor, so a failed batch is redone from the same cursor and rewrites the same items.
// One pass at a time (an advisory lock); a trigger that finds it taken asks for another pass.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dn/aws/result.hpp"
#include "dn/core/audience.hpp"

namespace dn::sync_audiences {

using Clock = std::chrono::system_clock;
namespace audience = dn::core::audience;

struct SyncState {
  std::optional<std::string> cursor{};  // the last user id done; nullopt: no pass in progress
  std::int64_t requested = 0;           // triggers so far
  std::int64_t started = 0;             // `requested` when the current (or last) pass began
};

// PostgreSQL: one session (dn_audience_sync, dn_audience_published, the users table).
class Store {
 public:
  virtual ~Store() = default;
  virtual bool alive() = 0;
  // requested + 1, committed at once (before the lock is tried, see Handler).
  virtual void request_pass() = 0;
  // The session's advisory lock: true when this session now holds it.
  virtual bool try_lock() = 0;
  virtual void unlock() = 0;
  virtual SyncState state() = 0;
  // cursor = '' and started = `requested`.
  virtual void start_pass(std::int64_t requested) = 0;
  // Up to `limit` users with an id after `after`, in byte order, each with its desired segments.
  virtual std::vector<audience::Audience> users_after(const std::string& after,
                                                      std::size_t limit) = 0;
  virtual std::vector<audience::Audience> published_after(const std::string& after,
                                                          std::size_t limit) = 0;
  // One transaction: the diff's published rows upserted and removed, and the cursor moved to
  // `cursor` (nullopt: the pass is complete).
  virtual void commit_batch(const audience::Diff& diff,
                            const std::optional<std::string>& cursor) = 0;
};

// DynamoDB: applies operations in their order (every delete before the puts after it).
class Writer {
 public:
  virtual ~Writer() = default;
  virtual aws::Result<void> write(const std::vector<audience::Op>& ops) = 0;
};

// The function's own queue: {"reason":"continue"}.
class Queue {
 public:
  virtual ~Queue() = default;
  virtual aws::Result<void> send_continue() = 0;
};

struct Options {
  std::size_t batch_size = 1000;
  // With less than this left before the deadline, after at least one batch, the rest of the pass
  // is handed to a continuation message.
  std::chrono::milliseconds continue_margin{30000};
};

class Handler {
 public:
  using Connect = std::function<std::unique_ptr<Store>()>;
  using Now = std::function<Clock::time_point()>;

  Handler(
      Connect connect, Writer& writer, Queue& queue, Options options = {},
      Now now = [] { return Clock::now(); })
      : connect_(std::move(connect)),
        writer_(&writer),
        queue_(&queue),
        options_(options),
        now_(std::move(now)) {}

  // An SQS event: every message means "bring DynamoDB up to date" ({"reason":"continue"} carries
  // on the pass without asking for a new one). Returns {"batchItemFailures": [...]}: every
  // message when the work failed, none otherwise. Throws std::invalid_argument for a non-SQS event.
  nlohmann::json handle(const nlohmann::json& event, Clock::time_point deadline);

 private:
  enum class Outcome : std::uint8_t { up_to_date, continued };
  struct Counts {
    std::size_t written = 0;
    std::size_t removed = 0;
    std::size_t completed = 0;
    std::size_t batches = 0;
  };

  Store& store();
  void run(bool request, Clock::time_point deadline, Counts& counts);
  Outcome run_locked(Store& db, Clock::time_point deadline, Counts& counts);
  std::optional<std::string> run_batch(Store& db, const std::string& cursor, Counts& counts);

  Connect connect_;
  std::unique_ptr<Store> store_;
  Writer* writer_;
  Queue* queue_;
  Options options_;
  Now now_;
};

}  // namespace dn::sync_audiences
