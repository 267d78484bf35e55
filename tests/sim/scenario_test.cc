#include "sim/scenario.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// Directory of the sample scenario files. The build sets it to an absolute
// path; the default works when the tests run from the repository root.
#ifndef ORC_TEST_DATA_DIR
#define ORC_TEST_DATA_DIR "tests/sim/data"
#endif

namespace orc::sim {
namespace {

std::string DataFile(const std::string& name) { return std::string(ORC_TEST_DATA_DIR) + "/" + name; }

// The message of the ScenarioError that `parse` raises, or "" when it raises
// none.
template <typename Parse>
std::string ErrorMessage(Parse parse) {
  try {
    parse();
  } catch (const ScenarioError& error) {
    return error.what();
  }
  return "";
}

bool SameShape(const FunctionSpec& a, const FunctionSpec& b) {
  if (a.inputs.size() != b.inputs.size() || a.outputs.size() != b.outputs.size()) return false;
  for (const auto& [identifier, input] : a.inputs) {
    const auto other = b.inputs.find(identifier);
    if (other == b.inputs.end() || other->second.kind != input.kind || other->second.multiple != input.multiple ||
        other->second.optional != input.optional) {
      return false;
    }
  }
  for (const auto& [identifier, output] : a.outputs) {
    const auto other = b.outputs.find(identifier);
    if (other == b.outputs.end() || other->second.kind != output.kind || other->second.multiple != output.multiple) {
      return false;
    }
  }
  return true;
}

TEST(ScenarioLoad, SampleFileParsesToStructs) {
  const Scenario scenario = LoadScenario(DataFile("fedavg-small.yaml"));

  EXPECT_EQ(scenario.path, DataFile("fedavg-small.yaml"));
  EXPECT_EQ(scenario.name, "fedavg-small");
  EXPECT_EQ(scenario.description, "FedAvg over two data organisations, evaluated every second round");
  EXPECT_EQ(scenario.seed, 7u);
  EXPECT_EQ(scenario.channel, "mychannel");

  ASSERT_EQ(scenario.organizations.size(), 3u);
  EXPECT_EQ(scenario.organizations[0].id, "AggregatorMSP");
  EXPECT_TRUE(scenario.organizations[0].aggregator);
  EXPECT_FALSE(scenario.organizations[0].data);
  EXPECT_EQ(scenario.organizations[0].compute_slots, 1);
  EXPECT_EQ(scenario.organizations[0].mark.line, 8);
  EXPECT_EQ(scenario.organizations[0].mark.column, 5);
  EXPECT_TRUE(scenario.organizations[1].data);
  EXPECT_EQ(scenario.organizations[1].compute_slots, 2);

  ASSERT_EQ(scenario.data.size(), 2u);
  EXPECT_EQ(scenario.data[0].organization, "Hospital1MSP");
  EXPECT_EQ(scenario.data[0].samples, 3);
  EXPECT_EQ(scenario.data[0].type, "csv");
  EXPECT_TRUE(scenario.data[0].public_data);
  EXPECT_EQ(scenario.data[1].samples, 2);
  EXPECT_FALSE(scenario.data[1].public_data);

  EXPECT_EQ(scenario.plan.strategy, "fedavg");
  EXPECT_EQ(scenario.plan.owner, "AggregatorMSP");
  EXPECT_EQ(scenario.plan.rounds, 4);
  EXPECT_EQ(scenario.plan.evaluation_every, 2);
  EXPECT_EQ(scenario.plan.batch_size, 1000);
  EXPECT_TRUE(scenario.plan.tasks.empty());
  const std::map<std::string, std::string> roles = {
      {"train", "train-cnn"}, {"aggregate", "aggregate"}, {"predict", "predict"}, {"test", "test"}};
  EXPECT_EQ(scenario.plan.roles, roles);
}

TEST(ScenarioLoad, SampleFileFunctionsAndDefaults) {
  const Scenario scenario = LoadScenario(DataFile("fedavg-small.yaml"));

  ASSERT_EQ(scenario.functions.size(), 4u);
  const FunctionSpec& train = scenario.functions[0];
  EXPECT_EQ(train.name, "train-cnn");
  EXPECT_EQ(train.inputs.size(), 3u);
  EXPECT_FALSE(train.inputs.at("model").multiple);
  EXPECT_TRUE(train.inputs.at("model").optional);
  EXPECT_EQ(train.outputs.at("model").kind, "model");
  ASSERT_TRUE(train.duration.has_value());
  EXPECT_EQ(train.duration->kind, Distribution::Kind::kUniform);
  EXPECT_EQ(train.duration->a, 120);
  EXPECT_EQ(train.duration->b, 300);
  EXPECT_EQ(train.failure_probability, 0);

  // Roles without a declared function get the standard function, in role order.
  EXPECT_EQ(scenario.functions[1].name, "aggregate");
  EXPECT_TRUE(SameShape(scenario.functions[1], StandardFunction("aggregate", "aggregate", "fedavg")));
  EXPECT_EQ(scenario.functions[2].name, "predict");
  EXPECT_TRUE(SameShape(scenario.functions[2], StandardFunction("predict", "predict", "fedavg")));
  EXPECT_EQ(scenario.functions[3].name, "test");
  EXPECT_TRUE(SameShape(scenario.functions[3], StandardFunction("test", "test", "fedavg")));
  EXPECT_FALSE(scenario.functions[3].duration.has_value());

  EXPECT_EQ(scenario.default_duration.kind, Distribution::Kind::kNormal);
  EXPECT_EQ(scenario.default_duration.a, 60);
  EXPECT_EQ(scenario.default_duration.b, 10);
  EXPECT_EQ(scenario.reaction_delay.kind, Distribution::Kind::kFixed);
  EXPECT_EQ(scenario.reaction_delay.a, 0.5);
  EXPECT_EQ(scenario.failure_probability, 0);
  EXPECT_FALSE(scenario.cancel.has_value());
  EXPECT_EQ(scenario.performance.start, 0.6);
  EXPECT_EQ(scenario.performance.end, 0.9);
  EXPECT_EQ(scenario.performance.rate, 0.5);
  EXPECT_EQ(scenario.performance.noise, 0.01);
  EXPECT_EQ(scenario.max_virtual_seconds, 30 * 24 * 3600.0);
}

TEST(ScenarioLoad, SampleFileFailuresAndExpectations) {
  const Scenario scenario = LoadScenario(DataFile("fedavg-small.yaml"));

  ASSERT_EQ(scenario.injected_failures.size(), 1u);
  EXPECT_EQ(scenario.injected_failures[0].function, "train-cnn");
  EXPECT_EQ(scenario.injected_failures[0].organization, "Hospital2MSP");
  EXPECT_EQ(scenario.injected_failures[0].round, 3);
  EXPECT_EQ(scenario.injected_failures[0].task, "");
  EXPECT_EQ(scenario.injected_failures[0].mark.line, 41);

  EXPECT_EQ(scenario.expect.plan_status, "failed");
  EXPECT_EQ(scenario.expect.plan_running, true);
  const std::map<std::string, int> tasks = {{"done", 11}, {"failed", 1}, {"waiting", 8}};
  EXPECT_EQ(scenario.expect.tasks, tasks);
  EXPECT_EQ(scenario.expect.performances, 2);
  EXPECT_FALSE(scenario.expect.min_events.has_value());
  ASSERT_EQ(scenario.expect.task_checks.size(), 2u);
  EXPECT_EQ(scenario.expect.task_checks[1].function, "aggregate");
  EXPECT_EQ(scenario.expect.task_checks[1].organization, "AggregatorMSP");
  EXPECT_EQ(scenario.expect.task_checks[1].round, 2);
  EXPECT_EQ(scenario.expect.task_checks[1].status, "done");
}

TEST(ScenarioParse, MinimalScenarioGetsDefaults) {
  const Scenario scenario = ParseScenario(R"(name: minimal
organizations:
  - {id: HospitalMSP, roles: [data]}
data:
  - {organization: HospitalMSP}
plan:
  strategy: cyclic
)",
                                          "minimal.yaml");

  EXPECT_EQ(scenario.path, "minimal.yaml");
  EXPECT_EQ(scenario.description, "");
  EXPECT_EQ(scenario.seed, 1u);
  EXPECT_EQ(scenario.data[0].samples, 1);
  EXPECT_EQ(scenario.plan.owner, "HospitalMSP");  // no aggregator: the first organisation
  EXPECT_EQ(scenario.plan.rounds, 1);
  EXPECT_EQ(scenario.plan.evaluation_every, 1);
  EXPECT_EQ(scenario.plan.roles.size(), 3u);
  EXPECT_EQ(scenario.default_duration.kind, Distribution::Kind::kUniform);
  EXPECT_EQ(scenario.default_duration.a, 60);
  EXPECT_EQ(scenario.default_duration.b, 120);
  EXPECT_EQ(scenario.reaction_delay.a, 0.1);
  EXPECT_EQ(scenario.reaction_delay.b, 2.0);
  EXPECT_EQ(scenario.failure_probability, 0);
  EXPECT_FALSE(scenario.expect.plan_status.has_value());
  EXPECT_TRUE(scenario.expect.task_checks.empty());

  ASSERT_EQ(scenario.functions.size(), 3u);
  EXPECT_EQ(scenario.functions[0].name, "train");
  EXPECT_EQ(scenario.functions[1].name, "predict");
  EXPECT_EQ(scenario.functions[2].name, "test");
  EXPECT_EQ(scenario.FindAggregator(), nullptr);
}

TEST(ScenarioParse, CompositeStrategyAddsCompositeFunctions) {
  const Scenario scenario = ParseScenario(R"(name: composite
organizations:
  - {id: AggregatorMSP, roles: [aggregator]}
  - {id: HospitalMSP, roles: [data, aggregator], compute_slots: 4}
data:
  - {organization: HospitalMSP, samples: 5, type: images}
functions:
  - name: test
    inputs:
      opener: {kind: data_manager}
      datasamples: {kind: data_sample, multiple: true}
      predictions: {kind: model}
    outputs:
      performance: {kind: performance}
    failure_probability: 0
plan:
  strategy: composite
  owner: HospitalMSP
  rounds: 2
  roles: {composite: personalise}
failures: {probability: 0.25}
cancel: {at_seconds: 3600}
)",
                                          "composite.yaml");

  ASSERT_EQ(scenario.functions.size(), 4u);
  EXPECT_EQ(scenario.functions[0].name, "test");
  EXPECT_EQ(scenario.functions[1].name, "personalise");
  EXPECT_TRUE(SameShape(scenario.functions[1], StandardFunction("composite", "personalise", "composite")));

  // A function without its own failure probability gets failures.probability.
  EXPECT_EQ(scenario.failure_probability, 0.25);
  EXPECT_EQ(scenario.functions[0].failure_probability, 0);
  EXPECT_EQ(scenario.functions[1].failure_probability, 0.25);

  const FunctionSpec* predict = scenario.FindFunction("predict");
  ASSERT_NE(predict, nullptr);
  EXPECT_EQ(predict->inputs.count("local"), 1u);
  EXPECT_EQ(predict->inputs.count("shared"), 1u);
  EXPECT_EQ(predict->inputs.count("model"), 0u);

  EXPECT_EQ(scenario.data[0].type, "images");
  EXPECT_EQ(scenario.organizations[1].compute_slots, 4);
  EXPECT_EQ(scenario.plan.owner, "HospitalMSP");
  // The first aggregator aggregates, even when another one owns the plan.
  ASSERT_NE(scenario.FindAggregator(), nullptr);
  EXPECT_EQ(scenario.FindAggregator()->id, "AggregatorMSP");
  ASSERT_TRUE(scenario.cancel.has_value());
  EXPECT_EQ(scenario.cancel->at_seconds, 3600);
  EXPECT_FALSE(scenario.cancel->after_done_tasks.has_value());
}

// A two-round FedAvg written as an explicit graph. Lines matter: the error
// cases below replace parts of it and expect errors at given lines.
constexpr const char* kExplicitScenario = R"(name: graph
organizations:
  - {id: AggregatorMSP, roles: [aggregator]}
  - {id: HospitalMSP, roles: [data]}
data:
  - {organization: HospitalMSP}
functions:
  - name: train
    inputs:
      opener: {kind: data_manager}
      datasamples: {kind: data_sample, multiple: true}
      model: {kind: model, optional: true}
    outputs:
      model: {kind: model}
  - name: aggregate
    inputs:
      model: {kind: model, multiple: true}
    outputs:
      model: {kind: model}
plan:
  strategy: explicit
  tasks:
    - {id: train-1, function: train, worker: HospitalMSP, data: true, round: 1}
    - id: aggregate-1
      function: aggregate
      worker: AggregatorMSP
      round: 1
      inputs:
        - {identifier: model, parent: train-1, output: model}
    - id: train-2
      function: train
      worker: HospitalMSP
      data: true
      round: 2
      inputs:
        - {identifier: model, parent: aggregate-1, output: model}
failures:
  inject:
    - {task: train-2}
expect:
  tasks: {done: 2, failed: 1}
  checks:
    - {task: aggregate-1, status: done}
)";

TEST(ScenarioParse, ExplicitGraphParsesTasks) {
  const Scenario scenario = ParseScenario(kExplicitScenario, "graph.yaml");

  EXPECT_EQ(scenario.plan.strategy, "explicit");
  EXPECT_TRUE(scenario.plan.roles.empty());
  EXPECT_EQ(scenario.functions.size(), 2u);
  ASSERT_EQ(scenario.plan.tasks.size(), 3u);

  const TaskSpec& train = scenario.plan.tasks[0];
  EXPECT_EQ(train.id, "train-1");
  EXPECT_EQ(train.function, "train");
  EXPECT_EQ(train.worker, "HospitalMSP");
  EXPECT_TRUE(train.uses_data);
  EXPECT_EQ(train.round, 1);
  EXPECT_TRUE(train.inputs.empty());

  const TaskSpec& aggregate = scenario.plan.tasks[1];
  EXPECT_FALSE(aggregate.uses_data);
  ASSERT_EQ(aggregate.inputs.size(), 1u);
  EXPECT_EQ(aggregate.inputs[0].identifier, "model");
  EXPECT_EQ(aggregate.inputs[0].parent, "train-1");
  EXPECT_EQ(aggregate.inputs[0].output, "model");
  EXPECT_EQ(aggregate.inputs[0].mark.line, 29);

  ASSERT_EQ(scenario.injected_failures.size(), 1u);
  EXPECT_EQ(scenario.injected_failures[0].task, "train-2");
  EXPECT_EQ(scenario.expect.tasks.at("done"), 2);
  EXPECT_EQ(scenario.expect.tasks.at("failed"), 1);
  ASSERT_EQ(scenario.expect.task_checks.size(), 1u);
  EXPECT_EQ(scenario.expect.task_checks[0].task, "aggregate-1");
}

TEST(StandardFunction, ShapesOfEachRole) {
  const FunctionSpec train = StandardFunction("train", "my-train", "fedavg");
  EXPECT_EQ(train.name, "my-train");
  EXPECT_EQ(train.inputs.at("opener").kind, "data_manager");
  EXPECT_EQ(train.inputs.at("datasamples").kind, "data_sample");
  EXPECT_TRUE(train.inputs.at("datasamples").multiple);
  EXPECT_TRUE(train.inputs.at("model").multiple);
  EXPECT_TRUE(train.inputs.at("model").optional);
  EXPECT_EQ(train.outputs.at("model").kind, "model");

  const FunctionSpec aggregate = StandardFunction("aggregate", "aggregate", "fedavg");
  EXPECT_TRUE(aggregate.inputs.at("model").multiple);
  EXPECT_FALSE(aggregate.inputs.at("model").optional);

  const FunctionSpec test = StandardFunction("test", "test", "cyclic");
  EXPECT_EQ(test.inputs.at("predictions").kind, "model");
  EXPECT_EQ(test.outputs.at("performance").kind, "performance");

  const FunctionSpec composite = StandardFunction("composite", "composite", "composite");
  EXPECT_TRUE(composite.inputs.at("local").optional);
  EXPECT_TRUE(composite.inputs.at("shared").optional);
  EXPECT_EQ(composite.outputs.size(), 2u);

  EXPECT_THROW(StandardFunction("evaluate", "evaluate", "fedavg"), std::invalid_argument);
}

TEST(PlanSpec, EvaluatesEveryKRoundsAndAfterTheLast) {
  PlanSpec plan;
  plan.rounds = 5;
  plan.evaluation_every = 2;
  EXPECT_FALSE(plan.EvaluatesInRound(1));
  EXPECT_TRUE(plan.EvaluatesInRound(2));
  EXPECT_FALSE(plan.EvaluatesInRound(3));
  EXPECT_TRUE(plan.EvaluatesInRound(4));
  EXPECT_TRUE(plan.EvaluatesInRound(5));
}

// A FedAvg scenario whose parts the error cases replace. Keep its lines in
// place: the cases give the line numbers of the errors.
constexpr const char* kFedAvgScenario = R"(name: base
organizations:
  - id: AggregatorMSP
    roles: [aggregator]
  - id: HospitalMSP
    roles: [data]
data:
  - organization: HospitalMSP
    samples: 2
functions:
  - name: train
    inputs:
      opener: {kind: data_manager}
      datasamples: {kind: data_sample, multiple: true}
      model: {kind: model, optional: true}
    outputs:
      model: {kind: model}
    duration: {uniform: [30, 90]}
plan:
  strategy: fedavg
  rounds: 3
durations:
  default: 60
failures:
  probability: 0.1
  inject:
    - {function: train, organization: HospitalMSP, round: 2}
expect:
  plan_status: failed
)";

TEST(ScenarioParse, RoleMissingFromStrategyIsNamed) {
  std::string text = kFedAvgScenario;
  text.replace(text.find("strategy: fedavg"), 16, "strategy: cyclic");
  text.replace(text.find("{function: train,"), 17, "{function: aggregate,");

  const std::string message = ErrorMessage([&] { ParseScenario(text, "case.yaml"); });

  EXPECT_NE(message.find("case.yaml:27:"), std::string::npos) << message;
  EXPECT_NE(message.find("failures.inject[0].function"), std::string::npos) << message;
  EXPECT_NE(message.find("the cyclic strategy has no \"aggregate\" role"), std::string::npos) << message;
}

TEST(ScenarioParse, FedAvgBaseIsValid) {
  EXPECT_EQ(ErrorMessage([] { ParseScenario(kFedAvgScenario, "base.yaml"); }), "");
}

TEST(ScenarioParse, ExplicitBaseIsValid) {
  EXPECT_EQ(ErrorMessage([] { ParseScenario(kExplicitScenario, "graph.yaml"); }), "");
}

// One malformed scenario: `base` with the only occurrence of `find` replaced
// by `replace`, and the line, field path and problem its error must name.
struct ErrorCase {
  const char* name;
  const char* base;
  const char* find;
  const char* replace;
  int line;
  const char* path;
  const char* problem;
};

void PrintTo(const ErrorCase& error_case, std::ostream* out) { *out << error_case.name; }

class ScenarioErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ScenarioErrorTest, NamesFileLineAndField) {
  const ErrorCase& error_case = GetParam();
  std::string text = error_case.base;
  const std::size_t at = text.find(error_case.find);
  ASSERT_NE(at, std::string::npos) << "the base scenario does not contain: " << error_case.find;
  ASSERT_EQ(text.find(error_case.find, at + 1), std::string::npos) << "ambiguous: " << error_case.find;
  text.replace(at, std::string(error_case.find).size(), error_case.replace);

  const std::string message = ErrorMessage([&] { ParseScenario(text, "case.yaml"); });

  ASSERT_FALSE(message.empty()) << "no ScenarioError for:\n" << text;
  const std::string location = "case.yaml:" + std::to_string(error_case.line) + ":";
  EXPECT_EQ(message.rfind(location, 0), 0u) << message;
  if (*error_case.path != '\0') {
    EXPECT_NE(message.find(std::string(": ") + error_case.path + ": "), std::string::npos) << message;
  }
  EXPECT_NE(message.find(error_case.problem), std::string::npos) << message;
}

const ErrorCase kErrorCases[] = {
    // Unknown keys, at every level.
    {"UnknownTopLevelKey", kFedAvgScenario, "name: base", "name: base\nrounds: 3", 2, "rounds", "unknown key"},
    {"UnknownOrganizationKey", kFedAvgScenario, "    roles: [data]", "    role: [data]", 6, "organizations[1].role",
     "allowed keys: id, roles, compute_slots"},
    {"UnknownInputKey", kFedAvgScenario, "{kind: model, optional: true}", "{kind: model, optinal: true}", 15,
     "functions[0].inputs.model.optinal", "unknown key"},
    {"UnknownTaskInputKey", kExplicitScenario, "{identifier: model, parent: train-1, output: model}",
     "{identifier: model, parent: train-1, outputs: model}", 29, "plan.tasks[1].inputs[0].outputs", "unknown key"},
    {"UnknownExpectedStatus", kExplicitScenario, "{done: 2, failed: 1}", "{done: 2, finished: 1}", 41,
     "expect.tasks.finished", "unknown key"},
    {"DuplicateKey", kFedAvgScenario, "  rounds: 3", "  rounds: 3\n  rounds: 4", 22, "plan.rounds", "duplicate key"},

    // Wrong types.
    {"IntegerGivenText", kFedAvgScenario, "rounds: 3", "rounds: three", 21, "plan.rounds",
     "expected an integer, got \"three\""},
    {"IntegerGivenQuotedString", kFedAvgScenario, "rounds: 3", "rounds: \"3\"", 21, "plan.rounds",
     "expected an integer, got the quoted string \"3\""},
    {"IntegerGivenFraction", kFedAvgScenario, "samples: 2", "samples: 2.5", 9, "data[0].samples",
     "expected an integer"},
    {"NumberGivenText", kFedAvgScenario, "probability: 0.1", "probability: often", 25, "failures.probability",
     "expected a number"},
    {"BooleanGivenYes", kFedAvgScenario, "multiple: true}", "multiple: yes}", 14,
     "functions[0].inputs.datasamples.multiple", "expected true or false"},
    {"StringGivenSequence", kFedAvgScenario, "name: base", "name: [base]", 1, "name", "expected a string"},
    {"SequenceGivenMapping", kFedAvgScenario, "roles: [data]", "roles: {data: true}", 6, "organizations[1].roles",
     "expected a sequence"},
    {"EmptyValue", kFedAvgScenario, "strategy: fedavg", "strategy:", 20, "plan.strategy", "got an empty value"},
    {"UnknownStrategy", kFedAvgScenario, "strategy: fedavg", "strategy: fedprox", 20, "plan.strategy",
     "expected one of fedavg, cyclic, composite, explicit"},
    {"UnknownInputKind", kFedAvgScenario, "{kind: data_manager}", "{kind: opener}", 13,
     "functions[0].inputs.opener.kind", "expected one of model, data_manager, data_sample"},
    {"UnknownRole", kFedAvgScenario, "roles: [aggregator]", "roles: [aggregator, trainer]", 4,
     "organizations[0].roles[1]", "expected one of aggregator, data"},

    // Missing required keys.
    {"MissingOrganizationId", kFedAvgScenario, "  - id: HospitalMSP\n", "  -\n", 6, "organizations[1].id",
     "missing required key"},
    {"MissingPlan", kFedAvgScenario, "plan:\n  strategy: fedavg\n  rounds: 3\n", "", 1, "plan",
     "missing required key"},
    {"MissingInputKind", kFedAvgScenario, "{kind: data_manager}", "{}", 13, "functions[0].inputs.opener.kind",
     "missing required key"},
    {"MissingCheckStatus", kExplicitScenario, "{task: aggregate-1, status: done}", "{task: aggregate-1}", 43,
     "expect.checks[0].status", "missing required key"},

    // Undefined organisations.
    {"DataOfUndefinedOrganization", kFedAvgScenario, "  - organization: HospitalMSP",
     "  - organization: HospitalMPS", 8, "data[0].organization",
     "organization \"HospitalMPS\" is not defined in organizations"},
    {"UndefinedPlanOwner", kFedAvgScenario, "  rounds: 3", "  rounds: 3\n  owner: Nobody", 22, "plan.owner",
     "organization \"Nobody\" is not defined"},
    {"UndefinedTaskWorker", kExplicitScenario, "worker: AggregatorMSP", "worker: AggregatorMPS", 26,
     "plan.tasks[1].worker", "organization \"AggregatorMPS\" is not defined"},
    {"UndefinedInjectOrganization", kFedAvgScenario, "organization: HospitalMSP, round: 2",
     "organization: Hospital2MSP, round: 2", 27, "failures.inject[0].organization", "is not defined"},

    // Undefined functions, tasks and identifiers.
    {"UndefinedTaskFunction", kExplicitScenario, "function: aggregate\n", "function: aggregator\n", 25,
     "plan.tasks[1].function", "function \"aggregator\" is not defined in functions"},
    {"UndefinedInjectFunction", kFedAvgScenario, "{function: train,", "{function: trian,", 27,
     "failures.inject[0].function", "function \"trian\" is not defined"},
    {"UndefinedParentTask", kExplicitScenario, "parent: train-1,", "parent: train-9,", 29,
     "plan.tasks[1].inputs[0].parent", "task \"train-9\" is not defined in plan.tasks"},
    {"UndeclaredParentOutput", kExplicitScenario, "parent: aggregate-1, output: model}",
     "parent: aggregate-1, output: weights}", 36, "plan.tasks[2].inputs[0].output", "declares no output \"weights\""},
    {"UndeclaredInputIdentifier", kExplicitScenario, "{identifier: model, parent: train-1",
     "{identifier: models, parent: train-1", 29, "plan.tasks[1].inputs[0].identifier", "declares no input \"models\""},
    {"RequiredTaskInputMissing", kExplicitScenario,
     "      inputs:\n        - {identifier: model, parent: train-1, output: model}\n", "", 24, "plan.tasks[1]",
     "missing input \"model\""},
    {"UndefinedCheckedTask", kExplicitScenario, "{task: aggregate-1, status", "{task: aggregate-2, status", 43,
     "expect.checks[0].task", "task \"aggregate-2\" is not defined"},

    // Cycles in explicit graphs.
    {"TaskGraphCycle", kExplicitScenario, "{identifier: model, parent: train-1, output: model}",
     "{identifier: model, parent: train-1, output: model}\n"
     "        - {identifier: model, parent: train-2, output: model}",
     24, "plan.tasks[1]", "cycle: aggregate-1 -> train-2 -> aggregate-1"},
    {"TaskIsItsOwnParent", kExplicitScenario, "parent: train-1,", "parent: aggregate-1,", 24, "plan.tasks[1]",
     "cycle: aggregate-1 -> aggregate-1"},

    // Duplicate ids.
    {"DuplicateOrganizationId", kFedAvgScenario, "  - id: HospitalMSP", "  - id: AggregatorMSP", 5,
     "organizations[1].id", "duplicate organization id \"AggregatorMSP\" (first defined at line 3)"},
    {"DuplicateFunctionName", kFedAvgScenario, "    duration: {uniform: [30, 90]}\n",
     "    duration: {uniform: [30, 90]}\n  - name: train\n", 19, "functions[1].name", "duplicate function name"},
    {"DuplicateTaskId", kExplicitScenario, "    - id: train-2", "    - id: train-1", 30, "plan.tasks[2].id",
     "duplicate task id \"train-1\" (first defined at line 23)"},
    {"DuplicateDataEntry", kFedAvgScenario, "    samples: 2\n", "    samples: 2\n  - organization: HospitalMSP\n", 10,
     "data[1].organization", "already has data at line 8"},

    // Distributions.
    {"UniformMinAboveMax", kFedAvgScenario, "[30, 90]", "[90, 30]", 18, "functions[0].duration.uniform",
     "min 90 is greater than max 30"},
    {"UniformWithOneBound", kFedAvgScenario, "[30, 90]", "[30]", 18, "functions[0].duration.uniform",
     "expected [min, max]"},
    {"NegativeFixedDuration", kFedAvgScenario, "default: 60", "default: -5", 23, "durations.default",
     "must be at least 0"},
    {"NegativeStandardDeviation", kFedAvgScenario, "default: 60", "default: {normal: {mean: 60, stddev: -1}}", 23,
     "durations.default.normal.stddev", "must be at least 0"},
    {"TwoDistributionKinds", kFedAvgScenario, "default: 60", "default: {fixed: 60, uniform: [1, 2]}", 23,
     "durations.default", "expected exactly one of fixed, uniform or normal"},
    {"UnknownDistribution", kFedAvgScenario, "default: 60", "default: {exponential: 60}", 23,
     "durations.default.exponential", "unknown key"},

    // Probabilities.
    {"ProbabilityAboveOne", kFedAvgScenario, "probability: 0.1", "probability: 1.5", 25, "failures.probability",
     "must be between 0 and 1, got 1.5"},
    {"NegativeFunctionProbability", kFedAvgScenario, "    duration: {uniform: [30, 90]}",
     "    duration: {uniform: [30, 90]}\n    failure_probability: -0.2", 19, "functions[0].failure_probability",
     "between 0 and 1"},

    // Value ranges.
    {"ZeroRounds", kFedAvgScenario, "rounds: 3", "rounds: 0", 21, "plan.rounds", "must be at least 1, got 0"},
    {"ZeroSamples", kFedAvgScenario, "samples: 2", "samples: 0", 9, "data[0].samples", "must be at least 1"},
    {"ZeroComputeSlots", kFedAvgScenario, "    roles: [data]", "    roles: [data]\n    compute_slots: 0", 7,
     "organizations[1].compute_slots", "must be at least 1"},
    {"PlanTooLarge", kFedAvgScenario, "rounds: 3", "rounds: 2000000", 21, "plan.rounds", "more than the limit"},
    {"InjectAfterLastRound", kFedAvgScenario, "HospitalMSP, round: 2}", "HospitalMSP, round: 4}", 27,
     "failures.inject[0].round", "after the last round of the plan (rounds: 3)"},

    // Functions.
    {"DataManagerWithoutDataSample", kFedAvgScenario, "      datasamples: {kind: data_sample, multiple: true}\n", "",
     13, "functions[0].inputs.opener", "also needs a data_sample input"},
    {"MultiplePerformanceOutput", kFedAvgScenario, "      model: {kind: model}\n",
     "      model: {kind: model}\n      score: {kind: performance, multiple: true}\n", 18,
     "functions[0].outputs.score", "a performance output cannot be multiple"},
    {"RoleFunctionMissingOptional", kFedAvgScenario, "{kind: model, optional: true}", "{kind: model}", 11,
     "functions[0]", "input \"model\" must be optional"},
    {"RoleFunctionWrongOutputKind", kFedAvgScenario, "      model: {kind: model}\n    duration",
     "      model: {kind: performance}\n    duration", 11, "functions[0]",
     "output \"model\" has kind performance instead of model"},

    {"PerformanceCurveAboveOne", kFedAvgScenario, "expect:", "performance: {end: 1.2}\nexpect:", 28,
     "performance.end", "must be between 0 and 1"},
    {"FunctionInTwoRoles", kFedAvgScenario, "  rounds: 3", "  rounds: 3\n  roles: {predict: score, test: score}", 22,
     "plan.roles.test", "already plays the predict role"},

    // Organisations and strategies.
    {"DataOrganizationWithoutData", kFedAvgScenario, "data:\n  - organization: HospitalMSP\n    samples: 2\n",
     "data: []\n", 5,
     "organizations[1]", "has the data role but no entry in data"},
    {"FedAvgWithoutAggregator", kFedAvgScenario, "roles: [aggregator]", "roles: []", 20, "plan.strategy",
     "needs an organization with the aggregator role"},
    {"TasksWithStrategy", kFedAvgScenario, "  rounds: 3", "  rounds: 3\n  tasks: []", 22, "plan.tasks",
     "only allowed with strategy: explicit"},
    {"RoundsWithExplicitGraph", kExplicitScenario, "  strategy: explicit", "  strategy: explicit\n  rounds: 2", 22,
     "plan.rounds", "not used by the explicit strategy"},
    {"InjectOnAggregateAtDataOrganization", kFedAvgScenario, "{function: train, organization: HospitalMSP",
     "{function: aggregate, organization: HospitalMSP", 27, "failures.inject[0].organization",
     "aggregate tasks run on \"AggregatorMSP\""},
    {"InjectInRoundWithoutEvaluation", kFedAvgScenario,
     "  rounds: 3\ndurations:\n  default: 60\nfailures:\n  probability: 0.1\n  inject:\n"
     "    - {function: train, organization: HospitalMSP, round: 2}",
     "  rounds: 3\n  evaluation_every: 3\ndurations:\n  default: 60\nfailures:\n  probability: 0.1\n  inject:\n"
     "    - {function: test, organization: HospitalMSP, round: 2}",
     28, "failures.inject[0].round", "the plan does not evaluate in round 2 (evaluation_every: 3)"},
    {"RoleOfAnotherStrategy", kFedAvgScenario, "  rounds: 3", "  rounds: 3\n  roles: {composite: mix}", 22,
     "plan.roles.composite", "unknown key (allowed keys: train, aggregate, predict, test)"},
    {"TaskSelectorInStrategyPlan", kFedAvgScenario, "    - {function: train, organization: HospitalMSP, round: 2}",
     "    - {task: train-1}", 27, "failures.inject[0].task", "task ids exist only in explicit plans"},
    {"DataTaskOnOrganizationWithoutData", kExplicitScenario, "worker: HospitalMSP, data: true",
     "worker: AggregatorMSP, data: true", 23, "plan.tasks[0].data", "has no entry in data"},

    // YAML syntax and file structure.
    {"UnclosedFlowMapping", kFedAvgScenario, "{kind: data_manager}", "{kind: data_manager", 14, "",
     "invalid YAML"},
    {"ExtraFlowEnd", kFedAvgScenario, "roles: [data]", "roles: [data]]", 6, "", "invalid YAML: illegal flow end"},
    {"TwoDocuments", kFedAvgScenario, "name: base", "name: base\n---\nname: other", 3, "",
     "exactly one"},
};

std::string CaseName(const testing::TestParamInfo<ErrorCase>& param_info) { return param_info.param.name; }

INSTANTIATE_TEST_SUITE_P(Cases, ScenarioErrorTest, testing::ValuesIn(kErrorCases), CaseName);

TEST(ScenarioParse, EmptyTextIsRejected) {
  const std::string message = ErrorMessage([] { ParseScenario("", "empty.yaml"); });
  EXPECT_EQ(message.rfind("empty.yaml:1:1: ", 0), 0u) << message;
  EXPECT_NE(message.find("contains no scenario"), std::string::npos) << message;
}

TEST(ScenarioParse, SequenceAtTopLevelIsRejected) {
  const std::string message = ErrorMessage([] { ParseScenario("- name: a\n", "list.yaml"); });
  EXPECT_EQ(message.rfind("list.yaml:1:1: ", 0), 0u) << message;
  EXPECT_NE(message.find("got a sequence"), std::string::npos) << message;
}

TEST(ScenarioLoad, MissingFileNamesPathAndOsError) {
  const std::string path = DataFile("no-such-scenario.yaml");
  const std::string message = ErrorMessage([&] { LoadScenario(path); });
  EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
}

TEST(ScenarioLoad, DirectoryNamesPathAndOsError) {
  const std::string message = ErrorMessage([] { LoadScenario(ORC_TEST_DATA_DIR); });
  EXPECT_EQ(message.rfind(std::string(ORC_TEST_DATA_DIR) + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("Is a directory"), std::string::npos) << message;
}

// The malformed sample files state their defect in their first line.
struct FileCase {
  const char* file;
  int line;
  const char* path;
  const char* problem;
};

TEST(ScenarioLoad, MalformedFilesNameFileLineAndField) {
  const std::vector<FileCase> cases = {
      {"explicit-cycle.yaml", 25, "plan.tasks[1]", "cycle: aggregate-1 -> train-2 -> aggregate-1"},
      {"syntax-error.yaml", 5, "", "invalid YAML"},
      {"unknown-key.yaml", 8, "data[0].sample", "unknown key"},
      {"undefined-organization.yaml", 10, "plan.owner", "organization \"HospitalMPS\" is not defined"},
  };
  for (const FileCase& file_case : cases) {
    SCOPED_TRACE(file_case.file);
    const std::string path = DataFile(file_case.file);
    const std::string message = ErrorMessage([&] { LoadScenario(path); });
    EXPECT_EQ(message.rfind(path + ":" + std::to_string(file_case.line) + ":", 0), 0u) << message;
    if (*file_case.path != '\0') {
      EXPECT_NE(message.find(std::string(": ") + file_case.path + ": "), std::string::npos) << message;
    }
    EXPECT_NE(message.find(file_case.problem), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace orc::sim
