#include <string>

#include "core/error.h"
#include "core/services/services.h"

namespace orc::service {

namespace {

[[noreturn]] void FailNotFound(std::string_view resource, std::string_view key) {
  Fail(ErrorKind::kNotFound, std::string(resource) + " with key \"" + std::string(key) + "\" not found");
}

template <class Ptr>
Ptr OrFail(Ptr asset, std::string_view resource, std::string_view key) {
  if (asset == nullptr) FailNotFound(resource, key);
  return asset;
}

}  // namespace

OrganizationPtr GetOrganizationOrFail(Scope& scope, std::string_view id) {
  return OrFail(scope.tx.GetOrganization(id), "organization", id);
}
FunctionPtr GetFunctionOrFail(Scope& scope, std::string_view key) {
  return OrFail(scope.tx.GetFunction(key), "function", key);
}
DataManagerPtr GetDataManagerOrFail(Scope& scope, std::string_view key) {
  return OrFail(scope.tx.GetDataManager(key), "datamanager", key);
}
DataSamplePtr GetDataSampleOrFail(Scope& scope, std::string_view key) {
  return OrFail(scope.tx.GetDataSample(key), "datasample", key);
}
ComputePlanPtr GetComputePlanOrFail(Scope& scope, std::string_view key) {
  return OrFail(scope.tx.GetComputePlan(key), "computeplan", key);
}
ComputeTaskPtr GetComputeTaskOrFail(Scope& scope, std::string_view key) {
  return OrFail(scope.tx.GetComputeTask(key), "computetask", key);
}
ModelPtr GetModelOrFail(Scope& scope, std::string_view key) {
  return OrFail(scope.tx.GetModel(key), "model", key);
}

void RequireRegisteredRequester(Scope& scope) {
  if (scope.tx.GetOrganization(scope.requester) != nullptr) return;
  Fail(ErrorKind::kPermissionDenied, "organization \"" + scope.requester +
                                         "\" is not registered in channel \"" + scope.channel() +
                                         "\": call RegisterOrganization first");
}

}  // namespace orc::service
