// Targets of `orcsim run`: the in-process core on a memory store (the
// default) or on a PostgreSQL store.
#pragma once

#include <stdexcept>
#include <string>

#include "sim/scenario.h"
#include "sim/simulator.h"

namespace orc::sim {

struct TargetOptions {
  // Empty or "memory" for the memory store; a postgres:// or postgresql://
  // URL for a PostgreSQL store in that database's public schema.
  std::string target;
  // PostgreSQL only: delete the rows of orc's tables (every channel) before
  // the run. Without it, a database that already contains data of the
  // scenario's channel is rejected, because the run's requests would
  // conflict with it and its trace would differ.
  bool reset_database = false;
};

// A target that cannot be used: unknown kind, unreachable database, or a
// database with data of the scenario's channel.
class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Plays `scenario` on the in-process core over the target's store. The trace
// is the same as on the memory store for the same seed.
RunResult RunOnTarget(const Scenario& scenario, const RunOptions& options, const TargetOptions& target);

}  // namespace orc::sim
