// OrganizationService. Each organisation registers itself: its id is the
// requester's MSP ID, and it can register once per channel.
#include <string>

#include "core/error.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

pb::Organization RegisterOrganization(Scope& scope, const pb::RegisterOrganizationParam& request) {
  // 0.37 returns this validation error without the OE0101 code, so clients
  // see gRPC UNKNOWN. orc reports it as InvalidAsset, like every other
  // validation error.
  Validator validator("organization");
  validator.Check(request.address().empty() || IsRequestUrl(request.address()), "address",
                  "must be a valid request URL");
  validator.Finish();

  if (scope.tx.GetOrganization(scope.requester) != nullptr) {
    Fail(ErrorKind::kConflict, "organization with key \"" + scope.requester + "\" already exists");
  }

  pb::Organization organization;
  organization.set_id(scope.requester);
  SetTimestamp(scope.now(), organization.mutable_creation_date());
  organization.set_address(request.address());
  auto stored = std::make_shared<const pb::Organization>(std::move(organization));

  scope.tx.AddOrganization(stored);
  scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_ORGANIZATION, stored->id(), stored);
  return *stored;
}

pb::GetAllOrganizationsResponse GetAllOrganizations(Scope& scope, const pb::GetAllOrganizationsParam&) {
  pb::GetAllOrganizationsResponse response;
  for (const OrganizationPtr& organization : scope.tx.GetAllOrganizations()) {
    *response.add_organizations() = *organization;
  }
  return response;
}

}  // namespace orc::service
