// The clock the core reads transaction times from. The core never reads the
// system time itself: servers inject a wall clock, the simulator and the tests
// a virtual one, so that runs can be replayed exactly.
#pragma once

#include <cstdint>

namespace orc {

// Microseconds since the Unix epoch. Microseconds are the resolution of every
// timestamp the API returns, so a write's response equals a later read.
using Micros = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the time of a new transaction. Called once per request attempt.
  virtual Micros Now() = 0;
};

// A clock that moves only when the caller sets or advances it. Each Now() returns the current value
// and then advances it by `step` (0 keeps it fixed).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start = 1'700'000'000'000'000, Micros step = 0)
      : now_(start), step_(step) {}

  Micros Now() override {
    Micros value = now_;
    now_ += step_;
    return value;
  }
  void Set(Micros value) { now_ = value; }
  void Advance(Micros delta) { now_ += delta; }
  Micros Peek() const { return now_; }

 private:
  Micros now_;
  Micros step_;
};

}  // namespace orc
