// InfoService. `chaincode` stays empty: only the distributed facade, which
// forwards to a chaincode, has a chaincode version to report.
#include <string>

#include "core/services/services.h"

namespace orc::service {

pb::QueryVersionResponse QueryVersion(Scope& scope, const pb::QueryVersionParam&) {
  pb::QueryVersionResponse response;
  response.set_orchestrator(std::string(scope.version));
  return response;
}

}  // namespace orc::service
