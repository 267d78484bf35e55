// A Store on PostgreSQL, through libpqxx.
//
// Records are stored as serialised protobuf messages (bytea) beside copies of
// the fields that queries filter or sort on, in tables named orc_* inside one
// schema of the database. Every query of the Transaction interface is one SQL
// statement with LIMIT/OFFSET where it pages; nothing loads a whole table.
// The schema is created and upgraded at construction by the numbered
// migrations of schema.cc, recorded in orc_schema_migrations.
//
// Transactions follow Substra orchestrator 0.37.0: a read-write transaction
// runs at SERIALIZABLE isolation. 0.37.0 runs read-only requests in READ
// ONLY transactions at READ COMMITTED; here each of their statements runs on
// its own, which gives the same visibility with two round trips fewer, and
// the store rejects their writes itself. A serialization failure (SQLSTATE
// 40001) or a deadlock (40P01) is thrown as TransactionConflict.
// Orchestrator then calls WaitBeforeRetry(), which sleeps with exponential
// backoff and jitter, and reruns the request until `max_attempts` attempts
// have failed.
//
// Event positions are global, gap-free and follow commit order. A writer
// keeps its events in memory and inserts them in one statement at COMMIT (or
// before it reads events), together with an update of the single row of
// orc_event_counter that locks that row until the transaction ends. With
// WriterLocking::kAtBegin (the default) every read-write transaction also
// locks the counter table when it begins, before its snapshot, so writers run
// one at a time and seldom abort each other.
// NOTE: seldom, not never: PostgreSQL releases the lock of a committing
// writer slightly before its serializable bookkeeping ends, so the next
// writer can still get a serialization failure (seen under AddressSanitizer,
// where everything is slower). With kAtEventInsert, writers run
// concurrently and a writer whose snapshot predates another writer's commit
// fails with a serialization failure and is retried.
//
// Threads: the store is thread-safe. Each transaction uses its own pooled
// connection from Begin() until it is destroyed. A thread that holds a
// read-write transaction must not begin another one, because with kAtBegin
// the second waits forever for the first one's lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/persistence/store.h"

namespace orc::persistence {

enum class WriterLocking {
  // Each read-write transaction locks the event counter as it begins.
  kAtBegin,
  // A read-write transaction locks the event counter when it inserts its
  // events.
  kAtEventInsert,
};

struct PostgresStoreOptions {
  // Schema that contains orc's tables, created if absent.
  std::string schema = "public";
  // Connections the pool opens at most. Begin() waits while all are in use.
  int max_connections = 8;
  // Attempts of one request, the first included, before WaitBeforeRetry()
  // gives up.
  int max_attempts = 10;
  // Wait before the second attempt. Each later wait doubles, up to
  // `max_backoff`, and every wait is drawn between half and all of that.
  std::chrono::microseconds initial_backoff{1000};
  std::chrono::microseconds max_backoff{50000};
  WriterLocking writer_locking = WriterLocking::kAtBegin;
};

namespace postgres_internal {
class ConnectionPool;
}

class EventListener;

class PostgresStore final : public Store {
 public:
  // Connects to `url` (a libpq connection string or a postgres:// URL) and
  // applies pending migrations. Throws OrcError(kUnavailable) when the
  // database cannot be reached and OrcError(kInternal) when its schema is
  // newer than this build.
  explicit PostgresStore(const std::string& url, PostgresStoreOptions options = {});
  ~PostgresStore() override;

  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // Opens a database transaction on a pooled connection, waiting for a free
  // connection when all `max_connections` are in use.
  std::unique_ptr<Transaction> Begin(std::string_view channel, TransactionMode mode, Micros time) override;

  // Sleeps for the backoff of `failed_attempts` and returns true, or returns
  // false at once when `max_attempts` attempts have failed.
  bool WaitBeforeRetry(int failed_attempts) override;

  // Version of the newest migration applied to the schema.
  int SchemaVersion();

  // True when any of orc's tables contains a row of `channel`.
  bool HasChannelData(std::string_view channel);

  // Deletes every row of orc's tables, in every channel, and restarts event
  // positions at 1. The schema and its migrations stay.
  void ResetDatabase();

  // Opens a listener on its own connection (not one of the pool), for a
  // client that follows events as they are committed.
  std::unique_ptr<EventListener> ListenForEvents();

  const PostgresStoreOptions& options() const { return options_; }

 private:
  std::string url_;
  PostgresStoreOptions options_;
  std::unique_ptr<postgres_internal::ConnectionPool> pool_;
};

// Wakes a reader when events are committed. Each commit that adds events
// sends a PostgreSQL notification; the listener receives them on its own
// connection, which it subscribes (LISTEN) before its first wait.
//
// Typical use, for a subscriber that has sent every event up to position P:
//   read and send the events after P (Api::ReadEvents), then
//   WaitForEvents(channel, P, timeout), and repeat.
// Open the listener before the first read: every commit after that sends it
// a notification, and WaitForEvents() checks the table before it waits, so
// no event is missed between a read and a wait.
//
// A listener is used by one thread at a time.
class EventListener {
 public:
  virtual ~EventListener() = default;

  // Returns true as soon as `channel` contains a committed event with a position
  // above `after_position`, or false once `timeout` has passed without one.
  // Throws OrcError(kUnavailable) when the connection is lost.
  virtual bool WaitForEvents(std::string_view channel, std::uint64_t after_position,
                             std::chrono::milliseconds timeout) = 0;
};

}  // namespace orc::persistence
