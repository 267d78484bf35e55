#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

pb::GetComputePlanParam ByKey(const std::string& key) {
  pb::GetComputePlanParam request;
  request.set_key(key);
  return request;
}

pb::ApplyPlanActionParam ActionParam(const std::string& key, pb::ComputePlanAction action) {
  pb::ApplyPlanActionParam request;
  request.set_key(key);
  request.set_action(action);
  return request;
}

pb::UpdateComputePlanParam RenameParam(const std::string& key, const std::string& name) {
  pb::UpdateComputePlanParam request;
  request.set_key(key);
  request.set_name(name);
  return request;
}

pb::QueryPlansParam QueryParam(std::uint32_t page_size, const std::string& page_token = "",
                               const std::string& owner = "") {
  pb::QueryPlansParam request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  request.mutable_filter()->set_owner(owner);
  return request;
}

std::vector<std::string> PlanKeys(const pb::QueryPlansResponse& response) {
  std::vector<std::string> keys;
  for (const pb::ComputePlan& plan : response.plans()) keys.push_back(plan.key());
  return keys;
}

class ComputePlanTest : public TwoOrgsTest {
 protected:
  void SetUp() override {
    TwoOrgsTest::SetUp();
    function_ = RegisterFunction();
    data_ = RegisterTaskData();
  }

  // Registers a train task in `plan_key`, TODO without parent and WAITING with one.
  pb::ComputeTask RegisterTrainTask(const std::string& plan_key, const std::string& parent_key = "") {
    return RegisterTask(TrainTaskRequest(NewKey(), plan_key, function_.key(), data_, parent_key));
  }

  bool IsRunning(const std::string& plan_key) {
    pb::IsPlanRunningParam request;
    request.set_key(plan_key);
    return Ok(orchestrator_.IsPlanRunning(As(kOrg1), request)).is_running();
  }

  Result<pb::ApplyPlanActionResponse> Cancel(const std::string& plan_key, std::string_view requester = kOrg1) {
    return orchestrator_.ApplyPlanAction(As(requester), ActionParam(plan_key, pb::PLAN_ACTION_CANCELED));
  }

  // Events of one plan, oldest first.
  std::vector<pb::Event> PlanEvents(const std::string& plan_key) {
    pb::EventQueryFilter filter;
    filter.set_asset_key(plan_key);
    filter.set_asset_kind(pb::ASSET_COMPUTE_PLAN);
    return QueryAllEvents(filter);
  }

  pb::Function function_;
  TaskData data_;
};

// ---- RegisterPlan ----

TEST_F(ComputePlanTest, RegisterPlanReturnsStoredPlan) {
  pb::NewComputePlan request = NewPlanRequest(NewKey());
  request.set_tag("round one");
  (*request.mutable_metadata())["owner team"] = "fl";
  Micros time = NextRequestTime();

  pb::ComputePlan plan = Ok(orchestrator_.RegisterPlan(As(kOrg1), request));

  EXPECT_EQ(plan.key(), request.key());
  EXPECT_EQ(plan.owner(), kOrg1);
  EXPECT_EQ(plan.name(), request.name());
  EXPECT_EQ(plan.tag(), "round one");
  ASSERT_EQ(plan.metadata().size(), 1u);
  EXPECT_EQ(plan.metadata().at("owner team"), "fl");
  EXPECT_EQ(ToMicros(plan.creation_date()), time);
  EXPECT_FALSE(plan.has_cancelation_date());
  EXPECT_FALSE(plan.has_failure_date());
}

TEST_F(ComputePlanTest, RegisterPlanResultEqualsGetPlan) {
  pb::ComputePlan registered = RegisterPlan();

  pb::ComputePlan read = Ok(orchestrator_.GetPlan(As(kOrg2), ByKey(registered.key())));

  EXPECT_TRUE(ProtoEquals(registered, read));
}

TEST_F(ComputePlanTest, RegisterPlanEmitsOneCreatedEvent) {
  Micros time = NextRequestTime();
  pb::ComputePlan plan = RegisterPlan();

  std::vector<pb::Event> events = EventsForAsset(plan.key());

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_COMPUTE_PLAN);
  EXPECT_EQ(ToMicros(events[0].timestamp()), time);
  EXPECT_EQ(events[0].channel(), kChannel);
  ASSERT_TRUE(events[0].has_compute_plan());
  EXPECT_TRUE(ProtoEquals(plan, events[0].compute_plan()));
}

struct PlanValidationCase {
  const char* name;
  void (*change)(pb::NewComputePlan&);
  const char* field;
};

TEST_F(ComputePlanTest, RegisterPlanRejectsEachInvalidField) {
  const PlanValidationCase cases[] = {
      {"blank key", [](pb::NewComputePlan& plan) { plan.set_key(""); }, "key: cannot be blank"},
      {"key not a UUID", [](pb::NewComputePlan& plan) { plan.set_key("plan-1"); }, "key: must be a valid UUID"},
      {"upper-case key",
       [](pb::NewComputePlan& plan) { plan.set_key("0000000A-0000-4000-8000-000000000000"); },
       "key: must be a valid UUID"},
      {"tag of 101 bytes", [](pb::NewComputePlan& plan) { plan.set_tag(std::string(101, 't')); }, "tag:"},
      {"blank name", [](pb::NewComputePlan& plan) { plan.set_name(""); }, "name: cannot be blank"},
      {"name of 101 bytes", [](pb::NewComputePlan& plan) { plan.set_name(std::string(101, 'n')); }, "name:"},
      {"metadata key of 101 bytes",
       [](pb::NewComputePlan& plan) { (*plan.mutable_metadata())[std::string(101, 'k')] = "v"; },
       "is too long"},
      {"metadata value of 101 bytes",
       [](pb::NewComputePlan& plan) { (*plan.mutable_metadata())["k"] = std::string(101, 'v'); },
       "metadata value for key \"k\" is too long"},
  };
  for (const PlanValidationCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    pb::NewComputePlan request = NewPlanRequest(NewKey());
    test_case.change(request);

    auto result = orchestrator_.RegisterPlan(As(kOrg1), request);

    ExpectError(result, ErrorKind::kInvalidAsset, "computeplan is not valid");
    ExpectError(result, ErrorKind::kInvalidAsset, test_case.field);
  }
}

TEST_F(ComputePlanTest, RegisterPlanAcceptsLimitLengths) {
  pb::NewComputePlan request = NewPlanRequest(NewKey());
  request.set_tag(std::string(100, 't'));
  request.set_name(std::string(100, 'n'));
  (*request.mutable_metadata())[std::string(100, 'k')] = std::string(100, 'v');

  EXPECT_TRUE(IsOk(orchestrator_.RegisterPlan(As(kOrg1), request)));
}

TEST_F(ComputePlanTest, InvalidPlanLeavesNoPlanAndNoEvent) {
  std::size_t events_before = EventCount();
  pb::NewComputePlan request = NewPlanRequest(NewKey());
  request.set_name("");

  ASSERT_FALSE(orchestrator_.RegisterPlan(As(kOrg1), request).ok());

  ExpectError(orchestrator_.GetPlan(As(kOrg1), ByKey(request.key())), ErrorKind::kNotFound, "computeplan");
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(ComputePlanTest, RegisterPlanTwiceFailsWithConflict) {
  pb::ComputePlan plan = RegisterPlan();

  auto result = orchestrator_.RegisterPlan(As(kOrg2), NewPlanRequest(plan.key()));

  ExpectError(result, ErrorKind::kConflict, "computeplan with key \"" + plan.key() + "\" already exists");
  EXPECT_EQ(GetPlan(plan.key()).owner(), kOrg1);
}

TEST_F(ComputePlanTest, RegisterPlanByUnregisteredOrgIsDenied) {
  pb::NewComputePlan request = NewPlanRequest(NewKey());

  auto result = orchestrator_.RegisterPlan(As(kUnregisteredOrg), request);

  ExpectError(result, ErrorKind::kPermissionDenied, kUnregisteredOrg);
  ExpectError(orchestrator_.GetPlan(As(kOrg1), ByKey(request.key())), ErrorKind::kNotFound, "computeplan");
}

// ---- GetPlan ----

TEST_F(ComputePlanTest, GetUnknownPlanFails) {
  std::string key = NewKey();

  auto result = orchestrator_.GetPlan(As(kOrg1), ByKey(key));

  ExpectError(result, ErrorKind::kNotFound, "computeplan with key \"" + key + "\" not found");
}

// ---- QueryPlans ----

TEST_F(ComputePlanTest, QueryPlansReturnsAllInCreationOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 3; ++i) keys.push_back(RegisterPlan(i % 2 == 0 ? kOrg1 : kOrg2).key());

  auto response = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(3)));

  EXPECT_EQ(PlanKeys(response), keys);
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(ComputePlanTest, QueryPlansFiltersByOwner) {
  std::vector<std::string> org1_keys;
  std::vector<std::string> org2_keys;
  for (int i = 0; i < 6; ++i) {
    if (i % 2 == 0) {
      org1_keys.push_back(RegisterPlan(kOrg1).key());
    } else {
      org2_keys.push_back(RegisterPlan(kOrg2).key());
    }
  }

  auto org1 = Ok(orchestrator_.QueryPlans(As(kOrg2), QueryParam(10, "", kOrg1)));
  auto org2 = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(10, "", kOrg2)));
  auto nobody = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(10, "", kUnregisteredOrg)));

  EXPECT_EQ(PlanKeys(org1), org1_keys);
  EXPECT_EQ(PlanKeys(org2), org2_keys);
  EXPECT_EQ(nobody.plans_size(), 0);
}

TEST_F(ComputePlanTest, QueryPlansPagesWithoutGapOrDuplicate) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) keys.push_back(RegisterPlan().key());

  auto first = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(2)));
  auto second = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(2, first.next_page_token())));
  auto third = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(2, second.next_page_token())));

  EXPECT_EQ(PlanKeys(first), (std::vector<std::string>{keys[0], keys[1]}));
  EXPECT_EQ(first.next_page_token(), "2");
  EXPECT_EQ(PlanKeys(second), (std::vector<std::string>{keys[2], keys[3]}));
  EXPECT_EQ(second.next_page_token(), "4");
  EXPECT_EQ(PlanKeys(third), (std::vector<std::string>{keys[4]}));
  EXPECT_EQ(third.next_page_token(), "");
}

TEST_F(ComputePlanTest, FullLastPageHasNoNextToken) {
  for (int i = 0; i < 4; ++i) RegisterPlan();

  auto first = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(2)));
  auto second = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(2, first.next_page_token())));

  EXPECT_EQ(second.plans_size(), 2);
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(ComputePlanTest, QueryPlansPagesThroughOwnerFilter) {
  std::vector<std::string> org1_keys;
  for (int i = 0; i < 6; ++i) {
    pb::ComputePlan plan = RegisterPlan(i % 2 == 0 ? kOrg1 : kOrg2);
    if (plan.owner() == kOrg1) org1_keys.push_back(plan.key());
  }

  auto first = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(2, "", kOrg1)));
  auto second = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(2, first.next_page_token(), kOrg1)));

  EXPECT_EQ(PlanKeys(first), (std::vector<std::string>{org1_keys[0], org1_keys[1]}));
  ASSERT_FALSE(first.next_page_token().empty());
  EXPECT_EQ(PlanKeys(second), (std::vector<std::string>{org1_keys[2]}));
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(ComputePlanTest, QueryPlansDefaultPageSizeIsFifty) {
  for (int i = 0; i < 51; ++i) RegisterPlan();

  auto response = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(0)));

  EXPECT_EQ(response.plans_size(), 50);
  EXPECT_EQ(response.next_page_token(), "50");
}

TEST_F(ComputePlanTest, QueryPlansOrdersSameTimePlansByKey) {
  std::string low = NewKey();
  std::string high = NewKey();
  ASSERT_TRUE(IsOk(orchestrator_.RegisterPlan(As(kOrg1), NewPlanRequest(high))));
  clock_.Advance(-kClockStep);  // the next request gets the same time
  ASSERT_TRUE(IsOk(orchestrator_.RegisterPlan(As(kOrg1), NewPlanRequest(low))));

  auto response = Ok(orchestrator_.QueryPlans(As(kOrg1), QueryParam(10)));

  EXPECT_EQ(PlanKeys(response), (std::vector<std::string>{low, high}));
}

// ---- UpdatePlan ----

TEST_F(ComputePlanTest, UpdatePlanChangesOnlyName) {
  pb::ComputePlan plan = RegisterPlan();

  ASSERT_TRUE(IsOk(orchestrator_.UpdatePlan(As(kOrg1), RenameParam(plan.key(), "renamed"))));

  pb::ComputePlan expected = plan;
  expected.set_name("renamed");
  EXPECT_TRUE(ProtoEquals(expected, GetPlan(plan.key())));
}

TEST_F(ComputePlanTest, UpdatePlanEmitsUpdatedEventWithSnapshot) {
  pb::ComputePlan plan = RegisterPlan();
  Micros time = NextRequestTime();

  ASSERT_TRUE(IsOk(orchestrator_.UpdatePlan(As(kOrg1), RenameParam(plan.key(), "renamed"))));

  pb::EventQueryFilter filter;
  filter.set_asset_key(plan.key());
  filter.set_event_kind(pb::EVENT_ASSET_UPDATED);
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_COMPUTE_PLAN);
  EXPECT_EQ(ToMicros(events[0].timestamp()), time);
  ASSERT_TRUE(events[0].has_compute_plan());
  EXPECT_TRUE(ProtoEquals(GetPlan(plan.key()), events[0].compute_plan()));
}

TEST_F(ComputePlanTest, UpdatePlanByNonOwnerIsDenied) {
  pb::ComputePlan plan = RegisterPlan();
  std::size_t events_before = EventCount();

  auto result = orchestrator_.UpdatePlan(As(kOrg2), RenameParam(plan.key(), "renamed"));

  ExpectError(result, ErrorKind::kPermissionDenied, "requester does not own the compute plan");
  EXPECT_EQ(GetPlan(plan.key()).name(), plan.name());
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(ComputePlanTest, UpdateUnknownPlanFails) {
  auto result = orchestrator_.UpdatePlan(As(kOrg1), RenameParam(NewKey(), "renamed"));

  ExpectError(result, ErrorKind::kNotFound, "computeplan");
}

TEST_F(ComputePlanTest, UpdatePlanRejectsInvalidRequest) {
  pb::ComputePlan plan = RegisterPlan();

  auto blank_name = orchestrator_.UpdatePlan(As(kOrg1), RenameParam(plan.key(), ""));
  auto long_name = orchestrator_.UpdatePlan(As(kOrg1), RenameParam(plan.key(), std::string(101, 'n')));
  auto bad_key = orchestrator_.UpdatePlan(As(kOrg1), RenameParam("not-a-uuid", "renamed"));

  ExpectError(blank_name, ErrorKind::kInvalidAsset, "name: cannot be blank");
  ExpectError(long_name, ErrorKind::kInvalidAsset, "name:");
  ExpectError(bad_key, ErrorKind::kInvalidAsset, "key: must be a valid UUID");
  EXPECT_EQ(GetPlan(plan.key()).name(), plan.name());
}

// ---- ApplyPlanAction ----

TEST_F(ComputePlanTest, CancelPlanSetsCancelationDate) {
  pb::ComputePlan plan = RegisterPlan();
  Micros time = NextRequestTime();

  ASSERT_TRUE(IsOk(Cancel(plan.key())));

  pb::ComputePlan read = GetPlan(plan.key());
  ASSERT_TRUE(read.has_cancelation_date());
  EXPECT_EQ(ToMicros(read.cancelation_date()), time);
  EXPECT_FALSE(read.has_failure_date());
}

TEST_F(ComputePlanTest, CancelPlanEmitsUpdatedEventWithSnapshot) {
  pb::ComputePlan plan = RegisterPlan();

  ASSERT_TRUE(IsOk(Cancel(plan.key())));

  std::vector<pb::Event> events = PlanEvents(plan.key());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].event_kind(), pb::EVENT_ASSET_UPDATED);
  ASSERT_TRUE(events[1].has_compute_plan());
  EXPECT_TRUE(events[1].compute_plan().has_cancelation_date());
  EXPECT_TRUE(ProtoEquals(GetPlan(plan.key()), events[1].compute_plan()));
}

TEST_F(ComputePlanTest, CancelPlanTwiceFailsWithTerminatedPlan) {
  pb::ComputePlan plan = RegisterPlan();
  ASSERT_TRUE(IsOk(Cancel(plan.key())));
  pb::ComputePlan canceled = GetPlan(plan.key());
  std::size_t events_before = EventCount();

  auto result = Cancel(plan.key());

  ExpectError(result, ErrorKind::kTerminatedComputePlan, "compute plan " + plan.key() + " is already terminated");
  EXPECT_TRUE(ProtoEquals(canceled, GetPlan(plan.key())));
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(ComputePlanTest, CancelFailedPlanFailsWithTerminatedPlan) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask task = RegisterTrainTask(plan.key());
  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_FAILED);

  auto result = Cancel(plan.key());

  ExpectError(result, ErrorKind::kTerminatedComputePlan, "is already terminated");
  EXPECT_FALSE(GetPlan(plan.key()).has_cancelation_date());
}

TEST_F(ComputePlanTest, CancelPlanByNonOwnerIsDenied) {
  pb::ComputePlan plan = RegisterPlan();

  auto result = Cancel(plan.key(), kOrg2);

  ExpectError(result, ErrorKind::kPermissionDenied, "only plan owner can act on it");
  EXPECT_FALSE(GetPlan(plan.key()).has_cancelation_date());
}

TEST_F(ComputePlanTest, CancelUnknownPlanFailsWithNotFound) {
  auto result = Cancel(NewKey());

  ExpectError(result, ErrorKind::kNotFound, "computeplan");
}

TEST_F(ComputePlanTest, UnknownPlanActionIsUnimplemented) {
  pb::ComputePlan plan = RegisterPlan();

  auto unknown = orchestrator_.ApplyPlanAction(As(kOrg1), ActionParam(plan.key(), pb::PLAN_ACTION_UNKNOWN));
  auto undeclared =
      orchestrator_.ApplyPlanAction(As(kOrg1), ActionParam(plan.key(), static_cast<pb::ComputePlanAction>(7)));

  ExpectError(unknown, ErrorKind::kUnimplemented, "plan action unimplemented");
  ExpectError(undeclared, ErrorKind::kUnimplemented, "plan action unimplemented");
  EXPECT_FALSE(GetPlan(plan.key()).has_cancelation_date());
}

TEST_F(ComputePlanTest, CancelPlanLeavesTaskStatusesUnchanged) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask parent = RegisterTrainTask(plan.key());
  pb::ComputeTask child = RegisterTrainTask(plan.key(), parent.key());
  ApplyTaskAction(kOrg1, parent.key(), pb::TASK_ACTION_DOING);
  pb::EventQueryFilter task_events;
  task_events.set_asset_kind(pb::ASSET_COMPUTE_TASK);
  std::size_t task_events_before = QueryAllEvents(task_events).size();

  ASSERT_TRUE(IsOk(Cancel(plan.key())));

  EXPECT_EQ(GetTask(parent.key()).status(), pb::STATUS_DOING);
  EXPECT_EQ(GetTask(child.key()).status(), pb::STATUS_WAITING);
  EXPECT_EQ(QueryAllEvents(task_events).size(), task_events_before);
}

// ---- Plan failure ----

TEST_F(ComputePlanTest, FailingTaskSetsFailureDateWithoutEvent) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask task = RegisterTrainTask(plan.key());
  Micros time = NextRequestTime();

  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_FAILED);

  pb::ComputePlan read = GetPlan(plan.key());
  ASSERT_TRUE(read.has_failure_date());
  EXPECT_EQ(ToMicros(read.failure_date()), time);
  EXPECT_FALSE(read.has_cancelation_date());
  std::vector<pb::Event> events = PlanEvents(plan.key());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
}

TEST_F(ComputePlanTest, FailingWaitingTaskSetsFailureDate) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask parent = RegisterTrainTask(plan.key());
  pb::ComputeTask child = RegisterTrainTask(plan.key(), parent.key());
  ApplyTaskAction(kOrg1, parent.key(), pb::TASK_ACTION_DOING);
  ASSERT_FALSE(GetPlan(plan.key()).has_failure_date());

  ApplyTaskAction(kOrg1, child.key(), pb::TASK_ACTION_FAILED);

  pb::ComputePlan read = GetPlan(plan.key());
  EXPECT_TRUE(read.has_failure_date());
  EXPECT_FALSE(read.has_cancelation_date());
}

TEST_F(ComputePlanTest, SecondTaskFailureKeepsFirstFailureDate) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask first = RegisterTrainTask(plan.key());
  pb::ComputeTask second = RegisterTrainTask(plan.key());
  Micros first_failure = NextRequestTime();
  ApplyTaskAction(kOrg1, first.key(), pb::TASK_ACTION_FAILED);

  ApplyTaskAction(kOrg1, second.key(), pb::TASK_ACTION_FAILED);

  EXPECT_EQ(ToMicros(GetPlan(plan.key()).failure_date()), first_failure);
}

TEST_F(ComputePlanTest, CanceledPlanGetsNoFailureDate) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask task = RegisterTrainTask(plan.key());
  ASSERT_TRUE(IsOk(Cancel(plan.key())));
  pb::ComputePlan canceled = GetPlan(plan.key());

  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_FAILED);

  EXPECT_TRUE(ProtoEquals(canceled, GetPlan(plan.key())));
}

TEST_F(ComputePlanTest, TasksCanBeAddedToTerminatedPlans) {
  pb::ComputePlan canceled = RegisterPlan();
  ASSERT_TRUE(IsOk(Cancel(canceled.key())));
  pb::ComputePlan failed = RegisterPlan();
  ApplyTaskAction(kOrg1, RegisterTrainTask(failed.key()).key(), pb::TASK_ACTION_FAILED);

  pb::ComputeTask in_canceled = RegisterTrainTask(canceled.key());
  pb::ComputeTask in_failed = RegisterTrainTask(failed.key());

  EXPECT_EQ(in_canceled.status(), pb::STATUS_TODO);
  EXPECT_EQ(in_failed.status(), pb::STATUS_TODO);
}

// ---- IsPlanRunning ----

TEST_F(ComputePlanTest, IsPlanRunningFalseForUnknownPlan) { EXPECT_FALSE(IsRunning(NewKey())); }

TEST_F(ComputePlanTest, IsPlanRunningFollowsTaskStatuses) {
  pb::ComputePlan plan = RegisterPlan();
  EXPECT_FALSE(IsRunning(plan.key())) << "plan without tasks";

  pb::ComputeTask first = RegisterTrainTask(plan.key());
  EXPECT_TRUE(IsRunning(plan.key())) << "TODO task";

  ApplyTaskAction(kOrg1, first.key(), pb::TASK_ACTION_DOING);
  EXPECT_TRUE(IsRunning(plan.key())) << "DOING task";

  ApplyTaskAction(kOrg1, first.key(), pb::TASK_ACTION_DONE);
  EXPECT_FALSE(IsRunning(plan.key())) << "DONE task";

  pb::ComputeTask second = RegisterTrainTask(plan.key());
  EXPECT_TRUE(IsRunning(plan.key())) << "new TODO task";

  ApplyTaskAction(kOrg1, second.key(), pb::TASK_ACTION_FAILED);
  EXPECT_FALSE(IsRunning(plan.key())) << "DONE and FAILED tasks";
}

TEST_F(ComputePlanTest, CanceledPlanWithDoingTaskIsStillRunning) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask task = RegisterTrainTask(plan.key());
  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_DOING);

  ASSERT_TRUE(IsOk(Cancel(plan.key())));
  EXPECT_TRUE(IsRunning(plan.key())) << "canceled plan with a DOING task";

  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_CANCELED);
  EXPECT_FALSE(IsRunning(plan.key())) << "after the task is canceled";
}

TEST_F(ComputePlanTest, WaitingChildOfFailedTaskKeepsPlanRunning) {
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask parent = RegisterTrainTask(plan.key());
  pb::ComputeTask child = RegisterTrainTask(plan.key(), parent.key());

  ApplyTaskAction(kOrg1, parent.key(), pb::TASK_ACTION_FAILED);

  EXPECT_EQ(GetTask(child.key()).status(), pb::STATUS_WAITING);
  EXPECT_TRUE(IsRunning(plan.key()));
}

TEST_F(ComputePlanTest, IsPlanRunningIgnoresOtherPlans) {
  pb::ComputePlan idle = RegisterPlan();
  pb::ComputePlan busy = RegisterPlan();
  RegisterTrainTask(busy.key());

  EXPECT_FALSE(IsRunning(idle.key()));
  EXPECT_TRUE(IsRunning(busy.key()));
}

}  // namespace
}  // namespace orc::test
