// Runs with the invariant checker on, as `orcsim explore`, `shrink` and
// `replay` use them: the rates of "every fault", trace files that hold
// enough to replay a run, and the shrinker that reduces a failing scenario.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/test_faults.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

namespace orc::sim {

// Every fault of FaultSpec at the rates `orcsim explore --all-faults` uses.
FaultSpec EveryFault();

// One run on the in-process core with the invariant checker on.
struct CheckedRun {
  RunResult result;
  std::vector<std::string> trace;  // every trace line
};
CheckedRun RunChecked(const Scenario& scenario, std::uint64_t seed, const TestFaults& test_faults);

// A trace file: a header with the seed, the test fault and the whole
// scenario, then the trace lines.
//
//   # orcsim trace 1
//   # seed: 42
//   # test-fault: promote_on_any_parent_done    (only when one is on)
//   #| name: "mnist-fedavg"                     (the scenario, one line each)
//   0.000000 MyOrg1MSP RegisterOrganization MyOrg1MSP OK
struct TraceFile {
  std::uint64_t seed = 0;
  std::string test_fault;  // empty when none
  std::string scenario_text;
  std::vector<std::string> lines;
};

std::string WriteTraceFile(const Scenario& scenario, std::uint64_t seed, const std::string& test_fault,
                           const std::vector<std::string>& lines);
// Throws ScenarioError naming the file and line when it is not a trace file.
TraceFile ReadTraceFile(const std::string& path);

// Outcome of a shrink.
struct ShrinkResult {
  Scenario scenario;  // explicit task graph, expectations removed
  RunResult run;      // its failing run
  int runs = 0;       // runs tried
};

// Reduces a scenario whose run at `seed` breaks an invariant. It turns the
// plan into an explicit task graph, then greedily turns faults and failures
// off and removes tasks (with the tasks that need them), organisations,
// functions and samples. It keeps each change only while the run still
// breaks an invariant. Returns nullopt when the first run breaks none.
// `log` receives one line per kept change.
std::optional<ShrinkResult> Shrink(const Scenario& scenario, std::uint64_t seed, const TestFaults& test_faults,
                                   const std::function<void(const std::string&)>& log);

}  // namespace orc::sim
