// PerformanceService: one performance value per (task, output identifier),
// registered by the worker of a DOING task.
#include <string>

#include "core/error.h"
#include "core/services/pagination.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

pb::Performance RegisterPerformance(Scope& scope, const pb::NewPerformance& request) {
  Validator validator("performance");
  validator.RequiredUuid(request.compute_task_key(), "compute_task_key");
  validator.Required(request.compute_task_output_identifier(), "compute_task_output_identifier");
  validator.Finish();

  ComputeTaskPtr task = GetComputeTaskOrFail(scope, request.compute_task_key());
  const std::string& identifier = request.compute_task_output_identifier();
  // As in 0.37, the kind of the function output is not checked: a
  // performance may be registered under a MODEL output.
  CheckTaskOutputRegistration(scope, *task, identifier, "performance");
  std::string key = task->key() + "|" + identifier;
  if (scope.tx.GetPerformance(task->key(), identifier) != nullptr) {
    Fail(ErrorKind::kConflict, "performance with key \"" + key + "\" already exists");
  }

  auto performance = std::make_shared<pb::Performance>();
  performance->set_compute_task_key(task->key());
  performance->set_compute_task_output_identifier(identifier);
  performance->set_performance_value(request.performance_value());
  SetTimestamp(scope.now(), performance->mutable_creation_date());
  scope.tx.AddPerformance(performance);
  scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_PERFORMANCE, key, PerformancePtr(performance));

  scope.tx.AddOutputAsset(task->key(), identifier, OutputAssetRef{pb::ASSET_PERFORMANCE, key});
  auto output_asset = std::make_shared<pb::ComputeTaskOutputAsset>();
  output_asset->set_compute_task_key(task->key());
  output_asset->set_compute_task_output_identifier(identifier);
  output_asset->set_asset_kind(pb::ASSET_PERFORMANCE);
  output_asset->set_asset_key(key);
  scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET, task->key(),
             OutputAssetPtr(output_asset));
  return *performance;
}

pb::QueryPerformancesResponse QueryPerformances(Scope& scope, const pb::QueryPerformancesParam& request) {
  persistence::PageRequest page = ParsePage(request.page_token(), request.page_size());
  auto result = scope.tx.QueryPerformances(page, request.filter().compute_task_key(),
                                           request.filter().compute_task_output_identifier());

  pb::QueryPerformancesResponse response;
  for (const PerformancePtr& performance : result.items) *response.add_performances() = *performance;
  response.set_next_page_token(NextPageToken(page, result));
  return response;
}

}  // namespace orc::service
