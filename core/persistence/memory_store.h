// An in-memory Store for tests, the simulator and single-process servers.
//
// Channels are isolated: each has its own records and indexes, so one key may
// exist in two channels. Event positions come from one counter shared by all
// channels and are assigned when an event is added.
//
// Locking: one reader-writer lock guards the whole store. A read-only
// transaction holds it shared and a read-write transaction holds it
// exclusively, each from Begin() until the transaction is destroyed. Because
// only one writer runs at a time, event positions stay gap-free and follow
// commit order. Commit() keeps the lock, so other transactions see the writes
// once the committed transaction is destroyed.
//
// A read-write transaction applies each write in place and records how to undo
// it. Destroying it without Commit() replays that undo log in reverse, which
// restores every record, index, event and the position counter. A read-only
// transaction rejects every write with OrcError(kInternal). Writes that break
// a contract of store.h also fail with OrcError(kInternal), before anything
// changes: adding a key that is already stored, updating an absent record,
// changing a field that the store indexes, or removing a data manager key
// from a sample.
//
// A transaction must not outlive its store. A thread that holds a transaction
// must not begin another one: std::shared_mutex does not allow a thread to
// lock it twice, and the second Begin() can block forever.
#pragma once

#include <memory>
#include <string_view>

#include "core/clock.h"
#include "core/persistence/store.h"

namespace orc::persistence {

namespace memory_store_internal {
struct StoreState;
}  // namespace memory_store_internal

class MemoryStore final : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;

  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // Opens a transaction, blocking until the lock is available in the mode's
  // kind (shared for kReadOnly, exclusive for kReadWrite).
  std::unique_ptr<Transaction> Begin(std::string_view channel, TransactionMode mode,
                                     Micros time) override;

 private:
  std::unique_ptr<memory_store_internal::StoreState> state_;
};

}  // namespace orc::persistence
