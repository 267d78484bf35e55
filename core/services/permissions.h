// The permission model: how permissions are built at registration and checked.
#pragma once

#include <string_view>

#include "core/services/scope.h"

namespace orc::service {

// Builds a Permission for `owner` from a registration input (absent input is
// {public: false}). When not public, every authorized id must be an
// organisation registered in the channel, else BadRequest. The owner is
// appended when missing, even when public.
pb::Permission CreatePermission(Scope& scope, std::string_view owner,
                                const pb::NewPermissions* input);

// Permissions with process and download both set to CreatePermission(...).
pb::Permissions CreatePermissions(Scope& scope, std::string_view owner,
                                  const pb::NewPermissions* input);

bool CanProcess(const pb::Permissions& permissions, std::string_view organization);
bool CanDownload(const pb::Permissions& permissions, std::string_view organization);

// Union of two permissions: public if either is; then no ids, else the ids
// of both in first-seen order.
pb::Permission UnionPermission(const pb::Permission& x, const pb::Permission& y);

}  // namespace orc::service
