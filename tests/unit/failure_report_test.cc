#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

pb::GetFailureReportParam ByTask(const std::string& task_key) {
  pb::GetFailureReportParam request;
  request.set_compute_task_key(task_key);
  return request;
}

class FailureReportTest : public TwoOrgsTest {
 protected:
  void SetUp() override {
    TwoOrgsTest::SetUp();
    function_ = RegisterFunction(FunctionShape::kSimple);
    data_ = RegisterTaskData(kOrg1);
    plan_ = RegisterPlan(kOrg1);
  }

  pb::NewComputeTask Train(const TaskData& data, const std::string& parent_key = "") {
    return TrainTaskRequest(NewKey(), plan_.key(), function_.key(), data, parent_key);
  }

  // A DOING train task run by the owner of `data` (MyOrg1MSP by default).
  std::string StartedTask(std::string_view worker = kOrg1) {
    TaskData data = worker == kOrg1 ? data_ : RegisterTaskData(worker);
    std::string key = RegisterTask(Train(data)).key();
    ApplyTaskAction(worker, key, pb::TASK_ACTION_DOING);
    return key;
  }

  Result<pb::FailureReport> Report(const pb::NewFailureReport& request, std::string_view requester = kOrg1) {
    return orchestrator_.RegisterFailureReport(As(requester), request);
  }

  pb::Function function_;
  TaskData data_;
  pb::ComputePlan plan_;
};

// ---- RegisterFailureReport ----

TEST_F(FailureReportTest, RegisterFailureReportReturnsReport) {
  std::string task_key = StartedTask();
  pb::NewFailureReport request = NewFailureReportRequest(task_key);
  Micros time = NextRequestTime();

  pb::FailureReport report = Ok(Report(request));

  EXPECT_EQ(report.compute_task_key(), task_key);
  EXPECT_EQ(report.error_type(), pb::ERROR_TYPE_EXECUTION);
  ASSERT_TRUE(report.has_logs_address());
  EXPECT_TRUE(ProtoEquals(request.logs_address(), report.logs_address()));
  EXPECT_EQ(ToMicros(report.creation_date()), time);
  EXPECT_EQ(report.owner(), kOrg1);
}

TEST_F(FailureReportTest, ReportOwnerIsWorkerNotTaskOwner) {
  std::string task_key = StartedTask(kOrg2);

  pb::FailureReport report = Ok(Report(NewFailureReportRequest(task_key), kOrg2));

  EXPECT_EQ(report.owner(), kOrg2);
  EXPECT_EQ(GetTask(task_key).owner(), kOrg1);
}

TEST_F(FailureReportTest, InternalErrorWithoutLogsIsAccepted) {
  std::string task_key = StartedTask();
  pb::NewFailureReport request = NewFailureReportRequest(task_key);
  request.set_error_type(pb::ERROR_TYPE_INTERNAL);
  request.clear_logs_address();

  pb::FailureReport report = Ok(Report(request));

  EXPECT_EQ(report.error_type(), pb::ERROR_TYPE_INTERNAL);
  EXPECT_FALSE(report.has_logs_address());
}

TEST_F(FailureReportTest, BuildErrorWithLogsIsAccepted) {
  std::string task_key = StartedTask();
  pb::NewFailureReport request = NewFailureReportRequest(task_key);
  request.set_error_type(pb::ERROR_TYPE_BUILD);

  pb::FailureReport report = Ok(Report(request));

  EXPECT_EQ(report.error_type(), pb::ERROR_TYPE_BUILD);
  EXPECT_TRUE(report.has_logs_address());
}

struct ReportValidationCase {
  const char* name;
  void (*change)(pb::NewFailureReport&);
  const char* field;
};

TEST_F(FailureReportTest, RegisterFailureReportRejectsEachInvalidField) {
  const ReportValidationCase cases[] = {
      {"blank task key", [](pb::NewFailureReport& report) { report.set_compute_task_key(""); },
       "compute_task_key: cannot be blank"},
      {"task key not a UUID", [](pb::NewFailureReport& report) { report.set_compute_task_key("task-1"); },
       "compute_task_key: must be a valid UUID"},
      {"unspecified error type",
       [](pb::NewFailureReport& report) { report.set_error_type(pb::ERROR_TYPE_UNSPECIFIED); }, "error_type"},
      {"undeclared error type",
       [](pb::NewFailureReport& report) { report.set_error_type(static_cast<pb::ErrorType>(9)); }, "error_type"},
      {"execution error without logs", [](pb::NewFailureReport& report) { report.clear_logs_address(); },
       "logs_address: cannot be blank"},
      {"build error without logs",
       [](pb::NewFailureReport& report) {
         report.set_error_type(pb::ERROR_TYPE_BUILD);
         report.clear_logs_address();
       },
       "logs_address: cannot be blank"},
      {"internal error with logs",
       [](pb::NewFailureReport& report) { report.set_error_type(pb::ERROR_TYPE_INTERNAL); }, "logs_address"},
      {"logs checksum not hexadecimal",
       [](pb::NewFailureReport& report) { report.mutable_logs_address()->set_checksum(std::string(64, 'x')); },
       "logs_address.checksum"},
      {"logs address not a URL",
       [](pb::NewFailureReport& report) { report.mutable_logs_address()->set_storage_address("logs"); },
       "logs_address.storage_address"},
  };
  std::string task_key = StartedTask();
  for (const ReportValidationCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    pb::NewFailureReport request = NewFailureReportRequest(task_key);
    test_case.change(request);

    auto result = Report(request);

    ExpectError(result, ErrorKind::kInvalidAsset, "failurereport is not valid");
    ExpectError(result, ErrorKind::kInvalidAsset, test_case.field);
  }
  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_DOING);
}

TEST_F(FailureReportTest, UnknownTaskFailsWithNotFound) {
  std::string missing = NewKey();

  auto result = Report(NewFailureReportRequest(missing));

  ExpectError(result, ErrorKind::kNotFound, "computetask with key \"" + missing + "\" not found");
}

TEST_F(FailureReportTest, NonWorkerIsDenied) {
  std::string task_key = StartedTask(kOrg2);

  auto result = Report(NewFailureReportRequest(task_key), kOrg1);

  ExpectError(result, ErrorKind::kPermissionDenied, "only \"MyOrg2MSP\" worker can register failure report");
  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_DOING);
}

TEST_F(FailureReportTest, TaskNotDoingIsRejected) {
  std::string todo = RegisterTask(Train(data_)).key();
  std::string failed = StartedTask();
  ASSERT_TRUE(IsOk(Report(NewFailureReportRequest(failed))));

  auto todo_result = Report(NewFailureReportRequest(todo));
  auto failed_result = Report(NewFailureReportRequest(failed));

  ExpectError(todo_result, ErrorKind::kBadRequest,
              "cannot register failure report for task with status \"STATUS_TODO\"");
  ExpectError(failed_result, ErrorKind::kBadRequest,
              "cannot register failure report for task with status \"STATUS_FAILED\"");
  EXPECT_EQ(GetTask(todo).status(), pb::STATUS_TODO);
}

// ---- Consequences ----

TEST_F(FailureReportTest, ReportFailsTaskAndPlan) {
  std::string task_key = StartedTask();
  Micros time = NextRequestTime();

  ASSERT_TRUE(IsOk(Report(NewFailureReportRequest(task_key))));

  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_FAILED);
  pb::ComputePlan plan = GetPlan(plan_.key());
  ASSERT_TRUE(plan.has_failure_date());
  EXPECT_EQ(ToMicros(plan.failure_date()), time);
  EXPECT_FALSE(plan.has_cancelation_date());
}

TEST_F(FailureReportTest, ReportLeavesChildrenWaiting) {
  std::string task_key = StartedTask();
  std::string child = RegisterTask(Train(data_, task_key)).key();

  ASSERT_TRUE(IsOk(Report(NewFailureReportRequest(task_key))));

  EXPECT_EQ(GetTask(child).status(), pb::STATUS_WAITING);
}

TEST_F(FailureReportTest, ReportInCanceledPlanSetsNoFailureDate) {
  std::string task_key = StartedTask();
  pb::ApplyPlanActionParam cancel;
  cancel.set_key(plan_.key());
  cancel.set_action(pb::PLAN_ACTION_CANCELED);
  ASSERT_TRUE(IsOk(orchestrator_.ApplyPlanAction(As(kOrg1), cancel)));

  ASSERT_TRUE(IsOk(Report(NewFailureReportRequest(task_key))));

  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_FAILED);
  EXPECT_FALSE(GetPlan(plan_.key()).has_failure_date());
}

TEST_F(FailureReportTest, TaskUpdateEventComesBeforeReportEvent) {
  std::string task_key = StartedTask();
  Micros time = NextRequestTime();

  pb::FailureReport report = Ok(Report(NewFailureReportRequest(task_key)));

  pb::EventQueryFilter filter;
  SetTimestamp(time, filter.mutable_start());
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 2u) << "the plan failure emits no event";
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_UPDATED);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_COMPUTE_TASK);
  EXPECT_EQ(events[0].asset_key(), task_key);
  ASSERT_TRUE(events[0].has_compute_task());
  EXPECT_EQ(events[0].compute_task().status(), pb::STATUS_FAILED);
  ASSERT_EQ(events[0].metadata().size(), 1u);
  EXPECT_EQ(events[0].metadata().at("reason"), "failure report registered");
  EXPECT_EQ(events[1].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[1].asset_kind(), pb::ASSET_FAILURE_REPORT);
  EXPECT_EQ(events[1].asset_key(), task_key);
  ASSERT_TRUE(events[1].has_failure_report());
  EXPECT_TRUE(ProtoEquals(report, events[1].failure_report()));
}

// ---- GetFailureReport ----

TEST_F(FailureReportTest, GetFailureReportEqualsRegisteredReport) {
  std::string task_key = StartedTask();
  pb::FailureReport registered = Ok(Report(NewFailureReportRequest(task_key)));

  pb::FailureReport read = Ok(orchestrator_.GetFailureReport(As(kOrg2), ByTask(task_key)));

  EXPECT_TRUE(ProtoEquals(registered, read));
}

TEST_F(FailureReportTest, MissingReportFailsWithNotFound) {
  std::string task_key = StartedTask();

  auto result = orchestrator_.GetFailureReport(As(kOrg1), ByTask(task_key));

  ExpectError(result, ErrorKind::kNotFound, "failure report with key \"" + task_key + "\" not found");
}

TEST_F(FailureReportTest, FailedActionCreatesNoReport) {
  std::string task_key = StartedTask();
  ApplyTaskAction(kOrg1, task_key, pb::TASK_ACTION_FAILED);

  auto result = orchestrator_.GetFailureReport(As(kOrg1), ByTask(task_key));

  ExpectError(result, ErrorKind::kNotFound, "failure report");
}

}  // namespace
}  // namespace orc::test
