#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

std::uint32_t Bits(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

pb::QueryPerformancesParam QueryParam(std::uint32_t page_size, const std::string& task_key = "",
                                      const std::string& identifier = "", const std::string& page_token = "") {
  pb::QueryPerformancesParam request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  request.mutable_filter()->set_compute_task_key(task_key);
  request.mutable_filter()->set_compute_task_output_identifier(identifier);
  return request;
}

// "<task key>|<identifier>" of each performance of a response.
std::vector<std::string> PerformanceKeys(const pb::QueryPerformancesResponse& response) {
  std::vector<std::string> keys;
  for (const pb::Performance& performance : response.performances()) {
    keys.push_back(performance.compute_task_key() + "|" + performance.compute_task_output_identifier());
  }
  return keys;
}

class PerformanceTest : public TwoOrgsTest {
 protected:
  void SetUp() override {
    TwoOrgsTest::SetUp();
    // Data inputs, a PERFORMANCE output `performance` and a MODEL output `model`.
    pb::NewFunction request = NewFunctionRequest(NewKey(), FunctionShape::kSimple);
    request.mutable_inputs()->erase("model");
    (*request.mutable_outputs())["performance"] = MakeFunctionOutput(pb::ASSET_PERFORMANCE);
    function_ = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));
    data_ = RegisterTaskData(kOrg1);
    plan_ = RegisterPlan(kOrg1);
  }

  // A task of function_ run by the owner of `data`.
  pb::NewComputeTask ScoringTask(const TaskData& data) {
    pb::NewComputeTask task = NewTaskRequest(NewKey(), plan_.key(), function_.key());
    AddDataInputs(task, data);
    AddTaskOutput(task, "performance", true);
    AddTaskOutput(task, "model", true);
    return task;
  }

  std::string RegisteredTask() { return RegisterTask(ScoringTask(data_)).key(); }

  std::string StartedTask() {
    std::string key = RegisteredTask();
    ApplyTaskAction(kOrg1, key, pb::TASK_ACTION_DOING);
    return key;
  }

  Result<pb::Performance> Register(const std::string& task_key, const std::string& identifier = "performance",
                                   float value = 0.5f, std::string_view requester = kOrg1) {
    return orchestrator_.RegisterPerformance(As(requester), NewPerformanceRequest(task_key, identifier, value));
  }

  pb::QueryPerformancesResponse Query(const pb::QueryPerformancesParam& request) {
    return Ok(orchestrator_.QueryPerformances(As(kOrg2), request));
  }

  pb::Function function_;
  TaskData data_;
  pb::ComputePlan plan_;
};

// ---- RegisterPerformance ----

TEST_F(PerformanceTest, RegisterPerformanceReturnsPerformance) {
  std::string task_key = StartedTask();
  Micros time = NextRequestTime();

  pb::Performance performance = Ok(Register(task_key, "performance", 0.75f));

  EXPECT_EQ(performance.compute_task_key(), task_key);
  EXPECT_EQ(performance.compute_task_output_identifier(), "performance");
  EXPECT_EQ(performance.performance_value(), 0.75f);
  EXPECT_EQ(ToMicros(performance.creation_date()), time);
}

TEST_F(PerformanceTest, RegisterPerformanceRejectsEachInvalidField) {
  std::string task_key = StartedTask();
  const struct {
    const char* name;
    pb::NewPerformance request;
    const char* field;
  } cases[] = {
      {"blank task key", NewPerformanceRequest("", "performance", 0.5f), "compute_task_key: cannot be blank"},
      {"task key not a UUID", NewPerformanceRequest("task-1", "performance", 0.5f),
       "compute_task_key: must be a valid UUID"},
      {"blank identifier", NewPerformanceRequest(task_key, "", 0.5f),
       "compute_task_output_identifier: cannot be blank"},
  };
  for (const auto& test_case : cases) {
    SCOPED_TRACE(test_case.name);

    auto result = orchestrator_.RegisterPerformance(As(kOrg1), test_case.request);

    ExpectError(result, ErrorKind::kInvalidAsset, "performance is not valid");
    ExpectError(result, ErrorKind::kInvalidAsset, test_case.field);
  }
  EXPECT_EQ(Query(QueryParam(10)).performances_size(), 0);
}

TEST_F(PerformanceTest, UnknownTaskFailsWithNotFound) {
  std::string missing = NewKey();

  auto result = Register(missing);

  ExpectError(result, ErrorKind::kNotFound, "computetask with key \"" + missing + "\" not found");
}

TEST_F(PerformanceTest, NonWorkerIsDenied) {
  std::string task_key = RegisterTask(ScoringTask(RegisterTaskData(kOrg2))).key();
  ApplyTaskAction(kOrg2, task_key, pb::TASK_ACTION_DOING);

  auto owner = Register(task_key, "performance", 0.5f, kOrg1);
  auto worker = Register(task_key, "performance", 0.5f, kOrg2);

  ExpectError(owner, ErrorKind::kPermissionDenied, "only \"MyOrg2MSP\" worker can register performance");
  EXPECT_TRUE(IsOk(worker));
}

TEST_F(PerformanceTest, TaskNotDoingIsRejected) {
  std::string task_key = RegisteredTask();

  auto result = Register(task_key);

  ExpectError(result, ErrorKind::kBadRequest, "cannot register performance for task with status \"STATUS_TODO\"");
  EXPECT_EQ(Query(QueryParam(10, task_key)).performances_size(), 0);
}

TEST_F(PerformanceTest, RegisterAfterDoneFailsAndTaskStaysDone) {
  std::string task_key = StartedTask();
  ASSERT_TRUE(IsOk(Register(task_key)));
  ApplyTaskAction(kOrg1, task_key, pb::TASK_ACTION_DONE);

  auto result = Register(task_key);

  ExpectError(result, ErrorKind::kBadRequest, "OE0003");
  ExpectError(result, ErrorKind::kBadRequest, "STATUS_DONE");
  EXPECT_EQ(GetTask(task_key).status(), pb::STATUS_DONE);
}

TEST_F(PerformanceTest, UndeclaredOutputFailsWithMissingTaskOutput) {
  std::string task_key = StartedTask();

  auto result = Register(task_key, "accuracy");

  ExpectError(result, ErrorKind::kMissingTaskOutput, "Task \"" + task_key + "\" has no output named \"accuracy\"");
}

TEST_F(PerformanceTest, PerformanceUnderModelOutputIsAccepted) {
  std::string task_key = StartedTask();

  auto result = Register(task_key, "model");

  ASSERT_TRUE(IsOk(result));
  EXPECT_EQ(result->compute_task_output_identifier(), "model");
}

TEST_F(PerformanceTest, SameTaskOutputConflicts) {
  std::string task_key = StartedTask();
  ASSERT_TRUE(IsOk(Register(task_key, "performance", 0.5f)));

  auto result = Register(task_key, "performance", 0.9f);

  ExpectError(result, ErrorKind::kConflict, "performance with key \"" + task_key + "|performance\" already exists");
  pb::QueryPerformancesResponse stored = Query(QueryParam(10, task_key));
  ASSERT_EQ(stored.performances_size(), 1);
  EXPECT_EQ(stored.performances(0).performance_value(), 0.5f);
}

TEST_F(PerformanceTest, TwoOutputsOfOneTaskAreAccepted) {
  std::string task_key = StartedTask();

  EXPECT_TRUE(IsOk(Register(task_key, "performance")));
  EXPECT_TRUE(IsOk(Register(task_key, "model")));
  EXPECT_EQ(Query(QueryParam(10, task_key)).performances_size(), 2);
}

TEST_F(PerformanceTest, ValueIsReturnedBitIdentical) {
  const float values[] = {0.1f,
                          1.0f / 3.0f,
                          std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::max(),
                          -0.0f,
                          -1.5e-30f};
  for (float value : values) {
    SCOPED_TRACE(value);
    std::string task_key = StartedTask();

    pb::Performance registered = Ok(Register(task_key, "performance", value));
    pb::QueryPerformancesResponse queried = Query(QueryParam(10, task_key));
    std::vector<pb::Event> events = EventsForAsset(task_key + "|performance");

    EXPECT_EQ(Bits(registered.performance_value()), Bits(value));
    ASSERT_EQ(queried.performances_size(), 1);
    EXPECT_EQ(Bits(queried.performances(0).performance_value()), Bits(value));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(Bits(events[0].performance().performance_value()), Bits(value));
  }
}

TEST_F(PerformanceTest, RegisterPerformanceEmitsTwoEvents) {
  std::string task_key = StartedTask();
  Micros time = NextRequestTime();
  pb::Performance performance = Ok(Register(task_key));

  pb::EventQueryFilter filter;
  SetTimestamp(time, filter.mutable_start());
  std::vector<pb::Event> events = QueryAllEvents(filter);

  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_PERFORMANCE);
  EXPECT_EQ(events[0].asset_key(), task_key + "|performance");
  ASSERT_TRUE(events[0].has_performance());
  EXPECT_TRUE(ProtoEquals(performance, events[0].performance()));
  EXPECT_EQ(events[1].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[1].asset_kind(), pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET);
  EXPECT_EQ(events[1].asset_key(), task_key);
  ASSERT_TRUE(events[1].has_compute_task_output_asset());
  const pb::ComputeTaskOutputAsset& output = events[1].compute_task_output_asset();
  EXPECT_EQ(output.compute_task_key(), task_key);
  EXPECT_EQ(output.compute_task_output_identifier(), "performance");
  EXPECT_EQ(output.asset_kind(), pb::ASSET_PERFORMANCE);
  EXPECT_EQ(output.asset_key(), task_key + "|performance");
}

TEST_F(PerformanceTest, RejectedPerformanceLeavesNoEvent) {
  std::string task_key = RegisteredTask();
  std::size_t events_before = EventCount();

  ASSERT_FALSE(Register(task_key).ok());

  EXPECT_EQ(EventCount(), events_before);
}

// ---- QueryPerformances ----

TEST_F(PerformanceTest, QueryPerformancesFilters) {
  std::string first = StartedTask();
  std::string second = StartedTask();
  ASSERT_TRUE(IsOk(Register(first, "performance")));
  ASSERT_TRUE(IsOk(Register(first, "model")));
  ASSERT_TRUE(IsOk(Register(second, "performance")));

  EXPECT_EQ(PerformanceKeys(Query(QueryParam(10))),
            (std::vector<std::string>{first + "|performance", first + "|model", second + "|performance"}));
  EXPECT_EQ(PerformanceKeys(Query(QueryParam(10, first))),
            (std::vector<std::string>{first + "|performance", first + "|model"}));
  EXPECT_EQ(PerformanceKeys(Query(QueryParam(10, "", "performance"))),
            (std::vector<std::string>{first + "|performance", second + "|performance"}));
  EXPECT_EQ(PerformanceKeys(Query(QueryParam(10, first, "model"))), (std::vector<std::string>{first + "|model"}));
  EXPECT_EQ(Query(QueryParam(10, NewKey())).performances_size(), 0);
}

TEST_F(PerformanceTest, QueryOrdersByDateThenKeyDescending) {
  std::string lowest = StartedTask();
  std::string middle = StartedTask();
  std::string highest = StartedTask();
  ASSERT_LT(lowest, middle);
  ASSERT_LT(middle, highest);
  ASSERT_TRUE(IsOk(Register(middle)));
  clock_.Advance(-kClockStep);  // the next request gets the same time
  ASSERT_TRUE(IsOk(Register(highest)));
  ASSERT_TRUE(IsOk(Register(lowest)));

  pb::QueryPerformancesResponse response = Query(QueryParam(10));

  EXPECT_EQ(PerformanceKeys(response), (std::vector<std::string>{highest + "|performance", middle + "|performance",
                                                                 lowest + "|performance"}));
  ASSERT_EQ(response.performances_size(), 3);
  EXPECT_EQ(ToMicros(response.performances(0).creation_date()), ToMicros(response.performances(1).creation_date()));
  EXPECT_LT(ToMicros(response.performances(1).creation_date()), ToMicros(response.performances(2).creation_date()));
}

TEST_F(PerformanceTest, QueryPerformancesPagesWithoutGap) {
  std::vector<std::string> expected;
  for (int i = 0; i < 3; ++i) {
    std::string task_key = StartedTask();
    ASSERT_TRUE(IsOk(Register(task_key)));
    expected.push_back(task_key + "|performance");
  }

  pb::QueryPerformancesResponse first = Query(QueryParam(2));
  pb::QueryPerformancesResponse second = Query(QueryParam(2, "", "", first.next_page_token()));

  EXPECT_EQ(PerformanceKeys(first), (std::vector<std::string>{expected[0], expected[1]}));
  EXPECT_EQ(first.next_page_token(), "2");
  EXPECT_EQ(PerformanceKeys(second), (std::vector<std::string>{expected[2]}));
  EXPECT_EQ(second.next_page_token(), "");
}

}  // namespace
}  // namespace orc::test
