// ModelService: models registered by the worker of a DOING task under one of
// the task's MODEL outputs.
#include <string>
#include <unordered_map>

#include "core/error.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

namespace {

std::string Quote(std::string_view value) { return "\"" + std::string(value) + "\""; }

void ValidateNewModel(const pb::NewModel& model) {
  Validator validator("model");
  validator.RequiredUuid(model.key(), "key");
  validator.RequiredUuid(model.compute_task_key(), "compute_task_key");
  validator.Required(model.compute_task_output_identifier(), "compute_task_output_identifier");
  validator.Addressable(model.has_address(), model.address(), "address");
  validator.Finish();
}

}  // namespace

void CheckTaskOutputRegistration(Scope& scope, const pb::ComputeTask& task, const std::string& identifier,
                                 std::string_view what) {
  if (scope.requester != task.worker()) {
    Fail(ErrorKind::kPermissionDenied, "only " + Quote(task.worker()) + " worker can register " +
                                           std::string(what) + ": organization " + Quote(scope.requester) +
                                           " is not the worker of task " + Quote(task.key()));
  }
  if (task.status() != pb::STATUS_DOING) {
    Fail(ErrorKind::kBadRequest, "cannot register " + std::string(what) + " for task with status " +
                                     Quote(pb::ComputeTaskStatus_Name(task.status())) + ": task " +
                                     Quote(task.key()) + " must be STATUS_DOING");
  }
  if (!task.outputs().contains(identifier)) {
    Fail(ErrorKind::kMissingTaskOutput, "Task " + Quote(task.key()) + " has no output named " + Quote(identifier));
  }
}


pb::RegisterModelsResponse RegisterModels(Scope& scope, const pb::RegisterModelsParam& request) {
  if (request.models_size() == 0) Fail(ErrorKind::kBadRequest, "no model to register: models is empty");
  const std::string& task_key = request.models(0).compute_task_key();
  std::unordered_map<std::string, std::size_t> registered;  // assets already under each output

  pb::RegisterModelsResponse response;
  for (const pb::NewModel& request_model : request.models()) {
    ComputeTaskPtr task = GetComputeTaskOrFail(scope, request_model.compute_task_key());
    if (request_model.compute_task_key() != task_key) {
      Fail(ErrorKind::kBadRequest, "All models should be part of the same task: " +
                                       Quote(request_model.compute_task_key()) + " differs from " + Quote(task_key));
    }
    ValidateNewModel(request_model);
    const std::string& identifier = request_model.compute_task_output_identifier();
    CheckTaskOutputRegistration(scope, *task, identifier, "model");

    FunctionPtr function = GetFunctionOrFail(scope, task->function_key());
    auto declared = function->outputs().find(identifier);
    if (declared == function->outputs().end()) {
      Fail(ErrorKind::kInternal, "function " + Quote(function->key()) + " does not declare output " + Quote(identifier));
    }
    if (declared->second.kind() != pb::ASSET_MODEL) {
      Fail(ErrorKind::kIncompatibleKind, "Incompatible kind for task " + Quote(task->key()) + ": output " +
                                             Quote(identifier) + " expects " +
                                             Quote(pb::AssetKind_Name(declared->second.kind())) +
                                             ", received \"ASSET_MODEL\"");
    }
    auto [count, first_seen] = registered.try_emplace(identifier, 0);
    if (first_seen) count->second = scope.tx.GetOutputAssets(task->key(), identifier).size();
    if (count->second >= 1 && !declared->second.multiple()) {
      Fail(ErrorKind::kConflict, "compute task " + Quote(task->key()) + " already has its unique output " +
                                     Quote(identifier) + " registered");
    }
    if (scope.tx.GetModel(request_model.key()) != nullptr) {
      Fail(ErrorKind::kConflict, "model with key " + Quote(request_model.key()) + " already exists");
    }

    auto model = std::make_shared<pb::Model>();
    model->set_key(request_model.key());
    model->set_compute_task_key(task->key());
    *model->mutable_address() = request_model.address();
    *model->mutable_permissions() = task->outputs().at(identifier).permissions();
    model->set_owner(scope.requester);
    SetTimestamp(scope.now(), model->mutable_creation_date());
    scope.tx.AddModel(model);
    scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_MODEL, model->key(), ModelPtr(model));

    OutputAssetRef reference{pb::ASSET_MODEL, model->key()};
    scope.tx.AddOutputAsset(task->key(), identifier, reference);
    auto output_asset = std::make_shared<pb::ComputeTaskOutputAsset>();
    output_asset->set_compute_task_key(task->key());
    output_asset->set_compute_task_output_identifier(identifier);
    output_asset->set_asset_kind(pb::ASSET_MODEL);
    output_asset->set_asset_key(model->key());
    scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET, task->key(),
               OutputAssetPtr(output_asset));
    ++count->second;
    *response.add_models() = *model;
  }
  return response;
}

pb::Model RegisterModel(Scope& scope, const pb::NewModel& request) {
  pb::RegisterModelsParam batch;
  *batch.add_models() = request;
  return RegisterModels(scope, batch).models(0);
}

pb::Model GetModel(Scope& scope, const pb::GetModelParam& request) {
  return *GetModelOrFail(scope, request.key());
}

pb::GetComputeTaskModelsResponse GetComputeTaskOutputModels(Scope& scope,
                                                            const pb::GetComputeTaskModelsParam& request) {
  pb::GetComputeTaskModelsResponse response;
  for (const ModelPtr& model : scope.tx.GetComputeTaskModels(request.compute_task_key())) {
    *response.add_models() = *model;
  }
  return response;
}

}  // namespace orc::service
