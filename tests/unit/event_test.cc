#include <set>
#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using EventTest = TwoOrgsTest;

std::vector<std::string> AssetKeys(const std::vector<pb::Event>& events) {
  std::vector<std::string> keys;
  for (const pb::Event& event : events) keys.push_back(event.asset_key());
  return keys;
}

std::vector<std::string> AssetKeys(const pb::QueryEventsResponse& response) {
  return AssetKeys(std::vector<pb::Event>(response.events().begin(), response.events().end()));
}

google::protobuf::Timestamp At(Micros micros) {
  google::protobuf::Timestamp timestamp;
  SetTimestamp(micros, &timestamp);
  return timestamp;
}

TEST_F(EventTest, QueryEventsReturnsOldestFirstByDefault) {
  pb::Function function = RegisterFunction();
  pb::QueryEventsParam request;

  auto response = Ok(orchestrator_.QueryEvents(As(kOrg1), request));

  EXPECT_EQ(AssetKeys(response), (std::vector<std::string>{kOrg1, kOrg2, function.key()}));
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(EventTest, QueryEventsSortsAscending) {
  pb::Function function = RegisterFunction();

  std::vector<pb::Event> events = QueryAllEvents({}, pb::ASCENDING);

  EXPECT_EQ(AssetKeys(events), (std::vector<std::string>{kOrg1, kOrg2, function.key()}));
}

TEST_F(EventTest, QueryEventsSortsDescending) {
  pb::Function function = RegisterFunction();

  std::vector<pb::Event> events = QueryAllEvents({}, pb::DESCENDING);

  EXPECT_EQ(AssetKeys(events), (std::vector<std::string>{function.key(), kOrg2, kOrg1}));
}

TEST_F(EventTest, QueryEventsKeepsEmissionOrderWithinRequest) {
  std::vector<pb::DataSample> samples =
      RegisterDataSamples({NewDataSampleRequest(KeyNumber(30), {}), NewDataSampleRequest(KeyNumber(10), {}),
                           NewDataSampleRequest(KeyNumber(20), {})});
  pb::EventQueryFilter filter;
  filter.set_asset_kind(pb::ASSET_DATA_SAMPLE);

  std::vector<pb::Event> ascending = QueryAllEvents(filter, pb::ASCENDING);
  std::vector<pb::Event> descending = QueryAllEvents(filter, pb::DESCENDING);

  EXPECT_EQ(AssetKeys(ascending), (std::vector<std::string>{KeyNumber(30), KeyNumber(10), KeyNumber(20)}));
  EXPECT_EQ(AssetKeys(descending), (std::vector<std::string>{KeyNumber(20), KeyNumber(10), KeyNumber(30)}));
}

TEST_F(EventTest, QueryEventsFillsEventFields) {
  Micros time = NextRequestTime();
  pb::DataManager data_manager = RegisterDataManager();

  std::vector<pb::Event> events = QueryAllEvents();

  ASSERT_EQ(events.size(), 3u);
  std::set<std::string> ids;
  for (const pb::Event& event : events) {
    EXPECT_FALSE(event.id().empty());
    EXPECT_EQ(event.channel(), kChannel);
    ids.insert(event.id());
  }
  EXPECT_EQ(ids.size(), events.size());
  const pb::Event& created = events[2];
  EXPECT_EQ(created.event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(created.asset_kind(), pb::ASSET_DATA_MANAGER);
  EXPECT_EQ(created.asset_key(), data_manager.key());
  EXPECT_EQ(ToMicros(created.timestamp()), time);
  EXPECT_EQ(created.metadata_size(), 0);
  EXPECT_TRUE(ProtoEquals(data_manager, created.data_manager()));
}

TEST_F(EventTest, QueryEventsFiltersByAssetKey) {
  pb::Function function = RegisterFunction();
  RegisterFunction();
  pb::UpdateFunctionParam update;
  update.set_key(function.key());
  update.set_name("renamed");
  Ok(orchestrator_.UpdateFunction(As(kOrg1), update));

  pb::EventQueryFilter filter;
  filter.set_asset_key(function.key());
  std::vector<pb::Event> events = QueryAllEvents(filter);

  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[1].event_kind(), pb::EVENT_ASSET_UPDATED);
  EXPECT_EQ(AssetKeys(events), (std::vector<std::string>{function.key(), function.key()}));
}

TEST_F(EventTest, QueryEventsFiltersByAssetKind) {
  pb::DataManager data_manager = RegisterDataManager();
  RegisterFunction();

  pb::EventQueryFilter filter;
  filter.set_asset_kind(pb::ASSET_DATA_MANAGER);
  std::vector<pb::Event> events = QueryAllEvents(filter);

  EXPECT_EQ(AssetKeys(events), (std::vector<std::string>{data_manager.key()}));
}

TEST_F(EventTest, QueryEventsFiltersByEventKind) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::UpdateDataManagerParam update;
  update.set_key(data_manager.key());
  update.set_name("renamed");
  Ok(orchestrator_.UpdateDataManager(As(kOrg1), update));

  pb::EventQueryFilter filter;
  filter.set_event_kind(pb::EVENT_ASSET_UPDATED);
  std::vector<pb::Event> events = QueryAllEvents(filter);

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].asset_key(), data_manager.key());
  EXPECT_EQ(events[0].data_manager().name(), "renamed");
}

TEST_F(EventTest, QueryEventsFiltersByMetadata) {
  pb::Function function = RegisterFunction();
  TaskData data = RegisterTaskData();
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputeTask task = RegisterTask(TrainTaskRequest(NewKey(), plan.key(), function.key(), data));
  ApplyTaskAction(kOrg1, task.key(), pb::TASK_ACTION_DOING, "started by the test");

  pb::EventQueryFilter matching;
  (*matching.mutable_metadata())["reason"] = "started by the test";
  pb::EventQueryFilter other_value;
  (*other_value.mutable_metadata())["reason"] = "another reason";
  pb::EventQueryFilter extra_pair = matching;
  (*extra_pair.mutable_metadata())["status"] = "STATUS_DOING";

  std::vector<pb::Event> events = QueryAllEvents(matching);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].asset_key(), task.key());
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_UPDATED);
  EXPECT_EQ(events[0].metadata().at("reason"), "started by the test");
  EXPECT_EQ(events[0].compute_task().status(), pb::STATUS_DOING);
  EXPECT_TRUE(QueryAllEvents(other_value).empty());
  EXPECT_TRUE(QueryAllEvents(extra_pair).empty());
}

TEST_F(EventTest, QueryEventsFiltersByInclusiveTimeBounds) {
  Micros first_time = NextRequestTime();
  pb::DataManager first = RegisterDataManager();
  Micros second_time = NextRequestTime();
  pb::DataManager second = RegisterDataManager();
  pb::DataManager third = RegisterDataManager();
  pb::EventQueryFilter from_second;
  from_second.set_asset_kind(pb::ASSET_DATA_MANAGER);
  *from_second.mutable_start() = At(second_time);
  pb::EventQueryFilter until_second;
  until_second.set_asset_kind(pb::ASSET_DATA_MANAGER);
  *until_second.mutable_end() = At(second_time);
  pb::EventQueryFilter only_second = from_second;
  *only_second.mutable_end() = At(second_time);
  pb::EventQueryFilter first_two = until_second;
  *first_two.mutable_start() = At(first_time);

  EXPECT_EQ(AssetKeys(QueryAllEvents(from_second)), (std::vector<std::string>{second.key(), third.key()}));
  EXPECT_EQ(AssetKeys(QueryAllEvents(until_second)), (std::vector<std::string>{first.key(), second.key()}));
  EXPECT_EQ(AssetKeys(QueryAllEvents(only_second)), (std::vector<std::string>{second.key()}));
  EXPECT_EQ(AssetKeys(QueryAllEvents(first_two)), (std::vector<std::string>{first.key(), second.key()}));
}

TEST_F(EventTest, QueryEventsReturnsNothingForEmptyTimeRange) {
  Micros time = NextRequestTime();
  RegisterDataManager();

  pb::EventQueryFilter filter;
  *filter.mutable_start() = At(time + 1);
  *filter.mutable_end() = At(time + kClockStep - 1);

  EXPECT_TRUE(QueryAllEvents(filter).empty());
}

TEST_F(EventTest, QueryEventsCombinesFilters) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::UpdateDataManagerParam update;
  update.set_key(data_manager.key());
  update.set_name("renamed");
  Ok(orchestrator_.UpdateDataManager(As(kOrg1), update));
  RegisterFunction();

  pb::EventQueryFilter filter;
  filter.set_asset_kind(pb::ASSET_DATA_MANAGER);
  filter.set_event_kind(pb::EVENT_ASSET_CREATED);
  filter.set_asset_key(data_manager.key());
  std::vector<pb::Event> events = QueryAllEvents(filter);

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data_manager().name(), data_manager.name());
}

TEST_F(EventTest, QueryEventsPagesWithNextPageToken) {
  pb::Function first = RegisterFunction();
  pb::Function second = RegisterFunction();
  pb::Function third = RegisterFunction();
  pb::QueryEventsParam request;
  request.set_page_size(2);

  auto page_one = Ok(orchestrator_.QueryEvents(As(kOrg1), request));
  request.set_page_token(page_one.next_page_token());
  auto page_two = Ok(orchestrator_.QueryEvents(As(kOrg1), request));
  request.set_page_token(page_two.next_page_token());
  auto page_three = Ok(orchestrator_.QueryEvents(As(kOrg1), request));

  EXPECT_EQ(AssetKeys(page_one), (std::vector<std::string>{kOrg1, kOrg2}));
  EXPECT_EQ(page_one.next_page_token(), "2");
  EXPECT_EQ(AssetKeys(page_two), (std::vector<std::string>{first.key(), second.key()}));
  EXPECT_EQ(page_two.next_page_token(), "4");
  EXPECT_EQ(AssetKeys(page_three), (std::vector<std::string>{third.key()}));
  EXPECT_EQ(page_three.next_page_token(), "");
}

TEST_F(EventTest, QueryEventsPagesDescendingWithFilter) {
  pb::Function first = RegisterFunction();
  pb::Function second = RegisterFunction();
  pb::Function third = RegisterFunction();
  pb::QueryEventsParam request;
  request.set_page_size(2);
  request.set_sort(pb::DESCENDING);
  request.mutable_filter()->set_asset_kind(pb::ASSET_FUNCTION);

  auto page_one = Ok(orchestrator_.QueryEvents(As(kOrg1), request));
  request.set_page_token(page_one.next_page_token());
  auto page_two = Ok(orchestrator_.QueryEvents(As(kOrg1), request));

  EXPECT_EQ(AssetKeys(page_one), (std::vector<std::string>{third.key(), second.key()}));
  EXPECT_EQ(page_one.next_page_token(), "2");
  EXPECT_EQ(AssetKeys(page_two), (std::vector<std::string>{first.key()}));
  EXPECT_EQ(page_two.next_page_token(), "");
}

TEST_F(EventTest, QueryEventsDefaultsToFiftyPerPage) {
  for (int i = 0; i < 49; ++i) RegisterDataSample({});
  pb::QueryEventsParam request;

  auto first = Ok(orchestrator_.QueryEvents(As(kOrg1), request));
  request.set_page_token(first.next_page_token());
  auto second = Ok(orchestrator_.QueryEvents(As(kOrg1), request));

  EXPECT_EQ(first.events_size(), 50);
  EXPECT_EQ(first.next_page_token(), "50");
  EXPECT_EQ(second.events_size(), 1);
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(EventTest, QueryEventsRejectsMalformedPageToken) {
  pb::QueryEventsParam request;
  request.set_page_token("next");

  auto result = orchestrator_.QueryEvents(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "page_token");
}

TEST_F(EventTest, QueryEventsIsScopedToChannel) {
  RegisterOrganization(kOrg1, kOtherChannel);

  std::vector<pb::Event> mine = QueryAllEvents({}, pb::ASCENDING, kChannel);
  std::vector<pb::Event> other = QueryAllEvents({}, pb::ASCENDING, kOtherChannel);

  EXPECT_EQ(AssetKeys(mine), (std::vector<std::string>{kOrg1, kOrg2}));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].asset_key(), kOrg1);
  EXPECT_EQ(other[0].channel(), kOtherChannel);
}

TEST_F(EventTest, ReadRequestsEmitNoEvent) {
  pb::Function function = RegisterFunction();
  std::size_t events_before = EventCount();
  pb::GetFunctionParam get;
  get.set_key(function.key());

  Ok(orchestrator_.GetFunction(As(kOrg1), get));
  Ok(orchestrator_.QueryFunctions(As(kOrg1), {}));
  Ok(orchestrator_.QueryEvents(As(kOrg1), {}));

  EXPECT_EQ(EventCount(), events_before);
}

}  // namespace
}  // namespace orc::test
