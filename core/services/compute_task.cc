// ComputeTaskService: registration of task graphs, the task state machine and
// the reads of tasks and their inputs.
#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/services/pagination.h"
#include "core/services/permissions.h"
#include "core/services/services.h"
#include "core/services/task_graph.h"
#include "core/services/validation.h"

namespace orc::service {

namespace {

using InputList = google::protobuf::RepeatedPtrField<pb::ComputeTaskInput>;

std::string Quote(std::string_view value) { return "\"" + std::string(value) + "\""; }

// ---- Registration: request validation ----

void ValidateNewTask(const pb::NewComputeTask& task) {
  Validator validator("computetask");
  validator.RequiredUuid(task.key(), "key");
  validator.RequiredUuid(task.function_key(), "function_key");
  validator.RequiredUuid(task.compute_plan_key(), "compute_plan_key");
  validator.Metadata(task.metadata(), "metadata");
  for (int i = 0; i < task.inputs_size(); ++i) {
    const pb::ComputeTaskInput& input = task.inputs(i);
    std::string field = "inputs[" + std::to_string(i) + "]";
    validator.Required(input.identifier(), field + ".identifier");
    switch (input.ref_case()) {
      case pb::ComputeTaskInput::kAssetKey:
        validator.RequiredUuid(input.asset_key(), field + ".asset_key");
        break;
      case pb::ComputeTaskInput::kParentTaskOutput:
        validator.RequiredUuid(input.parent_task_output().parent_task_key(),
                               field + ".parent_task_output.parent_task_key");
        validator.Required(input.parent_task_output().output_identifier(),
                           field + ".parent_task_output.output_identifier");
        break;
      case pb::ComputeTaskInput::REF_NOT_SET:
        validator.Check(false, field + ".ref", "either asset_key or parent_task_output is required");
        break;
    }
  }
  for (const auto& [identifier, output] : task.outputs()) {
    validator.Check(!identifier.empty(), "outputs", "an output identifier cannot be blank");
    validator.Present(output.has_permissions(), "outputs[" + identifier + "].permissions");
  }
  validator.Finish();
}

// Fails with Conflict when a key of the batch is stored or repeated.
void CheckNewKeys(Scope& scope, const pb::RegisterTasksParam& request) {
  std::unordered_set<std::string_view> seen;
  for (const pb::NewComputeTask& task : request.tasks()) {
    if (!seen.insert(task.key()).second || scope.tx.GetComputeTask(task.key()) != nullptr) {
      Fail(ErrorKind::kConflict, "computetask with key " + Quote(task.key()) + " already exists");
    }
  }
}

// ---- Registration: building one task ----

// Everything built so far in one RegisterTasks request.
struct BatchState {
  std::unordered_map<std::string, ComputePlanPtr> plans;
  std::unordered_map<std::string, FunctionPtr> functions;
  std::unordered_map<std::string, ComputeTaskPtr> tasks;  // built tasks of the batch
};

ComputeTaskPtr FindTask(Scope& scope, const BatchState& batch, const std::string& key) {
  auto it = batch.tasks.find(key);
  if (it != batch.tasks.end()) return it->second;
  return scope.tx.GetComputeTask(key);
}

FunctionPtr CachedFunction(Scope& scope, BatchState& batch, const std::string& key) {
  auto [it, inserted] = batch.functions.try_emplace(key);
  if (inserted) it->second = GetFunctionOrFail(scope, key);
  return it->second;
}

const pb::FunctionInput& DeclaredInput(const pb::Function& function, const std::string& identifier) {
  auto it = function.inputs().find(identifier);
  if (it == function.inputs().end()) {
    Fail(ErrorKind::kInvalidAsset,
         "unknown task input: this identifier was not declared in the Function: " + Quote(identifier));
  }
  return it->second;
}

// Initial status from the parents: TODO when all are DONE, WAITING otherwise,
// rejected when one of them is FAILED or CANCELED.
pb::ComputeTaskStatus InitialStatus(Scope& scope, const std::vector<ComputeTaskPtr>& parents) {
  bool all_done = true;
  for (const ComputeTaskPtr& parent : parents) {
    if (parent->status() == pb::STATUS_FAILED || parent->status() == pb::STATUS_CANCELED) {
      Fail(ErrorKind::kIncompatibleTaskStatus,
           "cannot create a task with status \"STATUS_CANCELED\": parent task " + Quote(parent->key()) +
               " is " + pb::ComputeTaskStatus_Name(parent->status()));
    }
    if (parent->status() != pb::STATUS_DONE) all_done = false;
  }
  for (const ComputeTaskPtr& parent : parents) {
    if (parent->status() != pb::STATUS_DONE) continue;
    for (const ModelPtr& model : scope.tx.GetComputeTaskModels(parent->key())) {
      if (!model->has_address()) {
        Fail(ErrorKind::kInvalidAsset, "Model " + Quote(model->key()) + " has been disabled");
      }
    }
  }
  return all_done ? pb::STATUS_TODO : pb::STATUS_WAITING;
}

// The worker is the owner of the task's data manager, or the worker given
// explicitly when the task has no data manager input.
std::string InferWorker(Scope& scope, const pb::NewComputeTask& task, const pb::Function& function) {
  for (const pb::ComputeTaskInput& input : task.inputs()) {
    const pb::FunctionInput& declared = DeclaredInput(function, input.identifier());
    if (declared.kind() != pb::ASSET_DATA_MANAGER) continue;
    if (input.ref_case() != pb::ComputeTaskInput::kAssetKey) {
      Fail(ErrorKind::kInvalidAsset, "invalid task input " + Quote(input.identifier()) +
                                         ": openers must be referenced using an asset key");
    }
    DataManagerPtr data_manager = GetDataManagerOrFail(scope, input.asset_key());
    if (!task.worker().empty() && task.worker() != data_manager->owner()) {
      Fail(ErrorKind::kBadRequest, "Specified worker " + Quote(task.worker()) +
                                       " does not match data manager owner: " + Quote(data_manager->owner()));
    }
    return data_manager->owner();
  }
  if (task.worker().empty()) {
    Fail(ErrorKind::kBadRequest, "Worker cannot be inferred and must be explicitly set: task " +
                                     Quote(task.key()) + " has no data manager input");
  }
  return task.worker();
}

pb::Permission LogsPermission(Scope& scope, const pb::NewComputeTask& task, const pb::Function& function,
                              const std::vector<ComputeTaskPtr>& parents) {
  for (const pb::ComputeTaskInput& input : task.inputs()) {
    if (DeclaredInput(function, input.identifier()).kind() != pb::ASSET_DATA_MANAGER) continue;
    return GetDataManagerOrFail(scope, input.asset_key())->logs_permission();
  }
  pb::Permission permission;
  permission.add_authorized_ids(scope.requester);
  for (const ComputeTaskPtr& parent : parents) permission = UnionPermission(permission, parent->logs_permission());
  return permission;
}

// Checks a DATA_MANAGER input and the DATA_SAMPLE inputs that go with it.
void CheckDataInputs(Scope& scope, const pb::NewComputeTask& task, const pb::Function& function,
                     const pb::ComputeTaskInput& opener) {
  if (opener.ref_case() != pb::ComputeTaskInput::kAssetKey) {
    Fail(ErrorKind::kInvalidAsset, "invalid task input " + Quote(opener.identifier()) +
                                       ": openers must be referenced using an asset key");
  }
  std::vector<const pb::ComputeTaskInput*> samples;
  for (const pb::ComputeTaskInput& input : task.inputs()) {
    if (DeclaredInput(function, input.identifier()).kind() != pb::ASSET_DATA_SAMPLE) continue;
    if (input.ref_case() != pb::ComputeTaskInput::kAssetKey) {
      Fail(ErrorKind::kInvalidAsset, "invalid task input " + Quote(input.identifier()) +
                                         ": data samples must be referenced using an asset key");
    }
    samples.push_back(&input);
  }

  DataManagerPtr data_manager = GetDataManagerOrFail(scope, opener.asset_key());
  if (!CanProcess(data_manager->permissions(), scope.requester)) {
    Fail(ErrorKind::kPermissionDenied, "not authorized to process datamanager " + Quote(data_manager->key()) +
                                           ": organization " + Quote(scope.requester) + " is not allowed");
  }
  for (const pb::ComputeTaskInput* input : samples) {
    DataSamplePtr sample = GetDataSampleOrFail(scope, input->asset_key());
    const auto& managers = sample->data_manager_keys();
    if (std::find(managers.begin(), managers.end(), data_manager->key()) == managers.end()) {
      Fail(ErrorKind::kInvalidAsset, "datasamples do not share a common manager: data sample " +
                                         Quote(sample->key()) + " is not attached to data manager " +
                                         Quote(data_manager->key()));
    }
  }
}

// Checks an input that refers to an output of a parent task.
void CheckParentOutputInput(Scope& scope, BatchState& batch, const pb::ComputeTaskInput& input,
                            const pb::FunctionInput& declared, const std::string& worker) {
  const pb::ParentTaskOutputRef& ref = input.parent_task_output();
  std::string prefix = "invalid task input " + Quote(input.identifier()) + ": ";
  ComputeTaskPtr parent = FindTask(scope, batch, ref.parent_task_key());
  if (parent == nullptr) {
    Fail(ErrorKind::kInvalidAsset, prefix + "parent task key " + ref.parent_task_key() + " not found");
  }
  FunctionPtr parent_function = CachedFunction(scope, batch, parent->function_key());
  auto output = parent_function->outputs().find(ref.output_identifier());
  if (output == parent_function->outputs().end()) {
    Fail(ErrorKind::kInvalidAsset, prefix + "function output not found: " + Quote(ref.output_identifier()));
  }
  if (output->second.kind() != declared.kind()) {
    Fail(ErrorKind::kInvalidAsset, prefix + "mismatching task input asset kinds: expecting " +
                                       pb::AssetKind_Name(declared.kind()) + ", got " +
                                       pb::AssetKind_Name(output->second.kind()));
  }
  if (output->second.multiple() && !declared.multiple()) {
    Fail(ErrorKind::kInvalidAsset, prefix + "multiple task output used as single task input");
  }
  auto task_output = parent->outputs().find(ref.output_identifier());
  if (task_output == parent->outputs().end()) {
    Fail(ErrorKind::kInvalidAsset, prefix + "output not found: task " + Quote(parent->key()) +
                                       " has no output " + Quote(ref.output_identifier()));
  }
  if (!CanProcess(task_output->second.permissions(), worker)) {
    Fail(ErrorKind::kPermissionDenied, prefix + "worker " + Quote(worker) +
                                           " doesn't have permission to process output " +
                                           Quote(ref.output_identifier()) + " of task " + Quote(parent->key()));
  }
}

void CheckInputs(Scope& scope, BatchState& batch, const pb::NewComputeTask& task, const pb::Function& function,
                 const std::string& worker) {
  std::unordered_set<std::string_view> seen;
  for (const pb::ComputeTaskInput& input : task.inputs()) {
    const pb::FunctionInput& declared = DeclaredInput(function, input.identifier());
    if (!seen.insert(input.identifier()).second && !declared.multiple()) {
      Fail(ErrorKind::kInvalidAsset,
           "duplicate task input: this identifier was not declared as \"Multiple\" in the Function: " +
               Quote(input.identifier()));
    }
    switch (declared.kind()) {
      case pb::ASSET_DATA_SAMPLE:
        break;  // checked with the data manager input
      case pb::ASSET_DATA_MANAGER:
        CheckDataInputs(scope, task, function, input);
        break;
      default:
        if (input.ref_case() == pb::ComputeTaskInput::kParentTaskOutput) {
          CheckParentOutputInput(scope, batch, input, declared, worker);
        } else if (declared.kind() == pb::ASSET_MODEL) {
          ModelPtr model = GetModelOrFail(scope, input.asset_key());
          if (!CanProcess(model->permissions(), worker)) {
            Fail(ErrorKind::kPermissionDenied, "not authorized to process model " + Quote(model->key()) +
                                                   ": worker " + Quote(worker) + " is not allowed");
          }
        } else {
          Fail(ErrorKind::kUnimplemented, "invalid task input " + Quote(input.identifier()) + ": invalid asset kind");
        }
    }
  }

  std::set<std::string> required;  // sorted, for a stable error message
  for (const auto& [identifier, declared] : function.inputs()) {
    if (!declared.optional()) required.insert(identifier);
  }
  for (const std::string& identifier : required) {
    if (!seen.contains(identifier)) {
      Fail(ErrorKind::kInvalidAsset,
           "missing task input: this identifier is required by the Function: " + Quote(identifier));
    }
  }
}

void CheckOutputs(const pb::ComputeTask& task, const pb::Function& function) {
  std::string prefix = "invalid task " + task.key() + ", ";
  std::set<std::string> identifiers;
  for (const auto& [identifier, output] : task.outputs()) identifiers.insert(identifier);
  for (const std::string& identifier : identifiers) {
    auto declared = function.outputs().find(identifier);
    if (declared == function.outputs().end()) {
      Fail(ErrorKind::kInvalidAsset, prefix + "unknown task output: this identifier was not declared in the Function: " +
                                         Quote(identifier));
    }
    const pb::ComputeTaskOutput& output = task.outputs().at(identifier);
    if (declared->second.kind() == pb::ASSET_PERFORMANCE && !output.permissions().process().public_()) {
      Fail(ErrorKind::kInvalidAsset, prefix + "a PERFORMANCE output should be public: " + Quote(identifier));
    }
    if (declared->second.kind() == pb::ASSET_PERFORMANCE && output.transient()) {
      Fail(ErrorKind::kInvalidAsset, prefix + "a PERFORMANCE output cannot be transient: " + Quote(identifier));
    }
  }
  std::set<std::string> declared_outputs;
  for (const auto& [identifier, output] : function.outputs()) declared_outputs.insert(identifier);
  for (const std::string& identifier : declared_outputs) {
    if (!identifiers.contains(identifier)) {
      Fail(ErrorKind::kInvalidAsset,
           prefix + "missing task output: this identifier is required by the Function: " + Quote(identifier));
    }
  }
}

ComputeTaskPtr BuildTask(Scope& scope, BatchState& batch, const pb::NewComputeTask& request,
                         const std::vector<std::string>& parent_keys) {
  auto [plan_entry, inserted] = batch.plans.try_emplace(request.compute_plan_key());
  if (inserted) plan_entry->second = GetComputePlanOrFail(scope, request.compute_plan_key());
  if (plan_entry->second->owner() != scope.requester) {
    Fail(ErrorKind::kPermissionDenied, "Cannot register tasks to a compute plan you don't own: organization " +
                                           Quote(scope.requester) + " does not own compute plan " +
                                           Quote(request.compute_plan_key()));
  }

  std::vector<ComputeTaskPtr> parents;
  parents.reserve(parent_keys.size());
  for (const std::string& key : parent_keys) parents.push_back(FindTask(scope, batch, key));
  pb::ComputeTaskStatus status = InitialStatus(scope, parents);

  FunctionPtr function = CachedFunction(scope, batch, request.function_key());
  if (!CanProcess(function->permissions(), scope.requester)) {
    Fail(ErrorKind::kPermissionDenied, "not authorized to process function " + Quote(function->key()) +
                                           ": organization " + Quote(scope.requester) + " is not allowed");
  }

  auto task = std::make_shared<pb::ComputeTask>();
  for (const auto& [identifier, output] : request.outputs()) {
    pb::ComputeTaskOutput& built = (*task->mutable_outputs())[identifier];
    *built.mutable_permissions() = CreatePermissions(scope, scope.requester, &output.permissions());
    built.set_transient(output.transient());
  }
  std::string worker = InferWorker(scope, request, *function);
  GetOrganizationOrFail(scope, worker);
  *task->mutable_logs_permission() = LogsPermission(scope, request, *function, parents);

  task->set_key(request.key());
  task->set_function_key(request.function_key());
  task->set_owner(scope.requester);
  task->set_compute_plan_key(request.compute_plan_key());
  *task->mutable_metadata() = request.metadata();
  task->set_status(status);
  int rank = 0;
  for (const ComputeTaskPtr& parent : parents) rank = std::max(rank, parent->rank() + 1);
  task->set_rank(rank);
  SetTimestamp(scope.now(), task->mutable_creation_date());
  *task->mutable_inputs() = request.inputs();
  task->set_worker(worker);

  CheckInputs(scope, batch, request, *function, worker);
  CheckOutputs(*task, *function);
  return task;
}

// ---- State machine ----

struct Transition {
  const char* name;
  pb::ComputeTaskStatus target;
};

Transition TransitionFor(pb::ComputeTaskAction action) {
  switch (action) {
    case pb::TASK_ACTION_DOING: return {"transitionDoing", pb::STATUS_DOING};
    case pb::TASK_ACTION_CANCELED: return {"transitionCanceled", pb::STATUS_CANCELED};
    case pb::TASK_ACTION_FAILED: return {"transitionFailed", pb::STATUS_FAILED};
    case pb::TASK_ACTION_DONE: return {"transitionDone", pb::STATUS_DONE};
    default: Fail(ErrorKind::kBadRequest, "unsupported action: " + std::to_string(action));
  }
}

bool IsAllowed(pb::ComputeTaskStatus from, pb::ComputeTaskStatus to) {
  bool active = from == pb::STATUS_WAITING || from == pb::STATUS_TODO || from == pb::STATUS_DOING;
  switch (to) {
    case pb::STATUS_TODO: return from == pb::STATUS_WAITING;
    case pb::STATUS_DOING: return from == pb::STATUS_TODO;
    case pb::STATUS_DONE: return from == pb::STATUS_DOING;
    case pb::STATUS_CANCELED:
    case pb::STATUS_FAILED: return active;
    default: return false;
  }
}

// Stores the task with its new status and records the update event.
ComputeTaskPtr SetStatus(Scope& scope, const ComputeTaskPtr& task, pb::ComputeTaskStatus status,
                         const std::string& reason) {
  auto updated = std::make_shared<pb::ComputeTask>(*task);
  updated->set_status(status);
  ComputeTaskPtr stored = updated;
  scope.tx.UpdateComputeTask(stored);
  scope.Emit(pb::EVENT_ASSET_UPDATED, pb::ASSET_COMPUTE_TASK, stored->key(), stored, {{"reason", reason}});
  return stored;
}

// Moves to TODO every WAITING child of `parent` whose parents are all DONE.
void PromoteChildren(Scope& scope, const ComputeTaskPtr& parent) {
  std::string reason = "Last parent task " + parent->key() + " done";
  for (const ComputeTaskPtr& child : scope.tx.GetComputeTaskChildren(parent->key())) {
    if (child->status() != pb::STATUS_WAITING) continue;
    bool ready = true;
    for (const std::string& key : ParentKeys(child->inputs())) {
      if (scope.faults.promote_on_any_parent_done) break;  // TEST ONLY: the planted bug
      ComputeTaskPtr other = key == parent->key() ? parent : scope.tx.GetComputeTask(key);
      if (other == nullptr || other->status() != pb::STATUS_DONE) {
        ready = false;
        break;
      }
    }
    if (ready) SetStatus(scope, child, pb::STATUS_TODO, reason);
  }
}

}  // namespace

void ApplyTaskTransition(Scope& scope, const ComputeTaskPtr& task, pb::ComputeTaskAction action,
                         const std::string& reason) {
  Transition transition = TransitionFor(action);
  bool is_worker = scope.requester == task->worker();
  bool allowed = is_worker || (action == pb::TASK_ACTION_CANCELED && scope.requester == task->owner());
  if (!allowed) {
    Fail(ErrorKind::kPermissionDenied,
         "only task owner can update it: organization " + Quote(scope.requester) + " cannot apply " +
             pb::ComputeTaskAction_Name(action) + " to task " + Quote(task->key()) + " (worker " +
             Quote(task->worker()) + ", owner " + Quote(task->owner()) + ")");
  }
  if (!IsAllowed(task->status(), transition.target)) {
    Fail(ErrorKind::kBadRequest, std::string("event ") + transition.name + " inappropriate in current state " +
                                     pb::ComputeTaskStatus_Name(task->status()) + " of task " + Quote(task->key()));
  }

  ComputeTaskPtr updated = SetStatus(scope, task, transition.target, reason);

  if (transition.target == pb::STATUS_DONE) PromoteChildren(scope, updated);
  if (transition.target == pb::STATUS_FAILED) FailComputePlan(scope, updated->compute_plan_key());
}

pb::RegisterTasksResponse RegisterTasks(Scope& scope, const pb::RegisterTasksParam& request) {
  if (request.tasks_size() == 0) Fail(ErrorKind::kBadRequest, "no task to register");
  for (const pb::NewComputeTask& task : request.tasks()) ValidateNewTask(task);
  CheckNewKeys(scope, request);

  std::vector<std::vector<std::string>> parent_keys;
  parent_keys.reserve(request.tasks_size());
  for (const pb::NewComputeTask& task : request.tasks()) parent_keys.push_back(ParentKeys(task.inputs()));
  std::vector<int> order = SortTasks(request, parent_keys, [&scope](const std::string& key) {
    return scope.tx.GetComputeTask(key) != nullptr;
  });

  BatchState batch;
  std::vector<ComputeTaskPtr> built;
  built.reserve(order.size());
  for (int index : order) {
    ComputeTaskPtr task = BuildTask(scope, batch, request.tasks(index), parent_keys[index]);
    batch.tasks.emplace(task->key(), task);
    built.push_back(task);
  }

  for (std::size_t i = 0; i < built.size(); ++i) scope.tx.AddComputeTask(built[i], parent_keys[order[i]]);
  pb::RegisterTasksResponse response;
  for (const ComputeTaskPtr& task : built) {
    scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK, task->key(), task);
    *response.add_tasks() = *task;
  }
  return response;
}

pb::QueryTasksResponse QueryTasks(Scope& scope, const pb::QueryTasksParam& request) {
  persistence::PageRequest page = ParsePage(request.page_token(), request.page_size());
  persistence::TaskFilter filter{request.filter().worker(), request.filter().status(),
                                 request.filter().compute_plan_key(), request.filter().function_key()};
  auto result = scope.tx.QueryComputeTasks(page, filter);

  pb::QueryTasksResponse response;
  for (const ComputeTaskPtr& task : result.items) *response.add_tasks() = *task;
  response.set_next_page_token(NextPageToken(page, result));
  return response;
}

pb::ComputeTask GetTask(Scope& scope, const pb::GetTaskParam& request) {
  return *GetComputeTaskOrFail(scope, request.key());
}

pb::ApplyTaskActionResponse ApplyTaskAction(Scope& scope, const pb::ApplyTaskActionParam& request) {
  TransitionFor(request.action());  // rejects unknown actions before any read
  std::string reason = request.log().empty() ? "User action" : request.log();
  ComputeTaskPtr task = GetComputeTaskOrFail(scope, request.compute_task_key());
  ApplyTaskTransition(scope, task, request.action(), reason);
  return {};
}

pb::GetTaskInputAssetsResponse GetTaskInputAssets(Scope& scope, const pb::GetTaskInputAssetsParam& request) {
  ComputeTaskPtr task = GetComputeTaskOrFail(scope, request.compute_task_key());
  pb::ComputeTaskStatus status = task->status();
  if (status != pb::STATUS_TODO && status != pb::STATUS_DOING && status != pb::STATUS_FAILED) {
    Fail(ErrorKind::kBadRequest, "Task inputs may not be defined in current task status (" +
                                     Quote(pb::ComputeTaskStatus_Name(status)) + ")");
  }
  FunctionPtr function = GetFunctionOrFail(scope, task->function_key());

  pb::GetTaskInputAssetsResponse response;
  for (const pb::ComputeTaskInput& input : task->inputs()) {
    auto declared = function->inputs().find(input.identifier());
    if (declared == function->inputs().end()) {
      Fail(ErrorKind::kInternal, "function " + Quote(function->key()) + " does not declare input " +
                                     Quote(input.identifier()) + " of task " + Quote(task->key()));
    }
    if (input.ref_case() == pb::ComputeTaskInput::kAssetKey) {
      pb::ComputeTaskInputAsset* asset = response.add_assets();
      asset->set_identifier(input.identifier());
      switch (declared->second.kind()) {
        case pb::ASSET_MODEL: *asset->mutable_model() = *GetModelOrFail(scope, input.asset_key()); break;
        case pb::ASSET_DATA_MANAGER:
          *asset->mutable_data_manager() = *GetDataManagerOrFail(scope, input.asset_key());
          break;
        case pb::ASSET_DATA_SAMPLE:
          *asset->mutable_data_sample() = *GetDataSampleOrFail(scope, input.asset_key());
          break;
        default:
          Fail(ErrorKind::kUnimplemented, "unsupported input kind " + pb::AssetKind_Name(declared->second.kind()));
      }
      continue;
    }
    const pb::ParentTaskOutputRef& ref = input.parent_task_output();
    for (const OutputAssetRef& output : scope.tx.GetOutputAssets(ref.parent_task_key(), ref.output_identifier())) {
      if (output.asset_kind != pb::ASSET_MODEL) {
        Fail(ErrorKind::kUnimplemented, "unsupported input kind " + pb::AssetKind_Name(output.asset_kind));
      }
      pb::ComputeTaskInputAsset* asset = response.add_assets();
      asset->set_identifier(input.identifier());
      *asset->mutable_model() = *GetModelOrFail(scope, output.asset_key);
    }
  }
  return response;
}

pb::DisableOutputResponse DisableOutput(Scope& scope, const pb::DisableOutputParam& request) {
  ComputeTaskPtr task = GetComputeTaskOrFail(scope, request.compute_task_key());
  if (scope.requester != task->worker()) {
    Fail(ErrorKind::kPermissionDenied, "only the worker can disable a task output: organization " +
                                           Quote(scope.requester) + " is not the worker of task " + Quote(task->key()));
  }
  if (IsActive(task->status())) {
    Fail(ErrorKind::kCannotDisableOutput, "cannot disable asset: task not in final state: task " +
                                              Quote(task->key()) + " is " + pb::ComputeTaskStatus_Name(task->status()));
  }
  auto output = task->outputs().find(request.identifier());
  if (output == task->outputs().end()) {
    Fail(ErrorKind::kCannotDisableOutput,
         "there is no output identifier " + Quote(request.identifier()) + " for task " + Quote(task->key()));
  }
  if (!output->second.transient()) {
    Fail(ErrorKind::kCannotDisableOutput, "output is not transient: output " + Quote(request.identifier()) +
                                              " of task " + Quote(task->key()));
  }

  std::vector<OutputAssetRef> assets = scope.tx.GetOutputAssets(task->key(), request.identifier());
  if (assets.empty()) {
    Fail(ErrorKind::kCannotDisableOutput, "no asset registered under output " + Quote(request.identifier()) +
                                              " of task " + Quote(task->key()));
  }
  // 0.37 checks the first asset only, assuming one kind per output, but
  // RegisterPerformance does not check the output's kind: a MODEL output may
  // also hold a performance, which must not be looked up as a model.
  for (const OutputAssetRef& asset : assets) {
    if (asset.asset_kind != pb::ASSET_MODEL) {
      Fail(ErrorKind::kCannotDisableOutput, "cannot disable output of kind: " + pb::AssetKind_Name(asset.asset_kind) +
                                                ": output " + Quote(request.identifier()) + " of task " +
                                                Quote(task->key()) + " holds a non-model asset");
    }
  }
  std::vector<ComputeTaskPtr> children = scope.tx.GetComputeTaskChildren(task->key());
  if (children.empty()) {
    Fail(ErrorKind::kCannotDisableOutput, "cannot disable output of a task with no children: task " + Quote(task->key()));
  }
  for (const ComputeTaskPtr& child : children) {
    if (IsActive(child->status())) {
      Fail(ErrorKind::kCannotDisableOutput, "cannot disable asset: child not in final state: task " +
                                                Quote(child->key()) + " is " + pb::ComputeTaskStatus_Name(child->status()));
    }
  }

  for (const OutputAssetRef& asset : assets) {
    ModelPtr model = GetModelOrFail(scope, asset.asset_key);
    if (!model->has_address()) {
      Fail(ErrorKind::kCannotDisableOutput, "model " + Quote(model->key()) + " is already disabled");
    }
    auto disabled = std::make_shared<pb::Model>(*model);
    disabled->clear_address();
    scope.tx.UpdateModel(disabled);
    scope.Emit(pb::EVENT_ASSET_DISABLED, pb::ASSET_MODEL, disabled->key(), ModelPtr(disabled));
  }
  return {};
}

}  // namespace orc::service
