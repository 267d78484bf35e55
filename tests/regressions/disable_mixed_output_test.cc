// Regression found by the compute task state-machine property (shrunk to
// 11 commands): a MODEL output that also holds a performance, which
// RegisterPerformance allows because it does not check the output's kind.
// DisableOutput looked the performance up as a model and failed with a
// misleading OE0002. It must fail with OE0108 naming the kind, and change
// nothing.
#include "unit/test_helpers.h"

namespace orc::test {
namespace {

class DisableMixedOutputTest : public TwoOrgsTest {};

TEST_F(DisableMixedOutputTest, RejectsOutputWithPerformance) {
  pb::Function train = RegisterFunction(FunctionShape::kSimple);
  pb::Function aggregate = RegisterFunction(FunctionShape::kAggregate);
  TaskData data = RegisterTaskData(kOrg1);
  pb::ComputePlan plan = RegisterPlan(kOrg1);

  pb::NewComputeTask parent_request = TrainTaskRequest(NewKey(), plan.key(), train.key(), data);
  (*parent_request.mutable_outputs())["model"].set_transient(true);
  pb::ComputeTask parent = RegisterTask(parent_request);
  ApplyTaskAction(kOrg1, parent.key(), pb::TASK_ACTION_DOING);
  pb::Model model = RegisterModel(kOrg1, parent.key(), "model");
  Ok(orchestrator_.RegisterPerformance(As(kOrg1), NewPerformanceRequest(parent.key(), "model", 0.5f)));
  pb::ComputeTask child =
      RegisterTask(AggregateTaskRequest(NewKey(), plan.key(), aggregate.key(), kOrg1, {{parent.key(), "model"}}));
  ApplyTaskAction(kOrg1, parent.key(), pb::TASK_ACTION_DONE);
  ApplyTaskAction(kOrg1, child.key(), pb::TASK_ACTION_DOING);
  ApplyTaskAction(kOrg1, child.key(), pb::TASK_ACTION_DONE);
  std::size_t events = EventCount();

  pb::DisableOutputParam request;
  request.set_compute_task_key(parent.key());
  request.set_identifier("model");
  ExpectError(orchestrator_.DisableOutput(As(kOrg1), request), ErrorKind::kCannotDisableOutput,
              "cannot disable output of kind: ASSET_PERFORMANCE");

  pb::GetModelParam get_model;
  get_model.set_key(model.key());
  EXPECT_TRUE(Ok(orchestrator_.GetModel(As(kOrg1), get_model)).has_address());
  EXPECT_EQ(EventCount(), events);
}

}  // namespace
}  // namespace orc::test
