// Faults, the invariant checker, the scenario writer and the shrinker.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"
#include "sim/fault_runs.h"
#include "sim/scenario.h"
#include "sim/scenario_writer.h"
#include "sim/simulator.h"

namespace orc::sim {
namespace {

namespace pb = ::orchestrator;

Scenario Shipped(const std::string& name) { return LoadScenario(std::string(ORC_SOURCE_DIR) + "/scenarios/" + name); }

TestFaults PlantedBug() {
  TestFaults faults;
  faults.promote_on_any_parent_done = true;
  return faults;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

TEST(FaultScenario, ParsesEveryFault) {
  Scenario scenario = ParseScenario(R"(
name: faulty
organizations: [{id: A, roles: [aggregator, data]}]
data: [{organization: A}]
plan: {strategy: cyclic, rounds: 1}
faults:
  agent_crash: {probability: 0.1, restart_after: 5}
  lost_response: {probability: 0.2}
  duplicate_request: {probability: 0.3}
  server_restart: {probability: 0.4}
  partition: {probability: 0.5, duration: {uniform: [1, 2]}}
  slow_response: {probability: 0.6, delay: 3}
)",
                                    "faulty.yaml");
  const FaultSpec& faults = scenario.faults;
  EXPECT_EQ(faults.agent_crash, 0.1);
  EXPECT_EQ(faults.agent_restart_delay.a, 5);
  EXPECT_EQ(faults.lost_response, 0.2);
  EXPECT_EQ(faults.duplicate_request, 0.3);
  EXPECT_EQ(faults.server_restart, 0.4);
  EXPECT_EQ(faults.partition, 0.5);
  EXPECT_EQ(faults.partition_duration.kind, Distribution::Kind::kUniform);
  EXPECT_EQ(faults.partition_duration.b, 2);
  EXPECT_EQ(faults.slow_response, 0.6);
  EXPECT_EQ(faults.slow_delay.a, 3);
}

TEST(FaultScenario, RejectsBadFaults) {
  const std::string head = R"(
name: faulty
organizations: [{id: A, roles: [aggregator, data]}]
data: [{organization: A}]
plan: {strategy: cyclic, rounds: 1}
)";
  const std::pair<std::string, std::string> cases[] = {
      {"faults: {lost: {probability: 0.1}}", "faults.lost: unknown key"},
      {"faults: {lost_response: {probability: 1.5}}", "faults.lost_response.probability"},
      {"faults: {lost_response: {}}", "faults.lost_response.probability: missing required key"},
      {"faults: {lost_response: {probability: 0.1, delay: 3}}", "faults.lost_response.delay: unknown key"},
  };
  for (const auto& [text, message] : cases) {
    try {
      ParseScenario(head + text + "\n", "faulty.yaml");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ScenarioError& error) {
      EXPECT_NE(std::string(error.what()).find(message), std::string::npos) << error.what();
    }
  }
}

TEST(ScenarioWriter, RoundTripsShippedScenarios) {
  for (const char* name : {"mnist-fedavg.yaml", "cyclic.yaml", "composite.yaml", "failure-cascade.yaml",
                           "cancel-plan.yaml", "large-fedavg.yaml"}) {
    Scenario scenario = Shipped(name);
    scenario.faults = EveryFault();
    std::string written = WriteScenario(scenario, "comment line", true);
    Scenario reread = ParseScenario(written, name);
    EXPECT_EQ(WriteScenario(reread, "comment line", true), written) << name;
  }
}

TEST(ScenarioWriter, ExplicitGraphRunsLikeStrategy) {
  Scenario strategy = Shipped("failure-cascade.yaml");
  Scenario graph = ParseScenario(WriteScenario(ToExplicitGraph(strategy), "", true), "graph.yaml");
  RunResult by_strategy = RunInMemory(strategy, {});
  RunResult by_graph = RunInMemory(graph, {});
  EXPECT_EQ(by_graph.task_count, by_strategy.task_count);
  EXPECT_EQ(by_graph.tasks_by_status, by_strategy.tasks_by_status);
  EXPECT_EQ(by_graph.plan_status, by_strategy.plan_status);
}

TEST(FaultRun, SameSeedSameTrace) {
  Scenario scenario = Shipped("mnist-fedavg.yaml");
  scenario.faults = EveryFault();
  CheckedRun first = RunChecked(scenario, 7, {});
  CheckedRun second = RunChecked(scenario, 7, {});
  EXPECT_GT(first.result.faults_injected, 0u);
  EXPECT_EQ(first.result.trace_hash, second.result.trace_hash);
  EXPECT_EQ(first.trace, second.trace);
}

TEST(FaultRun, EveryFaultKeepsInvariants) {
  Scenario scenario = Shipped("mnist-fedavg.yaml");
  scenario.faults = EveryFault();
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CheckedRun run = RunChecked(scenario, seed, {});
    EXPECT_TRUE(run.result.violations.empty()) << "seed " << seed << ":\n" << Joined(run.result.violations);
    EXPECT_TRUE(run.result.unmet_expectations.empty()) << "seed " << seed << ":\n"
                                                       << Joined(run.result.unmet_expectations);
    EXPECT_EQ(run.result.plan_status, "done") << "seed " << seed;
  }
}

// Each fault alone, at a high rate, still lets the plan finish.
TEST(FaultRun, EachFaultAloneFinishesPlan) {
  const std::pair<const char*, double FaultSpec::*> faults[] = {
      {"agent_crash", &FaultSpec::agent_crash},       {"lost_response", &FaultSpec::lost_response},
      {"duplicate_request", &FaultSpec::duplicate_request}, {"server_restart", &FaultSpec::server_restart},
      {"partition", &FaultSpec::partition},           {"slow_response", &FaultSpec::slow_response}};
  for (const auto& [name, field] : faults) {
    Scenario scenario = Shipped("mnist-fedavg.yaml");
    scenario.faults.*field = 0.2;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      CheckedRun run = RunChecked(scenario, seed, {});
      EXPECT_GT(run.result.faults_injected, 0u) << name << " seed " << seed;
      EXPECT_TRUE(run.result.violations.empty()) << name << " seed " << seed << ":\n"
                                                 << Joined(run.result.violations);
      EXPECT_EQ(run.result.plan_status, "done") << name << " seed " << seed;
      EXPECT_EQ(run.result.tasks_by_status["done"], 35) << name << " seed " << seed;
      EXPECT_EQ(run.result.performances.size(), 10u) << name << " seed " << seed;
    }
  }
}

// Runs mnist-fedavg with `scenario`'s faults and counts every asset created,
// through the API: each must exist exactly as often as the scenario asks.
void ExpectNoDuplicates(const Scenario& scenario, std::uint64_t seed) {
  persistence::MemoryStore store;
  VirtualClock clock;
  Orchestrator core(store, clock);
  RunOptions options;
  options.seed = seed;
  RunResult result = RunScenario(scenario, core, &clock, options);
  ASSERT_GT(result.faults_injected, 10u);

  RequestContext reader{"MyOrg1MSP", scenario.channel};
  pb::QueryEventsParam query;
  query.set_page_size(10000);
  auto events = core.QueryEvents(reader, query);
  ASSERT_TRUE(events.ok());
  std::map<pb::AssetKind, int> created;
  std::map<std::string, int> outputs;  // "task|identifier" -> assets
  for (const pb::Event& event : events->events()) {
    if (event.event_kind() != pb::EVENT_ASSET_CREATED) continue;
    ++created[event.asset_kind()];
    if (event.has_compute_task_output_asset()) {
      const pb::ComputeTaskOutputAsset& asset = event.compute_task_output_asset();
      ++outputs[asset.compute_task_key() + "|" + asset.compute_task_output_identifier()];
    }
  }
  EXPECT_EQ(created[pb::ASSET_ORGANIZATION], 3) << "seed " << seed;
  EXPECT_EQ(created[pb::ASSET_DATA_MANAGER], 2) << "seed " << seed;
  EXPECT_EQ(created[pb::ASSET_DATA_SAMPLE], 4) << "seed " << seed;
  EXPECT_EQ(created[pb::ASSET_FUNCTION], 4) << "seed " << seed;
  EXPECT_EQ(created[pb::ASSET_COMPUTE_PLAN], 1) << "seed " << seed;
  EXPECT_EQ(created[pb::ASSET_COMPUTE_TASK], 35) << "seed " << seed;
  // 25 model outputs (train, aggregate, predict) and 10 performances.
  EXPECT_EQ(created[pb::ASSET_MODEL], 25) << "seed " << seed;
  EXPECT_EQ(created[pb::ASSET_PERFORMANCE], 10) << "seed " << seed;
  EXPECT_EQ(outputs.size(), 35u) << "seed " << seed;
  for (const auto& [output, count] : outputs) EXPECT_EQ(count, 1) << output << " seed " << seed;
  EXPECT_EQ(result.tasks_by_status["done"], 35) << "seed " << seed;
}

// Many requests are lost after being applied, or delivered twice.
TEST(FaultRun, LostAndDuplicatedRequestsCreateNoDuplicates) {
  Scenario scenario = Shipped("mnist-fedavg.yaml");
  scenario.faults.lost_response = 0.3;
  scenario.faults.duplicate_request = 0.3;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) ExpectNoDuplicates(scenario, seed);
}

// Every request of the scenario reaches the server twice.
TEST(FaultRun, EveryRequestSentTwiceCreatesNoDuplicates) {
  Scenario scenario = Shipped("mnist-fedavg.yaml");
  scenario.faults.duplicate_request = 1.0;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) ExpectNoDuplicates(scenario, seed);
}

TEST(InvariantChecker, CatchesEarlyPromotion) {
  Scenario scenario = Shipped("mnist-fedavg.yaml");
  CheckedRun run = RunChecked(scenario, 1, PlantedBug());
  ASSERT_FALSE(run.result.violations.empty());
  EXPECT_NE(run.result.violations.front().find("is TODO while a parent is not DONE"), std::string::npos)
      << run.result.violations.front();
  EXPECT_GT(run.result.api_calls_at_violation, 0u);
}

TEST(InvariantChecker, CleanCoreRunsClean) {
  for (const char* name : {"mnist-fedavg.yaml", "cyclic.yaml", "composite.yaml", "failure-cascade.yaml",
                           "cancel-plan.yaml"}) {
    CheckedRun run = RunChecked(Shipped(name), 1, {});
    EXPECT_TRUE(run.result.violations.empty()) << name << ":\n" << Joined(run.result.violations);
  }
}

TEST(Shrink, ReducesPlantedBugToFewCalls) {
  Scenario scenario = Shipped("mnist-fedavg.yaml");
  scenario.faults = EveryFault();
  auto result = Shrink(scenario, 1, PlantedBug(), [](const std::string&) {});
  ASSERT_TRUE(result.has_value());
  EXPECT_LE(result->run.api_calls_at_violation, 20u);
  EXPECT_LE(result->scenario.plan.tasks.size(), 3u);
  EXPECT_FALSE(result->scenario.faults.Any());

  // The written scenario reads back and fails the same way, and only with
  // the bug.
  Scenario reread = ParseScenario(WriteScenario(result->scenario, "", false), "shrunk.yaml");
  CheckedRun with_bug = RunChecked(reread, 1, PlantedBug());
  ASSERT_FALSE(with_bug.result.violations.empty());
  EXPECT_LE(with_bug.result.api_calls_at_violation, 20u);
  CheckedRun without_bug = RunChecked(reread, 1, {});
  EXPECT_TRUE(without_bug.result.violations.empty()) << Joined(without_bug.result.violations);
}

TEST(Shrink, CleanRunHasNothingToShrink) {
  EXPECT_FALSE(Shrink(Shipped("cyclic.yaml"), 1, {}, [](const std::string&) {}).has_value());
}

}  // namespace
}  // namespace orc::sim
