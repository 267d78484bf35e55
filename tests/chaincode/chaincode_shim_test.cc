// The chaincode server over gRPC, driven by a test peer that speaks the
// peer's side of the shim protocol: handshake, transactions, state calls,
// range iterators, events, errors and transactions in flight together.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "chaincode/json.h"
#include "chaincode/shim.h"
#include "chaincode/testing/chaincode_api.h"
#include "chaincode/testing/test_peer.h"
#include "sim/scenario.h"
#include "sim/simulator.h"
#include "unit/test_helpers.h"

namespace orc::chaincode {
namespace {

using testing::ChaincodeApi;
using testing::Outcome;
using testing::TestPeer;
using testing::WorldState;
using test::kChannel;
using test::kOrg1;
using test::kOrg2;
using test::Ok;

constexpr char kPackageId[] = "orchestrator_1.0:0123456789abcdef";
constexpr char kOrg3[] = "MyOrg3MSP";
using Message = protos::ChaincodeMessage;

class ChaincodeShimTest : public ::testing::Test {
 protected:
  // Range results come 3 at a time, so that scans need QUERY_STATE_NEXT.
  static constexpr std::size_t kRangeBatch = 3;

  ChaincodeShimTest() : service_(ShimOptions{kPackageId, ContractOptions{"test-version"}}) {
    int port = 0;
    server_ = StartChaincodeServer("127.0.0.1:0", service_, &port);
    if (server_ == nullptr || port == 0) throw std::runtime_error("cannot start the chaincode server");
    address_ = "127.0.0.1:" + std::to_string(port);
    peer_ = std::make_unique<TestPeer>(address_, world_, kRangeBatch);
    api_ = std::make_unique<ChaincodeApi>(*peer_, clock_);
  }

  ~ChaincodeShimTest() override {
    api_.reset();
    peer_.reset();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  static RequestContext As(const std::string& organization) { return RequestContext{organization, kChannel}; }

  void RegisterOrganizations() {
    for (const char* organization : {kOrg1, kOrg2, kOrg3}) {
      Ok(api_->RegisterOrganization(As(organization), pb::RegisterOrganizationParam()));
    }
  }

  ManualClock clock_{test::kStartTime, test::kClockStep};
  WorldState world_;
  ChaincodeService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<TestPeer> peer_;
  std::unique_ptr<ChaincodeApi> api_;
};

TEST_F(ChaincodeShimTest, RegistersWithPackageId) { EXPECT_EQ(peer_->registered_name(), kPackageId); }

TEST_F(ChaincodeShimTest, TaskRunsToDone) {
  RegisterOrganizations();
  auto organizations = Ok(api_->GetAllOrganizations(As(kOrg2), pb::GetAllOrganizationsParam()));
  ASSERT_EQ(organizations.organizations_size(), 3);

  pb::Function function = Ok(api_->RegisterFunction(As(kOrg1), test::NewFunctionRequest(test::KeyNumber(1))));
  pb::DataManager data_manager =
      Ok(api_->RegisterDataManager(As(kOrg1), test::NewDataManagerRequest(test::KeyNumber(2))));
  pb::RegisterDataSamplesParam samples;
  *samples.add_samples() = test::NewDataSampleRequest(test::KeyNumber(3), {data_manager.key()});
  *samples.add_samples() = test::NewDataSampleRequest(test::KeyNumber(4), {data_manager.key()});
  ASSERT_EQ(Ok(api_->RegisterDataSamples(As(kOrg1), samples)).data_samples_size(), 2);
  pb::ComputePlan plan = Ok(api_->RegisterPlan(As(kOrg1), test::NewPlanRequest(test::KeyNumber(5))));

  pb::RegisterTasksParam tasks;
  *tasks.add_tasks() = test::TrainTaskRequest(test::KeyNumber(6), plan.key(), function.key(),
                                              test::TaskData{data_manager.key(), test::KeyNumber(3)});
  *tasks.add_tasks() = test::TrainTaskRequest(test::KeyNumber(7), plan.key(), function.key(),
                                              test::TaskData{data_manager.key(), test::KeyNumber(4)},
                                              test::KeyNumber(6));
  auto registered = Ok(api_->RegisterTasks(As(kOrg1), tasks));
  ASSERT_EQ(registered.tasks_size(), 2);
  EXPECT_EQ(registered.tasks(0).status(), pb::STATUS_TODO);
  EXPECT_EQ(registered.tasks(1).status(), pb::STATUS_WAITING);

  const std::string first = test::KeyNumber(6);
  pb::ApplyTaskActionParam action;
  action.set_compute_task_key(first);
  action.set_action(pb::TASK_ACTION_DOING);
  Ok(api_->ApplyTaskAction(As(kOrg1), action));
  Ok(api_->RegisterModel(As(kOrg1), test::NewModelRequest(test::KeyNumber(8), first, "model")));
  action.set_action(pb::TASK_ACTION_DONE);
  Ok(api_->ApplyTaskAction(As(kOrg1), action));

  pb::GetTaskParam get;
  get.set_key(first);
  EXPECT_EQ(Ok(api_->GetTask(As(kOrg2), get)).status(), pb::STATUS_DONE);
  get.set_key(test::KeyNumber(7));
  EXPECT_EQ(Ok(api_->GetTask(As(kOrg2), get)).status(), pb::STATUS_TODO) << "the child is promoted";

  pb::IsPlanRunningParam running;
  running.set_key(plan.key());
  EXPECT_TRUE(Ok(api_->IsPlanRunning(As(kOrg1), running)).is_running());

  pb::QueryTasksParam query;
  query.mutable_filter()->set_compute_plan_key(plan.key());
  query.set_page_size(1);
  auto page = Ok(api_->QueryTasks(As(kOrg1), query));
  ASSERT_EQ(page.tasks_size(), 1);
  EXPECT_EQ(page.tasks(0).key(), first);
  EXPECT_FALSE(page.next_page_token().empty());

  // QueryEvents returns what the chaincode events delivered, in order.
  pb::QueryEventsParam events_query;
  events_query.set_page_size(1000);
  auto queried = Ok(api_->QueryEvents(As(kOrg1), events_query));
  auto replayed = Ok(api_->ReadEvents(As(kOrg1), "", 1000));
  ASSERT_EQ(queried.events_size(), static_cast<int>(replayed.events.size()));
  for (int i = 0; i < queried.events_size(); ++i) {
    EXPECT_EQ(queried.events(i).id(), replayed.events[i].id()) << "event " << i;
    EXPECT_TRUE(test::ProtoEquals(replayed.events[i], queried.events(i)));
  }
  EXPECT_EQ(queried.events(0).asset_kind(), pb::ASSET_ORGANIZATION);

  // The asset filter uses its own index and must return the same events.
  events_query.mutable_filter()->set_asset_key(first);
  auto of_task = Ok(api_->QueryEvents(As(kOrg1), events_query));
  std::vector<std::string> expected_ids;
  for (const pb::Event& event : replayed.events) {
    if (event.asset_key() == first) expected_ids.push_back(event.id());
  }
  ASSERT_EQ(of_task.events_size(), static_cast<int>(expected_ids.size()));
  EXPECT_GE(of_task.events_size(), 3) << "created, DOING, DONE";
  for (int i = 0; i < of_task.events_size(); ++i) EXPECT_EQ(of_task.events(i).id(), expected_ids[i]);
  events_query.set_sort(pb::DESCENDING);
  auto newest_first = Ok(api_->QueryEvents(As(kOrg1), events_query));
  ASSERT_EQ(newest_first.events_size(), of_task.events_size());
  EXPECT_EQ(newest_first.events(0).id(), expected_ids.back());
  EXPECT_EQ(queried.events(queried.events_size() - 1).asset_kind(), pb::ASSET_COMPUTE_TASK);
}

TEST_F(ChaincodeShimTest, RangeScansUseIterators) {
  RegisterOrganizations();
  for (int i = 0; i < 7; ++i) {
    Ok(api_->RegisterDataManager(As(kOrg1), test::NewDataManagerRequest(test::KeyNumber(10 + i))));
  }
  pb::QueryDataManagersParam query;
  query.set_page_size(100);
  Outcome outcome = api_->Call(As(kOrg1), "orchestrator.datamanager:QueryDataManagers", ToJson(query), false);
  ASSERT_TRUE(outcome.ok()) << outcome.response.message();
  EXPECT_GE(outcome.calls[Message::QUERY_STATE_NEXT], 2) << "7 entries in batches of 3";
  EXPECT_TRUE(outcome.writes.empty());

  // A page that ends early closes the iterator.
  query.set_page_size(1);
  outcome = api_->Call(As(kOrg1), "orchestrator.datamanager:QueryDataManagers", ToJson(query), false);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.calls[Message::QUERY_STATE_CLOSE], 1);
  EXPECT_EQ(nlohmann::json::parse(nlohmann::json::parse(outcome.response.payload())["msg"].get<std::string>())
                ["dataManagers"]
                    .size(),
            1u);
}

TEST_F(ChaincodeShimTest, BadRequestReturnsCodeAndChangesNothing) {
  RegisterOrganizations();
  const WorldState before = world_;

  pb::NewFunction invalid = test::NewFunctionRequest("not-a-uuid");
  Outcome outcome = api_->Call(As(kOrg1), "orchestrator.function:RegisterFunction", ToJson(invalid), true);
  EXPECT_EQ(outcome.type, Message::COMPLETED);
  EXPECT_EQ(outcome.response.status(), 500);
  EXPECT_TRUE(outcome.response.message().starts_with("OE0101: ")) << outcome.response.message();
  EXPECT_TRUE(outcome.writes.empty());
  EXPECT_FALSE(outcome.event.has_value());

  pb::GetFunctionParam missing;
  missing.set_key(test::KeyNumber(99));
  test::ExpectError(api_->GetFunction(As(kOrg1), missing), ErrorKind::kNotFound, test::KeyNumber(99));

  outcome = api_->Call(As(kOrg1), "orchestrator.function:Unknown", "{}", true);
  EXPECT_EQ(outcome.response.status(), 500);
  EXPECT_TRUE(outcome.response.message().starts_with("OE0010: ")) << outcome.response.message();

  EXPECT_EQ(world_, before);
}

TEST_F(ChaincodeShimTest, PermissionDeniedNamesOrganisation) {
  RegisterOrganizations();
  pb::Function function = Ok(api_->RegisterFunction(As(kOrg1), test::NewFunctionRequest(test::KeyNumber(1))));
  pb::UpdateFunctionParam update;
  update.set_key(function.key());
  update.set_name("renamed");
  test::ExpectError(api_->UpdateFunction(As(kOrg2), update), ErrorKind::kPermissionDenied, kOrg2);
}

TEST_F(ChaincodeShimTest, TransactionsRunConcurrently) {
  RegisterOrganizations();
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::vector<Outcome> outcomes(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      outcomes[i] = api_->Call(As(kOrg1), "orchestrator.datamanager:RegisterDataManager",
                               ToJson(test::NewDataManagerRequest(test::KeyNumber(100 + i))), true);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_TRUE(outcomes[i].ok()) << i << ": " << outcomes[i].response.message();
    EXPECT_EQ(outcomes[i].validation, testing::Validation::kValid) << i;
  }

  pb::QueryDataManagersParam query;
  query.set_page_size(100);
  EXPECT_EQ(Ok(api_->QueryDataManagers(As(kOrg2), query)).data_managers_size(), kThreads);
}

TEST_F(ChaincodeShimTest, SecondPeerEndorsesAlike) {
  RegisterOrganizations();
  Ok(api_->RegisterFunction(As(kOrg1), test::NewFunctionRequest(test::KeyNumber(1))));
  WorldState copy = world_;
  TestPeer other(address_, copy, 100);

  testing::Proposal proposal;
  proposal.txid = "endorse-1";
  proposal.msp_id = kOrg1;
  proposal.time = test::kStartTime + 500;
  proposal.args = testing::OrchestratorArgs("orchestrator.datamanager:RegisterDataManager",
                                            ToJson(test::NewDataManagerRequest(test::KeyNumber(2))));
  Outcome first = peer_->Execute(proposal);
  Outcome second = other.Execute(proposal);
  ASSERT_TRUE(first.ok()) << first.response.message();
  EXPECT_EQ(first.response.SerializeAsString(), second.response.SerializeAsString());
  EXPECT_EQ(first.writes, second.writes);
  ASSERT_TRUE(first.event.has_value());
  ASSERT_TRUE(second.event.has_value());
  EXPECT_EQ(first.event->SerializeAsString(), second.event->SerializeAsString());
}

TEST_F(ChaincodeShimTest, ConcurrentDuplicateFailsValidation) {
  // Both proposals are endorsed against the same state, so both succeed;
  // the read set of the second no longer holds once the first commits.
  RegisterOrganizations();
  testing::Proposal first;
  first.txid = "duplicate-1";
  first.msp_id = kOrg1;
  first.time = test::kStartTime;
  first.args = testing::OrchestratorArgs("orchestrator.datamanager:RegisterDataManager",
                                         ToJson(test::NewDataManagerRequest(test::KeyNumber(1))));
  testing::Proposal second = first;
  second.txid = "duplicate-2";

  Outcome a = peer_->Execute(first);
  Outcome b = peer_->Execute(second);
  ASSERT_TRUE(a.ok()) << a.response.message();
  ASSERT_TRUE(b.ok()) << b.response.message();
  EXPECT_EQ(peer_->Commit(kChannel, a), testing::Validation::kValid);
  EXPECT_EQ(peer_->Commit(kChannel, b), testing::Validation::kMvccReadConflict);
}

TEST_F(ChaincodeShimTest, IndependentRegistrationsBothCommit) {
  // Registrations of different data managers share no key, so Fabric can
  // commit them in one block.
  RegisterOrganizations();
  std::vector<Outcome> outcomes;
  for (int i = 0; i < 2; ++i) {
    testing::Proposal proposal;
    proposal.txid = "independent-" + std::to_string(i);
    proposal.msp_id = kOrg1;
    proposal.time = test::kStartTime + i;
    proposal.args = testing::OrchestratorArgs("orchestrator.datamanager:RegisterDataManager",
                                              ToJson(test::NewDataManagerRequest(test::KeyNumber(10 + i))));
    outcomes.push_back(peer_->Execute(proposal));
    ASSERT_TRUE(outcomes.back().ok()) << outcomes.back().response.message();
  }
  EXPECT_EQ(peer_->Commit(kChannel, outcomes[0]), testing::Validation::kValid);
  EXPECT_EQ(peer_->Commit(kChannel, outcomes[1]), testing::Validation::kValid);
}

TEST_F(ChaincodeShimTest, SiblingTasksFinishConcurrently) {
  // Two independent tasks of one plan finish in the same block. Their read
  // sets must not overlap the other's writes, or Fabric would reject one.
  RegisterOrganizations();
  pb::Function function = Ok(api_->RegisterFunction(As(kOrg1), test::NewFunctionRequest(test::KeyNumber(1))));
  pb::DataManager data_manager =
      Ok(api_->RegisterDataManager(As(kOrg1), test::NewDataManagerRequest(test::KeyNumber(2))));
  pb::RegisterDataSamplesParam samples;
  *samples.add_samples() = test::NewDataSampleRequest(test::KeyNumber(3), {data_manager.key()});
  Ok(api_->RegisterDataSamples(As(kOrg1), samples));
  pb::ComputePlan plan = Ok(api_->RegisterPlan(As(kOrg1), test::NewPlanRequest(test::KeyNumber(5))));
  pb::RegisterTasksParam tasks;
  for (int i = 0; i < 2; ++i) {
    *tasks.add_tasks() = test::TrainTaskRequest(test::KeyNumber(6 + i), plan.key(), function.key(),
                                                test::TaskData{data_manager.key(), test::KeyNumber(3)});
  }
  Ok(api_->RegisterTasks(As(kOrg1), tasks));
  std::vector<Outcome> outcomes;
  for (int i = 0; i < 2; ++i) {
    const std::string task = test::KeyNumber(6 + i);
    pb::ApplyTaskActionParam action;
    action.set_compute_task_key(task);
    action.set_action(pb::TASK_ACTION_DOING);
    Ok(api_->ApplyTaskAction(As(kOrg1), action));
    Ok(api_->RegisterModel(As(kOrg1), test::NewModelRequest(test::KeyNumber(20 + i), task, "model")));
    action.set_action(pb::TASK_ACTION_DONE);
    testing::Proposal proposal;
    proposal.txid = "done-" + std::to_string(i);
    proposal.msp_id = kOrg1;
    proposal.time = test::kStartTime + 10'000'000;
    proposal.args = testing::OrchestratorArgs("orchestrator.computetask:ApplyTaskAction", ToJson(action));
    outcomes.push_back(peer_->Execute(proposal));
    ASSERT_TRUE(outcomes.back().ok()) << outcomes.back().response.message();
  }
  EXPECT_EQ(peer_->Commit(kChannel, outcomes[0]), testing::Validation::kValid);
  EXPECT_EQ(peer_->Commit(kChannel, outcomes[1]), testing::Validation::kValid);

  pb::GetTaskParam get;
  for (int i = 0; i < 2; ++i) {
    get.set_key(test::KeyNumber(6 + i));
    EXPECT_EQ(Ok(api_->GetTask(As(kOrg1), get)).status(), pb::STATUS_DONE) << i;
  }
}

TEST_F(ChaincodeShimTest, ScenarioMatchesInMemoryRun) {
  // The simulator plays the FedAvg scenario through the chaincode; the
  // outcome and the trace must equal a run on the in-process core.
  sim::Scenario scenario = sim::LoadScenario(std::string(ORC_SOURCE_DIR) + "/scenarios/mnist-fedavg.yaml");
  sim::RunOptions options;
  sim::RunResult expected = sim::RunInMemory(scenario, options);

  sim::VirtualClock clock;
  TestPeer peer(address_, world_, 100);
  ChaincodeApi api(peer, clock);
  sim::RunResult actual = sim::RunScenario(scenario, api, &clock, options);

  EXPECT_TRUE(actual.unmet_expectations.empty());
  EXPECT_EQ(actual.plan_status, "done");
  EXPECT_GT(actual.task_count, 0);
  EXPECT_EQ(actual.plan_status, expected.plan_status);
  EXPECT_EQ(actual.tasks_by_status, expected.tasks_by_status);
  EXPECT_EQ(actual.events, expected.events);
  EXPECT_EQ(actual.api_calls, expected.api_calls);
  EXPECT_EQ(actual.performances.size(), expected.performances.size());
  EXPECT_EQ(actual.trace_hash, expected.trace_hash);
}

}  // namespace
}  // namespace orc::chaincode
