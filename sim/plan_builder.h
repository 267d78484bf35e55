// Turns a scenario's plan (a strategy with parameters, or an explicit task
// graph) into the list of tasks to register, parents before children.
#pragma once

#include <string>
#include <vector>

#include "sim/scenario.h"

namespace orc::sim {

struct PlannedInput {
  std::string identifier;
  int parent = -1;  // index of the parent task in the plan
  std::string output;
};

struct PlannedTask {
  std::string label;     // unique and readable, e.g. "train/MyOrg2MSP/r3"
  std::string role;      // strategy role ("train", "aggregate", ...) or "" for explicit graphs
  std::string function;  // function name
  std::string worker;    // organisation that runs it
  bool uses_data = false;  // reads the worker's data manager and samples
  int round = 0;
  std::vector<PlannedInput> inputs;  // parent outputs only
};

// Builds the task list of the scenario's plan. Every parent index is lower
// than its child's index. The scenario must have passed validation.
std::vector<PlannedTask> BuildPlan(const Scenario& scenario);

// Organisations with the data role, in scenario order.
std::vector<std::string> DataOrganizations(const Scenario& scenario);

// The organisation that runs aggregations: the first with the aggregator role.
std::string Aggregator(const Scenario& scenario);

}  // namespace orc::sim
