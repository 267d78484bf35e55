// Shared fixtures for the unit tests: an Orchestrator over a MemoryStore and a
// ManualClock, request builders with valid defaults, and assertions on
// results, errors and protobuf messages.
//
// The defaults follow the fixtures of the Substra 0.37.0 e2e suite: functions
// and data managers are public, data managers have type "test" and a public
// logs permission, storage addresses are unique http://somewhere.local URLs.
#pragma once

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"
#include "core/records.h"

namespace orc::test {

inline constexpr char kOrg1[] = "MyOrg1MSP";
inline constexpr char kOrg2[] = "MyOrg2MSP";
// An organisation that the fixtures never register.
inline constexpr char kUnregisteredOrg[] = "MyOrg3MSP";
inline constexpr char kChannel[] = "mychannel";
inline constexpr char kOtherChannel[] = "yourchannel";
inline constexpr char kChecksum[] = "a3f9c0d1e2b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8";

// Transaction time of the first request, and how far the clock moves at each
// request, in microseconds. Every request gets its own time, so that
// creation-date ordering is visible in tests.
inline constexpr Micros kStartTime = 1'700'000'000'000'000;
inline constexpr Micros kClockStep = 1'000'000;

// Function shapes of the e2e suite.
enum class FunctionShape {
  // inputs opener (DATA_MANAGER), datasamples (DATA_SAMPLE, multiple),
  // model (MODEL, multiple, optional); output model (MODEL).
  kSimple,
  // inputs opener, datasamples (multiple), shared (MODEL, optional),
  // local (MODEL, optional); outputs shared and local (MODEL).
  kComposite,
  // input model (MODEL, multiple, optional); output model (MODEL).
  kAggregate,
  // inputs opener, datasamples (multiple), model (MODEL); output predictions (MODEL).
  kPredict,
  // inputs opener, datasamples (multiple), predictions (MODEL); output
  // performance (PERFORMANCE).
  kMetric,
};

// ---- Assertions ----

// Succeeds when both messages are equal field by field (maps compared as maps).
// The failure message lists the differences.
inline ::testing::AssertionResult ProtoEquals(const google::protobuf::Message& expected,
                                              const google::protobuf::Message& actual) {
  google::protobuf::util::MessageDifferencer differencer;
  std::string report;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "messages differ:\n" << report;
}

template <class T>
::testing::AssertionResult IsOk(const Result<T>& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "request failed: " << result.error().message();
}

// Checks that `result` failed with `kind` and that its message contains
// `substring`.
template <class T>
void ExpectError(const Result<T>& result, ErrorKind kind, std::string_view substring) {
  ASSERT_FALSE(result.ok()) << "expected an error " << ErrorCode(kind) << " containing \"" << substring
                            << "\", but the request succeeded";
  EXPECT_EQ(ErrorCode(result.error().kind()), ErrorCode(kind)) << result.error().message();
  EXPECT_NE(result.error().message().find(substring), std::string::npos)
      << "message \"" << result.error().message() << "\" does not contain \"" << substring << "\"";
}

// Returns the value of a successful result. A failed result throws, which
// ends the test with the error message.
template <class T>
T Ok(Result<T> result) {
  if (!result.ok()) throw std::runtime_error("request failed: " + result.error().message());
  return std::move(result).value();
}

// ---- Request builders ----

// Returns the n-th key of a deterministic sequence of lower-case UUIDs that
// sort in the order they are generated.
inline std::string KeyNumber(std::uint64_t n) {
  char buffer[37];
  std::snprintf(buffer, sizeof buffer, "%08llx-0000-4000-8000-000000000000",
                static_cast<unsigned long long>(n));
  return buffer;
}

inline pb::Addressable MakeAddressable(std::string_view kind, std::string_view key) {
  pb::Addressable addressable;
  addressable.set_checksum(kChecksum);
  addressable.set_storage_address("http://somewhere.local/" + std::string(kind) + "/" + std::string(key));
  return addressable;
}

inline pb::NewPermissions MakeNewPermissions(bool is_public, std::initializer_list<std::string> ids = {}) {
  pb::NewPermissions permissions;
  permissions.set_public_(is_public);
  for (const std::string& id : ids) permissions.add_authorized_ids(id);
  return permissions;
}

inline pb::Permission MakePermission(bool is_public, std::initializer_list<std::string> ids) {
  pb::Permission permission;
  permission.set_public_(is_public);
  for (const std::string& id : ids) permission.add_authorized_ids(id);
  return permission;
}

inline pb::FunctionInput MakeFunctionInput(pb::AssetKind kind, bool multiple = false, bool optional = false) {
  pb::FunctionInput input;
  input.set_kind(kind);
  input.set_multiple(multiple);
  input.set_optional(optional);
  return input;
}

inline pb::FunctionOutput MakeFunctionOutput(pb::AssetKind kind, bool multiple = false) {
  pb::FunctionOutput output;
  output.set_kind(kind);
  output.set_multiple(multiple);
  return output;
}

inline void SetFunctionShape(pb::NewFunction& function, FunctionShape shape) {
  auto& inputs = *function.mutable_inputs();
  auto& outputs = *function.mutable_outputs();
  inputs.clear();
  outputs.clear();
  if (shape != FunctionShape::kAggregate) {
    inputs["opener"] = MakeFunctionInput(pb::ASSET_DATA_MANAGER);
    inputs["datasamples"] = MakeFunctionInput(pb::ASSET_DATA_SAMPLE, /*multiple=*/true);
  }
  switch (shape) {
    case FunctionShape::kSimple:
      inputs["model"] = MakeFunctionInput(pb::ASSET_MODEL, /*multiple=*/true, /*optional=*/true);
      outputs["model"] = MakeFunctionOutput(pb::ASSET_MODEL);
      break;
    case FunctionShape::kComposite:
      inputs["shared"] = MakeFunctionInput(pb::ASSET_MODEL, /*multiple=*/false, /*optional=*/true);
      inputs["local"] = MakeFunctionInput(pb::ASSET_MODEL, /*multiple=*/false, /*optional=*/true);
      outputs["shared"] = MakeFunctionOutput(pb::ASSET_MODEL);
      outputs["local"] = MakeFunctionOutput(pb::ASSET_MODEL);
      break;
    case FunctionShape::kAggregate:
      inputs["model"] = MakeFunctionInput(pb::ASSET_MODEL, /*multiple=*/true, /*optional=*/true);
      outputs["model"] = MakeFunctionOutput(pb::ASSET_MODEL);
      break;
    case FunctionShape::kPredict:
      inputs["model"] = MakeFunctionInput(pb::ASSET_MODEL);
      outputs["predictions"] = MakeFunctionOutput(pb::ASSET_MODEL);
      break;
    case FunctionShape::kMetric:
      inputs["predictions"] = MakeFunctionInput(pb::ASSET_MODEL);
      outputs["performance"] = MakeFunctionOutput(pb::ASSET_PERFORMANCE);
      break;
  }
}

inline pb::NewFunction NewFunctionRequest(const std::string& key, FunctionShape shape = FunctionShape::kSimple) {
  pb::NewFunction function;
  function.set_key(key);
  function.set_name("function " + key);
  *function.mutable_description() = MakeAddressable("desc", key);
  *function.mutable_function() = MakeAddressable("function", key);
  *function.mutable_new_permissions() = MakeNewPermissions(true);
  SetFunctionShape(function, shape);
  return function;
}

inline pb::NewDataManager NewDataManagerRequest(const std::string& key) {
  pb::NewDataManager data_manager;
  data_manager.set_key(key);
  data_manager.set_name("data manager " + key);
  *data_manager.mutable_new_permissions() = MakeNewPermissions(true);
  *data_manager.mutable_description() = MakeAddressable("desc", key);
  *data_manager.mutable_opener() = MakeAddressable("opener", key);
  data_manager.set_type("test");
  *data_manager.mutable_logs_permission() = MakeNewPermissions(true);
  return data_manager;
}

inline pb::NewDataSample NewDataSampleRequest(const std::string& key,
                                              std::initializer_list<std::string> data_manager_keys) {
  pb::NewDataSample sample;
  sample.set_key(key);
  for (const std::string& data_manager_key : data_manager_keys) sample.add_data_manager_keys(data_manager_key);
  sample.set_checksum(kChecksum);
  return sample;
}

inline pb::NewComputePlan NewPlanRequest(const std::string& key) {
  pb::NewComputePlan plan;
  plan.set_key(key);
  plan.set_name("plan " + key);
  return plan;
}

inline pb::NewComputeTask NewTaskRequest(const std::string& key, const std::string& plan_key,
                                         const std::string& function_key) {
  pb::NewComputeTask task;
  task.set_key(key);
  task.set_compute_plan_key(plan_key);
  task.set_function_key(function_key);
  return task;
}

inline void AddAssetInput(pb::NewComputeTask& task, const std::string& identifier, const std::string& asset_key) {
  pb::ComputeTaskInput* input = task.add_inputs();
  input->set_identifier(identifier);
  input->set_asset_key(asset_key);
}

inline void AddParentInput(pb::NewComputeTask& task, const std::string& identifier,
                           const std::string& parent_key, const std::string& output_identifier) {
  pb::ComputeTaskInput* input = task.add_inputs();
  input->set_identifier(identifier);
  input->mutable_parent_task_output()->set_parent_task_key(parent_key);
  input->mutable_parent_task_output()->set_output_identifier(output_identifier);
}

inline void AddTaskOutput(pb::NewComputeTask& task, const std::string& identifier, bool is_public,
                          std::initializer_list<std::string> authorized_ids = {}, bool transient = false) {
  pb::NewComputeTaskOutput& output = (*task.mutable_outputs())[identifier];
  *output.mutable_permissions() = MakeNewPermissions(is_public, authorized_ids);
  output.set_transient(transient);
}

// Data a train, composite, predict or test task reads: one data manager and
// one sample attached to it.
struct TaskData {
  std::string data_manager_key;
  std::string sample_key;
};

inline void AddDataInputs(pb::NewComputeTask& task, const TaskData& data) {
  AddAssetInput(task, "opener", data.data_manager_key);
  AddAssetInput(task, "datasamples", data.sample_key);
}

// Train task of a kSimple function, with an optional parent whose `model`
// output it consumes; output `model` is public.
inline pb::NewComputeTask TrainTaskRequest(const std::string& key, const std::string& plan_key,
                                           const std::string& function_key, const TaskData& data,
                                           const std::string& parent_key = "") {
  pb::NewComputeTask task = NewTaskRequest(key, plan_key, function_key);
  AddDataInputs(task, data);
  if (!parent_key.empty()) AddParentInput(task, "model", parent_key, "model");
  AddTaskOutput(task, "model", true);
  return task;
}

// Composite task of a kComposite function; outputs `shared` and `local` are
// public. Either parent may be empty.
inline pb::NewComputeTask CompositeTaskRequest(const std::string& key, const std::string& plan_key,
                                               const std::string& function_key, const TaskData& data,
                                               const std::string& shared_parent_key = "",
                                               const std::string& local_parent_key = "") {
  pb::NewComputeTask task = NewTaskRequest(key, plan_key, function_key);
  AddDataInputs(task, data);
  if (!shared_parent_key.empty()) AddParentInput(task, "shared", shared_parent_key, "shared");
  if (!local_parent_key.empty()) AddParentInput(task, "local", local_parent_key, "local");
  AddTaskOutput(task, "shared", true);
  AddTaskOutput(task, "local", true);
  return task;
}

// Aggregate task of a kAggregate function: no data, an explicit worker, one
// `model` input per (parent key, parent output identifier); output `model` is
// public.
inline pb::NewComputeTask AggregateTaskRequest(
    const std::string& key, const std::string& plan_key, const std::string& function_key,
    const std::string& worker, std::initializer_list<std::pair<std::string, std::string>> parent_outputs) {
  pb::NewComputeTask task = NewTaskRequest(key, plan_key, function_key);
  task.set_worker(worker);
  for (const auto& [parent_key, output_identifier] : parent_outputs) {
    AddParentInput(task, "model", parent_key, output_identifier);
  }
  AddTaskOutput(task, "model", true);
  return task;
}

// Predict task of a kPredict function consuming the `model` output of a
// train parent; output `predictions` is private to the requester.
inline pb::NewComputeTask PredictTaskRequest(const std::string& key, const std::string& plan_key,
                                             const std::string& function_key, const TaskData& data,
                                             const std::string& train_parent_key) {
  pb::NewComputeTask task = NewTaskRequest(key, plan_key, function_key);
  AddDataInputs(task, data);
  AddParentInput(task, "model", train_parent_key, "model");
  AddTaskOutput(task, "predictions", false);
  return task;
}

// Test task of a kMetric function consuming the `predictions` output of a
// predict parent; output `performance` is public.
inline pb::NewComputeTask TestTaskRequest(const std::string& key, const std::string& plan_key,
                                          const std::string& function_key, const TaskData& data,
                                          const std::string& predict_parent_key) {
  pb::NewComputeTask task = NewTaskRequest(key, plan_key, function_key);
  AddDataInputs(task, data);
  AddParentInput(task, "predictions", predict_parent_key, "predictions");
  AddTaskOutput(task, "performance", true);
  return task;
}

// A model under output `identifier` of a task, with a unique address.
inline pb::NewModel NewModelRequest(const std::string& key, const std::string& task_key,
                                    const std::string& identifier) {
  pb::NewModel model;
  model.set_key(key);
  model.set_compute_task_key(task_key);
  model.set_compute_task_output_identifier(identifier);
  *model.mutable_address() = MakeAddressable("model", key);
  return model;
}

inline pb::NewPerformance NewPerformanceRequest(const std::string& task_key, const std::string& identifier,
                                                float value) {
  pb::NewPerformance performance;
  performance.set_compute_task_key(task_key);
  performance.set_compute_task_output_identifier(identifier);
  performance.set_performance_value(value);
  return performance;
}

// An execution failure report with a logs address.
inline pb::NewFailureReport NewFailureReportRequest(const std::string& task_key) {
  pb::NewFailureReport report;
  report.set_compute_task_key(task_key);
  report.set_error_type(pb::ERROR_TYPE_EXECUTION);
  *report.mutable_logs_address() = MakeAddressable("failure", task_key);
  return report;
}

// ---- Fixtures ----

// An orchestrator over an empty memory store. Nothing is registered.
class OrchestratorTest : public ::testing::Test {
 protected:
  OrchestratorTest() : clock_(kStartTime, kClockStep), orchestrator_(store_, clock_) {}

  static RequestContext As(std::string_view organization, std::string_view channel = kChannel) {
    return RequestContext{std::string(organization), std::string(channel)};
  }

  // A new key of the deterministic sequence; later keys sort after earlier ones.
  std::string NewKey() { return KeyNumber(++key_count_); }

  // Time the next request will get as its transaction time.
  Micros NextRequestTime() const { return clock_.Peek(); }

  // ---- Registration with valid defaults; each throws on failure ----

  pb::Organization RegisterOrganization(std::string_view organization, std::string_view channel = kChannel,
                                        const std::string& address = "") {
    pb::RegisterOrganizationParam request;
    request.set_address(address);
    return Ok(orchestrator_.RegisterOrganization(As(organization, channel), request));
  }

  pb::Function RegisterFunction(FunctionShape shape = FunctionShape::kSimple, std::string_view owner = kOrg1) {
    return Ok(orchestrator_.RegisterFunction(As(owner), NewFunctionRequest(NewKey(), shape)));
  }

  pb::DataManager RegisterDataManager(std::string_view owner = kOrg1) {
    return Ok(orchestrator_.RegisterDataManager(As(owner), NewDataManagerRequest(NewKey())));
  }

  // Registers the samples in one request and returns them in request order.
  std::vector<pb::DataSample> RegisterDataSamples(std::initializer_list<pb::NewDataSample> samples,
                                                  std::string_view owner = kOrg1) {
    pb::RegisterDataSamplesParam request;
    for (const pb::NewDataSample& sample : samples) *request.add_samples() = sample;
    pb::RegisterDataSamplesResponse response = Ok(orchestrator_.RegisterDataSamples(As(owner), request));
    return {response.data_samples().begin(), response.data_samples().end()};
  }

  pb::DataSample RegisterDataSample(std::initializer_list<std::string> data_manager_keys,
                                    std::string_view owner = kOrg1) {
    return RegisterDataSamples({NewDataSampleRequest(NewKey(), data_manager_keys)}, owner).front();
  }

  // Registers a data manager and one sample attached to it.
  TaskData RegisterTaskData(std::string_view owner = kOrg1) {
    pb::DataManager data_manager = RegisterDataManager(owner);
    pb::DataSample sample = RegisterDataSample({data_manager.key()}, owner);
    return TaskData{data_manager.key(), sample.key()};
  }

  pb::ComputePlan RegisterPlan(std::string_view owner = kOrg1) {
    return Ok(orchestrator_.RegisterPlan(As(owner), NewPlanRequest(NewKey())));
  }

  std::vector<pb::ComputeTask> RegisterTasks(std::initializer_list<pb::NewComputeTask> tasks,
                                             std::string_view owner = kOrg1) {
    pb::RegisterTasksParam request;
    for (const pb::NewComputeTask& task : tasks) *request.add_tasks() = task;
    pb::RegisterTasksResponse response = Ok(orchestrator_.RegisterTasks(As(owner), request));
    return {response.tasks().begin(), response.tasks().end()};
  }

  pb::ComputeTask RegisterTask(const pb::NewComputeTask& task, std::string_view owner = kOrg1) {
    return RegisterTasks({task}, owner).front();
  }

  void ApplyTaskAction(std::string_view requester, const std::string& task_key, pb::ComputeTaskAction action,
                       const std::string& log = "") {
    pb::ApplyTaskActionParam request;
    request.set_compute_task_key(task_key);
    request.set_action(action);
    request.set_log(log);
    Ok(orchestrator_.ApplyTaskAction(As(requester), request));
  }

  // Registers one model under output `identifier` of a task, as `worker`.
  pb::Model RegisterModel(std::string_view worker, const std::string& task_key, const std::string& identifier) {
    return Ok(orchestrator_.RegisterModel(As(worker), NewModelRequest(NewKey(), task_key, identifier)));
  }

  // ---- Reads ----

  pb::ComputeTask GetTask(const std::string& key, std::string_view channel = kChannel) {
    pb::GetTaskParam request;
    request.set_key(key);
    return Ok(orchestrator_.GetTask(As(kOrg1, channel), request));
  }

  pb::ComputePlan GetPlan(const std::string& key, std::string_view channel = kChannel) {
    pb::GetComputePlanParam request;
    request.set_key(key);
    return Ok(orchestrator_.GetPlan(As(kOrg1, channel), request));
  }

  // Every event of the channel that matches `filter`, following
  // next_page_token from the first page to the last.
  std::vector<pb::Event> QueryAllEvents(const pb::EventQueryFilter& filter = {},
                                        pb::SortOrder sort = pb::ASCENDING,
                                        std::string_view channel = kChannel) {
    std::vector<pb::Event> events;
    pb::QueryEventsParam request;
    *request.mutable_filter() = filter;
    request.set_sort(sort);
    request.set_page_size(100);
    do {
      pb::QueryEventsResponse response = Ok(orchestrator_.QueryEvents(As(kOrg1, channel), request));
      events.insert(events.end(), response.events().begin(), response.events().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return events;
  }

  std::vector<pb::Event> EventsForAsset(const std::string& asset_key, std::string_view channel = kChannel) {
    pb::EventQueryFilter filter;
    filter.set_asset_key(asset_key);
    return QueryAllEvents(filter, pb::ASCENDING, channel);
  }

  std::size_t EventCount(std::string_view channel = kChannel) {
    return QueryAllEvents({}, pb::ASCENDING, channel).size();
  }

  persistence::MemoryStore store_;
  ManualClock clock_;
  Orchestrator orchestrator_;

 private:
  std::uint64_t key_count_ = 0;
};

// An orchestrator where MyOrg1MSP and MyOrg2MSP are registered in mychannel.
class TwoOrgsTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    RegisterOrganization(kOrg1);
    RegisterOrganization(kOrg2);
  }
};

}  // namespace orc::test
