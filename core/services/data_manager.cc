// DataManagerService. A data manager describes a dataset through its opener
// script, and data samples attach to it. Only its name can change after
// registration.
#include <string>

#include "core/error.h"
#include "core/services/pagination.h"
#include "core/services/permissions.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

namespace {

void ValidateNewDataManager(const pb::NewDataManager& request) {
  Validator validator("datamanager");
  validator.RequiredUuid(request.key(), "key");
  validator.Name(request.name(), "name");
  validator.Present(request.has_new_permissions(), "new_permissions");
  validator.Addressable(request.has_description(), request.description(), "description");
  validator.Addressable(request.has_opener(), request.opener(), "opener");
  validator.Metadata(request.metadata(), "metadata");
  validator.Required(request.type(), "type");
  validator.Length(request.type(), 1, 30, "type");
  validator.Present(request.has_logs_permission(), "logs_permission");
  validator.Finish();
}

}  // namespace

pb::DataManager RegisterDataManager(Scope& scope, const pb::NewDataManager& request) {
  ValidateNewDataManager(request);

  if (scope.tx.GetDataManager(request.key()) != nullptr) {
    Fail(ErrorKind::kConflict, "datamanager with key \"" + request.key() + "\" already exists");
  }
  // 0.37 builds the logs permission first, so its error wins when both
  // permission inputs are invalid.
  pb::Permission logs_permission = CreatePermission(scope, scope.requester, &request.logs_permission());
  pb::Permissions permissions = CreatePermissions(scope, scope.requester, &request.new_permissions());
  RequireRegisteredRequester(scope);

  pb::DataManager data_manager;
  data_manager.set_key(request.key());
  data_manager.set_name(request.name());
  data_manager.set_owner(scope.requester);
  *data_manager.mutable_permissions() = std::move(permissions);
  *data_manager.mutable_description() = request.description();
  *data_manager.mutable_opener() = request.opener();
  data_manager.set_type(request.type());
  SetTimestamp(scope.now(), data_manager.mutable_creation_date());
  *data_manager.mutable_logs_permission() = std::move(logs_permission);
  *data_manager.mutable_metadata() = request.metadata();
  auto stored = std::make_shared<const pb::DataManager>(std::move(data_manager));

  scope.tx.AddDataManager(stored);
  scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_DATA_MANAGER, stored->key(), stored);
  return *stored;
}

pb::DataManager GetDataManager(Scope& scope, const pb::GetDataManagerParam& request) {
  return *GetDataManagerOrFail(scope, request.key());
}

pb::QueryDataManagersResponse QueryDataManagers(Scope& scope, const pb::QueryDataManagersParam& request) {
  persistence::PageRequest page = ParsePage(request.page_token(), request.page_size());
  auto result = scope.tx.QueryDataManagers(page);

  pb::QueryDataManagersResponse response;
  for (const DataManagerPtr& data_manager : result.items) *response.add_data_managers() = *data_manager;
  response.set_next_page_token(NextPageToken(page, result));
  return response;
}

pb::UpdateDataManagerResponse UpdateDataManager(Scope& scope, const pb::UpdateDataManagerParam& request) {
  Validator validator("datamanager");
  validator.RequiredUuid(request.key(), "key");
  validator.Name(request.name(), "name");
  validator.Finish();

  DataManagerPtr data_manager = GetDataManagerOrFail(scope, request.key());
  if (data_manager->owner() != scope.requester) {
    Fail(ErrorKind::kPermissionDenied, "requester does not own the data manager: organization \"" +
                                           scope.requester + "\" does not own data manager \"" +
                                           data_manager->key() + "\"");
  }

  auto renamed = std::make_shared<pb::DataManager>(*data_manager);
  renamed->set_name(request.name());
  DataManagerPtr stored = std::move(renamed);

  scope.tx.UpdateDataManager(stored);
  scope.Emit(pb::EVENT_ASSET_UPDATED, pb::ASSET_DATA_MANAGER, stored->key(), stored);
  return {};
}

}  // namespace orc::service
