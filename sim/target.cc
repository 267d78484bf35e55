#include "sim/target.h"

#include <memory>

#include "core/error.h"
#include "core/orchestrator.h"
#include "core/persistence/postgres/postgres_store.h"

namespace orc::sim {

namespace {

bool IsPostgresUrl(const std::string& target) {
  return target.starts_with("postgres://") || target.starts_with("postgresql://");
}

RunResult RunOnPostgres(const Scenario& scenario, const RunOptions& options, const TargetOptions& target) {
  std::unique_ptr<persistence::PostgresStore> store;
  try {
    store = std::make_unique<persistence::PostgresStore>(target.target);
    if (target.reset_database) {
      store->ResetDatabase();
    } else if (store->HasChannelData(scenario.channel)) {
      throw TargetError("the database already contains data of channel \"" + scenario.channel +
                        "\"; pass --reset-database to delete the rows of orc's tables (every channel) first");
    }
  } catch (const OrcError& error) {
    throw TargetError(error.what());
  }
  VirtualClock clock;
  Orchestrator orchestrator(*store, clock);
  return RunScenario(scenario, orchestrator, &clock, options);
}

}  // namespace

RunResult RunOnTarget(const Scenario& scenario, const RunOptions& options, const TargetOptions& target) {
  if (target.target.empty() || target.target == "memory") {
    if (target.reset_database) throw TargetError("--reset-database needs a postgres:// --target");
    return RunInMemory(scenario, options);
  }
  if (IsPostgresUrl(target.target)) return RunOnPostgres(scenario, options, target);
  throw TargetError("invalid --target \"" + target.target +
                    "\": expected \"memory\" or a postgres:// or postgresql:// URL");
}

}  // namespace orc::sim
