// The deterministic simulator: plays a scenario against a target, one
// simulated organisation (agent) per organisation of the scenario, on a
// virtual clock, with every random choice drawn from one seeded generator.
//
// Agents behave like Substra backends: they follow the channel's events,
// start the TODO tasks they are the worker of, register the outputs their
// function declares once the drawn duration has passed, then mark the task
// DONE, or FAILED through a failure report when the draw decides so. They only
// use the public API (orc::Api) of the target.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/api.h"
#include "core/clock.h"
#include "core/test_faults.h"
#include "sim/scenario.h"

namespace orc::sim {

// Clock of the simulated world, set by the simulator before each action.
// Injected into in-process targets so that their timestamps are virtual too.
class VirtualClock final : public Clock {
 public:
  Micros Now() override { return now_; }
  void Set(Micros now) { now_ = now; }

 private:
  Micros now_ = 0;
};

// Virtual time 0 of every run, as a Unix time in microseconds
// (2023-10-18T00:00:00Z, the release date of Substra orchestrator 0.37.0).
inline constexpr Micros kVirtualEpoch = 1'697'587'200'000'000;

// One performance of the run.
struct PerformanceRow {
  int round = 0;
  std::string organization;
  std::string function;
  std::string identifier;
  std::string task_label;
  double value = 0;
};

struct RunResult {
  std::string plan_status;  // "done", "failed", "canceled" or "running"
  std::map<std::string, int> tasks_by_status;  // "done" -> 12, ...
  int task_count = 0;
  bool plan_running = false;
  std::vector<PerformanceRow> performances;  // by round, then organisation
  std::uint64_t events = 0;
  std::uint64_t api_calls = 0;
  std::uint64_t failed_calls = 0;  // calls that returned an error
  // Time of the last action, or the limit when the run was stopped by it.
  Micros virtual_duration = 0;
  // Why the run stopped before every agent was idle, or empty when it ran to
  // the end: the scenario's max_virtual_seconds, or the bound on the number
  // of simulated actions (100 million).
  std::string stop_reason;
  std::string trace_hash;          // 16 hex digits
  std::vector<std::string> unmet_expectations;  // empty when all are met
  // Invariant violations (RunOptions::check_invariants), empty when none;
  // the run stops at the first action that breaks an invariant.
  std::vector<std::string> violations;
  // API calls made up to the violation, 0 when there is none.
  std::uint64_t api_calls_at_violation = 0;
  std::uint64_t faults_injected = 0;  // by the scenario's `faults`
  // Reads of the invariant checker that failed with OE0900 and were sent
  // again. The trace does not list the checker's reads.
  std::uint64_t checker_retried_reads = 0;
};

struct RunOptions {
  // Overrides the scenario's seed when set.
  std::optional<std::uint64_t> seed;
  // Receives each trace line (no trailing newline), when set.
  std::function<void(const std::string&)> trace_sink;
  // Called after each action with the number of finished tasks (DONE,
  // FAILED or CANCELED), the number of tasks and the virtual time.
  std::function<void(int finished, int total, Micros now)> progress;
  // RunInMemory only: keep the in-process store allocated after the run
  // instead of freeing it. For programs that exit right after a run:
  // freeing a large run's records one by one takes about a quarter of the
  // run's time, and the process exit frees them at once.
  bool keep_store_after_run = false;
  // Check the invariants of sim/invariants.h through the API after every
  // action, and at the end of the run.
  bool check_invariants = false;
  // RunInMemory only. TEST ONLY: deliberate core bugs (core/test_faults.h).
  TestFaults test_faults{};
  // Re-creates the server and returns the new target, for the
  // server_restart fault. RunInMemory sets it; without it a server restart
  // is a no-op.
  std::function<Api*()> restart_server;
};

// Runs `scenario` against `target`. When `clock` is not null the simulator
// sets it to the virtual time before each call (in-process targets);
// otherwise the target keeps its own time. Returns the outcome, with the
// scenario's expectations checked.
RunResult RunScenario(const Scenario& scenario, Api& target, VirtualClock* clock, const RunOptions& options);

// Runs `scenario` on a new in-process core over a memory store.
RunResult RunInMemory(const Scenario& scenario, const RunOptions& options);

// Plan status names, as used in scenarios and summaries.
std::string StatusName(int compute_task_status);

}  // namespace orc::sim
