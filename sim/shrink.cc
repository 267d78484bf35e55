// orcsim shrink SCENARIO --seed S: reduces a run that breaks an invariant to
// a small explicit scenario that still breaks it, and writes that scenario
// as a regression file.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "sim/commands.h"
#include "sim/fault_runs.h"
#include "sim/scenario.h"
#include "sim/scenario_writer.h"

namespace orc::sim {

namespace {

struct ShrinkOptions {
  std::string scenario_path;
  std::uint64_t seed = 0;
  std::string output_path;
  bool all_faults = false;
  std::string test_fault;
};

int ShrinkCommand(const ShrinkOptions& options) {
  TestFaults test_faults;
  if (!ParseTestFault(options.test_fault, test_faults)) return kExitUnusable;
  Scenario scenario = LoadScenario(options.scenario_path);
  if (options.all_faults) scenario.faults = EveryFault();
  std::string output = options.output_path;
  if (output.empty()) {
    output = std::filesystem::path(options.scenario_path).stem().string() + "-seed" + std::to_string(options.seed) +
             "-shrunk.yaml";
  }

  auto result = Shrink(scenario, options.seed, test_faults, [](const std::string& line) { std::cout << "  " << line << "\n"; });
  if (!result) {
    std::cout << "seed " << options.seed << " of " << options.scenario_path << " breaks no invariant: nothing to shrink\n";
    return kExitFailures;
  }
  Scenario& shrunk = result->scenario;
  shrunk.name = scenario.name + "-shrunk";
  shrunk.seed = options.seed;
  std::string comment = "Written by orcsim shrink from " + options.scenario_path + ", seed " +
                        std::to_string(options.seed) +
                        (options.test_fault.empty() ? "" : ", test fault " + options.test_fault) + ".\n" +
                        "It breaks an invariant after " + std::to_string(result->run.api_calls_at_violation) +
                        " API calls:\n" + result->run.violations.front();
  std::string text = WriteScenario(shrunk, comment, false);

  // The file must read back into a scenario that still fails.
  Scenario reread = ParseScenario(text, output);
  CheckedRun check = RunChecked(reread, options.seed, test_faults);
  if (check.result.violations.empty()) {
    std::cerr << "orcsim: the shrunk scenario no longer fails once written; " << output << " not written\n";
    return kExitFailures;
  }
  std::ofstream file(output);
  file << text;
  if (!file.flush()) {
    std::cerr << "orcsim: cannot write " << output << "\n";
    return kExitUnusable;
  }
  std::cout << "shrunk in " << result->runs << " runs to " << reread.organizations.size() << " organisations, "
            << reread.plan.tasks.size() << " tasks, " << check.result.api_calls_at_violation
            << " API calls to the violation\n"
            << "violation      " << check.result.violations.front() << "\n"
            << "written        " << output << "\n";
  return kExitClean;
}

}  // namespace

void AddShrinkCommand(CLI::App& app, CommandAction* action) {
  auto options = std::make_shared<ShrinkOptions>();
  CLI::App* command =
      app.add_subcommand("shrink", "Reduce a run that breaks an invariant to a small scenario that still does");
  command->add_option("scenario", options->scenario_path, "Scenario file (YAML)")->required();
  command->add_option("--seed", options->seed, "Seed of the failing run")->required();
  command->add_option("--output,-o", options->output_path,
                      "Where to write the shrunk scenario (default: SCENARIO-seedS-shrunk.yaml here)");
  command->add_flag("--all-faults", options->all_faults,
                    "Replace the scenario's faults by every fault at its default rate, as explore does");
  AddTestFaultOption(*command, &options->test_fault);
  command->callback([options, action] { *action = [options] { return ShrinkCommand(*options); }; });
}

}  // namespace orc::sim
