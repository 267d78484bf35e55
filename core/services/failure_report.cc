// FailureReportService: the worker of a DOING task reports why it failed,
// which fails the task (and its plan) in the same transaction.
#include <string>

#include "core/error.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

pb::FailureReport RegisterFailureReport(Scope& scope, const pb::NewFailureReport& request) {
  Validator validator("failurereport");
  validator.RequiredUuid(request.compute_task_key(), "compute_task_key");
  pb::ErrorType type = request.error_type();
  bool known_type = type == pb::ERROR_TYPE_BUILD || type == pb::ERROR_TYPE_EXECUTION ||
                    type == pb::ERROR_TYPE_INTERNAL;
  validator.Check(known_type, "error_type", "must be ERROR_TYPE_BUILD, ERROR_TYPE_EXECUTION or ERROR_TYPE_INTERNAL");
  if (type == pb::ERROR_TYPE_BUILD || type == pb::ERROR_TYPE_EXECUTION) {
    validator.Addressable(request.has_logs_address(), request.logs_address(), "logs_address");
  } else {
    validator.Check(!request.has_logs_address(), "logs_address", "must be absent for this error_type");
  }
  validator.Finish();

  ComputeTaskPtr task = GetComputeTaskOrFail(scope, request.compute_task_key());
  if (scope.requester != task->worker()) {
    Fail(ErrorKind::kPermissionDenied, "only \"" + task->worker() + "\" worker can register failure report: "
                                       "organization \"" + scope.requester + "\" is not the worker of task \"" +
                                           task->key() + "\"");
  }
  if (task->status() != pb::STATUS_DOING) {
    Fail(ErrorKind::kBadRequest, "cannot register failure report for task with status \"" +
                                     pb::ComputeTaskStatus_Name(task->status()) + "\": task \"" + task->key() +
                                     "\" must be STATUS_DOING");
  }

  ApplyTaskTransition(scope, task, pb::TASK_ACTION_FAILED, "failure report registered");

  auto report = std::make_shared<pb::FailureReport>();
  report->set_compute_task_key(task->key());
  report->set_error_type(type);
  if (request.has_logs_address()) *report->mutable_logs_address() = request.logs_address();
  SetTimestamp(scope.now(), report->mutable_creation_date());
  report->set_owner(scope.requester);
  scope.tx.AddFailureReport(report);
  scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_FAILURE_REPORT, report->compute_task_key(), FailureReportPtr(report));
  return *report;
}

pb::FailureReport GetFailureReport(Scope& scope, const pb::GetFailureReportParam& request) {
  FailureReportPtr report = scope.tx.GetFailureReport(request.compute_task_key());
  if (report == nullptr) {
    Fail(ErrorKind::kNotFound, "failure report with key \"" + request.compute_task_key() + "\" not found");
  }
  return *report;
}

}  // namespace orc::service
