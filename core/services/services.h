// The services of the core: one function per RPC, grouped by asset in one
// source file each (organization.cc, function.cc, ...). Each runs inside the
// transaction of `scope`, throws OrcError on any failure (the caller then
// discards the transaction) and returns the RPC's response.
#pragma once

#include "core/api.h"
#include "core/services/scope.h"

namespace orc::service {

#define ORC_DECLARE_SERVICE(Service, Method, Request, Response, ReadOnly) \
  pb::Response Method(Scope& scope, const pb::Request& request);
ORC_FOR_EACH_RPC(ORC_DECLARE_SERVICE)
#undef ORC_DECLARE_SERVICE

// ---- Lookups shared by the services (lookup.cc) ----

// Each loads an asset of the transaction's channel or fails with NotFound
// `<resource> with key "<key>" not found`.
OrganizationPtr GetOrganizationOrFail(Scope& scope, std::string_view id);
FunctionPtr GetFunctionOrFail(Scope& scope, std::string_view key);
DataManagerPtr GetDataManagerOrFail(Scope& scope, std::string_view key);
DataSamplePtr GetDataSampleOrFail(Scope& scope, std::string_view key);
ComputePlanPtr GetComputePlanOrFail(Scope& scope, std::string_view key);
ComputeTaskPtr GetComputeTaskOrFail(Scope& scope, std::string_view key);
ModelPtr GetModelOrFail(Scope& scope, std::string_view key);

// Fails with PermissionDenied unless the requester is an organisation
// registered in the channel. 0.37 gets the same refusal from foreign keys on
// owner columns (with an unspecific error); orc names the organisation.
void RequireRegisteredRequester(Scope& scope);

// ---- Compute task transitions shared by several services (compute_task.cc) ----

// Applies an action to a task as `scope.requester` would through
// ApplyTaskAction, with `reason` in the event metadata: authorisation,
// transition, event, and its consequences (children promotion on DONE, plan
// failure on FAILED).
void ApplyTaskTransition(Scope& scope, const ComputeTaskPtr& task, pb::ComputeTaskAction action,
                         const std::string& reason);

// Fails unless the requester may register an asset (`what`: "model",
// "performance") under output `identifier` of `task` now: it must be the
// worker (PermissionDenied), the task DOING (BadRequest) and the output
// declared by the task (MissingTaskOutput). Implemented in model.cc.
void CheckTaskOutputRegistration(Scope& scope, const pb::ComputeTask& task, const std::string& identifier,
                                 std::string_view what);

// Sets the failure date of a plan one of whose tasks failed, unless the plan
// is already terminated (compute_plan.cc).
void FailComputePlan(Scope& scope, std::string_view plan_key);

}  // namespace orc::service
