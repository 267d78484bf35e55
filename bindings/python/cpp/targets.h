// Targets: where the API calls of a Python ledger go, chosen by a target
// string and opened by orc::sim::OpenTarget, as orcsim opens them:
//   memory              an in-process core over a new memory store
//   postgres://... or
//   postgresql://...    an in-process core over a PostgreSQL database
//   grpc://HOST:PORT    a server speaking the orchestrator gRPC API
// In-process cores read a LedgerClock, so that Python can use the system
// time or set the time by hand.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/api.h"
#include "core/clock.h"
#include "sim/simulator.h"
#include "sim/target.h"

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

struct TargetOptions {
  // "system" or "manual". A grpc:// server keeps its own time, so only
  // "system" (the default) is accepted there.
  std::string clock = "system";
  // grpc:// targets: TLS settings, see orc::client::ClientOptions.
  std::string tls_ca;
  std::string tls_client_dir;
  std::string tls_server_name;
  // PostgreSQL targets: delete the rows of orc's tables (every channel) when
  // opening.
  bool reset_database = false;
};

// A target string form this build opens.
struct TargetScheme {
  // "memory" matches the whole string; a prefix ending in "://" matches
  // every target that starts with it.
  std::string pattern;
  // True for a server that keeps its own time and state.
  bool remote;
};

// The schemes this build can open.
const std::vector<TargetScheme>& TargetSchemes();

// An opened target.
class Target {
 public:
  Target(std::unique_ptr<LedgerClock> clock, const TargetOptions& options, const std::string& target);

  Api& api() { return opened_->api(); }
  // The clock of an in-process core, or null when the target keeps its own
  // time (a remote server).
  LedgerClock* clock() { return clock_.get(); }
  // The target string it was opened from.
  const std::string& name() const { return opened_->name(); }
  // True when calls wait on a database or a network, so that callers
  // release the GIL around them.
  bool blocking() const { return opened_->shared(); }
  // Checks that a scenario run may use `channel`: on PostgreSQL, that the
  // channel has no data yet. Throws sim::TargetError when it may not.
  void PrepareChannel(const std::string& channel) { opened_->PrepareChannel(channel); }

 private:
  // Declared first so that it outlives the core that reads it.
  std::unique_ptr<LedgerClock> clock_;
  std::unique_ptr<sim::Target> opened_;
};

// Opens `target` for a ledger whose default channel is `channel`. Throws
// std::invalid_argument naming the target and the supported schemes when no
// scheme matches, or naming the option when the options do not fit the
// target, and sim::TargetError when the target cannot be opened.
std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options,
                                   const std::string& channel);

}  // namespace orc::python
