// orcsim replay TRACE: plays again the run a trace file describes (seed, test
// fault and embedded scenario) and compares the new trace with the file.
#include <algorithm>
#include <iostream>
#include <memory>

#include "sim/commands.h"
#include "sim/fault_runs.h"
#include "sim/scenario.h"

namespace orc::sim {

namespace {

int Replay(const std::string& trace_path) {
  TraceFile trace = ReadTraceFile(trace_path);
  TestFaults test_faults;
  if (!ParseTestFault(trace.test_fault, test_faults)) return kExitUnusable;
  Scenario scenario = ParseScenario(trace.scenario_text, trace_path + " (embedded scenario)");
  CheckedRun run = RunChecked(scenario, trace.seed, test_faults);

  std::size_t common = std::min(run.trace.size(), trace.lines.size());
  std::size_t first_difference = common;
  for (std::size_t i = 0; i < common; ++i) {
    if (run.trace[i] != trace.lines[i]) {
      first_difference = i;
      break;
    }
  }
  bool identical = first_difference == common && run.trace.size() == trace.lines.size();
  if (identical) {
    std::cout << "replayed " << trace.lines.size() << " trace lines of seed " << trace.seed << ": identical\n";
  } else {
    std::cout << "replay of seed " << trace.seed << " diverges at trace line " << first_difference + 1 << "\n"
              << "  file:   " << (first_difference < trace.lines.size() ? trace.lines[first_difference] : "(end)")
              << "\n  replay: " << (first_difference < run.trace.size() ? run.trace[first_difference] : "(end)")
              << "\n";
  }
  for (const std::string& violation : run.result.violations) std::cout << "invariant: " << violation << "\n";
  if (!identical) return kExitDiverged;
  return run.result.violations.empty() ? kExitClean : kExitFailures;
}

}  // namespace

void AddReplayCommand(CLI::App& app, CommandAction* action) {
  auto trace_path = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand("replay", "Play a trace file's run again and compare the traces");
  command->add_option("trace", *trace_path, "Trace file written by orcsim explore --traces")->required();
  command->callback([trace_path, action] { *action = [trace_path] { return Replay(*trace_path); }; });
}

}  // namespace orc::sim
