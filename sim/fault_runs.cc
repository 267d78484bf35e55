#include "sim/fault_runs.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/scenario_writer.h"

namespace orc::sim {

namespace {

constexpr char kTraceMagic[] = "# orcsim trace 1";
constexpr char kSeedPrefix[] = "# seed: ";
constexpr char kTestFaultPrefix[] = "# test-fault: ";
constexpr char kScenarioPrefix[] = "#| ";

bool StartsWith(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

// ---- Shrinking steps ----

// Removes the tasks of `removed`, then every task left without a required
// input, until no more task goes.
Scenario WithoutTasks(const Scenario& scenario, std::set<std::string> removed) {
  Scenario reduced = scenario;
  bool changed = true;
  while (changed) {
    changed = false;
    std::vector<TaskSpec> kept;
    for (TaskSpec task : reduced.plan.tasks) {
      if (removed.contains(task.id)) continue;
      std::erase_if(task.inputs, [&removed](const TaskInputSpec& input) { return removed.contains(input.parent); });
      const FunctionSpec* function = reduced.FindFunction(task.function);
      bool complete = true;
      for (const auto& [identifier, declared] : function->inputs) {
        if (declared.kind != "model" || declared.optional) continue;
        complete = complete && std::any_of(task.inputs.begin(), task.inputs.end(), [&](const TaskInputSpec& input) {
                     return input.identifier == identifier;
                   });
      }
      if (!complete) {
        removed.insert(task.id);
        changed = true;
        continue;
      }
      kept.push_back(std::move(task));
    }
    reduced.plan.tasks = std::move(kept);
  }
  std::erase_if(reduced.injected_failures,
                [&removed](const InjectedFailure& failure) { return removed.contains(failure.task); });
  return reduced;
}

// Drops organisations that neither own the plan nor run a task, with their
// data, and functions no task uses.
Scenario WithoutUnused(Scenario scenario) {
  std::set<std::string> organizations = {scenario.plan.owner};
  std::set<std::string> functions;
  for (const TaskSpec& task : scenario.plan.tasks) {
    organizations.insert(task.worker);
    functions.insert(task.function);
  }
  std::erase_if(scenario.organizations,
                [&](const Organization& organization) { return !organizations.contains(organization.id); });
  std::erase_if(scenario.data, [&](const DataSpec& data) { return !organizations.contains(data.organization); });
  std::erase_if(scenario.functions, [&](const FunctionSpec& function) { return !functions.contains(function.name); });
  return scenario;
}

// One candidate reduction: a description and the reduced scenario.
struct Candidate {
  std::string description;
  Scenario scenario;
};

std::vector<Candidate> Candidates(const Scenario& scenario) {
  std::vector<Candidate> candidates;
  auto add = [&candidates](std::string description, Scenario reduced) {
    candidates.push_back(Candidate{std::move(description), WithoutUnused(std::move(reduced))});
  };

  const std::pair<const char*, double FaultSpec::*> faults[] = {
      {"agent_crash", &FaultSpec::agent_crash},       {"lost_response", &FaultSpec::lost_response},
      {"duplicate_request", &FaultSpec::duplicate_request}, {"server_restart", &FaultSpec::server_restart},
      {"partition", &FaultSpec::partition},           {"slow_response", &FaultSpec::slow_response}};
  for (const auto& [name, field] : faults) {
    if (scenario.faults.*field == 0) continue;
    Scenario reduced = scenario;
    reduced.faults.*field = 0;
    add(std::string("turn off fault ") + name, std::move(reduced));
  }
  if (scenario.cancel) {
    Scenario reduced = scenario;
    reduced.cancel.reset();
    add("remove the plan cancelation", std::move(reduced));
  }
  bool random_failures = scenario.failure_probability > 0 ||
                         std::any_of(scenario.functions.begin(), scenario.functions.end(),
                                     [](const FunctionSpec& function) { return function.failure_probability > 0; });
  if (random_failures) {
    Scenario reduced = scenario;
    reduced.failure_probability = 0;
    for (FunctionSpec& function : reduced.functions) function.failure_probability = 0;
    add("turn off random task failures", std::move(reduced));
  }
  for (std::size_t i = 0; i < scenario.injected_failures.size(); ++i) {
    Scenario reduced = scenario;
    reduced.injected_failures.erase(reduced.injected_failures.begin() + static_cast<std::ptrdiff_t>(i));
    add("remove the injected failure of " + scenario.injected_failures[i].task, std::move(reduced));
  }
  // Later tasks first: they have fewer dependents.
  for (auto task = scenario.plan.tasks.rbegin(); task != scenario.plan.tasks.rend(); ++task) {
    if (scenario.plan.tasks.size() == 1) break;
    add("remove task " + task->id, WithoutTasks(scenario, {task->id}));
  }
  // Moving the plan to a worker saves an organisation only when the owner
  // runs no task itself.
  bool owner_works = std::any_of(scenario.plan.tasks.begin(), scenario.plan.tasks.end(),
                                 [&scenario](const TaskSpec& task) { return task.worker == scenario.plan.owner; });
  for (const TaskSpec& task : scenario.plan.tasks) {
    if (owner_works) break;
    Scenario reduced = scenario;
    reduced.plan.owner = task.worker;
    add("move the plan to " + task.worker, std::move(reduced));
  }
  bool many_samples = std::any_of(scenario.data.begin(), scenario.data.end(),
                                  [](const DataSpec& data) { return data.samples > 1; });
  if (many_samples) {
    Scenario reduced = scenario;
    for (DataSpec& data : reduced.data) data.samples = 1;
    add("keep one sample per organisation", std::move(reduced));
  }
  bool many_slots = std::any_of(scenario.organizations.begin(), scenario.organizations.end(),
                                [](const Organization& organization) { return organization.compute_slots > 1; });
  if (many_slots) {
    Scenario reduced = scenario;
    for (Organization& organization : reduced.organizations) organization.compute_slots = 1;
    add("keep one compute slot per organisation", std::move(reduced));
  }
  return candidates;
}

}  // namespace

FaultSpec EveryFault() {
  FaultSpec faults;
  faults.agent_crash = 0.01;
  faults.lost_response = 0.05;
  faults.duplicate_request = 0.05;
  faults.server_restart = 0.01;
  faults.partition = 0.005;
  faults.slow_response = 0.05;
  return faults;
}

CheckedRun RunChecked(const Scenario& scenario, std::uint64_t seed, const TestFaults& test_faults) {
  CheckedRun run;
  RunOptions options;
  options.seed = seed;
  options.check_invariants = true;
  options.test_faults = test_faults;
  options.trace_sink = [&run](const std::string& line) { run.trace.push_back(line); };
  run.result = RunInMemory(scenario, options);
  return run;
}

std::string WriteTraceFile(const Scenario& scenario, std::uint64_t seed, const std::string& test_fault,
                           const std::vector<std::string>& lines) {
  std::ostringstream out;
  out << kTraceMagic << "\n" << kSeedPrefix << seed << "\n";
  if (!test_fault.empty()) out << kTestFaultPrefix << test_fault << "\n";
  std::istringstream scenario_lines(WriteScenario(scenario, "", true));
  for (std::string line; std::getline(scenario_lines, line);) out << kScenarioPrefix << line << "\n";
  for (const std::string& line : lines) out << line << "\n";
  return out.str();
}

TraceFile ReadTraceFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScenarioError(path + ": failed to open the trace file: " + std::strerror(errno));
  TraceFile trace;
  std::string line;
  int number = 0;
  bool has_seed = false;
  auto fail = [&path, &number](const std::string& problem) {
    throw ScenarioError(path + ":" + std::to_string(number) + ": " + problem);
  };
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kTraceMagic) fail(std::string("not an orcsim trace file (expected \"") + kTraceMagic + "\")");
      continue;
    }
    if (StartsWith(line, kScenarioPrefix)) {
      trace.scenario_text += line.substr(std::strlen(kScenarioPrefix)) + "\n";
    } else if (StartsWith(line, kSeedPrefix)) {
      std::string text = line.substr(std::strlen(kSeedPrefix));
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), trace.seed);
      if (error != std::errc() || end != text.data() + text.size()) fail("invalid seed \"" + text + "\"");
      has_seed = true;
    } else if (StartsWith(line, kTestFaultPrefix)) {
      trace.test_fault = line.substr(std::strlen(kTestFaultPrefix));
    } else if (StartsWith(line, "#")) {
      fail("unknown header line \"" + line + "\"");
    } else {
      trace.lines.push_back(line);
    }
  }
  if (number == 0) fail("empty file, not an orcsim trace file");
  if (!has_seed) fail("missing \"# seed: N\" line");
  if (trace.scenario_text.empty()) fail("missing the embedded scenario (\"#| \" lines)");
  return trace;
}

std::optional<ShrinkResult> Shrink(const Scenario& scenario, std::uint64_t seed, const TestFaults& test_faults,
                                   const std::function<void(const std::string&)>& log) {
  ShrinkResult best;
  RunOptions options;
  options.seed = seed;
  options.check_invariants = true;
  options.test_faults = test_faults;
  auto fails = [&](const Scenario& candidate, RunResult& result) {
    ++best.runs;
    result = RunInMemory(candidate, options);
    return !result.violations.empty();
  };

  if (!fails(scenario, best.run)) return std::nullopt;
  best.scenario = WithoutUnused(ToExplicitGraph(scenario));
  best.scenario.expect = Expectations{};
  RunResult run;
  if (!fails(best.scenario, run)) {
    // The explicit graph draws keys in another order; keep the original.
    log("the explicit form of the plan does not fail, shrinking stops");
    best.scenario = scenario;
    return best;
  }
  best.run = run;

  bool changed = true;
  while (changed) {
    changed = false;
    for (Candidate& candidate : Candidates(best.scenario)) {
      if (!fails(candidate.scenario, run)) continue;
      log(candidate.description + ": " + std::to_string(candidate.scenario.plan.tasks.size()) + " tasks, " +
          std::to_string(run.api_calls_at_violation) + " API calls to the violation");
      best.scenario = std::move(candidate.scenario);
      best.run = run;
      changed = true;
      break;  // the candidates of the smaller scenario are different
    }
  }
  return best;
}

}  // namespace orc::sim
