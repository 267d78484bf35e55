// Scenario files: what orcsim plays. A scenario names the organisations, their
// data, the functions, the compute plan (a strategy or an explicit task
// graph), how long tasks take, how often they fail, the seed, and the outcome
// expected at the end. docs/scenarios.md documents the YAML schema.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace orc::sim {

// Position of a value in the scenario file, 1-based; 0 when not from a file.
struct SourceMark {
  int line = 0;
  int column = 0;
};

// A scenario that cannot be used: the message names the file, the line and
// the field, for example `mnist.yaml:12:5: plan.rounds: expected an integer`.
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A random duration in virtual seconds. Samples below 0 are clamped to 0.
struct Distribution {
  enum class Kind { kFixed, kUniform, kNormal };
  Kind kind = Kind::kFixed;
  double a = 0;  // fixed: the value; uniform: min; normal: mean
  double b = 0;  // uniform: max; normal: standard deviation
};

struct Organization {
  std::string id;  // MSP ID
  // "aggregator" (runs aggregations, owns the plan unless plan.owner says
  // otherwise), "data" (holds data and trains), or both.
  bool aggregator = false;
  bool data = false;
  int compute_slots = 1;  // tasks it runs at the same time
  SourceMark mark;
};

// The data one organisation registers: one data manager and its samples.
struct DataSpec {
  std::string organization;
  int samples = 1;
  std::string type = "csv";
  bool public_data = true;  // data manager process permission public
  SourceMark mark;
};

struct FunctionInputSpec {
  std::string kind;  // "model", "data_manager", "data_sample"
  bool multiple = false;
  bool optional = false;
};

struct FunctionOutputSpec {
  std::string kind;  // "model", "performance"
  bool multiple = false;
};

struct FunctionSpec {
  std::string name;
  std::map<std::string, FunctionInputSpec> inputs;
  std::map<std::string, FunctionOutputSpec> outputs;
  std::optional<Distribution> duration;  // overrides durations.default
  // Probability that a task of this function fails. ParseScenario sets it to
  // failures.probability when the function does not set its own.
  double failure_probability = 0;
  SourceMark mark;
};

// An input of an explicit task: an output of a parent task, or the task's
// data (opener and samples of the worker's data manager).
struct TaskInputSpec {
  std::string identifier;
  std::string parent;  // task id
  std::string output;  // output identifier of the parent
  SourceMark mark;
};

struct TaskSpec {
  std::string id;
  std::string function;
  std::string worker;  // organisation; with uses_data, its data manager is used
  bool uses_data = false;
  int round = 0;  // for reports; 0 when not part of a round
  std::vector<TaskInputSpec> inputs;
  SourceMark mark;
};

struct PlanSpec {
  // "fedavg", "cyclic", "composite", or "explicit" for a task graph.
  std::string strategy = "fedavg";
  std::string owner;  // defaults to the first aggregator
  int rounds = 1;
  int evaluation_every = 1;  // evaluate every k rounds (and after the last)
  std::vector<TaskSpec> tasks;  // explicit strategy only
  // Strategy role -> function name. Roles: fedavg uses train, aggregate,
  // predict, test; cyclic uses train, predict, test; composite uses
  // composite, aggregate, predict, test. Unset roles default to the role's
  // name, and a function named in a role but not declared is created with the
  // role's standard shape (see StandardFunction).
  std::map<std::string, std::string> roles;
  int batch_size = 1000;  // tasks per RegisterTasks request
  SourceMark mark;

  // Whether a strategy evaluates after round `round`: every
  // evaluation_every rounds, and after the last round.
  bool EvaluatesInRound(int round) const;
};

// A failure forced on one task: the task of `function` run by
// `organization` in `round`.
struct InjectedFailure {
  std::string function;
  std::string organization;
  int round = 0;
  std::string task;  // explicit graphs: the task id instead of the three above
  SourceMark mark;
};

// The plan owner cancels the plan once `after_done_tasks` tasks are DONE, or
// at virtual time `at_seconds`.
struct CancelSpec {
  std::optional<int> after_done_tasks;
  std::optional<double> at_seconds;
  SourceMark mark;
};

// Faults the simulator injects between the organisations and the target,
// each off at probability 0. Every probability applies to one API call,
// except agent_crash, which applies to one action of an agent. Every draw
// comes from the run's seed, so a faulty run replays exactly.
struct FaultSpec {
  // The agent loses its memory and comes back after `agent_restart_delay`,
  // rebuilding its state from the channel's events.
  double agent_crash = 0;
  Distribution agent_restart_delay{Distribution::Kind::kUniform, 30, 300};
  // The server applies the request but the response is lost: the client
  // sees OE0900 and retries.
  double lost_response = 0;
  // The network delivers the request twice; the client sees the first
  // response.
  double duplicate_request = 0;
  // The server restarts before the request: the in-process target re-creates
  // its Orchestrator over the same store.
  double server_restart = 0;
  // The calling organisation loses the server for `partition_duration`; its
  // calls fail with OE0900 meanwhile and nothing reaches the server.
  double partition = 0;
  Distribution partition_duration{Distribution::Kind::kUniform, 60, 600};
  // The response does not come back in time: the client sees OE0900, and the
  // server receives the request `slow_delay` later.
  double slow_response = 0;
  Distribution slow_delay{Distribution::Kind::kUniform, 1, 30};
  SourceMark mark;

  bool Any() const {
    return agent_crash > 0 || lost_response > 0 || duplicate_request > 0 || server_restart > 0 || partition > 0 ||
           slow_response > 0;
  }
};

struct PerformanceCurve {
  double start = 0.5;   // value after round 1
  double end = 0.95;    // value approached after many rounds
  double rate = 0.5;    // how fast it approaches `end`
  double noise = 0.01;  // uniform noise amplitude
};

// One exact check on the final state.
struct ExpectedTask {
  std::string function;
  std::string organization;
  int round = 0;
  std::string task;  // explicit graphs
  std::string status;  // "waiting", "todo", "doing", "done", "canceled", "failed"
  SourceMark mark;
};

struct Expectations {
  std::optional<std::string> plan_status;  // "done", "failed", "canceled", "running"
  std::map<std::string, int> tasks;  // status name -> count
  std::optional<bool> plan_running;  // IsPlanRunning at the end
  std::optional<int> performances;   // number of performances registered
  std::vector<ExpectedTask> task_checks;
  std::optional<int> min_events;
};

struct Scenario {
  std::string path;  // file it was read from, for messages
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::string channel = "mychannel";
  std::vector<Organization> organizations;
  std::vector<DataSpec> data;
  std::vector<FunctionSpec> functions;
  PlanSpec plan;
  Distribution default_duration{Distribution::Kind::kUniform, 60, 120};
  Distribution reaction_delay{Distribution::Kind::kUniform, 0.1, 2.0};
  double failure_probability = 0;  // every task, unless its function sets one
  std::vector<InjectedFailure> injected_failures;
  std::optional<CancelSpec> cancel;
  FaultSpec faults;
  PerformanceCurve performance;
  double max_virtual_seconds = 30 * 24 * 3600.0;  // stop the run after this
  Expectations expect;

  const Organization* FindOrganization(const std::string& id) const;
  const FunctionSpec* FindFunction(const std::string& name) const;
  // The organisation that runs a strategy's aggregate tasks: the first one
  // with the aggregator role, or null when there is none.
  const Organization* FindAggregator() const;
};

// The standard shape of a strategy role's function, named `name`:
//   train:     opener (data_manager), datasamples (data_sample, multiple),
//              model (model, multiple, optional) -> model (model)
//   aggregate: model (model, multiple) -> model (model)
//   predict:   opener, datasamples, model (model) -> predictions (model);
//              for the composite strategy: opener, datasamples, local
//              (model), shared (model) -> predictions (model)
//   test:      opener, datasamples, predictions (model) -> performance
//              (performance)
//   composite: opener, datasamples, local (model, optional), shared (model,
//              optional) -> local (model), shared (model)
FunctionSpec StandardFunction(const std::string& role, const std::string& name, const std::string& strategy);

// Reads and validates a scenario file. Throws ScenarioError.
Scenario LoadScenario(const std::string& path);

// Parses and validates scenario text; `path` is only used in messages.
Scenario ParseScenario(const std::string& text, const std::string& path);

}  // namespace orc::sim
