#include "core/services/permissions.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace orc::service {

namespace {

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

pb::Permission CreatePermission(Scope& scope, std::string_view owner, const pb::NewPermissions* input) {
  pb::Permission permission;
  if (input != nullptr) {
    if (!input->public_()) {
      for (const std::string& id : input->authorized_ids()) {
        if (scope.tx.GetOrganization(id) == nullptr) {
          Fail(ErrorKind::kBadRequest, "invalid permission input values: organization \"" + id +
                                           "\" is not registered in channel \"" + scope.channel() + "\"");
        }
      }
    }
    permission.set_public_(input->public_());
    *permission.mutable_authorized_ids() = input->authorized_ids();
  }
  if (!Contains(permission.authorized_ids(), owner)) permission.add_authorized_ids(std::string(owner));
  return permission;
}

pb::Permissions CreatePermissions(Scope& scope, std::string_view owner, const pb::NewPermissions* input) {
  pb::Permissions permissions;
  *permissions.mutable_process() = CreatePermission(scope, owner, input);
  *permissions.mutable_download() = permissions.process();
  return permissions;
}

bool CanProcess(const pb::Permissions& permissions, std::string_view organization) {
  return permissions.process().public_() || Contains(permissions.process().authorized_ids(), organization);
}

bool CanDownload(const pb::Permissions& permissions, std::string_view organization) {
  return permissions.download().public_() || Contains(permissions.download().authorized_ids(), organization);
}

pb::Permission UnionPermission(const pb::Permission& x, const pb::Permission& y) {
  pb::Permission result;
  if (x.public_() || y.public_()) {
    result.set_public_(true);
    return result;
  }
  for (const auto* source : {&x, &y}) {
    for (const std::string& id : source->authorized_ids()) {
      if (!Contains(result.authorized_ids(), id)) result.add_authorized_ids(id);
    }
  }
  return result;
}

}  // namespace orc::service
