// The wall clock the server gives the core.
#pragma once

#include <atomic>
#include <chrono>

#include "core/clock.h"

namespace orc::server {

// System time in microseconds that never goes backwards: when the system
// clock steps back, the last value is returned until it catches up, so that
// transaction times never decrease. Safe to call from many threads.
class SystemClock final : public Clock {
 public:
  Micros Now() override {
    auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    Micros last = last_.load(std::memory_order_relaxed);
    while (now > last && !last_.compare_exchange_weak(last, now, std::memory_order_relaxed)) {
    }
    return now > last ? now : last;
  }

 private:
  std::atomic<Micros> last_{0};
};

}  // namespace orc::server
