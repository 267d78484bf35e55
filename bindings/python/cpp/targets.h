// Targets: where the API calls of a Python ledger go, chosen by a target
// string. "memory" is an in-process core over a new memory store. Other
// kinds (a gRPC server, a PostgreSQL store) join by adding a scheme to
// TargetSchemes() in targets.cc; the Python side does not change.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/api.h"
#include "core/clock.h"
#include "sim/simulator.h"

namespace orc::python {

// The clock of an in-process core. It reads the system time, or a manual
// time that only moves when set, or, during a scenario run, the run's
// virtual clock.
class LedgerClock final : public Clock {
 public:
  Micros Now() override;

  bool manual() const { return manual_; }
  // Switches to manual time at `now` (microseconds since the Unix epoch).
  void SetManual(Micros now);
  // Moves manual time by `delta` microseconds. Precondition: manual().
  void Advance(Micros delta) { manual_now_ += delta; }
  // Reads `clock` instead until called again with null.
  void UseVirtual(sim::VirtualClock* clock) { virtual_ = clock; }

 private:
  bool manual_ = false;
  Micros manual_now_ = 0;
  sim::VirtualClock* virtual_ = nullptr;
};

// An opened target.
class Target {
 public:
  virtual ~Target() = default;
  virtual Api& api() = 0;
  // The clock of an in-process core, or null when the target keeps its own
  // time (a remote server).
  virtual LedgerClock* clock() = 0;
  // The target string it was opened from.
  virtual const std::string& name() const = 0;
};

struct TargetOptions {
  // "system" or "manual" (in-process targets only).
  std::string clock = "system";
};

struct TargetScheme {
  // "memory" matches the whole string; a prefix ending in "://" matches
  // every target that starts with it.
  std::string pattern;
  std::function<std::unique_ptr<Target>(const std::string& target, const TargetOptions& options)> open;
};

// The schemes this build can open.
const std::vector<TargetScheme>& TargetSchemes();

// Opens `target`. Throws std::invalid_argument naming the target and the
// supported schemes when no scheme matches, or naming the option when the
// options do not fit the target.
std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options);

}  // namespace orc::python
