// The chaincode binary as a separate process: it stops on SIGTERM, a restart
// loses no committed transaction (the state lives in the peer's ledger), and
// two processes endorse one proposal with the same bytes.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chaincode/json.h"
#include "chaincode/testing/chaincode_api.h"
#include "chaincode/testing/test_peer.h"
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

constexpr char kPackageId[] = "orchestrator_1.0:fedcba9876543210";

// A chaincode process listening on 127.0.0.1.
class ChaincodeProcess {
 public:
  // Starts the binary on `port` (0 picks a free one) and waits for its
  // "listening on" line.
  explicit ChaincodeProcess(int port = 0) {
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0) throw std::runtime_error("pipe failed");
    const std::string address = "127.0.0.1:" + std::to_string(port);
    pid_ = fork();
    if (pid_ == 0) {
      // Die with the test, so that a crashed test leaves no server behind
      // holding its output pipe open.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(pipe_ends[1], STDOUT_FILENO);
      close(pipe_ends[0]);
      close(pipe_ends[1]);
      execl(ORC_CHAINCODE_BINARY, ORC_CHAINCODE_BINARY, "--id", kPackageId, "--address", address.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(pipe_ends[1]);
    FILE* output = fdopen(pipe_ends[0], "r");
    char line[256] = {};
    const bool read = std::fgets(line, sizeof line, output) != nullptr;
    std::fclose(output);
    int bound = 0;
    if (!read || std::sscanf(line, "listening on 127.0.0.1:%d", &bound) != 1) {
      Kill();
      throw std::runtime_error("the chaincode did not print its address, got: " + std::string(line));
    }
    port_ = bound;
  }

  ~ChaincodeProcess() { Kill(); }

  // Kills the process at once, as a crash would, and reaps it.
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // Sends SIGTERM and returns the exit status.
  int Terminate() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

RequestContext As(const std::string& organization) { return RequestContext{organization, kChannel}; }

TEST(ChaincodeProcess, StopsOnSigterm) {
  ChaincodeProcess process;
  int status = process.Terminate();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ChaincodeProcess, RestartKeepsCommittedTransactions) {
  WorldState world;
  ManualClock clock(test::kStartTime, test::kClockStep);
  auto process = std::make_unique<ChaincodeProcess>();
  const int port = process->port();

  std::string task_key = test::KeyNumber(6);
  {
    TestPeer peer(process->address(), world);
    ChaincodeApi api(peer, clock);
    for (const char* organization : {kOrg1, kOrg2}) {
      Ok(api.RegisterOrganization(As(organization), pb::RegisterOrganizationParam()));
    }
    auto function = Ok(api.RegisterFunction(As(kOrg1), test::NewFunctionRequest(test::KeyNumber(1))));
    auto data_manager = Ok(api.RegisterDataManager(As(kOrg1), test::NewDataManagerRequest(test::KeyNumber(2))));
    pb::RegisterDataSamplesParam samples;
    *samples.add_samples() = test::NewDataSampleRequest(test::KeyNumber(3), {data_manager.key()});
    Ok(api.RegisterDataSamples(As(kOrg1), samples));
    auto plan = Ok(api.RegisterPlan(As(kOrg1), test::NewPlanRequest(test::KeyNumber(5))));
    pb::RegisterTasksParam tasks;
    *tasks.add_tasks() = test::TrainTaskRequest(task_key, plan.key(), function.key(),
                                                test::TaskData{data_manager.key(), test::KeyNumber(3)});
    Ok(api.RegisterTasks(As(kOrg1), tasks));

    process->Kill();
    pb::GetTaskParam get;
    get.set_key(task_key);
    auto lost = api.GetTask(As(kOrg1), get);
    ASSERT_FALSE(lost.ok()) << "the chaincode is down";
  }

  process = std::make_unique<ChaincodeProcess>(port);
  TestPeer peer(process->address(), world);
  ChaincodeApi api(peer, clock);
  pb::GetTaskParam get;
  get.set_key(task_key);
  EXPECT_EQ(Ok(api.GetTask(As(kOrg2), get)).status(), pb::STATUS_TODO);

  pb::ApplyTaskActionParam action;
  action.set_compute_task_key(task_key);
  action.set_action(pb::TASK_ACTION_DOING);
  Ok(api.ApplyTaskAction(As(kOrg1), action));
  Ok(api.RegisterModel(As(kOrg1), test::NewModelRequest(test::KeyNumber(8), task_key, "model")));
  action.set_action(pb::TASK_ACTION_DONE);
  Ok(api.ApplyTaskAction(As(kOrg1), action));
  EXPECT_EQ(Ok(api.GetTask(As(kOrg2), get)).status(), pb::STATUS_DONE);

  pb::QueryEventsParam events;
  events.set_page_size(100);
  // 2 organisations, function, data manager, sample, plan, task, then after
  // the restart: DOING, model, DONE (with the output asset).
  EXPECT_GE(Ok(api.QueryEvents(As(kOrg1), events)).events_size(), 10);
}

TEST(ChaincodeProcess, CrashMidTransactionCommitsNothing) {
  WorldState world;
  ManualClock clock(test::kStartTime, test::kClockStep);
  ChaincodeProcess process;
  TestPeer peer(process.address(), world);
  ChaincodeApi api(peer, clock);
  Ok(api.RegisterOrganization(As(kOrg1), pb::RegisterOrganizationParam()));
  const WorldState before = world;

  // Kill the chaincode while it waits for the reply to its first state call
  // of the next transaction.
  bool killed = false;
  peer.set_before_serve([&](const protos::ChaincodeMessage& message) {
    if (!killed && message.type() == protos::ChaincodeMessage::GET_STATE) {
      killed = true;
      process.Kill();
    }
  });
  auto result = api.RegisterFunction(As(kOrg1), test::NewFunctionRequest(test::KeyNumber(1)));
  EXPECT_TRUE(killed);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("disconnected"), std::string::npos) << result.error().message();
  EXPECT_EQ(world, before);
}

TEST(ChaincodeProcess, TwoProcessesEndorseAlike) {
  // Protobuf seeds its map iteration per process, so this catches output
  // that depends on map order.
  WorldState first_world;
  ManualClock clock(test::kStartTime, test::kClockStep);
  ChaincodeProcess first_process;
  TestPeer first(first_process.address(), first_world);
  ChaincodeApi api(first, clock);
  Ok(api.RegisterOrganization(As(kOrg1), pb::RegisterOrganizationParam()));
  Ok(api.RegisterFunction(As(kOrg1), test::NewFunctionRequest(test::KeyNumber(1), test::FunctionShape::kComposite)));
  auto data_manager = Ok(api.RegisterDataManager(As(kOrg1), test::NewDataManagerRequest(test::KeyNumber(2))));
  pb::RegisterDataSamplesParam samples;
  *samples.add_samples() = test::NewDataSampleRequest(test::KeyNumber(3), {data_manager.key()});
  Ok(api.RegisterDataSamples(As(kOrg1), samples));
  Ok(api.RegisterPlan(As(kOrg1), test::NewPlanRequest(test::KeyNumber(5))));

  WorldState second_world = first_world;
  ChaincodeProcess second_process;
  TestPeer second(second_process.address(), second_world);

  pb::RegisterTasksParam tasks;
  pb::NewComputeTask task = test::CompositeTaskRequest(test::KeyNumber(6), test::KeyNumber(5), test::KeyNumber(1),
                                                       test::TaskData{data_manager.key(), test::KeyNumber(3)});
  for (const char* key : {"zeta", "alpha", "mid", "beta", "omega"}) (*task.mutable_metadata())[key] = key;
  *tasks.add_tasks() = task;
  testing::Proposal proposal;
  proposal.txid = "endorse-tasks";
  proposal.msp_id = kOrg1;
  proposal.time = test::kStartTime + 99;
  proposal.args = testing::OrchestratorArgs("orchestrator.computetask:RegisterTasks", ToJson(tasks));

  Outcome a = first.Execute(proposal);
  Outcome b = second.Execute(proposal);
  ASSERT_TRUE(a.ok()) << a.response.message();
  EXPECT_EQ(a.response.SerializeAsString(), b.response.SerializeAsString());
  EXPECT_EQ(a.writes, b.writes);
  ASSERT_TRUE(a.event.has_value());
  ASSERT_TRUE(b.event.has_value());
  EXPECT_EQ(a.event->payload(), b.event->payload());
}

}  // namespace
}  // namespace orc::chaincode
