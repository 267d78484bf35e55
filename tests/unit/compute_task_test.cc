#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

// A registered organisation that is neither owner nor worker of the tasks.
constexpr char kThirdOrg[] = "MyOrg4MSP";

pb::RegisterTasksParam TasksParam(std::initializer_list<pb::NewComputeTask> tasks) {
  pb::RegisterTasksParam request;
  for (const pb::NewComputeTask& task : tasks) *request.add_tasks() = task;
  return request;
}

std::vector<std::string> TaskKeys(const google::protobuf::RepeatedPtrField<pb::ComputeTask>& tasks) {
  std::vector<std::string> keys;
  for (const pb::ComputeTask& task : tasks) keys.push_back(task.key());
  return keys;
}

std::vector<std::string> SortedIds(const pb::Permission& permission) {
  std::vector<std::string> ids(permission.authorized_ids().begin(), permission.authorized_ids().end());
  std::sort(ids.begin(), ids.end());
  return ids;
}

pb::QueryTasksParam QueryParam(std::uint32_t page_size, const std::string& page_token = "") {
  pb::QueryTasksParam request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return request;
}

class ComputeTaskTest : public TwoOrgsTest {
 protected:
  void SetUp() override {
    TwoOrgsTest::SetUp();
    RegisterOrganization(kThirdOrg);
    simple_ = RegisterFunction(FunctionShape::kSimple);
    composite_ = RegisterFunction(FunctionShape::kComposite);
    aggregate_ = RegisterFunction(FunctionShape::kAggregate);
    data_ = RegisterTaskData(kOrg1);
    plan_ = RegisterPlan(kOrg1);
  }

  // ---- Requests ----

  pb::NewComputeTask Train(const std::string& parent_key = "") {
    return TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_, parent_key);
  }

  // Train task run by the owner of `data`.
  pb::NewComputeTask TrainOn(const TaskData& data, const std::string& parent_key = "") {
    return TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data, parent_key);
  }

  pb::NewComputeTask Aggregate(const std::string& worker,
                               std::initializer_list<std::pair<std::string, std::string>> parents) {
    return AggregateTaskRequest(NewKey(), plan_.key(), aggregate_.key(), worker, parents);
  }

  Result<pb::RegisterTasksResponse> Register(std::initializer_list<pb::NewComputeTask> tasks,
                                             std::string_view owner = kOrg1) {
    return orchestrator_.RegisterTasks(As(owner), TasksParam(tasks));
  }

  Result<pb::ApplyTaskActionResponse> Act(std::string_view requester, const std::string& key,
                                          pb::ComputeTaskAction action, const std::string& log = "") {
    pb::ApplyTaskActionParam request;
    request.set_compute_task_key(key);
    request.set_action(action);
    request.set_log(log);
    return orchestrator_.ApplyTaskAction(As(requester), request);
  }

  Result<pb::DisableOutputResponse> Disable(std::string_view requester, const std::string& key,
                                            const std::string& identifier) {
    pb::DisableOutputParam request;
    request.set_compute_task_key(key);
    request.set_identifier(identifier);
    return orchestrator_.DisableOutput(As(requester), request);
  }

  Result<pb::GetTaskInputAssetsResponse> InputAssets(const std::string& key) {
    pb::GetTaskInputAssetsParam request;
    request.set_compute_task_key(key);
    return orchestrator_.GetTaskInputAssets(As(kOrg1), request);
  }

  // ---- Registered fixtures ----

  pb::ComputeTaskStatus Status(const std::string& key) { return GetTask(key).status(); }

  // A function registered by MyOrg1MSP: `shape`, with every output `multiple`.
  pb::Function RegisterFunctionWithMultipleOutputs(FunctionShape shape) {
    pb::NewFunction request = NewFunctionRequest(NewKey(), shape);
    for (auto& [identifier, output] : *request.mutable_outputs()) output.set_multiple(true);
    return Ok(orchestrator_.RegisterFunction(As(kOrg1), request));
  }

  // A function with data inputs and one PERFORMANCE output `performance`.
  pb::Function RegisterPerformanceFunction() {
    pb::NewFunction request = NewFunctionRequest(NewKey(), FunctionShape::kSimple);
    request.mutable_inputs()->erase("model");
    request.mutable_outputs()->clear();
    (*request.mutable_outputs())["performance"] = MakeFunctionOutput(pb::ASSET_PERFORMANCE);
    return Ok(orchestrator_.RegisterFunction(As(kOrg1), request));
  }

  // A data manager of `owner` whose logs permission is private, and one
  // sample attached to it.
  TaskData RegisterPrivateLogsData(std::string_view owner) {
    pb::NewDataManager request = NewDataManagerRequest(NewKey());
    *request.mutable_logs_permission() = MakeNewPermissions(false);
    pb::DataManager data_manager = Ok(orchestrator_.RegisterDataManager(As(owner), request));
    pb::DataSample sample = RegisterDataSample({data_manager.key()}, owner);
    return TaskData{data_manager.key(), sample.key()};
  }

  // Starts a task, registers one model per identifier and finishes it, all
  // as `worker`. Returns the models in identifier order.
  std::vector<pb::Model> RunToDone(const std::string& key, std::initializer_list<std::string> identifiers,
                                   std::string_view worker = kOrg1) {
    ApplyTaskAction(worker, key, pb::TASK_ACTION_DOING);
    std::vector<pb::Model> models;
    for (const std::string& identifier : identifiers) models.push_back(RegisterModel(worker, key, identifier));
    ApplyTaskAction(worker, key, pb::TASK_ACTION_DONE);
    return models;
  }

  // Registers a train task of plan_ and brings it to `status`, going through
  // the allowed transitions. A WAITING task gets a TODO parent.
  std::string TaskInStatus(pb::ComputeTaskStatus status) {
    if (status == pb::STATUS_WAITING) {
      pb::ComputeTask parent = RegisterTask(Train());
      return RegisterTask(Train(parent.key())).key();
    }
    std::string key = RegisterTask(Train()).key();
    switch (status) {
      case pb::STATUS_DOING:
        ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_DOING);
        break;
      case pb::STATUS_DONE:
        ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_DOING);
        ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_DONE);
        break;
      case pb::STATUS_FAILED:
        ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_FAILED);
        break;
      case pb::STATUS_CANCELED:
        ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_CANCELED);
        break;
      default:
        break;
    }
    return key;
  }

  std::vector<pb::Event> TaskEvents(const std::string& key) {
    pb::EventQueryFilter filter;
    filter.set_asset_key(key);
    filter.set_asset_kind(pb::ASSET_COMPUTE_TASK);
    return QueryAllEvents(filter);
  }

  pb::Function simple_;
  pb::Function composite_;
  pb::Function aggregate_;
  TaskData data_;
  pb::ComputePlan plan_;
};

// =====================================================================
// RegisterTasks: the built task
// =====================================================================

TEST_F(ComputeTaskTest, RegisterTasksReturnsBuiltTask) {
  pb::NewComputeTask request = Train();
  (*request.mutable_metadata())["round"] = "1";
  Micros time = NextRequestTime();

  pb::ComputeTask task = RegisterTask(request);

  EXPECT_EQ(task.key(), request.key());
  EXPECT_EQ(task.function_key(), simple_.key());
  EXPECT_EQ(task.owner(), kOrg1);
  EXPECT_EQ(task.compute_plan_key(), plan_.key());
  EXPECT_EQ(task.worker(), kOrg1);
  EXPECT_EQ(task.status(), pb::STATUS_TODO);
  EXPECT_EQ(task.rank(), 0);
  EXPECT_EQ(ToMicros(task.creation_date()), time);
  ASSERT_EQ(task.metadata().size(), 1u);
  EXPECT_EQ(task.metadata().at("round"), "1");
  ASSERT_EQ(task.inputs_size(), 2);
  EXPECT_TRUE(ProtoEquals(request.inputs(0), task.inputs(0)));
  EXPECT_TRUE(ProtoEquals(request.inputs(1), task.inputs(1)));
  ASSERT_EQ(task.outputs().size(), 1u);
  EXPECT_FALSE(task.outputs().at("model").transient());
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), task.logs_permission()));
}

TEST_F(ComputeTaskTest, RegisterTasksResultEqualsGetAndQuery) {
  pb::ComputeTask registered = RegisterTask(Train());

  pb::ComputeTask read = GetTask(registered.key());
  pb::QueryTasksParam query = QueryParam(10);
  query.mutable_filter()->set_compute_plan_key(plan_.key());
  pb::QueryTasksResponse queried = Ok(orchestrator_.QueryTasks(As(kOrg2), query));

  EXPECT_TRUE(ProtoEquals(registered, read));
  ASSERT_EQ(queried.tasks_size(), 1);
  EXPECT_TRUE(ProtoEquals(registered, queried.tasks(0)));
}

TEST_F(ComputeTaskTest, RegisterTasksEmitsCreatedEventWithSnapshot) {
  Micros time = NextRequestTime();
  pb::ComputeTask task = RegisterTask(Train());

  std::vector<pb::Event> events = EventsForAsset(task.key());

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_COMPUTE_TASK);
  EXPECT_EQ(ToMicros(events[0].timestamp()), time);
  EXPECT_EQ(events[0].metadata().size(), 0u);
  ASSERT_TRUE(events[0].has_compute_task());
  EXPECT_TRUE(ProtoEquals(task, events[0].compute_task()));
}

TEST_F(ComputeTaskTest, TransientOutputRoundTrips) {
  pb::NewComputeTask request = Train();
  AddTaskOutput(request, "model", true, {}, /*transient=*/true);

  pb::ComputeTask task = RegisterTask(request);

  EXPECT_TRUE(task.outputs().at("model").transient());
  EXPECT_TRUE(GetTask(task.key()).outputs().at("model").transient());
}

TEST_F(ComputeTaskTest, OutputPermissionsAppendOwner) {
  pb::NewComputeTask public_request = Train();
  pb::NewComputeTask private_request = Train();
  AddTaskOutput(private_request, "model", false, {kOrg2});

  pb::ComputeTask public_task = RegisterTask(public_request);
  pb::ComputeTask private_task = RegisterTask(private_request);

  const pb::Permissions& public_permissions = public_task.outputs().at("model").permissions();
  const pb::Permissions& private_permissions = private_task.outputs().at("model").permissions();
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), public_permissions.process()));
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), public_permissions.download()));
  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg2, kOrg1}), private_permissions.process()));
  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg2, kOrg1}), private_permissions.download()));
}

TEST_F(ComputeTaskTest, OutputPermissionWithUnknownOrgFails) {
  pb::NewComputeTask request = Train();
  AddTaskOutput(request, "model", false, {kUnregisteredOrg});

  auto result = Register({request});

  ExpectError(result, ErrorKind::kBadRequest, "invalid permission input values");
}

// =====================================================================
// RegisterTasks: request validation
// =====================================================================

struct TaskValidationCase {
  const char* name;
  void (*change)(pb::NewComputeTask&);
  const char* field;
};

TEST_F(ComputeTaskTest, RegisterTasksRejectsEachInvalidField) {
  const TaskValidationCase cases[] = {
      {"blank key", [](pb::NewComputeTask& task) { task.set_key(""); }, "key: cannot be blank"},
      {"key not a UUID", [](pb::NewComputeTask& task) { task.set_key("task"); }, "key: must be a valid UUID"},
      {"blank function_key", [](pb::NewComputeTask& task) { task.set_function_key(""); },
       "function_key: cannot be blank"},
      {"function_key not a UUID", [](pb::NewComputeTask& task) { task.set_function_key("f"); },
       "function_key: must be a valid UUID"},
      {"blank compute_plan_key", [](pb::NewComputeTask& task) { task.set_compute_plan_key(""); },
       "compute_plan_key: cannot be blank"},
      {"compute_plan_key not a UUID", [](pb::NewComputeTask& task) { task.set_compute_plan_key("p"); },
       "compute_plan_key: must be a valid UUID"},
      {"blank input identifier", [](pb::NewComputeTask& task) { task.mutable_inputs(0)->set_identifier(""); },
       "inputs[0].identifier: cannot be blank"},
      {"input without ref", [](pb::NewComputeTask& task) { task.mutable_inputs(1)->clear_ref(); },
       "inputs[1].ref"},
      {"blank input asset_key", [](pb::NewComputeTask& task) { task.mutable_inputs(0)->set_asset_key(""); },
       "inputs[0].asset_key: cannot be blank"},
      {"input asset_key not a UUID",
       [](pb::NewComputeTask& task) { task.mutable_inputs(0)->set_asset_key("dm"); },
       "inputs[0].asset_key: must be a valid UUID"},
      {"blank parent_task_key",
       [](pb::NewComputeTask& task) { AddParentInput(task, "model", "", "model"); },
       "inputs[2].parent_task_output.parent_task_key: cannot be blank"},
      {"parent_task_key not a UUID",
       [](pb::NewComputeTask& task) { AddParentInput(task, "model", "parent", "model"); },
       "inputs[2].parent_task_output.parent_task_key: must be a valid UUID"},
      {"blank output_identifier",
       [](pb::NewComputeTask& task) { AddParentInput(task, "model", KeyNumber(999), ""); },
       "inputs[2].parent_task_output.output_identifier: cannot be blank"},
      {"blank output identifier",
       [](pb::NewComputeTask& task) { AddTaskOutput(task, "", true); }, "outputs:"},
      {"output without permissions",
       [](pb::NewComputeTask& task) { (*task.mutable_outputs())["model"].clear_permissions(); },
       "outputs[model].permissions"},
      {"metadata key of 101 bytes",
       [](pb::NewComputeTask& task) { (*task.mutable_metadata())[std::string(101, 'k')] = "v"; },
       "is too long"},
      {"metadata value of 101 bytes",
       [](pb::NewComputeTask& task) { (*task.mutable_metadata())["k"] = std::string(101, 'v'); },
       "metadata value for key \"k\" is too long"},
  };
  for (const TaskValidationCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    pb::NewComputeTask request = Train();
    test_case.change(request);

    auto result = Register({request});

    ExpectError(result, ErrorKind::kInvalidAsset, "computetask is not valid");
    ExpectError(result, ErrorKind::kInvalidAsset, test_case.field);
  }
}

TEST_F(ComputeTaskTest, MetadataOfLimitLengthIsAccepted) {
  pb::NewComputeTask request = Train();
  (*request.mutable_metadata())[std::string(100, 'k')] = std::string(100, 'v');

  EXPECT_TRUE(IsOk(Register({request})));
}

TEST_F(ComputeTaskTest, EmptyBatchFailsWithBadRequest) {
  auto result = Register({});

  ExpectError(result, ErrorKind::kBadRequest, "no task to register");
}

TEST_F(ComputeTaskTest, StoredKeyFailsWithConflict) {
  pb::ComputeTask stored = RegisterTask(Train());
  pb::NewComputeTask again = Train();
  again.set_key(stored.key());

  auto result = Register({Train(), again});

  ExpectError(result, ErrorKind::kConflict, "computetask with key \"" + stored.key() + "\" already exists");
}

TEST_F(ComputeTaskTest, DuplicateKeyInBatchFailsWithConflict) {
  pb::NewComputeTask first = Train();
  pb::NewComputeTask second = Train();
  second.set_key(first.key());

  auto result = Register({first, second});

  ExpectError(result, ErrorKind::kConflict, "computetask with key \"" + first.key() + "\" already exists");
  pb::GetTaskParam lookup;
  lookup.set_key(first.key());
  ExpectError(orchestrator_.GetTask(As(kOrg1), lookup), ErrorKind::kNotFound, "computetask");
}

TEST_F(ComputeTaskTest, ValidationPrecedesConflict) {
  pb::ComputeTask stored = RegisterTask(Train());
  pb::NewComputeTask again = Train();
  again.set_key(stored.key());
  pb::NewComputeTask invalid = Train();
  invalid.set_function_key("");

  auto result = Register({again, invalid});

  ExpectError(result, ErrorKind::kInvalidAsset, "function_key: cannot be blank");
}

// =====================================================================
// RegisterTasks: plan, function and permissions
// =====================================================================

TEST_F(ComputeTaskTest, UnknownPlanFailsWithNotFound) {
  pb::NewComputeTask request = Train();
  request.set_compute_plan_key(NewKey());

  auto result = Register({request});

  ExpectError(result, ErrorKind::kNotFound, "computeplan with key \"" + request.compute_plan_key() + "\"");
}

TEST_F(ComputeTaskTest, PlanOfAnotherOwnerIsDenied) {
  auto result = Register({Train()}, kOrg2);

  ExpectError(result, ErrorKind::kPermissionDenied, "Cannot register tasks to a compute plan you don't own");
}

TEST_F(ComputeTaskTest, UnknownFunctionFailsWithNotFound) {
  pb::NewComputeTask request = Train();
  request.set_function_key(NewKey());

  auto result = Register({request});

  ExpectError(result, ErrorKind::kNotFound, "function with key \"" + request.function_key() + "\"");
}

TEST_F(ComputeTaskTest, FunctionNotProcessableIsDenied) {
  pb::NewFunction function_request = NewFunctionRequest(NewKey());
  *function_request.mutable_new_permissions() = MakeNewPermissions(false);
  pb::Function private_function = Ok(orchestrator_.RegisterFunction(As(kOrg2), function_request));
  pb::NewComputeTask request = Train();
  request.set_function_key(private_function.key());

  auto result = Register({request});

  ExpectError(result, ErrorKind::kPermissionDenied,
              "not authorized to process function \"" + private_function.key() + "\"");
}

TEST_F(ComputeTaskTest, DataManagerNotProcessableIsDenied) {
  pb::NewDataManager manager_request = NewDataManagerRequest(NewKey());
  *manager_request.mutable_new_permissions() = MakeNewPermissions(false);
  pb::DataManager private_manager = Ok(orchestrator_.RegisterDataManager(As(kOrg2), manager_request));
  pb::DataSample sample = RegisterDataSample({private_manager.key()}, kOrg2);

  auto result = Register({TrainOn(TaskData{private_manager.key(), sample.key()})});

  ExpectError(result, ErrorKind::kPermissionDenied,
              "not authorized to process datamanager \"" + private_manager.key() + "\"");
}

TEST_F(ComputeTaskTest, UnprocessableModelIsDenied) {
  pb::NewComputeTask producer = Train();
  AddTaskOutput(producer, "model", false);  // only MyOrg1MSP may process it
  std::string producer_key = RegisterTask(producer).key();
  ApplyTaskAction(kOrg1, producer_key, pb::TASK_ACTION_DOING);
  pb::Model model = RegisterModel(kOrg1, producer_key, "model");
  pb::NewComputeTask consumer = TrainOn(RegisterTaskData(kOrg2));  // worker MyOrg2MSP
  AddAssetInput(consumer, "model", model.key());

  auto result = Register({consumer});

  ExpectError(result, ErrorKind::kPermissionDenied, "not authorized to process model \"" + model.key() + "\"");
}

TEST_F(ComputeTaskTest, ProcessableModelIsAccepted) {
  std::string producer_key = RegisterTask(Train()).key();
  ApplyTaskAction(kOrg1, producer_key, pb::TASK_ACTION_DOING);
  pb::Model model = RegisterModel(kOrg1, producer_key, "model");
  pb::NewComputeTask consumer = TrainOn(RegisterTaskData(kOrg2));
  AddAssetInput(consumer, "model", model.key());

  auto result = Register({consumer});

  ASSERT_TRUE(IsOk(result));
  EXPECT_EQ(result->tasks(0).status(), pb::STATUS_TODO) << "a model given by key creates no parent link";
  EXPECT_EQ(result->tasks(0).rank(), 0);
}

TEST_F(ComputeTaskTest, UnprocessableParentOutputIsDenied) {
  pb::NewComputeTask parent = Train();
  AddTaskOutput(parent, "model", false);
  std::string parent_key = RegisterTask(parent).key();

  auto result = Register({TrainOn(RegisterTaskData(kOrg2), parent_key)});

  ExpectError(result, ErrorKind::kPermissionDenied,
              "worker \"MyOrg2MSP\" doesn't have permission to process output");
}

// =====================================================================
// RegisterTasks: worker inference
// =====================================================================

TEST_F(ComputeTaskTest, WorkerIsDataManagerOwner) {
  pb::ComputeTask task = RegisterTask(TrainOn(RegisterTaskData(kOrg2)));

  EXPECT_EQ(task.worker(), kOrg2);
  EXPECT_EQ(task.owner(), kOrg1);
}

TEST_F(ComputeTaskTest, MatchingExplicitWorkerIsAccepted) {
  pb::NewComputeTask request = TrainOn(RegisterTaskData(kOrg2));
  request.set_worker(kOrg2);

  EXPECT_EQ(RegisterTask(request).worker(), kOrg2);
}

TEST_F(ComputeTaskTest, WorkerMismatchFailsWithBadRequest) {
  pb::NewComputeTask request = TrainOn(RegisterTaskData(kOrg2));
  request.set_worker(kOrg1);

  auto result = Register({request});

  ExpectError(result, ErrorKind::kBadRequest,
              "Specified worker \"MyOrg1MSP\" does not match data manager owner: \"MyOrg2MSP\"");
}

TEST_F(ComputeTaskTest, MissingWorkerWithoutDataManagerFails) {
  auto result = Register({Aggregate("", {})});

  ExpectError(result, ErrorKind::kBadRequest, "Worker cannot be inferred and must be explicitly set");
}

TEST_F(ComputeTaskTest, ExplicitWorkerIsUsedWithoutDataManager) {
  pb::ComputeTask task = RegisterTask(Aggregate(kOrg2, {}));

  EXPECT_EQ(task.worker(), kOrg2);
}

TEST_F(ComputeTaskTest, UnregisteredWorkerFailsWithNotFound) {
  auto result = Register({Aggregate(kUnregisteredOrg, {})});

  ExpectError(result, ErrorKind::kNotFound, "organization with key \"MyOrg3MSP\" not found");
}

// =====================================================================
// RegisterTasks: logs permission
// =====================================================================

TEST_F(ComputeTaskTest, LogsPermissionIsCopiedFromDataManager) {
  pb::ComputeTask task = RegisterTask(TrainOn(RegisterPrivateLogsData(kOrg1)));

  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg1}), task.logs_permission()));
}

TEST_F(ComputeTaskTest, LogsPermissionWithoutDataOrParentIsOwner) {
  pb::ComputeTask task = RegisterTask(Aggregate(kOrg2, {}));

  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg1}), task.logs_permission()));
}

TEST_F(ComputeTaskTest, LogsPermissionOfPrivateParentsIsUnion) {
  std::string first = RegisterTask(TrainOn(RegisterPrivateLogsData(kOrg1))).key();
  std::string second = RegisterTask(TrainOn(RegisterPrivateLogsData(kOrg2))).key();

  pb::ComputeTask task = RegisterTask(Aggregate(kOrg1, {{first, "model"}, {second, "model"}}));

  EXPECT_FALSE(task.logs_permission().public_());
  EXPECT_EQ(SortedIds(task.logs_permission()), (std::vector<std::string>{kOrg1, kOrg2}));
}

TEST_F(ComputeTaskTest, PublicParentLogsGivePublicWithoutIds) {
  std::string private_parent = RegisterTask(TrainOn(RegisterPrivateLogsData(kOrg2))).key();
  std::string public_parent = RegisterTask(Train()).key();

  pb::ComputeTask task = RegisterTask(Aggregate(kOrg1, {{private_parent, "model"}, {public_parent, "model"}}));

  EXPECT_TRUE(task.logs_permission().public_());
  EXPECT_EQ(task.logs_permission().authorized_ids_size(), 0);
}

// =====================================================================
// RegisterTasks: inputs against the function
// =====================================================================

TEST_F(ComputeTaskTest, UnknownInputIdentifierIsInvalid) {
  pb::NewComputeTask request = Train();
  AddAssetInput(request, "weights", data_.sample_key);

  auto result = Register({request});

  ExpectError(result, ErrorKind::kInvalidAsset,
              "unknown task input: this identifier was not declared in the Function: \"weights\"");
}

TEST_F(ComputeTaskTest, DuplicateSingleInputIsInvalid) {
  pb::NewComputeTask request = Train();
  AddAssetInput(request, "opener", data_.data_manager_key);

  auto result = Register({request});

  ExpectError(result, ErrorKind::kInvalidAsset, "duplicate task input");
  ExpectError(result, ErrorKind::kInvalidAsset, "\"opener\"");
}

TEST_F(ComputeTaskTest, MultipleInputAcceptsSeveralAssets) {
  pb::DataSample second_sample = RegisterDataSample({data_.data_manager_key});
  pb::NewComputeTask request = Train();
  AddAssetInput(request, "datasamples", second_sample.key());

  auto result = Register({request});

  ASSERT_TRUE(IsOk(result));
  EXPECT_EQ(result->tasks(0).inputs_size(), 3);
}

TEST_F(ComputeTaskTest, MissingRequiredInputIsInvalid) {
  pb::NewComputeTask without_samples = NewTaskRequest(NewKey(), plan_.key(), simple_.key());
  AddAssetInput(without_samples, "opener", data_.data_manager_key);
  AddTaskOutput(without_samples, "model", true);
  pb::Function predict = RegisterFunction(FunctionShape::kPredict);
  pb::NewComputeTask without_model = NewTaskRequest(NewKey(), plan_.key(), predict.key());
  AddDataInputs(without_model, data_);
  AddTaskOutput(without_model, "predictions", true);

  auto no_samples = Register({without_samples});
  auto no_model = Register({without_model});

  ExpectError(no_samples, ErrorKind::kInvalidAsset,
              "missing task input: this identifier is required by the Function: \"datasamples\"");
  ExpectError(no_model, ErrorKind::kInvalidAsset,
              "missing task input: this identifier is required by the Function: \"model\"");
}

TEST_F(ComputeTaskTest, OptionalInputMayBeOmitted) {
  pb::NewComputeTask request = Train();
  ASSERT_EQ(request.inputs_size(), 2) << "a train task without parent has no model input";

  EXPECT_TRUE(IsOk(Register({request})));
}

TEST_F(ComputeTaskTest, OpenerByParentReferenceIsInvalid) {
  std::string parent_key = RegisterTask(Train()).key();
  pb::NewComputeTask request = NewTaskRequest(NewKey(), plan_.key(), simple_.key());
  AddParentInput(request, "opener", parent_key, "model");
  AddAssetInput(request, "datasamples", data_.sample_key);
  AddTaskOutput(request, "model", true);

  auto result = Register({request});

  ExpectError(result, ErrorKind::kInvalidAsset,
              "invalid task input \"opener\": openers must be referenced using an asset key");
}

TEST_F(ComputeTaskTest, SamplesByParentReferenceIsInvalid) {
  std::string parent_key = RegisterTask(Train()).key();
  pb::NewComputeTask request = NewTaskRequest(NewKey(), plan_.key(), simple_.key());
  AddAssetInput(request, "opener", data_.data_manager_key);
  AddParentInput(request, "datasamples", parent_key, "model");
  AddTaskOutput(request, "model", true);

  auto result = Register({request});

  ExpectError(result, ErrorKind::kInvalidAsset, "data samples must be referenced using an asset key");
}

TEST_F(ComputeTaskTest, SampleOfAnotherManagerIsInvalid) {
  TaskData other = RegisterTaskData(kOrg1);

  auto result = Register({TrainOn(TaskData{data_.data_manager_key, other.sample_key})});

  ExpectError(result, ErrorKind::kInvalidAsset, "datasamples do not share a common manager");
}

TEST_F(ComputeTaskTest, UnknownSampleFailsWithNotFound) {
  std::string missing = NewKey();

  auto result = Register({TrainOn(TaskData{data_.data_manager_key, missing})});

  ExpectError(result, ErrorKind::kNotFound, "datasample with key \"" + missing + "\" not found");
}

TEST_F(ComputeTaskTest, UnknownDataManagerFailsWithNotFound) {
  std::string missing = NewKey();

  auto result = Register({TrainOn(TaskData{missing, data_.sample_key})});

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"" + missing + "\" not found");
}

TEST_F(ComputeTaskTest, UnknownModelFailsWithNotFound) {
  pb::NewComputeTask request = Train();
  std::string missing = NewKey();
  AddAssetInput(request, "model", missing);

  auto result = Register({request});

  ExpectError(result, ErrorKind::kNotFound, "model with key \"" + missing + "\" not found");
}

TEST_F(ComputeTaskTest, ParentOutputKindMismatchIsInvalid) {
  pb::Function metric = RegisterPerformanceFunction();
  pb::NewComputeTask parent = NewTaskRequest(NewKey(), plan_.key(), metric.key());
  AddDataInputs(parent, data_);
  AddTaskOutput(parent, "performance", true);
  std::string parent_key = RegisterTask(parent).key();

  auto result = Register({Aggregate(kOrg1, {{parent_key, "performance"}})});

  ExpectError(result, ErrorKind::kInvalidAsset, "mismatching task input asset kinds");
}

TEST_F(ComputeTaskTest, MultipleOutputIntoSingleInputIsInvalid) {
  pb::Function multiple = RegisterFunctionWithMultipleOutputs(FunctionShape::kSimple);
  std::string parent_key =
      RegisterTask(TrainTaskRequest(NewKey(), plan_.key(), multiple.key(), data_)).key();
  pb::Function predict = RegisterFunction(FunctionShape::kPredict);

  auto result = Register({PredictTaskRequest(NewKey(), plan_.key(), predict.key(), data_, parent_key)});

  ExpectError(result, ErrorKind::kInvalidAsset, "multiple task output used as single task input");
}

TEST_F(ComputeTaskTest, MultipleOutputIntoMultipleInputIsAccepted) {
  pb::Function multiple = RegisterFunctionWithMultipleOutputs(FunctionShape::kSimple);
  std::string parent_key =
      RegisterTask(TrainTaskRequest(NewKey(), plan_.key(), multiple.key(), data_)).key();

  EXPECT_TRUE(IsOk(Register({Train(parent_key)})));
}

TEST_F(ComputeTaskTest, UndeclaredParentOutputIsInvalid) {
  std::string parent_key = RegisterTask(Train()).key();

  auto result = Register({Aggregate(kOrg1, {{parent_key, "weights"}})});

  ExpectError(result, ErrorKind::kInvalidAsset,
              "invalid task input \"model\": function output not found: \"weights\"");
}

// =====================================================================
// RegisterTasks: outputs against the function
// =====================================================================

TEST_F(ComputeTaskTest, UnknownOutputIsInvalid) {
  pb::NewComputeTask request = Train();
  AddTaskOutput(request, "weights", true);

  auto result = Register({request});

  ExpectError(result, ErrorKind::kInvalidAsset, "unknown task output");
  ExpectError(result, ErrorKind::kInvalidAsset, "\"weights\"");
}

TEST_F(ComputeTaskTest, MissingOutputIsInvalid) {
  pb::NewComputeTask request = Train();
  request.mutable_outputs()->clear();

  auto result = Register({request});

  ExpectError(result, ErrorKind::kInvalidAsset, "missing task output");
  ExpectError(result, ErrorKind::kInvalidAsset, "\"model\"");
}

TEST_F(ComputeTaskTest, PerformanceOutputMustBePublicAndKept) {
  pb::Function metric = RegisterPerformanceFunction();
  pb::NewComputeTask base = NewTaskRequest(NewKey(), plan_.key(), metric.key());
  AddDataInputs(base, data_);
  pb::NewComputeTask private_output = base;
  AddTaskOutput(private_output, "performance", false);
  pb::NewComputeTask transient_output = base;
  AddTaskOutput(transient_output, "performance", true, {}, /*transient=*/true);
  pb::NewComputeTask valid = base;
  AddTaskOutput(valid, "performance", true);

  auto private_result = Register({private_output});
  auto transient_result = Register({transient_output});
  auto valid_result = Register({valid});

  ExpectError(private_result, ErrorKind::kInvalidAsset, "a PERFORMANCE output should be public");
  ExpectError(transient_result, ErrorKind::kInvalidAsset, "a PERFORMANCE output cannot be transient");
  EXPECT_TRUE(IsOk(valid_result));
}

// =====================================================================
// RegisterTasks: graph, ranks and initial statuses
// =====================================================================

TEST_F(ComputeTaskTest, RankIsOnePlusMaxParentRank) {
  std::string a = RegisterTask(Train()).key();
  pb::NewComputeTask b = Train(a);
  pb::NewComputeTask c = Train();
  pb::NewComputeTask d = Aggregate(kOrg1, {{b.key(), "model"}, {c.key(), "model"}});
  pb::NewComputeTask e = Aggregate(kOrg1, {{a, "model"}, {d.key(), "model"}});

  auto response = Ok(Register({b, c, d, e}));

  ASSERT_EQ(response.tasks_size(), 4);
  EXPECT_EQ(GetTask(a).rank(), 0);
  EXPECT_EQ(GetTask(b.key()).rank(), 1);
  EXPECT_EQ(GetTask(c.key()).rank(), 0);
  EXPECT_EQ(GetTask(d.key()).rank(), 2);
  EXPECT_EQ(GetTask(e.key()).rank(), 3);
}

TEST_F(ComputeTaskTest, BatchIsBuiltParentsFirst) {
  pb::NewComputeTask a = Train();
  pb::NewComputeTask b = Train();
  pb::NewComputeTask c = Train(b.key());
  pb::NewComputeTask d = Train(a.key());
  Micros time = NextRequestTime();

  auto response = Ok(Register({d, c, b, a}));

  std::vector<std::string> expected = {b.key(), a.key(), c.key(), d.key()};
  EXPECT_EQ(TaskKeys(response.tasks()), expected);
  pb::EventQueryFilter filter;
  filter.set_asset_kind(pb::ASSET_COMPUTE_TASK);
  *filter.mutable_start() = response.tasks(0).creation_date();
  std::vector<pb::Event> events = QueryAllEvents(filter);
  std::vector<std::string> event_keys;
  for (const pb::Event& event : events) event_keys.push_back(event.asset_key());
  EXPECT_EQ(event_keys, expected);
  EXPECT_EQ(ToMicros(response.tasks(0).creation_date()), time);
  EXPECT_EQ(response.tasks(2).status(), pb::STATUS_WAITING);
  EXPECT_EQ(response.tasks(2).rank(), 1);
}

TEST_F(ComputeTaskTest, BatchChainIsSortedAcrossLevels) {
  pb::NewComputeTask a = Train();
  pb::NewComputeTask b = Train(a.key());
  pb::NewComputeTask c = Aggregate(kOrg1, {{a.key(), "model"}, {b.key(), "model"}});

  auto response = Ok(Register({c, b, a}));

  EXPECT_EQ(TaskKeys(response.tasks()), (std::vector<std::string>{a.key(), b.key(), c.key()}));
  EXPECT_EQ(response.tasks(0).rank(), 0);
  EXPECT_EQ(response.tasks(1).rank(), 1);
  EXPECT_EQ(response.tasks(2).rank(), 2);
}

TEST_F(ComputeTaskTest, IndependentTasksKeepRequestOrder) {
  pb::NewComputeTask first = Train();
  pb::NewComputeTask second = Train();

  auto response = Ok(Register({second, first}));

  EXPECT_EQ(TaskKeys(response.tasks()), (std::vector<std::string>{second.key(), first.key()}));
}

TEST_F(ComputeTaskTest, CycleFailsWithUnsortedCount) {
  pb::NewComputeTask a = Train();
  pb::NewComputeTask b = Train(a.key());
  AddParentInput(a, "model", b.key(), "model");

  auto result = Register({Train(), a, b});

  ExpectError(result, ErrorKind::kInvalidAsset,
              "cyclic dependency in compute plan graph or unknown task parent, unsorted_tasks_count: 2");
}

TEST_F(ComputeTaskTest, UnknownParentFailsWithUnsortedCount) {
  pb::NewComputeTask orphan = Train(NewKey());

  auto result = Register({Train(), orphan});

  ExpectError(result, ErrorKind::kInvalidAsset, "unsorted_tasks_count: 1");
}

TEST_F(ComputeTaskTest, ChildStatusDependsOnParentStatus) {
  std::string todo_parent = RegisterTask(Train()).key();
  std::string done_parent = TaskInStatus(pb::STATUS_DONE);

  pb::ComputeTask of_todo = RegisterTask(Train(todo_parent));
  pb::ComputeTask of_done = RegisterTask(Train(done_parent));
  pb::ComputeTask of_both = RegisterTask(Aggregate(kOrg1, {{done_parent, "model"}, {todo_parent, "model"}}));

  EXPECT_EQ(of_todo.status(), pb::STATUS_WAITING);
  EXPECT_EQ(of_done.status(), pb::STATUS_TODO);
  EXPECT_EQ(of_both.status(), pb::STATUS_WAITING);
}

TEST_F(ComputeTaskTest, ChildOfFailedParentIsRejected) {
  std::string parent = TaskInStatus(pb::STATUS_FAILED);

  auto result = Register({Train(parent)});

  ExpectError(result, ErrorKind::kIncompatibleTaskStatus, "cannot create a task with status \"STATUS_CANCELED\"");
}

TEST_F(ComputeTaskTest, ChildOfCanceledParentIsRejected) {
  std::string parent = TaskInStatus(pb::STATUS_CANCELED);

  auto result = Register({Train(parent)});

  ExpectError(result, ErrorKind::kIncompatibleTaskStatus, "cannot create a task with status \"STATUS_CANCELED\"");
}

TEST_F(ComputeTaskTest, ParentInAnotherPlanIsAccepted) {
  pb::ComputePlan other_plan = RegisterPlan();
  std::string parent =
      RegisterTask(TrainTaskRequest(NewKey(), other_plan.key(), simple_.key(), data_)).key();

  pb::ComputeTask child = RegisterTask(Train(parent));

  EXPECT_EQ(child.rank(), 1);
  EXPECT_EQ(child.status(), pb::STATUS_WAITING);
}

TEST_F(ComputeTaskTest, ChildOfParentWithDisabledModelIsInvalid) {
  pb::NewComputeTask parent = Train();
  AddTaskOutput(parent, "model", true, {}, /*transient=*/true);
  std::string parent_key = RegisterTask(parent).key();
  std::string first_child = RegisterTask(Train(parent_key)).key();
  pb::Model model = RunToDone(parent_key, {"model"}).front();
  RunToDone(first_child, {});
  ASSERT_TRUE(IsOk(Disable(kOrg1, parent_key, "model")));

  auto result = Register({Train(parent_key)});

  ExpectError(result, ErrorKind::kInvalidAsset, "Model \"" + model.key() + "\" has been disabled");
}

// =====================================================================
// ApplyTaskAction: transitions
// =====================================================================

struct TransitionCase {
  pb::ComputeTaskStatus from;
  pb::ComputeTaskAction action;
  // STATUS_UNKNOWN when the transition is rejected.
  pb::ComputeTaskStatus to;
  const char* transition;
};

TEST_F(ComputeTaskTest, TaskActionFollowsTransitionTable) {
  constexpr pb::ComputeTaskStatus kRejected = pb::STATUS_UNKNOWN;
  const TransitionCase cases[] = {
      {pb::STATUS_WAITING, pb::TASK_ACTION_DOING, kRejected, "transitionDoing"},
      {pb::STATUS_WAITING, pb::TASK_ACTION_DONE, kRejected, "transitionDone"},
      {pb::STATUS_WAITING, pb::TASK_ACTION_CANCELED, pb::STATUS_CANCELED, "transitionCanceled"},
      {pb::STATUS_WAITING, pb::TASK_ACTION_FAILED, pb::STATUS_FAILED, "transitionFailed"},
      {pb::STATUS_TODO, pb::TASK_ACTION_DOING, pb::STATUS_DOING, "transitionDoing"},
      {pb::STATUS_TODO, pb::TASK_ACTION_DONE, kRejected, "transitionDone"},
      {pb::STATUS_TODO, pb::TASK_ACTION_CANCELED, pb::STATUS_CANCELED, "transitionCanceled"},
      {pb::STATUS_TODO, pb::TASK_ACTION_FAILED, pb::STATUS_FAILED, "transitionFailed"},
      {pb::STATUS_DOING, pb::TASK_ACTION_DOING, kRejected, "transitionDoing"},
      {pb::STATUS_DOING, pb::TASK_ACTION_DONE, pb::STATUS_DONE, "transitionDone"},
      {pb::STATUS_DOING, pb::TASK_ACTION_CANCELED, pb::STATUS_CANCELED, "transitionCanceled"},
      {pb::STATUS_DOING, pb::TASK_ACTION_FAILED, pb::STATUS_FAILED, "transitionFailed"},
      {pb::STATUS_DONE, pb::TASK_ACTION_DOING, kRejected, "transitionDoing"},
      {pb::STATUS_DONE, pb::TASK_ACTION_DONE, kRejected, "transitionDone"},
      {pb::STATUS_DONE, pb::TASK_ACTION_CANCELED, kRejected, "transitionCanceled"},
      {pb::STATUS_DONE, pb::TASK_ACTION_FAILED, kRejected, "transitionFailed"},
      {pb::STATUS_FAILED, pb::TASK_ACTION_DOING, kRejected, "transitionDoing"},
      {pb::STATUS_FAILED, pb::TASK_ACTION_DONE, kRejected, "transitionDone"},
      {pb::STATUS_FAILED, pb::TASK_ACTION_CANCELED, kRejected, "transitionCanceled"},
      {pb::STATUS_FAILED, pb::TASK_ACTION_FAILED, kRejected, "transitionFailed"},
      {pb::STATUS_CANCELED, pb::TASK_ACTION_DOING, kRejected, "transitionDoing"},
      {pb::STATUS_CANCELED, pb::TASK_ACTION_DONE, kRejected, "transitionDone"},
      {pb::STATUS_CANCELED, pb::TASK_ACTION_CANCELED, kRejected, "transitionCanceled"},
      {pb::STATUS_CANCELED, pb::TASK_ACTION_FAILED, kRejected, "transitionFailed"},
  };
  for (const TransitionCase& test_case : cases) {
    SCOPED_TRACE(pb::ComputeTaskStatus_Name(test_case.from) + " + " +
                 pb::ComputeTaskAction_Name(test_case.action));
    std::string key = TaskInStatus(test_case.from);
    ASSERT_EQ(Status(key), test_case.from);
    std::size_t events_before = TaskEvents(key).size();

    auto result = Act(kOrg1, key, test_case.action);

    if (test_case.to == kRejected) {
      ExpectError(result, ErrorKind::kBadRequest,
                  std::string("event ") + test_case.transition + " inappropriate in current state " +
                      pb::ComputeTaskStatus_Name(test_case.from));
      EXPECT_EQ(Status(key), test_case.from);
      EXPECT_EQ(TaskEvents(key).size(), events_before);
    } else {
      EXPECT_TRUE(IsOk(result));
      EXPECT_EQ(Status(key), test_case.to);
      EXPECT_EQ(TaskEvents(key).size(), events_before + 1);
    }
  }
}

TEST_F(ComputeTaskTest, UnknownActionFailsWithBadRequest) {
  std::string key = RegisterTask(Train()).key();

  auto unknown = Act(kOrg1, key, pb::TASK_ACTION_UNKNOWN);
  auto undeclared = Act(kOrg1, key, static_cast<pb::ComputeTaskAction>(99));
  auto unknown_on_missing_task = Act(kOrg1, NewKey(), pb::TASK_ACTION_UNKNOWN);

  ExpectError(unknown, ErrorKind::kBadRequest, "unsupported action");
  ExpectError(undeclared, ErrorKind::kBadRequest, "unsupported action");
  ExpectError(unknown_on_missing_task, ErrorKind::kBadRequest, "unsupported action");
  EXPECT_EQ(Status(key), pb::STATUS_TODO);
}

TEST_F(ComputeTaskTest, ActionOnUnknownTaskFailsWithNotFound) {
  std::string key = NewKey();

  auto result = Act(kOrg1, key, pb::TASK_ACTION_DOING);

  ExpectError(result, ErrorKind::kNotFound, "computetask with key \"" + key + "\" not found");
}

// =====================================================================
// ApplyTaskAction: who may act
// =====================================================================

class TaskActorTest : public ComputeTaskTest {
 protected:
  void SetUp() override {
    ComputeTaskTest::SetUp();
    org2_data_ = RegisterTaskData(kOrg2);
  }

  // A task owned by MyOrg1MSP and run by MyOrg2MSP, in `status`.
  std::string ForeignWorkerTask(pb::ComputeTaskStatus status) {
    std::string key = RegisterTask(TrainOn(org2_data_)).key();
    if (status == pb::STATUS_DOING) ApplyTaskAction(kOrg2, key, pb::TASK_ACTION_DOING);
    return key;
  }

  TaskData org2_data_;
};

TEST_F(TaskActorTest, WorkerMayApplyEveryAction) {
  std::string started = ForeignWorkerTask(pb::STATUS_TODO);
  std::string finished = ForeignWorkerTask(pb::STATUS_DOING);
  std::string failed = ForeignWorkerTask(pb::STATUS_TODO);
  std::string canceled = ForeignWorkerTask(pb::STATUS_TODO);

  EXPECT_TRUE(IsOk(Act(kOrg2, started, pb::TASK_ACTION_DOING)));
  EXPECT_TRUE(IsOk(Act(kOrg2, finished, pb::TASK_ACTION_DONE)));
  EXPECT_TRUE(IsOk(Act(kOrg2, failed, pb::TASK_ACTION_FAILED)));
  EXPECT_TRUE(IsOk(Act(kOrg2, canceled, pb::TASK_ACTION_CANCELED)));
}

TEST_F(TaskActorTest, OwnerMayOnlyCancel) {
  std::string todo = ForeignWorkerTask(pb::STATUS_TODO);
  std::string doing = ForeignWorkerTask(pb::STATUS_DOING);

  auto start = Act(kOrg1, todo, pb::TASK_ACTION_DOING);
  auto finish = Act(kOrg1, doing, pb::TASK_ACTION_DONE);
  auto fail = Act(kOrg1, doing, pb::TASK_ACTION_FAILED);
  auto cancel = Act(kOrg1, doing, pb::TASK_ACTION_CANCELED);

  ExpectError(start, ErrorKind::kPermissionDenied, "only task owner can update it");
  ExpectError(finish, ErrorKind::kPermissionDenied, "only task owner can update it");
  ExpectError(fail, ErrorKind::kPermissionDenied, "only task owner can update it");
  EXPECT_TRUE(IsOk(cancel));
  EXPECT_EQ(Status(todo), pb::STATUS_TODO);
  EXPECT_EQ(Status(doing), pb::STATUS_CANCELED);
}

TEST_F(TaskActorTest, ThirdOrgIsDeniedEveryAction) {
  std::string todo = ForeignWorkerTask(pb::STATUS_TODO);
  std::string doing = ForeignWorkerTask(pb::STATUS_DOING);

  ExpectError(Act(kThirdOrg, todo, pb::TASK_ACTION_DOING), ErrorKind::kPermissionDenied, "only task owner");
  ExpectError(Act(kThirdOrg, doing, pb::TASK_ACTION_DONE), ErrorKind::kPermissionDenied, "only task owner");
  ExpectError(Act(kThirdOrg, doing, pb::TASK_ACTION_FAILED), ErrorKind::kPermissionDenied, "only task owner");
  ExpectError(Act(kThirdOrg, doing, pb::TASK_ACTION_CANCELED), ErrorKind::kPermissionDenied, "only task owner");
  EXPECT_EQ(Status(todo), pb::STATUS_TODO);
  EXPECT_EQ(Status(doing), pb::STATUS_DOING);
}

TEST_F(TaskActorTest, PermissionIsCheckedBeforeTransition) {
  std::string done = ForeignWorkerTask(pb::STATUS_DOING);
  ApplyTaskAction(kOrg2, done, pb::TASK_ACTION_DONE);

  auto result = Act(kThirdOrg, done, pb::TASK_ACTION_DOING);

  ExpectError(result, ErrorKind::kPermissionDenied, "only task owner can update it");
}

TEST_F(TaskActorTest, WorkerMayCancelInFailedPlan) {
  std::string parent = RegisterTask(Train()).key();
  std::string aggregate = RegisterTask(Aggregate(kOrg2, {{parent, "model"}})).key();
  std::string failing = RegisterTask(Train()).key();
  ApplyTaskAction(kOrg1, failing, pb::TASK_ACTION_FAILED);
  ASSERT_TRUE(GetPlan(plan_.key()).has_failure_date());

  auto result = Act(kOrg2, aggregate, pb::TASK_ACTION_CANCELED);

  EXPECT_TRUE(IsOk(result));
  EXPECT_EQ(Status(aggregate), pb::STATUS_CANCELED);
}

// =====================================================================
// ApplyTaskAction: events and consequences
// =====================================================================

TEST_F(ComputeTaskTest, ActionReasonDefaultsToUserAction) {
  std::string key = RegisterTask(Train()).key();

  ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_DOING);

  std::vector<pb::Event> events = TaskEvents(key);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].event_kind(), pb::EVENT_ASSET_UPDATED);
  ASSERT_EQ(events[1].metadata().size(), 1u);
  EXPECT_EQ(events[1].metadata().at("reason"), "User action");
}

TEST_F(ComputeTaskTest, ActionReasonIsLogText) {
  std::string key = RegisterTask(Train()).key();

  ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_FAILED, "out of memory on node 3");

  std::vector<pb::Event> events = TaskEvents(key);
  ASSERT_EQ(events.size(), 2u);
  ASSERT_EQ(events[1].metadata().size(), 1u);
  EXPECT_EQ(events[1].metadata().at("reason"), "out of memory on node 3");
}

TEST_F(ComputeTaskTest, UpdatedEventSnapshotEqualsGetTask) {
  std::string key = RegisterTask(Train()).key();
  Micros time = NextRequestTime();

  ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_DOING);

  std::vector<pb::Event> events = TaskEvents(key);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(ToMicros(events[1].timestamp()), time);
  ASSERT_TRUE(events[1].has_compute_task());
  EXPECT_TRUE(ProtoEquals(GetTask(key), events[1].compute_task()));
}

TEST_F(ComputeTaskTest, DonePromotesChildWhenAllParentsDone) {
  // a -> b, a -> c, (b, c) -> d
  std::string a = RegisterTask(Train()).key();
  std::string b = RegisterTask(Train(a)).key();
  std::string c = RegisterTask(Train(a)).key();
  std::string d = RegisterTask(Aggregate(kOrg1, {{b, "model"}, {c, "model"}})).key();

  RunToDone(a, {"model"});
  EXPECT_EQ(Status(b), pb::STATUS_TODO);
  EXPECT_EQ(Status(c), pb::STATUS_TODO);
  EXPECT_EQ(Status(d), pb::STATUS_WAITING) << "no parent of d is done";

  RunToDone(b, {"model"});
  EXPECT_EQ(Status(d), pb::STATUS_WAITING) << "c is not done yet";

  RunToDone(c, {"model"});
  EXPECT_EQ(Status(d), pb::STATUS_TODO);
}

TEST_F(ComputeTaskTest, PromotionEventsFollowParentEvent) {
  std::string parent = RegisterTask(Train()).key();
  std::string first_child = RegisterTask(Train(parent)).key();
  std::string second_child = RegisterTask(Train(parent)).key();
  ApplyTaskAction(kOrg1, parent, pb::TASK_ACTION_DOING);
  Micros time = NextRequestTime();

  ApplyTaskAction(kOrg1, parent, pb::TASK_ACTION_DONE);

  pb::EventQueryFilter filter;
  SetTimestamp(time, filter.mutable_start());
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].asset_key(), parent);
  EXPECT_EQ(events[0].metadata().at("reason"), "User action");
  EXPECT_EQ(events[1].asset_key(), first_child);
  EXPECT_EQ(events[2].asset_key(), second_child);
  for (std::size_t i = 1; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(events[i].event_kind(), pb::EVENT_ASSET_UPDATED);
    EXPECT_EQ(events[i].metadata().at("reason"), "Last parent task " + parent + " done");
    ASSERT_TRUE(events[i].has_compute_task());
    EXPECT_EQ(events[i].compute_task().status(), pb::STATUS_TODO);
    EXPECT_TRUE(ProtoEquals(GetTask(events[i].asset_key()), events[i].compute_task()))
        << "the snapshot of a promoted task keeps its inputs and outputs";
  }
}

TEST_F(ComputeTaskTest, PromotionDoesNotCascade) {
  std::string a = RegisterTask(Train()).key();
  std::string b = RegisterTask(Train(a)).key();
  std::string c = RegisterTask(Train(b)).key();

  RunToDone(a, {"model"});

  EXPECT_EQ(Status(b), pb::STATUS_TODO);
  EXPECT_EQ(Status(c), pb::STATUS_WAITING);
}

TEST_F(ComputeTaskTest, DoneParentLeavesCanceledChild) {
  std::string parent = RegisterTask(Train()).key();
  std::string child = RegisterTask(Train(parent)).key();
  ApplyTaskAction(kOrg1, child, pb::TASK_ACTION_CANCELED);

  RunToDone(parent, {});

  EXPECT_EQ(Status(child), pb::STATUS_CANCELED);
}

TEST_F(ComputeTaskTest, FailedTaskFailsPlanOnly) {
  std::string parent = RegisterTask(Train()).key();
  std::string child = RegisterTask(Train(parent)).key();
  std::string sibling = RegisterTask(Train()).key();
  ApplyTaskAction(kOrg1, parent, pb::TASK_ACTION_DOING);
  Micros time = NextRequestTime();

  ApplyTaskAction(kOrg1, parent, pb::TASK_ACTION_FAILED);

  EXPECT_EQ(Status(parent), pb::STATUS_FAILED);
  EXPECT_EQ(Status(child), pb::STATUS_WAITING);
  EXPECT_EQ(Status(sibling), pb::STATUS_TODO);
  pb::ComputePlan plan = GetPlan(plan_.key());
  ASSERT_TRUE(plan.has_failure_date());
  EXPECT_EQ(ToMicros(plan.failure_date()), time);
  EXPECT_FALSE(plan.has_cancelation_date());
  EXPECT_EQ(EventsForAsset(plan_.key()).size(), 1u) << "the plan failure emits no event";
}

TEST_F(ComputeTaskTest, CanceledTaskChangesNothingElse) {
  std::string parent = RegisterTask(Train()).key();
  std::vector<std::string> children;
  for (int i = 0; i < 3; ++i) children.push_back(RegisterTask(Train(parent)).key());
  ApplyTaskAction(kOrg1, parent, pb::TASK_ACTION_DOING);

  ApplyTaskAction(kOrg1, parent, pb::TASK_ACTION_CANCELED);

  for (const std::string& child : children) EXPECT_EQ(Status(child), pb::STATUS_WAITING);
  pb::ComputePlan plan = GetPlan(plan_.key());
  EXPECT_FALSE(plan.has_cancelation_date());
  EXPECT_FALSE(plan.has_failure_date());
}

// =====================================================================
// QueryTasks
// =====================================================================

class QueryTasksTest : public ComputeTaskTest {
 protected:
  void SetUp() override {
    ComputeTaskTest::SetUp();
    other_plan_ = RegisterPlan();
    org1_doing_ = RegisterTask(Train()).key();
    org2_todo_ = RegisterTask(TrainOn(RegisterTaskData(kOrg2))).key();
    aggregate_todo_ = RegisterTask(
                          AggregateTaskRequest(NewKey(), other_plan_.key(), aggregate_.key(), kOrg2, {}))
                          .key();
    ApplyTaskAction(kOrg1, org1_doing_, pb::TASK_ACTION_DOING);
  }

  std::vector<std::string> Query(const pb::TaskQueryFilter& filter) {
    pb::QueryTasksParam request = QueryParam(100);
    *request.mutable_filter() = filter;
    return TaskKeys(Ok(orchestrator_.QueryTasks(As(kOrg1), request)).tasks());
  }

  pb::ComputePlan other_plan_;
  std::string org1_doing_;
  std::string org2_todo_;
  std::string aggregate_todo_;
};

TEST_F(QueryTasksTest, EmptyFilterReturnsAllTasks) {
  pb::TaskQueryFilter filter;

  EXPECT_EQ(Query(filter), (std::vector<std::string>{org1_doing_, org2_todo_, aggregate_todo_}));
}

TEST_F(QueryTasksTest, FilterByWorker) {
  pb::TaskQueryFilter filter;
  filter.set_worker(kOrg2);

  EXPECT_EQ(Query(filter), (std::vector<std::string>{org2_todo_, aggregate_todo_}));
}

TEST_F(QueryTasksTest, FilterByStatus) {
  pb::TaskQueryFilter todo;
  todo.set_status(pb::STATUS_TODO);
  pb::TaskQueryFilter doing;
  doing.set_status(pb::STATUS_DOING);
  pb::TaskQueryFilter done;
  done.set_status(pb::STATUS_DONE);

  EXPECT_EQ(Query(todo), (std::vector<std::string>{org2_todo_, aggregate_todo_}));
  EXPECT_EQ(Query(doing), (std::vector<std::string>{org1_doing_}));
  EXPECT_TRUE(Query(done).empty());
}

TEST_F(QueryTasksTest, FilterByPlan) {
  pb::TaskQueryFilter filter;
  filter.set_compute_plan_key(plan_.key());

  EXPECT_EQ(Query(filter), (std::vector<std::string>{org1_doing_, org2_todo_}));
}

TEST_F(QueryTasksTest, FilterByFunction) {
  pb::TaskQueryFilter filter;
  filter.set_function_key(aggregate_.key());

  EXPECT_EQ(Query(filter), (std::vector<std::string>{aggregate_todo_}));
}

TEST_F(QueryTasksTest, FiltersAreCombined) {
  pb::TaskQueryFilter filter;
  filter.set_worker(kOrg2);
  filter.set_compute_plan_key(plan_.key());
  filter.set_status(pb::STATUS_TODO);
  filter.set_function_key(simple_.key());
  pb::TaskQueryFilter no_match;
  no_match.set_worker(kOrg1);
  no_match.set_function_key(aggregate_.key());

  EXPECT_EQ(Query(filter), (std::vector<std::string>{org2_todo_}));
  EXPECT_TRUE(Query(no_match).empty());
}

TEST_F(ComputeTaskTest, QueryTasksPagesWithoutGapOrDuplicate) {
  // Three batches of four tasks; each batch shares one creation date and is
  // registered in descending key order.
  std::vector<std::string> expected;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<pb::NewComputeTask> requests;
    for (int i = 0; i < 4; ++i) requests.push_back(Train());
    for (const pb::NewComputeTask& request : requests) expected.push_back(request.key());
    pb::RegisterTasksParam param;
    for (auto it = requests.rbegin(); it != requests.rend(); ++it) *param.add_tasks() = *it;
    ASSERT_TRUE(IsOk(orchestrator_.RegisterTasks(As(kOrg1), param)));
  }

  std::vector<std::string> seen;
  std::vector<std::string> tokens;
  pb::QueryTasksParam request = QueryParam(5);
  request.mutable_filter()->set_compute_plan_key(plan_.key());
  do {
    pb::QueryTasksResponse response = Ok(orchestrator_.QueryTasks(As(kOrg1), request));
    for (const pb::ComputeTask& task : response.tasks()) seen.push_back(task.key());
    tokens.push_back(response.next_page_token());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());

  EXPECT_EQ(seen, expected);
  EXPECT_EQ(tokens, (std::vector<std::string>{"5", "10", ""}));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
}

// =====================================================================
// GetTaskInputAssets
// =====================================================================

TEST_F(ComputeTaskTest, InputAssetsOfUnknownTaskFail) {
  auto result = InputAssets(NewKey());

  ExpectError(result, ErrorKind::kNotFound, "computetask");
}

TEST_F(ComputeTaskTest, InputAssetsOfUnstartableTasksAreRejected) {
  for (pb::ComputeTaskStatus status : {pb::STATUS_WAITING, pb::STATUS_DONE, pb::STATUS_CANCELED}) {
    SCOPED_TRACE(pb::ComputeTaskStatus_Name(status));
    std::string key = TaskInStatus(status);

    auto result = InputAssets(key);

    ExpectError(result, ErrorKind::kBadRequest, "inputs may not be defined");
    ExpectError(result, ErrorKind::kBadRequest, pb::ComputeTaskStatus_Name(status));
  }
}

TEST_F(ComputeTaskTest, InputAssetsAllowedForTodoDoingFailed) {
  for (pb::ComputeTaskStatus status : {pb::STATUS_TODO, pb::STATUS_DOING, pb::STATUS_FAILED}) {
    SCOPED_TRACE(pb::ComputeTaskStatus_Name(status));
    std::string key = TaskInStatus(status);

    auto result = InputAssets(key);

    ASSERT_TRUE(IsOk(result));
    EXPECT_EQ(result->assets_size(), 2);
  }
}

TEST_F(ComputeTaskTest, InputAssetsListDataManagerAndSample) {
  std::string key = RegisterTask(Train()).key();

  pb::GetTaskInputAssetsResponse response = Ok(InputAssets(key));

  pb::GetDataManagerParam manager_request;
  manager_request.set_key(data_.data_manager_key);
  pb::GetDataSampleParam sample_request;
  sample_request.set_key(data_.sample_key);
  ASSERT_EQ(response.assets_size(), 2);
  EXPECT_EQ(response.assets(0).identifier(), "opener");
  ASSERT_TRUE(response.assets(0).has_data_manager());
  EXPECT_TRUE(ProtoEquals(Ok(orchestrator_.GetDataManager(As(kOrg1), manager_request)),
                          response.assets(0).data_manager()));
  EXPECT_EQ(response.assets(1).identifier(), "datasamples");
  ASSERT_TRUE(response.assets(1).has_data_sample());
  EXPECT_TRUE(ProtoEquals(Ok(orchestrator_.GetDataSample(As(kOrg1), sample_request)),
                          response.assets(1).data_sample()));
}

TEST_F(ComputeTaskTest, InputAssetsFollowTaskInputOrder) {
  std::string parent = RegisterTask(Train()).key();
  pb::Model parent_model = RunToDone(parent, {"model"}).front();
  std::string producer = RegisterTask(Train()).key();
  pb::Model keyed_model = RunToDone(producer, {"model"}).front();
  pb::NewComputeTask request = NewTaskRequest(NewKey(), plan_.key(), simple_.key());
  AddDataInputs(request, data_);
  AddAssetInput(request, "model", keyed_model.key());
  AddParentInput(request, "model", parent, "model");
  AddTaskOutput(request, "model", true);
  std::string key = RegisterTask(request).key();

  pb::GetTaskInputAssetsResponse response = Ok(InputAssets(key));

  ASSERT_EQ(response.assets_size(), 4);
  EXPECT_TRUE(response.assets(0).has_data_manager());
  EXPECT_TRUE(response.assets(1).has_data_sample());
  EXPECT_EQ(response.assets(2).identifier(), "model");
  EXPECT_TRUE(ProtoEquals(keyed_model, response.assets(2).model()));
  EXPECT_EQ(response.assets(3).identifier(), "model");
  EXPECT_TRUE(ProtoEquals(parent_model, response.assets(3).model()));
}

TEST_F(ComputeTaskTest, InputAssetsIgnoreModelRegistrationOrder) {
  std::string first = RegisterTask(Train()).key();
  std::string second = RegisterTask(Train()).key();
  std::string aggregate = RegisterTask(Aggregate(kOrg1, {{first, "model"}, {second, "model"}})).key();
  pb::Model second_model = RunToDone(second, {"model"}).front();
  pb::Model first_model = RunToDone(first, {"model"}).front();
  ASSERT_EQ(Status(aggregate), pb::STATUS_TODO);

  pb::GetTaskInputAssetsResponse response = Ok(InputAssets(aggregate));

  ASSERT_EQ(response.assets_size(), 2);
  EXPECT_EQ(response.assets(0).model().key(), first_model.key());
  EXPECT_EQ(response.assets(1).model().key(), second_model.key());
}

TEST_F(ComputeTaskTest, InputAssetsOfCompositeParentsFollowInputs) {
  std::string first = RegisterTask(CompositeTaskRequest(NewKey(), plan_.key(), composite_.key(), data_)).key();
  std::string second = RegisterTask(CompositeTaskRequest(NewKey(), plan_.key(), composite_.key(), data_)).key();
  std::vector<pb::Model> second_models = RunToDone(second, {"local", "shared"});
  std::vector<pb::Model> first_models = RunToDone(first, {"shared", "local"});
  pb::NewComputeTask request = NewTaskRequest(NewKey(), plan_.key(), composite_.key());
  AddDataInputs(request, data_);
  AddParentInput(request, "local", first, "local");
  AddParentInput(request, "shared", second, "shared");
  AddTaskOutput(request, "shared", true);
  AddTaskOutput(request, "local", true);
  std::string key = RegisterTask(request).key();

  pb::GetTaskInputAssetsResponse response = Ok(InputAssets(key));

  ASSERT_EQ(response.assets_size(), 4);
  EXPECT_EQ(response.assets(2).identifier(), "local");
  EXPECT_EQ(response.assets(2).model().key(), first_models[1].key());
  EXPECT_EQ(response.assets(3).identifier(), "shared");
  EXPECT_EQ(response.assets(3).model().key(), second_models[1].key());
}

TEST_F(ComputeTaskTest, ParentOutputWithoutAssetContributesNothing) {
  std::string parent = RegisterTask(Train()).key();
  std::string child = RegisterTask(Train(parent)).key();
  RunToDone(parent, {});

  pb::GetTaskInputAssetsResponse response = Ok(InputAssets(child));

  ASSERT_EQ(response.assets_size(), 2);
  EXPECT_TRUE(response.assets(0).has_data_manager());
  EXPECT_TRUE(response.assets(1).has_data_sample());
}

TEST_F(ComputeTaskTest, InputAssetsShowDisabledModelWithoutAddress) {
  pb::NewComputeTask parent = Train();
  AddTaskOutput(parent, "model", true, {}, /*transient=*/true);
  std::string parent_key = RegisterTask(parent).key();
  std::string child = RegisterTask(Train(parent_key)).key();
  pb::Model model = RunToDone(parent_key, {"model"}).front();
  ApplyTaskAction(kOrg1, child, pb::TASK_ACTION_FAILED);
  ASSERT_TRUE(IsOk(Disable(kOrg1, parent_key, "model")));

  pb::GetTaskInputAssetsResponse response = Ok(InputAssets(child));

  ASSERT_EQ(response.assets_size(), 3);
  EXPECT_EQ(response.assets(2).model().key(), model.key());
  EXPECT_FALSE(response.assets(2).model().has_address());
}

// =====================================================================
// DisableOutput
// =====================================================================

class DisableOutputTest : public ComputeTaskTest {
 protected:
  // Registers a parent with a transient `model` output, run by `worker`
  // (MyOrg1MSP or MyOrg2MSP), and one child consuming it.
  void SetUpGraph(std::string_view worker = kOrg1) {
    TaskData data = worker == kOrg1 ? data_ : RegisterTaskData(kOrg2);
    pb::NewComputeTask parent = TrainOn(data);
    AddTaskOutput(parent, "model", true, {}, /*transient=*/true);
    parent_ = RegisterTask(parent).key();
    child_ = RegisterTask(Train(parent_)).key();
  }

  std::string parent_;
  std::string child_;
};

TEST_F(DisableOutputTest, UnknownTaskFailsWithNotFound) {
  auto result = Disable(kOrg1, NewKey(), "model");

  ExpectError(result, ErrorKind::kNotFound, "computetask");
}

TEST_F(DisableOutputTest, NonWorkerIsDenied) {
  SetUpGraph(kOrg2);  // owner MyOrg1MSP, worker MyOrg2MSP
  ApplyTaskAction(kOrg2, parent_, pb::TASK_ACTION_DOING);

  auto result = Disable(kOrg1, parent_, "model");

  ExpectError(result, ErrorKind::kPermissionDenied, "only the worker can disable a task output");
}

TEST_F(DisableOutputTest, ActiveTaskCannotDisable) {
  SetUpGraph();
  ApplyTaskAction(kOrg1, parent_, pb::TASK_ACTION_DOING);

  auto result = Disable(kOrg1, parent_, "undeclared");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "cannot disable asset: task not in final state");
}

TEST_F(DisableOutputTest, UnknownIdentifierCannotDisable) {
  SetUpGraph();
  RunToDone(parent_, {"model"});

  auto result = Disable(kOrg1, parent_, "undeclared");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "there is no output identifier \"undeclared\"");
}

TEST_F(DisableOutputTest, KeptOutputCannotDisable) {
  std::string parent = RegisterTask(Train()).key();
  std::string child = RegisterTask(Train(parent)).key();
  RunToDone(parent, {"model"});
  ApplyTaskAction(kOrg1, child, pb::TASK_ACTION_CANCELED);

  auto result = Disable(kOrg1, parent, "model");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "output is not transient");
}

TEST_F(DisableOutputTest, OutputWithoutAssetCannotDisable) {
  SetUpGraph();
  RunToDone(parent_, {});
  ApplyTaskAction(kOrg1, child_, pb::TASK_ACTION_CANCELED);

  auto result = Disable(kOrg1, parent_, "model");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "no asset registered under output \"model\"");
}

TEST_F(DisableOutputTest, PerformanceAssetCannotDisable) {
  SetUpGraph();
  ApplyTaskAction(kOrg1, parent_, pb::TASK_ACTION_DOING);
  ASSERT_TRUE(IsOk(orchestrator_.RegisterPerformance(As(kOrg1), NewPerformanceRequest(parent_, "model", 0.5f))));
  ApplyTaskAction(kOrg1, parent_, pb::TASK_ACTION_DONE);
  ApplyTaskAction(kOrg1, child_, pb::TASK_ACTION_CANCELED);

  auto result = Disable(kOrg1, parent_, "model");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "cannot disable output of kind: ASSET_PERFORMANCE");
}

TEST_F(DisableOutputTest, TaskWithoutChildrenCannotDisable) {
  pb::NewComputeTask lonely = Train();
  AddTaskOutput(lonely, "model", true, {}, /*transient=*/true);
  std::string key = RegisterTask(lonely).key();
  RunToDone(key, {"model"});

  auto result = Disable(kOrg1, key, "model");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "cannot disable output of a task with no children");
}

TEST_F(DisableOutputTest, ActiveChildPreventsDisable) {
  SetUpGraph();
  RunToDone(parent_, {"model"});
  ASSERT_EQ(Status(child_), pb::STATUS_TODO);

  auto result = Disable(kOrg1, parent_, "model");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "cannot disable asset: child not in final state");
}

TEST_F(DisableOutputTest, DisableClearsAddressesAndEmitsEvents) {
  pb::Function multiple = RegisterFunctionWithMultipleOutputs(FunctionShape::kSimple);
  pb::NewComputeTask parent = TrainTaskRequest(NewKey(), plan_.key(), multiple.key(), data_);
  AddTaskOutput(parent, "model", true, {}, /*transient=*/true);
  std::string parent_key = RegisterTask(parent).key();
  std::string child = RegisterTask(Train(parent_key)).key();
  std::vector<pb::Model> models = RunToDone(parent_key, {"model", "model"});
  RunToDone(child, {"model"});
  pb::ComputeTask parent_before = GetTask(parent_key);
  Micros time = NextRequestTime();

  ASSERT_TRUE(IsOk(Disable(kOrg1, parent_key, "model")));

  pb::EventQueryFilter filter;
  filter.set_event_kind(pb::EVENT_ASSET_DISABLED);
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 2u);
  for (std::size_t i = 0; i < models.size(); ++i) {
    SCOPED_TRACE(i);
    pb::GetModelParam request;
    request.set_key(models[i].key());
    pb::Model read = Ok(orchestrator_.GetModel(As(kOrg1), request));
    EXPECT_FALSE(read.has_address());
    pb::Model expected = models[i];
    expected.clear_address();
    EXPECT_TRUE(ProtoEquals(expected, read));
    EXPECT_EQ(events[i].asset_kind(), pb::ASSET_MODEL);
    EXPECT_EQ(events[i].asset_key(), models[i].key());
    EXPECT_EQ(ToMicros(events[i].timestamp()), time);
    ASSERT_TRUE(events[i].has_model());
    EXPECT_TRUE(ProtoEquals(expected, events[i].model()));
  }
  EXPECT_TRUE(ProtoEquals(parent_before, GetTask(parent_key)));
}

TEST_F(DisableOutputTest, DisableTwiceFails) {
  SetUpGraph();
  RunToDone(parent_, {"model"});
  RunToDone(child_, {"model"});
  ASSERT_TRUE(IsOk(Disable(kOrg1, parent_, "model")));
  std::size_t events_before = EventCount();

  auto result = Disable(kOrg1, parent_, "model");

  ExpectError(result, ErrorKind::kCannotDisableOutput, "is already disabled");
  EXPECT_EQ(EventCount(), events_before);
}

}  // namespace
}  // namespace orc::test
