// Api::ReadEvents: the replay part of SubscribeToEvents.
#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using ReadEventsTest = TwoOrgsTest;

std::vector<std::string> AssetKeys(const EventBatch& batch) {
  std::vector<std::string> keys;
  for (const pb::Event& event : batch.events) keys.push_back(event.asset_key());
  return keys;
}

TEST_F(ReadEventsTest, EmptyStartIdReadsFromFirstEvent) {
  pb::Function function = RegisterFunction();

  EventBatch batch = Ok(orchestrator_.ReadEvents(As(kOrg1), "", 100));

  EXPECT_EQ(AssetKeys(batch), (std::vector<std::string>{kOrg1, kOrg2, function.key()}));
  EXPECT_EQ(batch.last_event_id, batch.events.back().id());
  for (const pb::Event& event : batch.events) EXPECT_EQ(event.channel(), kChannel);
}

TEST_F(ReadEventsTest, StartIdIsExclusive) {
  pb::Function function = RegisterFunction();
  EventBatch all = Ok(orchestrator_.ReadEvents(As(kOrg1), "", 100));

  EventBatch after_first = Ok(orchestrator_.ReadEvents(As(kOrg1), all.events[0].id(), 100));

  EXPECT_EQ(AssetKeys(after_first), (std::vector<std::string>{kOrg2, function.key()}));
}

TEST_F(ReadEventsTest, LimitSplitsReplayIntoBatches) {
  RegisterFunction();
  RegisterFunction();

  EventBatch first = Ok(orchestrator_.ReadEvents(As(kOrg1), "", 3));
  EventBatch second = Ok(orchestrator_.ReadEvents(As(kOrg1), first.last_event_id, 3));
  EventBatch third = Ok(orchestrator_.ReadEvents(As(kOrg1), second.last_event_id, 3));

  EXPECT_EQ(first.events.size(), 3u);
  EXPECT_EQ(second.events.size(), 1u);
  EXPECT_TRUE(third.events.empty());
  EXPECT_EQ(third.last_event_id, second.last_event_id);
}

TEST_F(ReadEventsTest, ReadsLiveEventsFromLastId) {
  EventBatch before = Ok(orchestrator_.ReadEvents(As(kOrg1), "", 100));
  pb::Function function = RegisterFunction();

  EventBatch after = Ok(orchestrator_.ReadEvents(As(kOrg1), before.last_event_id, 100));

  EXPECT_EQ(AssetKeys(after), (std::vector<std::string>{function.key()}));
  EXPECT_EQ(after.events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_TRUE(ProtoEquals(after.events[0].function(), function));
}

TEST_F(ReadEventsTest, UnknownStartIdIsNotFound) {
  auto result = orchestrator_.ReadEvents(As(kOrg1), "00000000-0000-4000-8000-000000000000", 10);

  ExpectError(result, ErrorKind::kNotFound, "event with key \"00000000-0000-4000-8000-000000000000\" not found");
}

TEST_F(ReadEventsTest, OtherChannelEventsAreNotReadable) {
  RegisterOrganization(kOrg1, "yourchannel");
  EventBatch mine = Ok(orchestrator_.ReadEvents(As(kOrg1), "", 100));
  EventBatch theirs = Ok(orchestrator_.ReadEvents(As(kOrg1, "yourchannel"), "", 100));

  ASSERT_EQ(theirs.events.size(), 1u);
  EXPECT_EQ(theirs.events[0].channel(), "yourchannel");
  EXPECT_EQ(mine.events.size(), 2u);
  auto cross = orchestrator_.ReadEvents(As(kOrg1, "yourchannel"), mine.events[0].id(), 10);
  ExpectError(cross, ErrorKind::kNotFound, "not found");
}

TEST_F(ReadEventsTest, MissingRequesterIsInvalid) {
  ExpectError(orchestrator_.ReadEvents(RequestContext{"", kChannel}, "", 10), ErrorKind::kInvalidAsset, "mspid");
  ExpectError(orchestrator_.ReadEvents(RequestContext{kOrg1, ""}, "", 10), ErrorKind::kInvalidAsset, "channel");
}

}  // namespace
}  // namespace orc::test
