// Eight organisation agents on eight threads work on one compute plan through
// the core over PostgreSQL: each starts its TODO tasks, registers their
// models and marks them DONE, while finishing a task promotes a child that
// belongs to another organisation. Run with both writer locking modes.
//
// Checks: no call hangs (an unresolved deadlock would), every conflict is
// retried or reported as OE0900 (kUnavailable) and the agent then repeats the
// call, and the final state is consistent: every task DONE with one model,
// each task's events follow legal transitions one by one, and event
// positions run from 1 without gaps.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/orchestrator.h"
#include "store/postgres_test_support.h"
#include "unit/test_helpers.h"

namespace orc::test {
namespace {

constexpr int kOrganizations = 8;
constexpr int kRounds = 6;
// Upper bound on the calls of one agent, so that a bug fails the test
// instead of looping forever.
constexpr int kMaxCallsPerAgent = 20000;

// A clock that several threads may read: each Now() returns a new time.
class AtomicClock final : public Clock {
 public:
  Micros Now() override { return next_.fetch_add(1000); }

 private:
  std::atomic<Micros> next_{kStartTime};
};

// Forwards to a store and counts the retries the Orchestrator asks for.
class CountingStore final : public persistence::Store {
 public:
  explicit CountingStore(persistence::Store& inner) : inner_(inner) {}

  std::unique_ptr<persistence::Transaction> Begin(std::string_view channel, persistence::TransactionMode mode,
                                                  Micros time) override {
    return inner_.Begin(channel, mode, time);
  }

  bool WaitBeforeRetry(int failed_attempts) override {
    ++retries_;
    return inner_.WaitBeforeRetry(failed_attempts);
  }

  int retries() const { return retries_; }

 private:
  persistence::Store& inner_;
  std::atomic<int> retries_{0};
};

std::string OrganizationName(int index) { return "Org" + std::to_string(index) + "MSP"; }

bool IsLegalTransition(pb::ComputeTaskStatus from, pb::ComputeTaskStatus to) {
  return (from == pb::STATUS_WAITING && to == pb::STATUS_TODO) || (from == pb::STATUS_TODO && to == pb::STATUS_DOING) ||
         (from == pb::STATUS_DOING && to == pb::STATUS_DONE);
}

class PostgresConcurrencyTest : public ::testing::TestWithParam<persistence::WriterLocking> {
 protected:
  void SetUp() override {
    if (TestPostgresUrl().empty()) GTEST_SKIP() << PostgresSkipMessage();
    persistence::PostgresStoreOptions options;
    options.writer_locking = GetParam();
    options.max_connections = kOrganizations;
    postgres_ = std::make_unique<ScratchPostgresStore>(options);
    counting_ = std::make_unique<CountingStore>(postgres_->store());
    orchestrator_ = std::make_unique<Orchestrator>(*counting_, clock_);
  }

  static RequestContext As(const std::string& organization) { return RequestContext{organization, kChannel}; }

  template <class T>
  T Must(Result<T> result) {
    if (!result.ok()) throw std::runtime_error(result.error().message());
    return std::move(result).value();
  }

  // Registers the organisations, their data, one function and a plan whose
  // task (org, round) consumes the model of task (org + 1, round - 1).
  void RegisterPlan() {
    for (int org = 0; org < kOrganizations; ++org) {
      Must(orchestrator_->RegisterOrganization(As(OrganizationName(org)), {}));
    }
    const std::string owner = OrganizationName(0);
    function_key_ = NextKey();
    Must(orchestrator_->RegisterFunction(As(owner), NewFunctionRequest(function_key_, FunctionShape::kSimple)));
    std::vector<TaskData> data;
    for (int org = 0; org < kOrganizations; ++org) {
      const std::string manager_key = NextKey();
      Must(orchestrator_->RegisterDataManager(As(OrganizationName(org)), NewDataManagerRequest(manager_key)));
      pb::RegisterDataSamplesParam samples;
      const std::string sample_key = NextKey();
      *samples.add_samples() = NewDataSampleRequest(sample_key, {manager_key});
      Must(orchestrator_->RegisterDataSamples(As(OrganizationName(org)), samples));
      data.push_back(TaskData{manager_key, sample_key});
    }
    plan_key_ = NextKey();
    Must(orchestrator_->RegisterPlan(As(owner), NewPlanRequest(plan_key_)));

    std::vector<std::string> previous(kOrganizations);
    for (int round = 0; round < kRounds; ++round) {
      pb::RegisterTasksParam tasks;
      std::vector<std::string> current;
      for (int org = 0; org < kOrganizations; ++org) {
        current.push_back(NextKey());
        const std::string parent = round == 0 ? "" : previous[(org + 1) % kOrganizations];
        *tasks.add_tasks() = TrainTaskRequest(current.back(), plan_key_, function_key_, data[org], parent);
      }
      Must(orchestrator_->RegisterTasks(As(owner), tasks));
      previous = current;
    }
  }

  // One organisation's agent: runs its TODO tasks until all of them are DONE.
  void RunAgent(int org) {
    const std::string me = OrganizationName(org);
    int calls = 0;
    int done = 0;
    // Repeats a call that failed with kUnavailable (conflicts beyond the
    // store's retries); any other error fails the agent.
    auto call = [&](auto&& request) {
      for (;;) {
        if (++calls > kMaxCallsPerAgent) throw std::runtime_error(me + " made too many calls");
        auto result = request();
        if (result.ok()) return;
        if (result.error().kind() != ErrorKind::kUnavailable) throw std::runtime_error(result.error().message());
        ++unavailable_;
      }
    };
    while (done < kRounds) {
      pb::QueryTasksParam query;
      query.mutable_filter()->set_worker(me);
      query.mutable_filter()->set_status(pb::STATUS_TODO);
      query.set_page_size(100);
      auto page = orchestrator_->QueryTasks(As(me), query);
      if (!page.ok()) throw std::runtime_error(page.error().message());
      if (++calls > kMaxCallsPerAgent) throw std::runtime_error(me + " made too many calls");
      if (page->tasks().empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      for (const pb::ComputeTask& task : page->tasks()) {
        pb::ApplyTaskActionParam start;
        start.set_compute_task_key(task.key());
        start.set_action(pb::TASK_ACTION_DOING);
        call([&] { return orchestrator_->ApplyTaskAction(As(me), start); });
        const pb::NewModel model = NewModelRequest(NextKey(), task.key(), "model");
        call([&] { return orchestrator_->RegisterModel(As(me), model); });
        pb::ApplyTaskActionParam finish;
        finish.set_compute_task_key(task.key());
        finish.set_action(pb::TASK_ACTION_DONE);
        call([&] { return orchestrator_->ApplyTaskAction(As(me), finish); });
        ++done;
      }
    }
  }

  std::string NextKey() {
    std::lock_guard lock(key_mutex_);
    return KeyNumber(++key_count_);
  }

  AtomicClock clock_;
  std::unique_ptr<ScratchPostgresStore> postgres_;
  std::unique_ptr<CountingStore> counting_;
  std::unique_ptr<Orchestrator> orchestrator_;
  std::string function_key_;
  std::string plan_key_;
  std::atomic<int> unavailable_{0};
  std::mutex key_mutex_;
  std::uint64_t key_count_ = 0;
};

TEST_P(PostgresConcurrencyTest, AgentsFinishPlanConsistently) {
  RegisterPlan();

  std::vector<std::thread> agents;
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  for (int org = 0; org < kOrganizations; ++org) {
    agents.emplace_back([&, org] {
      try {
        RunAgent(org);
      } catch (const std::exception& error) {
        std::lock_guard lock(failures_mutex);
        failures.push_back(OrganizationName(org) + ": " + error.what());
      }
    });
  }
  for (std::thread& agent : agents) agent.join();
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  std::cout << "[ INFO     ] retries " << counting_->retries() << ", OE0900 answers " << unavailable_ << "\n";

  // Every task DONE, with exactly one model.
  pb::QueryTasksParam query;
  query.mutable_filter()->set_compute_plan_key(plan_key_);
  query.set_page_size(1000);
  const auto tasks = Must(orchestrator_->QueryTasks(As(OrganizationName(0)), query));
  ASSERT_EQ(tasks.tasks_size(), kOrganizations * kRounds);
  for (const pb::ComputeTask& task : tasks.tasks()) {
    EXPECT_EQ(task.status(), pb::STATUS_DONE) << task.key();
    pb::GetComputeTaskModelsParam models;
    models.set_compute_task_key(task.key());
    EXPECT_EQ(Must(orchestrator_->GetComputeTaskOutputModels(As(OrganizationName(0)), models)).models_size(), 1)
        << task.key();
  }

  // Positions run from 1 without gaps, and each task's events are one legal
  // transition each.
  std::vector<pb::Event> events;
  std::string start;
  for (;;) {
    EventBatch batch = Must(orchestrator_->ReadEvents(As(OrganizationName(0)), start, 500));
    if (batch.events.empty()) break;
    events.insert(events.end(), batch.events.begin(), batch.events.end());
    start = batch.last_event_id;
  }
  std::map<std::string, std::vector<pb::ComputeTaskStatus>> statuses_by_task;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(PositionFromEventId(events[i].id()), i + 1) << "event " << i;
    if (events[i].asset_kind() == pb::ASSET_COMPUTE_TASK) {
      statuses_by_task[events[i].asset_key()].push_back(events[i].compute_task().status());
    }
  }
  ASSERT_EQ(statuses_by_task.size(), static_cast<std::size_t>(kOrganizations * kRounds));
  for (const auto& [task_key, statuses] : statuses_by_task) {
    SCOPED_TRACE(task_key);
    ASSERT_FALSE(statuses.empty());
    EXPECT_TRUE(statuses.front() == pb::STATUS_WAITING || statuses.front() == pb::STATUS_TODO);
    for (std::size_t i = 1; i < statuses.size(); ++i) {
      EXPECT_TRUE(IsLegalTransition(statuses[i - 1], statuses[i]))
          << pb::ComputeTaskStatus_Name(statuses[i - 1]) << " -> " << pb::ComputeTaskStatus_Name(statuses[i]);
    }
    EXPECT_EQ(statuses.back(), pb::STATUS_DONE);
  }
}

INSTANTIATE_TEST_SUITE_P(WriterLocking, PostgresConcurrencyTest,
                         ::testing::Values(persistence::WriterLocking::kAtBegin,
                                           persistence::WriterLocking::kAtEventInsert),
                         [](const auto& param_info) {
                           return param_info.param == persistence::WriterLocking::kAtBegin ? "AtBegin"
                                                                                           : "AtEventInsert";
                         });

}  // namespace
}  // namespace orc::test
