// Atomicity and channel isolation seen through the public API: a request that
// fails leaves no asset and no event behind, even when it fails after some of
// its writes, and two channels never see each other's assets or events.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using persistence::PageRequest;
using persistence::Transaction;

// ---- A store that fails one chosen write ----

// Forwards every call to a transaction of the wrapped store, and throws
// OrcError(kInternal) at the `occurrence`-th call of the write named
// `method`, after the earlier writes of the request have been applied. While
// `*conflicts_left` is positive, Commit() decrements it and throws
// TransactionConflict instead of committing, as a database does after a
// serialization failure.
class FaultyTransaction final : public Transaction {
 public:
  FaultyTransaction(std::unique_ptr<Transaction> inner, std::string method, int occurrence, int* conflicts_left)
      : inner_(std::move(inner)), method_(std::move(method)), remaining_(occurrence), conflicts_left_(conflicts_left) {}

  const std::string& channel() const override { return inner_->channel(); }
  Micros time() const override { return inner_->time(); }
  void Commit() override {
    if (*conflicts_left_ > 0) {
      --*conflicts_left_;
      throw TransactionConflict("injected serialization failure");
    }
    inner_->Commit();
  }

  OrganizationPtr GetOrganization(std::string_view id) override { return inner_->GetOrganization(id); }
  std::vector<OrganizationPtr> GetAllOrganizations() override { return inner_->GetAllOrganizations(); }
  void AddOrganization(OrganizationPtr organization) override {
    Count("AddOrganization");
    inner_->AddOrganization(std::move(organization));
  }

  FunctionPtr GetFunction(std::string_view key) override { return inner_->GetFunction(key); }
  void AddFunction(FunctionPtr function) override {
    Count("AddFunction");
    inner_->AddFunction(std::move(function));
  }
  void UpdateFunction(FunctionPtr function) override {
    Count("UpdateFunction");
    inner_->UpdateFunction(std::move(function));
  }
  persistence::Page<FunctionPtr> QueryFunctions(PageRequest page, std::string_view compute_plan_key) override {
    return inner_->QueryFunctions(page, compute_plan_key);
  }

  DataManagerPtr GetDataManager(std::string_view key) override { return inner_->GetDataManager(key); }
  void AddDataManager(DataManagerPtr data_manager) override {
    Count("AddDataManager");
    inner_->AddDataManager(std::move(data_manager));
  }
  void UpdateDataManager(DataManagerPtr data_manager) override {
    Count("UpdateDataManager");
    inner_->UpdateDataManager(std::move(data_manager));
  }
  persistence::Page<DataManagerPtr> QueryDataManagers(PageRequest page) override {
    return inner_->QueryDataManagers(page);
  }

  DataSamplePtr GetDataSample(std::string_view key) override { return inner_->GetDataSample(key); }
  void AddDataSample(DataSamplePtr data_sample) override {
    Count("AddDataSample");
    inner_->AddDataSample(std::move(data_sample));
  }
  void UpdateDataSample(DataSamplePtr data_sample) override {
    Count("UpdateDataSample");
    inner_->UpdateDataSample(std::move(data_sample));
  }
  persistence::Page<DataSamplePtr> QueryDataSamples(PageRequest page, std::span<const std::string> keys) override {
    return inner_->QueryDataSamples(page, keys);
  }
  std::vector<std::string> GetDataSampleKeysByManager(std::string_view data_manager_key) override {
    return inner_->GetDataSampleKeysByManager(data_manager_key);
  }

  ComputePlanPtr GetComputePlan(std::string_view key) override { return inner_->GetComputePlan(key); }
  void AddComputePlan(ComputePlanPtr plan) override {
    Count("AddComputePlan");
    inner_->AddComputePlan(std::move(plan));
  }
  void UpdateComputePlan(ComputePlanPtr plan) override {
    Count("UpdateComputePlan");
    inner_->UpdateComputePlan(std::move(plan));
  }
  persistence::Page<ComputePlanPtr> QueryComputePlans(PageRequest page, std::string_view owner) override {
    return inner_->QueryComputePlans(page, owner);
  }
  bool IsPlanRunning(std::string_view plan_key) override { return inner_->IsPlanRunning(plan_key); }

  ComputeTaskPtr GetComputeTask(std::string_view key) override { return inner_->GetComputeTask(key); }
  void AddComputeTask(ComputeTaskPtr task, std::span<const std::string> parent_keys) override {
    Count("AddComputeTask");
    inner_->AddComputeTask(std::move(task), parent_keys);
  }
  void UpdateComputeTask(ComputeTaskPtr task) override {
    Count("UpdateComputeTask");
    inner_->UpdateComputeTask(std::move(task));
  }
  std::vector<ComputeTaskPtr> GetComputeTaskChildren(std::string_view key) override {
    return inner_->GetComputeTaskChildren(key);
  }
  persistence::Page<ComputeTaskPtr> QueryComputeTasks(PageRequest page,
                                                      const persistence::TaskFilter& filter) override {
    return inner_->QueryComputeTasks(page, filter);
  }

  std::vector<OutputAssetRef> GetOutputAssets(std::string_view task_key, std::string_view identifier) override {
    return inner_->GetOutputAssets(task_key, identifier);
  }
  void AddOutputAsset(std::string_view task_key, std::string_view identifier, const OutputAssetRef& asset) override {
    Count("AddOutputAsset");
    inner_->AddOutputAsset(task_key, identifier, asset);
  }

  ModelPtr GetModel(std::string_view key) override { return inner_->GetModel(key); }
  void AddModel(ModelPtr model) override {
    Count("AddModel");
    inner_->AddModel(std::move(model));
  }
  void UpdateModel(ModelPtr model) override {
    Count("UpdateModel");
    inner_->UpdateModel(std::move(model));
  }
  std::vector<ModelPtr> GetComputeTaskModels(std::string_view task_key) override {
    return inner_->GetComputeTaskModels(task_key);
  }

  PerformancePtr GetPerformance(std::string_view task_key, std::string_view identifier) override {
    return inner_->GetPerformance(task_key, identifier);
  }
  void AddPerformance(PerformancePtr performance) override {
    Count("AddPerformance");
    inner_->AddPerformance(std::move(performance));
  }
  persistence::Page<PerformancePtr> QueryPerformances(PageRequest page, std::string_view task_key,
                                                      std::string_view identifier) override {
    return inner_->QueryPerformances(page, task_key, identifier);
  }

  FailureReportPtr GetFailureReport(std::string_view task_key) override { return inner_->GetFailureReport(task_key); }
  void AddFailureReport(FailureReportPtr report) override {
    Count("AddFailureReport");
    inner_->AddFailureReport(std::move(report));
  }

  void AddEvent(EventDraft event) override {
    Count("AddEvent");
    inner_->AddEvent(std::move(event));
  }
  persistence::Page<StoredEventPtr> QueryEvents(PageRequest page, const persistence::EventFilter& filter) override {
    return inner_->QueryEvents(page, filter);
  }
  std::vector<StoredEventPtr> ReadEventsAfter(std::uint64_t after_position, std::size_t limit) override {
    return inner_->ReadEventsAfter(after_position, limit);
  }
  std::optional<std::uint64_t> FindEventPosition(std::string_view event_id) override {
    return inner_->FindEventPosition(event_id);
  }

 private:
  void Count(std::string_view method) {
    if (method != method_) return;
    if (--remaining_ == 0) Fail(ErrorKind::kInternal, "injected failure in " + std::string(method));
  }

  std::unique_ptr<Transaction> inner_;
  std::string method_;
  int remaining_;
  int* conflicts_left_;
};

class FaultyStore final : public persistence::Store {
 public:
  explicit FaultyStore(persistence::Store& inner) : inner_(inner) {}

  // Makes every later read-write transaction fail at the `occurrence`-th
  // call of write `method`.
  void FailOn(std::string method, int occurrence = 1) {
    method_ = std::move(method);
    occurrence_ = occurrence;
  }

  // Makes the next `count` commits throw TransactionConflict, and lets
  // WaitBeforeRetry() allow `retries` reruns of one request.
  void ConflictOnCommit(int count, int retries) {
    conflicts_left_ = count;
    retries_allowed_ = retries;
  }

  std::unique_ptr<Transaction> Begin(std::string_view channel, persistence::TransactionMode mode,
                                     Micros time) override {
    return std::make_unique<FaultyTransaction>(inner_.Begin(channel, mode, time), method_, occurrence_,
                                               &conflicts_left_);
  }

  bool WaitBeforeRetry(int failed_attempts) override {
    retry_calls_.push_back(failed_attempts);
    return failed_attempts <= retries_allowed_;
  }

  // The arguments of every WaitBeforeRetry() call so far.
  const std::vector<int>& retry_calls() const { return retry_calls_; }

 private:
  persistence::Store& inner_;
  std::string method_;
  int occurrence_ = 0;
  int conflicts_left_ = 0;
  int retries_allowed_ = 0;
  std::vector<int> retry_calls_;
};

// ---- State capture ----

// Everything the queries of one channel return.
struct ChannelState {
  std::vector<pb::Event> events;
  std::vector<pb::Function> functions;
  std::vector<pb::DataManager> data_managers;
  std::vector<pb::DataSample> data_samples;
  std::vector<pb::ComputePlan> plans;
  std::vector<pb::ComputeTask> tasks;
  std::vector<pb::Performance> performances;
  // Models of each task, by task key.
  std::map<std::string, std::vector<pb::Model>> models;
};

template <class Message>
void ExpectSameList(const std::vector<Message>& before, const std::vector<Message>& after, const char* list_name) {
  SCOPED_TRACE(list_name);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(ProtoEquals(before[i], after[i]));
  }
}

void ExpectSameState(const ChannelState& before, const ChannelState& after) {
  ExpectSameList(before.events, after.events, "events");
  ExpectSameList(before.functions, after.functions, "functions");
  ExpectSameList(before.data_managers, after.data_managers, "data managers");
  ExpectSameList(before.data_samples, after.data_samples, "data samples");
  ExpectSameList(before.plans, after.plans, "plans");
  ExpectSameList(before.tasks, after.tasks, "tasks");
  ExpectSameList(before.performances, after.performances, "performances");
  ASSERT_EQ(after.models.size(), before.models.size());
  for (const auto& [task_key, models] : before.models) {
    auto found = after.models.find(task_key);
    ASSERT_NE(found, after.models.end()) << task_key;
    ExpectSameList(models, found->second, "models");
  }
}

class RollbackTest : public TwoOrgsTest {
 protected:
  RollbackTest() : faulty_store_(store_), faulty_orchestrator_(faulty_store_, clock_) {}

  void SetUp() override {
    TwoOrgsTest::SetUp();
    simple_ = RegisterFunction(FunctionShape::kSimple);
    composite_ = RegisterFunction(FunctionShape::kComposite);
    data_ = RegisterTaskData(kOrg1);
    plan_ = RegisterPlan(kOrg1);
  }

  pb::NewComputeTask Train(const std::string& parent_key = "") {
    return TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_, parent_key);
  }

  std::string StartedTask(const pb::NewComputeTask& request) {
    std::string key = RegisterTask(request).key();
    ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_DOING);
    return key;
  }

  ChannelState Capture(std::string_view channel = kChannel) {
    RequestContext context = As(kOrg1, channel);
    ChannelState state;
    state.events = QueryAllEvents({}, pb::ASCENDING, channel);

    pb::QueryFunctionsParam functions;
    functions.set_page_size(1000);
    const auto function_page = Ok(orchestrator_.QueryFunctions(context, functions));
    state.functions.assign(function_page.functions().begin(), function_page.functions().end());
    pb::QueryDataManagersParam managers;
    managers.set_page_size(1000);
    const auto manager_page = Ok(orchestrator_.QueryDataManagers(context, managers));
    state.data_managers.assign(manager_page.data_managers().begin(), manager_page.data_managers().end());
    pb::QueryDataSamplesParam samples;
    samples.set_page_size(1000);
    const auto sample_page = Ok(orchestrator_.QueryDataSamples(context, samples));
    state.data_samples.assign(sample_page.data_samples().begin(), sample_page.data_samples().end());
    pb::QueryPlansParam plans;
    plans.set_page_size(1000);
    const auto plan_page = Ok(orchestrator_.QueryPlans(context, plans));
    state.plans.assign(plan_page.plans().begin(), plan_page.plans().end());
    pb::QueryTasksParam tasks;
    tasks.set_page_size(1000);
    const auto task_page = Ok(orchestrator_.QueryTasks(context, tasks));
    state.tasks.assign(task_page.tasks().begin(), task_page.tasks().end());
    pb::QueryPerformancesParam performances;
    performances.set_page_size(1000);
    const auto performance_page = Ok(orchestrator_.QueryPerformances(context, performances));
    state.performances.assign(performance_page.performances().begin(), performance_page.performances().end());
    for (const pb::ComputeTask& task : state.tasks) {
      pb::GetComputeTaskModelsParam request;
      request.set_compute_task_key(task.key());
      const auto response = Ok(orchestrator_.GetComputeTaskOutputModels(context, request));
      state.models[task.key()] = {response.models().begin(), response.models().end()};
    }
    return state;
  }

  FaultyStore faulty_store_;
  Orchestrator faulty_orchestrator_;
  pb::Function simple_;
  pb::Function composite_;
  TaskData data_;
  pb::ComputePlan plan_;
};

// ---- RegisterTasks ----

TEST_F(RollbackTest, TasksWithInvalidLastTaskChangeNothing) {
  std::string parent = RegisterTask(Train()).key();
  pb::NewComputeTask invalid = Train();
  invalid.mutable_inputs(0)->set_asset_key("not-a-uuid");
  pb::RegisterTasksParam request;
  *request.add_tasks() = Train(parent);
  *request.add_tasks() = Train();
  *request.add_tasks() = invalid;
  ChannelState before = Capture();

  auto result = orchestrator_.RegisterTasks(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "inputs[0].asset_key");
  ExpectSameState(before, Capture());
}

TEST_F(RollbackTest, TasksFailingToBuildLastTaskChangeNothing) {
  pb::NewComputeTask unknown_function = Train();
  unknown_function.set_function_key(NewKey());
  pb::RegisterTasksParam request;
  *request.add_tasks() = Train();
  *request.add_tasks() = Train();
  *request.add_tasks() = unknown_function;
  ChannelState before = Capture();

  auto result = orchestrator_.RegisterTasks(As(kOrg1), request);

  ExpectError(result, ErrorKind::kNotFound, "function with key");
  ExpectSameState(before, Capture());
}

TEST_F(RollbackTest, TasksFailingAtLastWriteChangeNothing) {
  std::string parent = RegisterTask(Train()).key();
  pb::RegisterTasksParam request;
  *request.add_tasks() = Train(parent);
  *request.add_tasks() = Train();
  *request.add_tasks() = Train();
  ChannelState before = Capture();
  faulty_store_.FailOn("AddEvent", 3);

  auto result = faulty_orchestrator_.RegisterTasks(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInternal, "injected failure in AddEvent");
  ExpectSameState(before, Capture());
  EXPECT_TRUE(IsOk(orchestrator_.RegisterTasks(As(kOrg1), request))) << "the keys are still free";
}

// ---- RegisterModels ----

TEST_F(RollbackTest, ModelsWithInvalidLastModelChangeNothing) {
  std::string task_key = StartedTask(CompositeTaskRequest(NewKey(), plan_.key(), composite_.key(), data_));
  pb::NewModel valid = NewModelRequest(NewKey(), task_key, "local");
  pb::NewModel invalid = NewModelRequest(NewKey(), task_key, "shared");
  invalid.mutable_address()->set_storage_address("");
  pb::RegisterModelsParam request;
  *request.add_models() = valid;
  *request.add_models() = invalid;
  ChannelState before = Capture();

  auto result = orchestrator_.RegisterModels(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "address.storage_address");
  ExpectSameState(before, Capture());
  pb::GetModelParam lookup;
  lookup.set_key(valid.key());
  ExpectError(orchestrator_.GetModel(As(kOrg1), lookup), ErrorKind::kNotFound, "model");
  // No output asset is left under `local`, so the unique output is still free.
  EXPECT_TRUE(IsOk(orchestrator_.RegisterModel(As(kOrg1), NewModelRequest(NewKey(), task_key, "local"))));
}

TEST_F(RollbackTest, ModelsConflictingOnLastModelChangeNothing) {
  std::string task_key = StartedTask(Train());
  pb::RegisterModelsParam request;
  *request.add_models() = NewModelRequest(NewKey(), task_key, "model");
  *request.add_models() = NewModelRequest(NewKey(), task_key, "model");
  ChannelState before = Capture();

  auto result = orchestrator_.RegisterModels(As(kOrg1), request);

  ExpectError(result, ErrorKind::kConflict, "already has its unique output");
  ExpectSameState(before, Capture());
  EXPECT_TRUE(IsOk(orchestrator_.RegisterModel(As(kOrg1), request.models(0))));
}

TEST_F(RollbackTest, ModelsFailingAtLastOutputAssetChangeNothing) {
  std::string task_key = StartedTask(CompositeTaskRequest(NewKey(), plan_.key(), composite_.key(), data_));
  pb::RegisterModelsParam request;
  *request.add_models() = NewModelRequest(NewKey(), task_key, "local");
  *request.add_models() = NewModelRequest(NewKey(), task_key, "shared");
  ChannelState before = Capture();
  faulty_store_.FailOn("AddOutputAsset", 2);

  auto result = faulty_orchestrator_.RegisterModels(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInternal, "injected failure in AddOutputAsset");
  ExpectSameState(before, Capture());
  EXPECT_TRUE(IsOk(orchestrator_.RegisterModels(As(kOrg1), request)));
}

// ---- RegisterDataSamples ----

TEST_F(RollbackTest, SamplesWithInvalidLastSampleChangeNothing) {
  pb::NewDataSample invalid = NewDataSampleRequest(NewKey(), {data_.data_manager_key});
  invalid.set_checksum("abc");
  pb::RegisterDataSamplesParam request;
  *request.add_samples() = NewDataSampleRequest(NewKey(), {data_.data_manager_key});
  *request.add_samples() = NewDataSampleRequest(NewKey(), {data_.data_manager_key});
  *request.add_samples() = invalid;
  pb::GetDatasetParam dataset;
  dataset.set_key(data_.data_manager_key);
  pb::Dataset dataset_before = Ok(orchestrator_.GetDataset(As(kOrg1), dataset));
  ChannelState before = Capture();

  auto result = orchestrator_.RegisterDataSamples(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "checksum");
  ExpectSameState(before, Capture());
  EXPECT_TRUE(ProtoEquals(dataset_before, Ok(orchestrator_.GetDataset(As(kOrg1), dataset))));
}

TEST_F(RollbackTest, SamplesFailingAtLastWriteChangeNothing) {
  pb::RegisterDataSamplesParam request;
  for (int i = 0; i < 3; ++i) *request.add_samples() = NewDataSampleRequest(NewKey(), {data_.data_manager_key});
  ChannelState before = Capture();
  faulty_store_.FailOn("AddDataSample", 3);

  auto result = faulty_orchestrator_.RegisterDataSamples(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInternal, "injected failure in AddDataSample");
  ExpectSameState(before, Capture());
}

// ---- RegisterFailureReport and task actions ----

TEST_F(RollbackTest, ReportFailingAfterTransitionChangesNothing) {
  std::string task_key = StartedTask(Train());
  std::string child = RegisterTask(Train(task_key)).key();
  ChannelState before = Capture();
  faulty_store_.FailOn("AddFailureReport");

  auto result = faulty_orchestrator_.RegisterFailureReport(As(kOrg1), NewFailureReportRequest(task_key));

  ExpectError(result, ErrorKind::kInternal, "injected failure in AddFailureReport");
  ExpectSameState(before, Capture());
  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_DOING);
  EXPECT_FALSE(GetPlan(plan_.key()).has_failure_date());
  pb::GetFailureReportParam lookup;
  lookup.set_compute_task_key(task_key);
  ExpectError(orchestrator_.GetFailureReport(As(kOrg1), lookup), ErrorKind::kNotFound, "failure report");
}

TEST_F(RollbackTest, RejectedReportLeavesTaskDoing) {
  std::string task_key = StartedTask(Train());
  pb::NewFailureReport request = NewFailureReportRequest(task_key);
  request.clear_logs_address();
  ChannelState before = Capture();

  auto result = orchestrator_.RegisterFailureReport(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "logs_address");
  ExpectSameState(before, Capture());
}

TEST_F(RollbackTest, DoneFailingDuringPromotionChangesNothing) {
  std::string parent = StartedTask(Train());
  std::string first_child = RegisterTask(Train(parent)).key();
  std::string second_child = RegisterTask(Train(parent)).key();
  ChannelState before = Capture();
  faulty_store_.FailOn("UpdateComputeTask", 3);  // parent, first child, then second child

  pb::ApplyTaskActionParam request;
  request.set_compute_task_key(parent);
  request.set_action(pb::TASK_ACTION_DONE);
  auto result = faulty_orchestrator_.ApplyTaskAction(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInternal, "injected failure in UpdateComputeTask");
  ExpectSameState(before, Capture());
  EXPECT_EQ(GetTask(first_child).status(), pb::STATUS_WAITING);
}

TEST_F(RollbackTest, FailedActionFailingOnPlanChangesNothing) {
  std::string task_key = StartedTask(Train());
  ChannelState before = Capture();
  faulty_store_.FailOn("UpdateComputePlan");

  pb::ApplyTaskActionParam request;
  request.set_compute_task_key(task_key);
  request.set_action(pb::TASK_ACTION_FAILED);
  auto result = faulty_orchestrator_.ApplyTaskAction(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInternal, "injected failure in UpdateComputePlan");
  ExpectSameState(before, Capture());
}

// ---- Retries after a transaction conflict ----

TEST_F(RollbackTest, ConflictRetriedUntilCommit) {
  faulty_store_.ConflictOnCommit(2, 5);
  const std::size_t events_before = EventCount();
  const Micros first_attempt_time = NextRequestTime();

  auto result = faulty_orchestrator_.RegisterFunction(As(kOrg1), NewFunctionRequest(NewKey(), FunctionShape::kSimple));

  ASSERT_TRUE(IsOk(result));
  EXPECT_EQ(faulty_store_.retry_calls(), (std::vector<int>{1, 2}));
  // Each attempt is a new transaction that reads the clock again.
  EXPECT_EQ(ToMicros(result->creation_date()), first_attempt_time + 2 * kClockStep);
  EXPECT_EQ(EventCount(), events_before + 1);
}

TEST_F(RollbackTest, ConflictGivesUpWithUnavailable) {
  faulty_store_.ConflictOnCommit(10, 2);
  ChannelState before = Capture();

  auto result = faulty_orchestrator_.RegisterPlan(As(kOrg1), NewPlanRequest(NewKey()));

  ExpectError(result, ErrorKind::kUnavailable, "conflicted with concurrent requests 3 time(s)");
  ExpectError(result, ErrorKind::kUnavailable, "injected serialization failure");
  EXPECT_EQ(faulty_store_.retry_calls(), (std::vector<int>{1, 2, 3}));
  ExpectSameState(before, Capture());
}

TEST_F(RollbackTest, MemoryStoreNeverRetries) {
  EXPECT_FALSE(store_.WaitBeforeRetry(1));
}

// ---- Channel isolation ----

class ChannelIsolationTest : public RollbackTest {
 protected:
  void SetUp() override {
    RollbackTest::SetUp();
    RegisterOrganization(kOrg1, kOtherChannel);
    RegisterOrganization(kOrg2, kOtherChannel);
  }

  // Registers in `channel` the function, data manager, sample and plan of the
  // fixture under the same keys, then `task`.
  void CopyIntoChannel(std::string_view channel, const pb::NewComputeTask& task) {
    RequestContext context = As(kOrg1, channel);
    pb::NewFunction function = NewFunctionRequest(simple_.key(), FunctionShape::kSimple);
    ASSERT_TRUE(IsOk(orchestrator_.RegisterFunction(context, function)));
    ASSERT_TRUE(IsOk(orchestrator_.RegisterDataManager(context, NewDataManagerRequest(data_.data_manager_key))));
    pb::RegisterDataSamplesParam samples;
    *samples.add_samples() = NewDataSampleRequest(data_.sample_key, {data_.data_manager_key});
    ASSERT_TRUE(IsOk(orchestrator_.RegisterDataSamples(context, samples)));
    ASSERT_TRUE(IsOk(orchestrator_.RegisterPlan(context, NewPlanRequest(plan_.key()))));
    pb::RegisterTasksParam tasks;
    *tasks.add_tasks() = task;
    ASSERT_TRUE(IsOk(orchestrator_.RegisterTasks(context, tasks)));
  }
};

TEST_F(ChannelIsolationTest, SameKeysLiveInBothChannels) {
  pb::NewComputeTask task = Train();
  RegisterTask(task);

  CopyIntoChannel(kOtherChannel, task);

  EXPECT_EQ(GetTask(task.key(), kOtherChannel).key(), task.key());
  EXPECT_EQ(GetPlan(plan_.key(), kOtherChannel).key(), plan_.key());
}

TEST_F(ChannelIsolationTest, ActionsStayInTheirChannel) {
  pb::NewComputeTask task = Train();
  RegisterTask(task);
  CopyIntoChannel(kOtherChannel, task);
  ChannelState other_before = Capture(kOtherChannel);

  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_DOING);
  RegisterModel(kOrg1, task.key(), "model");
  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_FAILED);

  EXPECT_EQ(GetTask(task.key()).status(), pb::STATUS_FAILED);
  EXPECT_EQ(GetTask(task.key(), kOtherChannel).status(), pb::STATUS_TODO);
  EXPECT_FALSE(GetPlan(plan_.key(), kOtherChannel).has_failure_date());
  ExpectSameState(other_before, Capture(kOtherChannel));
}

TEST_F(ChannelIsolationTest, QueriesAndEventsNeverCross) {
  pb::NewComputeTask task = Train();
  RegisterTask(task);
  CopyIntoChannel(kOtherChannel, task);
  pb::ComputePlan main_only_plan = RegisterPlan();
  RegisterTask(TrainTaskRequest(NewKey(), main_only_plan.key(), simple_.key(), data_));

  ChannelState main_state = Capture(kChannel);
  ChannelState other_state = Capture(kOtherChannel);

  EXPECT_EQ(main_state.plans.size(), 2u);
  EXPECT_EQ(other_state.plans.size(), 1u);
  EXPECT_EQ(main_state.tasks.size(), 2u);
  EXPECT_EQ(other_state.tasks.size(), 1u);
  EXPECT_EQ(other_state.functions.size(), 1u);
  EXPECT_EQ(other_state.data_managers.size(), 1u);
  EXPECT_EQ(other_state.data_samples.size(), 1u);
  // Organisations, function, data manager, sample, plan and task.
  EXPECT_EQ(other_state.events.size(), 7u);
  for (const pb::Event& event : other_state.events) {
    SCOPED_TRACE(event.asset_key());
    EXPECT_EQ(event.channel(), kOtherChannel);
    EXPECT_NE(event.asset_key(), main_only_plan.key());
  }
  for (const pb::Event& event : main_state.events) EXPECT_EQ(event.channel(), kChannel);
  EXPECT_TRUE(EventsForAsset(main_only_plan.key(), kOtherChannel).empty());
}

TEST_F(ChannelIsolationTest, KeyOfOtherChannelIsNotFound) {
  std::string task_key = RegisterTask(Train()).key();
  pb::GetTaskParam task;
  task.set_key(task_key);
  pb::GetComputePlanParam plan;
  plan.set_key(plan_.key());

  auto task_result = orchestrator_.GetTask(As(kOrg1, kOtherChannel), task);
  auto plan_result = orchestrator_.GetPlan(As(kOrg1, kOtherChannel), plan);

  ExpectError(task_result, ErrorKind::kNotFound, "computetask");
  ExpectError(plan_result, ErrorKind::kNotFound, "computeplan");
}

TEST_F(ChannelIsolationTest, ParentInOtherChannelIsUnknown) {
  pb::NewComputeTask task = Train();
  RegisterTask(task);
  CopyIntoChannel(kOtherChannel, task);
  std::string main_only_parent = RegisterTask(Train()).key();
  pb::NewComputeTask child = Train(main_only_parent);

  pb::RegisterTasksParam request;
  *request.add_tasks() = child;
  auto result = orchestrator_.RegisterTasks(As(kOrg1, kOtherChannel), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "unsorted_tasks_count: 1");
}

}  // namespace
}  // namespace orc::test
