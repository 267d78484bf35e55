#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

pb::RegisterModelsParam ModelsParam(std::initializer_list<pb::NewModel> models) {
  pb::RegisterModelsParam request;
  for (const pb::NewModel& model : models) *request.add_models() = model;
  return request;
}

pb::GetModelParam ByKey(const std::string& key) {
  pb::GetModelParam request;
  request.set_key(key);
  return request;
}

std::vector<std::string> ModelKeys(const google::protobuf::RepeatedPtrField<pb::Model>& models) {
  std::vector<std::string> keys;
  for (const pb::Model& model : models) keys.push_back(model.key());
  return keys;
}

class ModelTest : public TwoOrgsTest {
 protected:
  void SetUp() override {
    TwoOrgsTest::SetUp();
    simple_ = RegisterFunction(FunctionShape::kSimple);
    composite_ = RegisterFunction(FunctionShape::kComposite);
    data_ = RegisterTaskData(kOrg1);
    plan_ = RegisterPlan(kOrg1);
  }

  // Registers a task and starts it as its worker. The worker is the owner of
  // `data` (MyOrg1MSP for data_).
  std::string StartedTask(pb::NewComputeTask request, std::string_view worker = kOrg1) {
    std::string key = RegisterTask(request).key();
    ApplyTaskAction(worker, key, pb::TASK_ACTION_DOING);
    return key;
  }

  std::string StartedTrain() { return StartedTask(TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_)); }

  std::string StartedComposite() {
    return StartedTask(CompositeTaskRequest(NewKey(), plan_.key(), composite_.key(), data_));
  }

  // A started train task of a function whose `model` output is multiple.
  std::string StartedMultipleOutputTrain() {
    pb::NewFunction request = NewFunctionRequest(NewKey(), FunctionShape::kSimple);
    (*request.mutable_outputs())["model"].set_multiple(true);
    pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));
    return StartedTask(TrainTaskRequest(NewKey(), plan_.key(), function.key(), data_));
  }

  Result<pb::RegisterModelsResponse> Register(std::initializer_list<pb::NewModel> models,
                                              std::string_view requester = kOrg1) {
    return orchestrator_.RegisterModels(As(requester), ModelsParam(models));
  }

  std::vector<std::string> OutputModelKeys(const std::string& task_key) {
    pb::GetComputeTaskModelsParam request;
    request.set_compute_task_key(task_key);
    return ModelKeys(Ok(orchestrator_.GetComputeTaskOutputModels(As(kOrg1), request)).models());
  }

  pb::Function simple_;
  pb::Function composite_;
  TaskData data_;
  pb::ComputePlan plan_;
};

// ---- RegisterModel(s): the stored model ----

TEST_F(ModelTest, RegisterModelReturnsModel) {
  pb::NewComputeTask task = TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), RegisterTaskData(kOrg2));
  AddTaskOutput(task, "model", false, {kOrg1});
  std::string task_key = StartedTask(task, kOrg2);
  pb::NewModel request = NewModelRequest(NewKey(), task_key, "model");
  Micros time = NextRequestTime();

  pb::Model model = Ok(orchestrator_.RegisterModel(As(kOrg2), request));

  EXPECT_EQ(model.key(), request.key());
  EXPECT_EQ(model.compute_task_key(), task_key);
  EXPECT_TRUE(ProtoEquals(request.address(), model.address()));
  EXPECT_TRUE(ProtoEquals(GetTask(task_key).outputs().at("model").permissions(), model.permissions()));
  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg1}), model.permissions().process()));
  EXPECT_EQ(model.owner(), kOrg2);
  EXPECT_EQ(ToMicros(model.creation_date()), time);
}

TEST_F(ModelTest, RegisterModelResultEqualsGetModel) {
  pb::Model registered = RegisterModel(kOrg1, StartedTrain(), "model");

  pb::Model read = Ok(orchestrator_.GetModel(As(kOrg2), ByKey(registered.key())));

  EXPECT_TRUE(ProtoEquals(registered, read));
}

TEST_F(ModelTest, RegisterModelsReturnsRequestOrder) {
  std::string task_key = StartedComposite();
  pb::NewModel local = NewModelRequest(NewKey(), task_key, "local");
  pb::NewModel shared = NewModelRequest(NewKey(), task_key, "shared");

  auto response = Ok(Register({shared, local}));

  EXPECT_EQ(ModelKeys(response.models()), (std::vector<std::string>{shared.key(), local.key()}));
}

// ---- Validation ----

struct ModelValidationCase {
  const char* name;
  void (*change)(pb::NewModel&);
  const char* field;
};

TEST_F(ModelTest, RegisterModelRejectsEachInvalidField) {
  const ModelValidationCase cases[] = {
      {"blank key", [](pb::NewModel& model) { model.set_key(""); }, "key: cannot be blank"},
      {"key not a UUID", [](pb::NewModel& model) { model.set_key("model-1"); }, "key: must be a valid UUID"},
      {"blank output identifier", [](pb::NewModel& model) { model.set_compute_task_output_identifier(""); },
       "compute_task_output_identifier: cannot be blank"},
      {"missing address", [](pb::NewModel& model) { model.clear_address(); }, "address: cannot be blank"},
      {"short checksum", [](pb::NewModel& model) { model.mutable_address()->set_checksum("abc"); },
       "address.checksum"},
      {"checksum not hexadecimal",
       [](pb::NewModel& model) { model.mutable_address()->set_checksum(std::string(64, 'z')); },
       "address.checksum"},
      {"blank storage address", [](pb::NewModel& model) { model.mutable_address()->set_storage_address(""); },
       "address.storage_address: cannot be blank"},
      {"storage address with unsupported scheme",
       [](pb::NewModel& model) { model.mutable_address()->set_storage_address("s3://bucket/model"); },
       "address.storage_address: must be a valid URL"},
  };
  std::string task_key = StartedTrain();
  for (const ModelValidationCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    pb::NewModel request = NewModelRequest(NewKey(), task_key, "model");
    test_case.change(request);

    auto result = Register({request});

    ExpectError(result, ErrorKind::kInvalidAsset, "model is not valid");
    ExpectError(result, ErrorKind::kInvalidAsset, test_case.field);
  }
  EXPECT_TRUE(OutputModelKeys(task_key).empty());
}

// The task is loaded before the model is validated, as in 0.37.
TEST_F(ModelTest, MalformedTaskKeyFailsWithNotFound) {
  auto result = Register({NewModelRequest(NewKey(), "task-1", "model")});

  ExpectError(result, ErrorKind::kNotFound, "computetask with key \"task-1\" not found");
}

TEST_F(ModelTest, UnknownTaskFailsWithNotFound) {
  std::string missing = NewKey();

  auto result = Register({NewModelRequest(NewKey(), missing, "model")});

  ExpectError(result, ErrorKind::kNotFound, "computetask with key \"" + missing + "\" not found");
}

TEST_F(ModelTest, EmptyListFailsWithBadRequest) {
  std::size_t events_before = EventCount();

  auto result = Register({});

  ExpectError(result, ErrorKind::kBadRequest, "no model to register");
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(ModelTest, ModelsOfDifferentTasksFail) {
  std::string first = StartedTrain();
  std::string second = StartedTrain();

  auto result = Register({NewModelRequest(NewKey(), first, "model"), NewModelRequest(NewKey(), second, "model")});

  ExpectError(result, ErrorKind::kBadRequest, "All models should be part of the same task");
  EXPECT_TRUE(OutputModelKeys(first).empty());
  EXPECT_TRUE(OutputModelKeys(second).empty());
}

// ---- Who and when ----

TEST_F(ModelTest, NonWorkerIsDenied) {
  std::string task_key =
      StartedTask(TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), RegisterTaskData(kOrg2)), kOrg2);

  auto result = Register({NewModelRequest(NewKey(), task_key, "model")}, kOrg1);

  ExpectError(result, ErrorKind::kPermissionDenied, "only \"MyOrg2MSP\" worker can register model");
  EXPECT_TRUE(OutputModelKeys(task_key).empty());
}

TEST_F(ModelTest, WorkerWhoIsNotOwnerMayRegister) {
  std::string task_key =
      StartedTask(TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), RegisterTaskData(kOrg2)), kOrg2);

  pb::Model model = RegisterModel(kOrg2, task_key, "model");

  EXPECT_EQ(model.owner(), kOrg2);
}

TEST_F(ModelTest, TaskNotDoingIsRejected) {
  std::string waiting_parent = RegisterTask(TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_)).key();
  std::string waiting =
      RegisterTask(TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_, waiting_parent)).key();
  std::string todo = RegisterTask(TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_)).key();
  std::string done = StartedTrain();
  ApplyTaskAction(kOrg1, done, pb::TASK_ACTION_DONE);
  std::string failed = StartedTrain();
  ApplyTaskAction(kOrg1, failed, pb::TASK_ACTION_FAILED);
  std::string canceled = StartedTrain();
  ApplyTaskAction(kOrg1, canceled, pb::TASK_ACTION_CANCELED);
  const std::pair<std::string, const char*> cases[] = {
      {waiting, "STATUS_WAITING"}, {todo, "STATUS_TODO"},         {done, "STATUS_DONE"},
      {failed, "STATUS_FAILED"},   {canceled, "STATUS_CANCELED"},
  };
  for (const auto& [task_key, status] : cases) {
    SCOPED_TRACE(status);

    auto result = Register({NewModelRequest(NewKey(), task_key, "model")});

    ExpectError(result, ErrorKind::kBadRequest,
                std::string("cannot register model for task with status \"") + status + "\"");
    EXPECT_TRUE(OutputModelKeys(task_key).empty());
  }
}

// ---- Outputs ----

TEST_F(ModelTest, UndeclaredOutputFailsWithMissingTaskOutput) {
  std::string task_key = StartedTrain();

  auto result = Register({NewModelRequest(NewKey(), task_key, "weights")});

  ExpectError(result, ErrorKind::kMissingTaskOutput,
              "Task \"" + task_key + "\" has no output named \"weights\"");
}

TEST_F(ModelTest, PerformanceOutputFailsWithIncompatibleKind) {
  pb::NewFunction function_request = NewFunctionRequest(NewKey(), FunctionShape::kSimple);
  (*function_request.mutable_outputs())["performance"] = MakeFunctionOutput(pb::ASSET_PERFORMANCE);
  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), function_request));
  pb::NewComputeTask task = TrainTaskRequest(NewKey(), plan_.key(), function.key(), data_);
  AddTaskOutput(task, "performance", true);
  std::string task_key = StartedTask(task);

  auto result = Register({NewModelRequest(NewKey(), task_key, "performance")});

  ExpectError(result, ErrorKind::kIncompatibleKind, "Incompatible kind for task \"" + task_key + "\"");
  ExpectError(result, ErrorKind::kIncompatibleKind, "expects \"ASSET_PERFORMANCE\", received \"ASSET_MODEL\"");
}

TEST_F(ModelTest, TwoModelsForUniqueOutputConflict) {
  std::string task_key = StartedTrain();

  auto result =
      Register({NewModelRequest(NewKey(), task_key, "model"), NewModelRequest(NewKey(), task_key, "model")});

  ExpectError(result, ErrorKind::kConflict,
              "compute task \"" + task_key + "\" already has its unique output \"model\" registered");
  EXPECT_TRUE(OutputModelKeys(task_key).empty());
}

TEST_F(ModelTest, SecondCallForUniqueOutputConflicts) {
  std::string task_key = StartedTrain();
  pb::Model first = RegisterModel(kOrg1, task_key, "model");

  auto result = Register({NewModelRequest(NewKey(), task_key, "model")});

  ExpectError(result, ErrorKind::kConflict, "already has its unique output \"model\" registered");
  EXPECT_EQ(OutputModelKeys(task_key), (std::vector<std::string>{first.key()}));
}

TEST_F(ModelTest, MultipleOutputAcceptsSeveralModels) {
  std::string task_key = StartedMultipleOutputTrain();
  pb::NewModel first = NewModelRequest(NewKey(), task_key, "model");
  pb::NewModel second = NewModelRequest(NewKey(), task_key, "model");
  pb::NewModel third = NewModelRequest(NewKey(), task_key, "model");

  ASSERT_TRUE(IsOk(Register({first, second})));
  ASSERT_TRUE(IsOk(Register({third})));

  EXPECT_EQ(OutputModelKeys(task_key), (std::vector<std::string>{first.key(), second.key(), third.key()}));
}

TEST_F(ModelTest, CompositeRegistersBothOutputsThenFinishes) {
  std::string task_key = StartedComposite();

  auto result =
      Register({NewModelRequest(NewKey(), task_key, "local"), NewModelRequest(NewKey(), task_key, "shared")});
  ASSERT_TRUE(IsOk(result));
  ApplyTaskAction(kOrg1, task_key, pb::TASK_ACTION_DONE);

  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_DONE);
  EXPECT_EQ(OutputModelKeys(task_key).size(), 2u);
}

TEST_F(ModelTest, StoredModelKeyConflicts) {
  pb::Model stored = RegisterModel(kOrg1, StartedTrain(), "model");
  std::string task_key = StartedTrain();

  auto result = Register({NewModelRequest(stored.key(), task_key, "model")});

  ExpectError(result, ErrorKind::kConflict, "model with key \"" + stored.key() + "\" already exists");
  EXPECT_TRUE(OutputModelKeys(task_key).empty());
}

TEST_F(ModelTest, RepeatedModelKeyInOneCallConflicts) {
  std::string task_key = StartedComposite();
  std::string key = NewKey();

  auto result = Register({NewModelRequest(key, task_key, "local"), NewModelRequest(key, task_key, "shared")});

  ExpectError(result, ErrorKind::kConflict, "model with key \"" + key + "\" already exists");
  EXPECT_TRUE(OutputModelKeys(task_key).empty());
}

// ---- Task status and events ----

TEST_F(ModelTest, RegisteringModelKeepsTaskDoing) {
  std::string task_key = StartedTrain();

  RegisterModel(kOrg1, task_key, "model");

  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_DOING);
}

TEST_F(ModelTest, TaskMayFinishWithoutModel) {
  std::string task_key = StartedTrain();

  ApplyTaskAction(kOrg1, task_key, pb::TASK_ACTION_DONE);

  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_DONE);
}

TEST_F(ModelTest, EachModelEmitsModelThenOutputAssetEvent) {
  std::string task_key = StartedComposite();
  Micros time = NextRequestTime();
  auto response = Ok(Register({NewModelRequest(NewKey(), task_key, "shared"),
                               NewModelRequest(NewKey(), task_key, "local")}));

  pb::EventQueryFilter filter;
  SetTimestamp(time, filter.mutable_start());
  std::vector<pb::Event> events = QueryAllEvents(filter);

  ASSERT_EQ(events.size(), 4u);
  const char* identifiers[] = {"shared", "local"};
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(identifiers[i]);
    const pb::Model& model = response.models(i);
    const pb::Event& model_event = events[2 * i];
    const pb::Event& output_event = events[2 * i + 1];
    EXPECT_EQ(model_event.event_kind(), pb::EVENT_ASSET_CREATED);
    EXPECT_EQ(model_event.asset_kind(), pb::ASSET_MODEL);
    EXPECT_EQ(model_event.asset_key(), model.key());
    ASSERT_TRUE(model_event.has_model());
    EXPECT_TRUE(ProtoEquals(model, model_event.model()));
    EXPECT_EQ(output_event.event_kind(), pb::EVENT_ASSET_CREATED);
    EXPECT_EQ(output_event.asset_kind(), pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET);
    EXPECT_EQ(output_event.asset_key(), task_key);
    ASSERT_TRUE(output_event.has_compute_task_output_asset());
    const pb::ComputeTaskOutputAsset& output = output_event.compute_task_output_asset();
    EXPECT_EQ(output.compute_task_key(), task_key);
    EXPECT_EQ(output.compute_task_output_identifier(), identifiers[i]);
    EXPECT_EQ(output.asset_kind(), pb::ASSET_MODEL);
    EXPECT_EQ(output.asset_key(), model.key());
  }
}

TEST_F(ModelTest, TaskKeyHasExactlyThreeEventsAfterModel) {
  std::string task_key = StartedTrain();
  pb::Model model = Ok(orchestrator_.RegisterModel(As(kOrg1), NewModelRequest(NewKey(), task_key, "model")));

  std::vector<pb::Event> events = EventsForAsset(task_key);

  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_COMPUTE_TASK);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[1].asset_kind(), pb::ASSET_COMPUTE_TASK);
  EXPECT_EQ(events[1].event_kind(), pb::EVENT_ASSET_UPDATED);
  EXPECT_EQ(events[2].asset_kind(), pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET);
  EXPECT_EQ(events[2].event_kind(), pb::EVENT_ASSET_CREATED);
  std::vector<pb::Event> model_events = EventsForAsset(model.key());
  ASSERT_EQ(model_events.size(), 1u);
  EXPECT_TRUE(ProtoEquals(model, model_events[0].model()));
}

// ---- Reads ----

TEST_F(ModelTest, GetUnknownModelFails) {
  std::string key = NewKey();

  auto result = orchestrator_.GetModel(As(kOrg1), ByKey(key));

  ExpectError(result, ErrorKind::kNotFound, "model with key \"" + key + "\" not found");
}

TEST_F(ModelTest, OutputModelsAreInRegistrationOrder) {
  std::string task_key = StartedComposite();
  std::string other_task = StartedTrain();
  pb::Model shared = RegisterModel(kOrg1, task_key, "shared");
  RegisterModel(kOrg1, other_task, "model");
  pb::Model local = RegisterModel(kOrg1, task_key, "local");

  EXPECT_EQ(OutputModelKeys(task_key), (std::vector<std::string>{shared.key(), local.key()}));
}

TEST_F(ModelTest, OutputModelsOfUnknownTaskAreEmpty) { EXPECT_TRUE(OutputModelKeys(NewKey()).empty()); }

TEST_F(ModelTest, OutputModelsIncludeDisabledModels) {
  pb::NewComputeTask parent = TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_);
  AddTaskOutput(parent, "model", true, {}, /*transient=*/true);
  std::string parent_key = StartedTask(parent);
  pb::Model model = RegisterModel(kOrg1, parent_key, "model");
  std::string child = RegisterTask(TrainTaskRequest(NewKey(), plan_.key(), simple_.key(), data_, parent_key)).key();
  ApplyTaskAction(kOrg1, parent_key, pb::TASK_ACTION_DONE);
  ApplyTaskAction(kOrg1, child, pb::TASK_ACTION_CANCELED);
  pb::DisableOutputParam disable;
  disable.set_compute_task_key(parent_key);
  disable.set_identifier("model");
  ASSERT_TRUE(IsOk(orchestrator_.DisableOutput(As(kOrg1), disable)));

  pb::GetComputeTaskModelsParam request;
  request.set_compute_task_key(parent_key);
  auto response = Ok(orchestrator_.GetComputeTaskOutputModels(As(kOrg1), request));

  ASSERT_EQ(response.models_size(), 1);
  EXPECT_EQ(response.models(0).key(), model.key());
  EXPECT_FALSE(response.models(0).has_address());
}

}  // namespace
}  // namespace orc::test
