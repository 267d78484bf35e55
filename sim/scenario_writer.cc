#include "sim/scenario_writer.h"

#include <charconv>
#include <sstream>

#include "sim/plan_builder.h"

namespace orc::sim {

namespace {

// The shortest decimal text that reads back as the same double.
std::string Number(double value) {
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (error != std::errc()) return "0";
  std::string text(buffer, end);
  // YAML reads "1e-05" as a number, but the scenario parser wants a plain
  // scalar that parses whole; to_chars output always does.
  return text;
}

// A scalar in double quotes, escaped for YAML.
std::string Quoted(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string DistributionText(const Distribution& distribution) {
  switch (distribution.kind) {
    case Distribution::Kind::kFixed: return "{fixed: " + Number(distribution.a) + "}";
    case Distribution::Kind::kUniform:
      return "{uniform: [" + Number(distribution.a) + ", " + Number(distribution.b) + "]}";
    case Distribution::Kind::kNormal:
      return "{normal: {mean: " + Number(distribution.a) + ", stddev: " + Number(distribution.b) + "}}";
  }
  return "0";
}

const char* Bool(bool value) { return value ? "true" : "false"; }

void WriteFunctions(std::ostream& out, const Scenario& scenario) {
  if (scenario.functions.empty()) return;
  out << "functions:\n";
  for (const FunctionSpec& function : scenario.functions) {
    out << "  - name: " << Quoted(function.name) << "\n";
    if (!function.inputs.empty()) {
      out << "    inputs:\n";
      for (const auto& [identifier, input] : function.inputs) {
        out << "      " << Quoted(identifier) << ": {kind: " << input.kind << ", multiple: " << Bool(input.multiple)
            << ", optional: " << Bool(input.optional) << "}\n";
      }
    }
    if (!function.outputs.empty()) {
      out << "    outputs:\n";
      for (const auto& [identifier, output] : function.outputs) {
        out << "      " << Quoted(identifier) << ": {kind: " << output.kind << ", multiple: " << Bool(output.multiple)
            << "}\n";
      }
    }
    if (function.duration) out << "    duration: " << DistributionText(*function.duration) << "\n";
    out << "    failure_probability: " << Number(function.failure_probability) << "\n";
  }
}

void WritePlan(std::ostream& out, const Scenario& scenario) {
  const PlanSpec& plan = scenario.plan;
  out << "plan:\n  strategy: " << plan.strategy << "\n";
  if (!plan.owner.empty()) out << "  owner: " << Quoted(plan.owner) << "\n";
  out << "  batch_size: " << plan.batch_size << "\n";
  if (plan.strategy != "explicit") {
    out << "  rounds: " << plan.rounds << "\n  evaluation_every: " << plan.evaluation_every << "\n";
    if (!plan.roles.empty()) {
      out << "  roles:\n";
      for (const auto& [role, function] : plan.roles) out << "    " << role << ": " << Quoted(function) << "\n";
    }
    return;
  }
  out << "  tasks:\n";
  for (const TaskSpec& task : plan.tasks) {
    out << "    - id: " << Quoted(task.id) << "\n      function: " << Quoted(task.function)
        << "\n      worker: " << Quoted(task.worker) << "\n      data: " << Bool(task.uses_data)
        << "\n      round: " << task.round << "\n";
    if (task.inputs.empty()) continue;
    out << "      inputs:\n";
    for (const TaskInputSpec& input : task.inputs) {
      out << "        - {identifier: " << Quoted(input.identifier) << ", parent: " << Quoted(input.parent)
          << ", output: " << Quoted(input.output) << "}\n";
    }
  }
}

void WriteFaults(std::ostream& out, const FaultSpec& faults) {
  if (!faults.Any()) return;
  out << "faults:\n";
  auto write = [&out](const char* name, double probability, const char* duration_key, const Distribution* duration) {
    if (probability == 0) return;
    out << "  " << name << ": {probability: " << Number(probability);
    if (duration_key != nullptr) out << ", " << duration_key << ": " << DistributionText(*duration);
    out << "}\n";
  };
  write("agent_crash", faults.agent_crash, "restart_after", &faults.agent_restart_delay);
  write("lost_response", faults.lost_response, nullptr, nullptr);
  write("duplicate_request", faults.duplicate_request, nullptr, nullptr);
  write("server_restart", faults.server_restart, nullptr, nullptr);
  write("partition", faults.partition, "duration", &faults.partition_duration);
  write("slow_response", faults.slow_response, "delay", &faults.slow_delay);
}

// A task selector of `failures.inject` or `expect.checks`.
std::string Selector(const std::string& task, const std::string& function, const std::string& organization,
                     int round) {
  if (!task.empty()) return "task: " + Quoted(task);
  return "function: " + Quoted(function) + ", organization: " + Quoted(organization) +
         ", round: " + std::to_string(round);
}

void WriteExpectations(std::ostream& out, const Expectations& expect) {
  out << "expect:\n";
  if (expect.plan_status) out << "  plan_status: " << *expect.plan_status << "\n";
  if (expect.plan_running) out << "  plan_running: " << Bool(*expect.plan_running) << "\n";
  if (!expect.tasks.empty()) {
    out << "  tasks:\n";
    for (const auto& [status, count] : expect.tasks) out << "    " << status << ": " << count << "\n";
  }
  if (expect.performances) out << "  performances: " << *expect.performances << "\n";
  if (expect.min_events) out << "  min_events: " << *expect.min_events << "\n";
  if (!expect.task_checks.empty()) {
    out << "  checks:\n";
    for (const ExpectedTask& check : expect.task_checks) {
      out << "    - {" << Selector(check.task, check.function, check.organization, check.round)
          << ", status: " << check.status << "}\n";
    }
  }
}

}  // namespace

std::string WriteScenario(const Scenario& scenario, const std::string& comment, bool with_expectations) {
  std::ostringstream out;
  std::istringstream comment_lines(comment);
  for (std::string line; std::getline(comment_lines, line);) out << "# " << line << "\n";

  out << "name: " << Quoted(scenario.name) << "\n";
  if (!scenario.description.empty()) out << "description: " << Quoted(scenario.description) << "\n";
  out << "seed: " << scenario.seed << "\nchannel: " << Quoted(scenario.channel) << "\n";

  out << "organizations:\n";
  for (const Organization& organization : scenario.organizations) {
    out << "  - {id: " << Quoted(organization.id) << ", roles: [";
    if (organization.aggregator) out << "aggregator" << (organization.data ? ", " : "");
    if (organization.data) out << "data";
    out << "], compute_slots: " << organization.compute_slots << "}\n";
  }
  if (!scenario.data.empty()) {
    out << "data:\n";
    for (const DataSpec& data : scenario.data) {
      out << "  - {organization: " << Quoted(data.organization) << ", samples: " << data.samples
          << ", type: " << Quoted(data.type) << ", public: " << Bool(data.public_data) << "}\n";
    }
  }
  WriteFunctions(out, scenario);
  WritePlan(out, scenario);

  out << "durations:\n  default: " << DistributionText(scenario.default_duration)
      << "\n  reaction_delay: " << DistributionText(scenario.reaction_delay) << "\n";
  out << "failures:\n  probability: " << Number(scenario.failure_probability) << "\n";
  if (!scenario.injected_failures.empty()) {
    out << "  inject:\n";
    for (const InjectedFailure& failure : scenario.injected_failures) {
      out << "    - {" << Selector(failure.task, failure.function, failure.organization, failure.round) << "}\n";
    }
  }
  if (scenario.cancel) {
    out << "cancel: {";
    if (scenario.cancel->after_done_tasks) out << "after_done_tasks: " << *scenario.cancel->after_done_tasks;
    if (scenario.cancel->at_seconds) out << "at_seconds: " << Number(*scenario.cancel->at_seconds);
    out << "}\n";
  }
  WriteFaults(out, scenario.faults);
  const PerformanceCurve& curve = scenario.performance;
  out << "performance: {start: " << Number(curve.start) << ", end: " << Number(curve.end)
      << ", rate: " << Number(curve.rate) << ", noise: " << Number(curve.noise) << "}\n";
  out << "max_virtual_seconds: " << Number(scenario.max_virtual_seconds) << "\n";
  if (with_expectations) WriteExpectations(out, scenario.expect);
  return out.str();
}

Scenario ToExplicitGraph(const Scenario& scenario) {
  if (scenario.plan.strategy == "explicit") return scenario;
  Scenario graph = scenario;
  std::vector<PlannedTask> planned = BuildPlan(scenario);
  graph.plan.strategy = "explicit";
  graph.plan.roles.clear();
  graph.plan.tasks.clear();
  for (const PlannedTask& task : planned) {
    TaskSpec spec;
    spec.id = task.label;
    spec.function = task.function;
    spec.worker = task.worker;
    spec.uses_data = task.uses_data;
    spec.round = task.round;
    for (const PlannedInput& input : task.inputs) {
      spec.inputs.push_back(TaskInputSpec{input.identifier, planned[input.parent].label, input.output, {}});
    }
    graph.plan.tasks.push_back(std::move(spec));
  }
  graph.injected_failures.clear();
  for (const InjectedFailure& failure : scenario.injected_failures) {
    for (const PlannedTask& task : planned) {
      if (task.function == failure.function && task.worker == failure.organization && task.round == failure.round) {
        InjectedFailure by_id;
        by_id.task = task.label;
        graph.injected_failures.push_back(by_id);
      }
    }
  }
  graph.expect.task_checks.clear();  // they name strategy tasks
  return graph;
}

}  // namespace orc::sim
