// orcsim explore SCENARIO --seeds N: runs N seeds with the invariant checker
// on and reports every seed that breaks an invariant or an expectation.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "sim/commands.h"
#include "sim/fault_runs.h"
#include "sim/scenario.h"

namespace orc::sim {

namespace {

struct ExploreOptions {
  std::string scenario_path;
  std::uint64_t seeds = 100;
  std::uint64_t first_seed = 1;
  bool all_faults = false;
  std::string trace_directory;
  std::string test_fault;
};

int Explore(const ExploreOptions& options) {
  TestFaults test_faults;
  if (!ParseTestFault(options.test_fault, test_faults)) return kExitUnusable;
  Scenario scenario = LoadScenario(options.scenario_path);
  if (options.all_faults) scenario.faults = EveryFault();
  if (!options.trace_directory.empty()) {
    std::error_code code;
    std::filesystem::create_directories(options.trace_directory, code);
    if (code) {
      std::cerr << "orcsim: cannot create trace folder " << options.trace_directory << ": " << code.message() << "\n";
      return kExitUnusable;
    }
  }

  auto start = std::chrono::steady_clock::now();
  std::uint64_t failed = 0;
  std::uint64_t faults = 0;
  std::uint64_t calls = 0;
  for (std::uint64_t i = 0; i < options.seeds; ++i) {
    std::uint64_t seed = options.first_seed + i;
    CheckedRun run = RunChecked(scenario, seed, test_faults);
    faults += run.result.faults_injected;
    calls += run.result.api_calls;
    if (run.result.violations.empty() && run.result.unmet_expectations.empty()) continue;
    ++failed;
    std::cout << "seed " << seed << ": FAILED\n";
    for (const std::string& violation : run.result.violations) std::cout << "  invariant: " << violation << "\n";
    for (const std::string& unmet : run.result.unmet_expectations) std::cout << "  expectation: " << unmet << "\n";
    if (!options.trace_directory.empty()) {
      std::string path = options.trace_directory + "/seed-" + std::to_string(seed) + ".trace";
      std::ofstream(path) << WriteTraceFile(scenario, seed, options.test_fault, run.trace);
      std::cout << "  trace: " << path << " (orcsim replay " << path << ")\n";
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("explored %llu seeds (%llu to %llu) of %s in %.1f s: %llu failed, %llu faults injected, %llu API calls\n",
              static_cast<unsigned long long>(options.seeds), static_cast<unsigned long long>(options.first_seed),
              static_cast<unsigned long long>(options.first_seed + options.seeds - 1), scenario.name.c_str(), seconds,
              static_cast<unsigned long long>(failed), static_cast<unsigned long long>(faults),
              static_cast<unsigned long long>(calls));
  return failed == 0 ? kExitClean : kExitFailures;
}

}  // namespace

void AddTestFaultOption(CLI::App& command, std::string* name) {
  // Hidden: an empty group name keeps it out of --help.
  command.add_option("--test-fault", *name, "TEST ONLY: turn on a deliberate core bug")->group("");
}

bool ParseTestFault(const std::string& name, TestFaults& faults) {
  if (name.empty() || EnableTestFault(faults, name)) return true;
  std::cerr << "orcsim: unknown --test-fault \"" << name << "\" (known: promote_on_any_parent_done)\n";
  return false;
}

void AddExploreCommand(CLI::App& app, CommandAction* action) {
  auto options = std::make_shared<ExploreOptions>();
  CLI::App* command = app.add_subcommand("explore", "Run many seeds with the invariant checker and report failures");
  command->add_option("scenario", options->scenario_path, "Scenario file (YAML)")->required();
  command->add_option("--seeds", options->seeds, "Number of seeds to run (default 100)")->check(CLI::PositiveNumber);
  command->add_option("--first-seed", options->first_seed, "First seed (default 1)");
  command->add_flag("--all-faults", options->all_faults,
                    "Replace the scenario's faults by every fault at its default rate");
  command->add_option("--traces", options->trace_directory, "Write the trace of each failing seed into this folder");
  AddTestFaultOption(*command, &options->test_fault);
  command->callback([options, action] { *action = [options] { return Explore(*options); }; });
}

}  // namespace orc::sim
