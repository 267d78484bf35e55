#include "sim/plan_builder.h"

#include <map>
#include <stdexcept>

namespace orc::sim {

namespace {

// Appends tasks and remembers them by (role, organisation, round).
class PlanWriter {
 public:
  explicit PlanWriter(const Scenario& scenario) : scenario_(scenario) {}

  int Add(const std::string& role, const std::string& worker, int round, bool uses_data,
          std::vector<PlannedInput> inputs) {
    PlannedTask task;
    task.role = role;
    task.function = FunctionFor(role);
    task.worker = worker;
    task.round = round;
    task.uses_data = uses_data;
    task.inputs = std::move(inputs);
    task.label = role + "/" + worker + "/r" + std::to_string(round);
    tasks_.push_back(std::move(task));
    int index = static_cast<int>(tasks_.size()) - 1;
    by_name_[tasks_.back().label] = index;
    return index;
  }

  // Index of a task added before, or -1.
  int Find(const std::string& role, const std::string& worker, int round) const {
    auto it = by_name_.find(role + "/" + worker + "/r" + std::to_string(round));
    return it == by_name_.end() ? -1 : it->second;
  }

  std::vector<PlannedTask> Take() { return std::move(tasks_); }

 private:
  std::string FunctionFor(const std::string& role) const {
    auto it = scenario_.plan.roles.find(role);
    return it == scenario_.plan.roles.end() ? role : it->second;
  }

  const Scenario& scenario_;
  std::vector<PlannedTask> tasks_;
  std::map<std::string, int> by_name_;
};

// Predict then test on every data organisation, on the model `source`
// (output `source_output`), or on local + shared models for composite.
void AddEvaluation(PlanWriter& writer, const std::vector<std::string>& data_orgs, int round,
                   const std::vector<PlannedInput>& model_inputs_template, bool per_org_local,
                   const std::string& local_role) {
  for (const std::string& org : data_orgs) {
    std::vector<PlannedInput> inputs = model_inputs_template;
    if (per_org_local) inputs.push_back({"local", writer.Find(local_role, org, round), "local"});
    int predict = writer.Add("predict", org, round, true, std::move(inputs));
    writer.Add("test", org, round, true, {{"predictions", predict, "predictions"}});
  }
}

std::vector<PlannedTask> BuildFedAvg(const Scenario& scenario) {
  PlanWriter writer(scenario);
  std::vector<std::string> data_orgs = DataOrganizations(scenario);
  std::string aggregator = Aggregator(scenario);
  for (int round = 1; round <= scenario.plan.rounds; ++round) {
    int previous = writer.Find("aggregate", aggregator, round - 1);
    std::vector<PlannedInput> aggregate_inputs;
    for (const std::string& org : data_orgs) {
      std::vector<PlannedInput> inputs;
      if (previous >= 0) inputs.push_back({"model", previous, "model"});
      int train = writer.Add("train", org, round, true, std::move(inputs));
      aggregate_inputs.push_back({"model", train, "model"});
    }
    int aggregate = writer.Add("aggregate", aggregator, round, false, std::move(aggregate_inputs));
    if (scenario.plan.EvaluatesInRound(round)) {
      AddEvaluation(writer, data_orgs, round, {{"model", aggregate, "model"}}, false, "");
    }
  }
  return writer.Take();
}

std::vector<PlannedTask> BuildCyclic(const Scenario& scenario) {
  PlanWriter writer(scenario);
  std::vector<std::string> data_orgs = DataOrganizations(scenario);
  int last_train = -1;
  for (int round = 1; round <= scenario.plan.rounds; ++round) {
    for (const std::string& org : data_orgs) {
      std::vector<PlannedInput> inputs;
      if (last_train >= 0) inputs.push_back({"model", last_train, "model"});
      last_train = writer.Add("train", org, round, true, std::move(inputs));
    }
    if (scenario.plan.EvaluatesInRound(round)) {
      AddEvaluation(writer, data_orgs, round, {{"model", last_train, "model"}}, false, "");
    }
  }
  return writer.Take();
}

std::vector<PlannedTask> BuildComposite(const Scenario& scenario) {
  PlanWriter writer(scenario);
  std::vector<std::string> data_orgs = DataOrganizations(scenario);
  std::string aggregator = Aggregator(scenario);
  for (int round = 1; round <= scenario.plan.rounds; ++round) {
    int previous_aggregate = writer.Find("aggregate", aggregator, round - 1);
    std::vector<PlannedInput> aggregate_inputs;
    for (const std::string& org : data_orgs) {
      std::vector<PlannedInput> inputs;
      int previous_local = writer.Find("composite", org, round - 1);
      if (previous_local >= 0) inputs.push_back({"local", previous_local, "local"});
      if (previous_aggregate >= 0) inputs.push_back({"shared", previous_aggregate, "model"});
      int composite = writer.Add("composite", org, round, true, std::move(inputs));
      aggregate_inputs.push_back({"model", composite, "shared"});
    }
    int aggregate = writer.Add("aggregate", aggregator, round, false, std::move(aggregate_inputs));
    if (scenario.plan.EvaluatesInRound(round)) {
      AddEvaluation(writer, data_orgs, round, {{"shared", aggregate, "model"}}, true, "composite");
    }
  }
  return writer.Take();
}

std::vector<PlannedTask> BuildExplicit(const Scenario& scenario) {
  std::map<std::string, const TaskSpec*> specs;
  for (const TaskSpec& spec : scenario.plan.tasks) specs[spec.id] = &spec;

  // Depth-first order so that parents come first; validation already
  // rejected cycles and unknown parents.
  std::vector<PlannedTask> tasks;
  std::map<std::string, int> index_of;
  auto visit = [&](auto&& self, const TaskSpec& spec) -> int {
    if (auto it = index_of.find(spec.id); it != index_of.end()) return it->second;
    PlannedTask task;
    task.label = spec.id;
    task.function = spec.function;
    task.worker = spec.worker;
    task.uses_data = spec.uses_data;
    task.round = spec.round;
    for (const TaskInputSpec& input : spec.inputs) {
      int parent = self(self, *specs.at(input.parent));
      task.inputs.push_back({input.identifier, parent, input.output});
    }
    tasks.push_back(std::move(task));
    int index = static_cast<int>(tasks.size()) - 1;
    index_of[spec.id] = index;
    return index;
  };
  for (const TaskSpec& spec : scenario.plan.tasks) visit(visit, spec);
  return tasks;
}

}  // namespace

std::vector<std::string> DataOrganizations(const Scenario& scenario) {
  std::vector<std::string> ids;
  for (const Organization& org : scenario.organizations) {
    if (org.data) ids.push_back(org.id);
  }
  return ids;
}

std::string Aggregator(const Scenario& scenario) {
  const Organization* aggregator = scenario.FindAggregator();
  if (aggregator != nullptr) return aggregator->id;
  return scenario.organizations.empty() ? "" : scenario.organizations.front().id;
}

std::vector<PlannedTask> BuildPlan(const Scenario& scenario) {
  const std::string& strategy = scenario.plan.strategy;
  if (strategy == "fedavg") return BuildFedAvg(scenario);
  if (strategy == "cyclic") return BuildCyclic(scenario);
  if (strategy == "composite") return BuildComposite(scenario);
  if (strategy == "explicit") return BuildExplicit(scenario);
  throw std::invalid_argument("unknown strategy \"" + strategy + "\"");
}

}  // namespace orc::sim
