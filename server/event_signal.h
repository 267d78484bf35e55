// Wakes event subscriptions when new events may have been committed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace orc::server {

// A generation counter with a condition variable. A subscriber reads the
// generation, reads the store, and when it has caught up waits for the
// generation to change: a commit between the read and the wait changes the
// generation, so no wake-up is lost.
class EventSignal {
 public:
  std::uint64_t Generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  // Announces that events may have been committed.
  void Notify() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    changed_.notify_all();
  }

  // Waits until the generation differs from `seen` or `timeout` passes.
  // Returns true when it changed.
  bool WaitChanged(std::uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return generation_ != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;
};

}  // namespace orc::server
