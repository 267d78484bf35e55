// Runs of the simulator on the in-process core: determinism, the shipped
// scenarios and the trace.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "sim/plan_builder.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

namespace orc::sim {
namespace {

// Every scenario shipped in scenarios/.
const std::vector<std::string> kShippedScenarios = {"mnist-fedavg.yaml", "cyclic.yaml", "composite.yaml",
                                                    "failure-cascade.yaml", "cancel-plan.yaml", "large-fedavg.yaml"};

std::string ScenarioPath(const std::string& name) { return std::string(ORC_SOURCE_DIR) + "/scenarios/" + name; }

std::vector<std::string> TraceOf(const Scenario& scenario, std::optional<std::uint64_t> seed = std::nullopt) {
  std::vector<std::string> lines;
  RunOptions options;
  options.seed = seed;
  options.trace_sink = [&lines](const std::string& line) { lines.push_back(line); };
  RunInMemory(scenario, options);
  return lines;
}

TEST(SimulatorTest, SameSeedGivesSameTraceHashTenTimes) {
  Scenario scenario = LoadScenario(ScenarioPath("mnist-fedavg.yaml"));
  std::string first = RunInMemory(scenario, {}).trace_hash;
  ASSERT_EQ(first.size(), 16u);
  for (int run = 1; run < 10; ++run) {
    EXPECT_EQ(RunInMemory(scenario, {}).trace_hash, first) << "run " << run;
  }
}

TEST(SimulatorTest, SameSeedGivesSameTraceLines) {
  Scenario scenario = LoadScenario(ScenarioPath("failure-cascade.yaml"));
  EXPECT_EQ(TraceOf(scenario), TraceOf(scenario));
}

TEST(SimulatorTest, DifferentSeedGivesDifferentTrace) {
  Scenario scenario = LoadScenario(ScenarioPath("mnist-fedavg.yaml"));
  RunOptions other;
  other.seed = scenario.seed + 1;
  RunResult base = RunInMemory(scenario, {});
  RunResult changed = RunInMemory(scenario, other);
  EXPECT_NE(base.trace_hash, changed.trace_hash);
  EXPECT_NE(TraceOf(scenario), TraceOf(scenario, scenario.seed + 1));
  // The outcome does not depend on the seed: only timings and keys do.
  EXPECT_EQ(changed.plan_status, "done");
  EXPECT_TRUE(changed.unmet_expectations.empty());
}

TEST(SimulatorTest, TraceHasOneLinePerApiCall) {
  Scenario scenario = LoadScenario(ScenarioPath("mnist-fedavg.yaml"));
  std::vector<std::string> lines;
  RunOptions options;
  options.trace_sink = [&lines](const std::string& line) { lines.push_back(line); };
  RunResult result = RunInMemory(scenario, options);
  EXPECT_EQ(lines.size(), result.api_calls);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "0.000000 MyOrg1MSP RegisterOrganization MyOrg1MSP OK");
  for (const std::string& line : lines) {
    std::size_t fields = std::count(line.begin(), line.end(), ' ') + 1;
    EXPECT_GE(fields, 5u) << line;
  }
}

// Every scenario shipped in scenarios/ meets the expectations it states.
class ShippedScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedScenarioTest, MeetsItsExpectations) {
  Scenario scenario = LoadScenario(ScenarioPath(GetParam()));
  RunResult result = RunInMemory(scenario, {});
  for (const std::string& unmet : result.unmet_expectations) ADD_FAILURE() << unmet;
  EXPECT_GT(result.task_count, 0);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedScenarioTest,
                         ::testing::ValuesIn(kShippedScenarios),
                         [](const auto& test_info) {
                           std::string name = test_info.param.substr(0, test_info.param.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(SimulatorTest, ShippedScenarioListIsComplete) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(ORC_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() == ".yaml") files.insert(entry.path().filename().string());
  }
  std::set<std::string> tested(kShippedScenarios.begin(), kShippedScenarios.end());
  EXPECT_EQ(files, tested) << "add new scenarios to ShippedScenarioTest";
}

TEST(SimulatorTest, FailureCascadeLeavesChildrenWaiting) {
  Scenario scenario = LoadScenario(ScenarioPath("failure-cascade.yaml"));
  RunResult result = RunInMemory(scenario, {});
  EXPECT_EQ(result.plan_status, "failed");
  EXPECT_TRUE(result.plan_running);
  EXPECT_EQ(result.tasks_by_status["failed"], 1);
  EXPECT_GT(result.tasks_by_status["waiting"], 0);
  EXPECT_EQ(result.tasks_by_status["todo"], 0);
  EXPECT_EQ(result.tasks_by_status["doing"], 0);
}

TEST(SimulatorTest, CanceledPlanHasNoActiveTask) {
  Scenario scenario = LoadScenario(ScenarioPath("cancel-plan.yaml"));
  RunResult result = RunInMemory(scenario, {});
  EXPECT_EQ(result.plan_status, "canceled");
  EXPECT_FALSE(result.plan_running);
  EXPECT_GT(result.tasks_by_status["canceled"], 0);
}

TEST(SimulatorTest, UnmetExpectationIsReported) {
  Scenario scenario = LoadScenario(ScenarioPath("mnist-fedavg.yaml"));
  scenario.expect.plan_status = "failed";
  scenario.expect.tasks["done"] = 1;
  RunResult result = RunInMemory(scenario, {});
  ASSERT_EQ(result.unmet_expectations.size(), 2u);
  EXPECT_EQ(result.unmet_expectations[0], "plan_status: expected failed, got done");
  EXPECT_EQ(result.unmet_expectations[1], "tasks.done: expected 1, got 35");
}

TEST(SimulatorTest, PerformancesCoverEveryRoundAndDataOrganization) {
  Scenario scenario = LoadScenario(ScenarioPath("mnist-fedavg.yaml"));
  RunResult result = RunInMemory(scenario, {});
  std::set<std::pair<int, std::string>> seen;
  for (const PerformanceRow& row : result.performances) {
    seen.emplace(row.round, row.organization);
    EXPECT_GT(row.value, 0.0);
    EXPECT_LE(row.value, 1.0);
  }
  for (int round = 1; round <= 5; ++round) {
    EXPECT_TRUE(seen.contains({round, "MyOrg2MSP"})) << round;
    EXPECT_TRUE(seen.contains({round, "MyOrg3MSP"})) << round;
  }
}

// With random failures, every run still ends: each task is finished or
// waits behind a failed parent, and no call the agents make is rejected.
TEST(SimulatorTest, RandomFailuresLeaveNoTaskRunning) {
  for (const char* name : {"mnist-fedavg.yaml", "composite.yaml", "cyclic.yaml"}) {
    Scenario scenario = LoadScenario(ScenarioPath(name));
    scenario.expect = {};
    for (FunctionSpec& function : scenario.functions) function.failure_probability = 0.05;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      RunOptions options;
      options.seed = seed;
      RunResult result = RunInMemory(scenario, options);
      EXPECT_EQ(result.failed_calls, 0u) << name << " seed " << seed;
      EXPECT_EQ(result.tasks_by_status["todo"], 0) << name << " seed " << seed;
      EXPECT_EQ(result.tasks_by_status["doing"], 0) << name << " seed " << seed;
      EXPECT_TRUE(result.stop_reason.empty()) << name << " seed " << seed;
      bool failed = result.tasks_by_status["failed"] > 0;
      EXPECT_EQ(result.plan_status, failed ? "failed" : "done") << name << " seed " << seed;
      EXPECT_EQ(result.plan_running, result.tasks_by_status["waiting"] > 0) << name << " seed " << seed;
    }
  }
}

TEST(PlanBuilderTest, FedAvgRoundHasTrainAggregateAndEvaluation) {
  Scenario scenario = LoadScenario(ScenarioPath("mnist-fedavg.yaml"));
  scenario.plan.rounds = 1;
  std::vector<PlannedTask> plan = BuildPlan(scenario);
  std::vector<std::string> labels;
  for (const PlannedTask& task : plan) labels.push_back(task.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"train/MyOrg2MSP/r1", "train/MyOrg3MSP/r1", "aggregate/MyOrg1MSP/r1",
                                              "predict/MyOrg2MSP/r1", "test/MyOrg2MSP/r1", "predict/MyOrg3MSP/r1",
                                              "test/MyOrg3MSP/r1"}));
  ASSERT_EQ(plan[2].inputs.size(), 2u);
  EXPECT_EQ(plan[2].inputs[0].parent, 0);
  EXPECT_EQ(plan[2].inputs[1].parent, 1);
}

TEST(PlanBuilderTest, ParentsComeBeforeChildren) {
  for (const char* name : {"mnist-fedavg.yaml", "cyclic.yaml", "composite.yaml"}) {
    Scenario scenario = LoadScenario(ScenarioPath(name));
    std::vector<PlannedTask> plan = BuildPlan(scenario);
    for (std::size_t i = 0; i < plan.size(); ++i) {
      for (const PlannedInput& input : plan[i].inputs) {
        EXPECT_LT(input.parent, static_cast<int>(i)) << name << " " << plan[i].label;
      }
    }
  }
}

}  // namespace
}  // namespace orc::sim
