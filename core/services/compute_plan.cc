// ComputePlanService. A plan has no stored status: it is terminated once it
// carries a cancelation_date or a failure_date, and running while one of its
// tasks is WAITING, TODO or DOING.
#include <string>

#include "core/error.h"
#include "core/services/pagination.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

namespace {

bool IsTerminated(const pb::ComputePlan& plan) {
  return plan.has_cancelation_date() || plan.has_failure_date();
}

}  // namespace

pb::ComputePlan RegisterPlan(Scope& scope, const pb::NewComputePlan& request) {
  Validator validator("computeplan");
  validator.RequiredUuid(request.key(), "key");
  validator.Length(request.tag(), 0, 100, "tag");
  validator.Name(request.name(), "name");
  validator.Metadata(request.metadata(), "metadata");
  validator.Finish();

  if (scope.tx.GetComputePlan(request.key()) != nullptr) {
    Fail(ErrorKind::kConflict, "computeplan with key \"" + request.key() + "\" already exists");
  }
  RequireRegisteredRequester(scope);

  auto plan = std::make_shared<pb::ComputePlan>();
  plan->set_key(request.key());
  plan->set_owner(scope.requester);
  SetTimestamp(scope.now(), plan->mutable_creation_date());
  plan->set_tag(request.tag());
  plan->set_name(request.name());
  *plan->mutable_metadata() = request.metadata();

  scope.tx.AddComputePlan(plan);
  scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_PLAN, plan->key(), ComputePlanPtr(plan));
  return *plan;
}

pb::ComputePlan GetPlan(Scope& scope, const pb::GetComputePlanParam& request) {
  return *GetComputePlanOrFail(scope, request.key());
}

pb::ApplyPlanActionResponse ApplyPlanAction(Scope& scope, const pb::ApplyPlanActionParam& request) {
  ComputePlanPtr plan = GetComputePlanOrFail(scope, request.key());
  if (plan->owner() != scope.requester) {
    Fail(ErrorKind::kPermissionDenied, "only plan owner can act on it: organization \"" + scope.requester +
                                           "\" does not own compute plan \"" + plan->key() + "\"");
  }
  if (request.action() != pb::PLAN_ACTION_CANCELED) {
    Fail(ErrorKind::kUnimplemented,
         "plan action unimplemented: " + pb::ComputePlanAction_Name(request.action()));
  }
  if (IsTerminated(*plan)) {
    Fail(ErrorKind::kTerminatedComputePlan, "compute plan " + plan->key() + " is already terminated");
  }

  auto canceled = std::make_shared<pb::ComputePlan>(*plan);
  SetTimestamp(scope.now(), canceled->mutable_cancelation_date());
  scope.tx.UpdateComputePlan(canceled);
  scope.Emit(pb::EVENT_ASSET_UPDATED, pb::ASSET_COMPUTE_PLAN, canceled->key(), ComputePlanPtr(canceled));
  return {};
}

pb::QueryPlansResponse QueryPlans(Scope& scope, const pb::QueryPlansParam& request) {
  persistence::PageRequest page = ParsePage(request.page_token(), request.page_size());
  auto result = scope.tx.QueryComputePlans(page, request.filter().owner());

  pb::QueryPlansResponse response;
  for (const ComputePlanPtr& plan : result.items) *response.add_plans() = *plan;
  response.set_next_page_token(NextPageToken(page, result));
  return response;
}

pb::UpdateComputePlanResponse UpdatePlan(Scope& scope, const pb::UpdateComputePlanParam& request) {
  Validator validator("computeplan");
  validator.RequiredUuid(request.key(), "key");
  validator.Name(request.name(), "name");
  validator.Finish();

  ComputePlanPtr plan = GetComputePlanOrFail(scope, request.key());
  if (plan->owner() != scope.requester) {
    Fail(ErrorKind::kPermissionDenied, "requester does not own the compute plan: organization \"" +
                                           scope.requester + "\" does not own compute plan \"" +
                                           plan->key() + "\"");
  }

  auto renamed = std::make_shared<pb::ComputePlan>(*plan);
  renamed->set_name(request.name());
  scope.tx.UpdateComputePlan(renamed);
  scope.Emit(pb::EVENT_ASSET_UPDATED, pb::ASSET_COMPUTE_PLAN, renamed->key(), ComputePlanPtr(renamed));
  return {};
}

pb::IsPlanRunningResponse IsPlanRunning(Scope& scope, const pb::IsPlanRunningParam& request) {
  pb::IsPlanRunningResponse response;
  response.set_is_running(scope.tx.IsPlanRunning(request.key()));
  return response;
}

// Records the failure of a plan when one of its tasks fails: sets
// failure_date unless the plan is already terminated. 0.37 emits no event
// for this change.
void FailComputePlan(Scope& scope, std::string_view plan_key) {
  ComputePlanPtr plan = GetComputePlanOrFail(scope, plan_key);
  if (IsTerminated(*plan)) return;
  auto failed = std::make_shared<pb::ComputePlan>(*plan);
  SetTimestamp(scope.now(), failed->mutable_failure_date());
  scope.tx.UpdateComputePlan(failed);
}

}  // namespace orc::service
