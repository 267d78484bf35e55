#include <functional>
#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using DataSampleTest = TwoOrgsTest;

pb::GetDataSampleParam ByKey(const std::string& key) {
  pb::GetDataSampleParam request;
  request.set_key(key);
  return request;
}

pb::RegisterDataSamplesParam RegisterParam(std::initializer_list<pb::NewDataSample> samples) {
  pb::RegisterDataSamplesParam request;
  for (const pb::NewDataSample& sample : samples) *request.add_samples() = sample;
  return request;
}

pb::UpdateDataSamplesParam UpdateParam(std::initializer_list<std::string> keys,
                                       std::initializer_list<std::string> data_manager_keys) {
  pb::UpdateDataSamplesParam request;
  for (const std::string& key : keys) request.add_keys(key);
  for (const std::string& key : data_manager_keys) request.add_data_manager_keys(key);
  return request;
}

pb::QueryDataSamplesParam QueryParam(std::uint32_t page_size, const std::string& page_token = "",
                                     std::initializer_list<std::string> keys = {}) {
  pb::QueryDataSamplesParam request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  for (const std::string& key : keys) request.mutable_filter()->add_keys(key);
  return request;
}

std::vector<std::string> SampleKeys(const pb::QueryDataSamplesResponse& response) {
  std::vector<std::string> keys;
  for (const pb::DataSample& sample : response.data_samples()) keys.push_back(sample.key());
  return keys;
}

std::vector<std::string> ManagerKeys(const pb::DataSample& sample) {
  return {sample.data_manager_keys().begin(), sample.data_manager_keys().end()};
}

// ---- RegisterDataSamples ----

TEST_F(DataSampleTest, RegisterDataSamplesReturnsRecordsInRequestOrder) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  std::string first_key = NewKey();
  std::string second_key = NewKey();
  Micros time = NextRequestTime();

  auto response = Ok(orchestrator_.RegisterDataSamples(
      As(kOrg1), RegisterParam({NewDataSampleRequest(second_key, {first_manager.key(), second_manager.key()}),
                                NewDataSampleRequest(first_key, {second_manager.key()})})));

  ASSERT_EQ(response.data_samples_size(), 2);
  const pb::DataSample& second = response.data_samples(0);
  EXPECT_EQ(second.key(), second_key);
  EXPECT_EQ(ManagerKeys(second), (std::vector<std::string>{first_manager.key(), second_manager.key()}));
  EXPECT_EQ(second.owner(), kOrg1);
  EXPECT_EQ(second.checksum(), kChecksum);
  EXPECT_FALSE(second.test_only());
  EXPECT_EQ(ToMicros(second.creation_date()), time);
  EXPECT_EQ(response.data_samples(1).key(), first_key);
  EXPECT_EQ(ToMicros(response.data_samples(1).creation_date()), time);
}

TEST_F(DataSampleTest, RegisterDataSamplesIgnoresTestOnly) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::NewDataSample request = NewDataSampleRequest(NewKey(), {data_manager.key()});
  request.set_test_only(true);

  auto response = Ok(orchestrator_.RegisterDataSamples(As(kOrg1), RegisterParam({request})));

  ASSERT_EQ(response.data_samples_size(), 1);
  EXPECT_FALSE(response.data_samples(0).test_only());
}

TEST_F(DataSampleTest, RegisterDataSamplesResultEqualsGetDataSample) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataSample registered = RegisterDataSample({data_manager.key()});

  pb::DataSample read = Ok(orchestrator_.GetDataSample(As(kOrg2), ByKey(registered.key())));

  EXPECT_TRUE(ProtoEquals(registered, read));
}

TEST_F(DataSampleTest, RegisterDataSamplesEmitsEventPerSample) {
  pb::DataManager data_manager = RegisterDataManager();
  Micros time = NextRequestTime();
  std::vector<pb::DataSample> samples =
      RegisterDataSamples({NewDataSampleRequest(NewKey(), {data_manager.key()}),
                           NewDataSampleRequest(NewKey(), {data_manager.key()}),
                           NewDataSampleRequest(NewKey(), {data_manager.key()})});

  pb::EventQueryFilter filter;
  filter.set_asset_kind(pb::ASSET_DATA_SAMPLE);
  std::vector<pb::Event> events = QueryAllEvents(filter);

  ASSERT_EQ(events.size(), 3u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(events[i].event_kind(), pb::EVENT_ASSET_CREATED);
    EXPECT_EQ(events[i].asset_key(), samples[i].key());
    EXPECT_EQ(ToMicros(events[i].timestamp()), time);
    ASSERT_TRUE(events[i].has_data_sample());
    EXPECT_TRUE(ProtoEquals(samples[i], events[i].data_sample()));
  }
}

TEST_F(DataSampleTest, RegisterDataSamplesAcceptsEmptyList) {
  std::size_t events_before = EventCount();

  auto response = Ok(orchestrator_.RegisterDataSamples(As(kOrg1), RegisterParam({})));

  EXPECT_EQ(response.data_samples_size(), 0);
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataSampleTest, RegisterDataSamplesEmptyListNeedsNoOrganization) {
  auto result = orchestrator_.RegisterDataSamples(As(kUnregisteredOrg), RegisterParam({}));

  EXPECT_TRUE(IsOk(result));
}

TEST_F(DataSampleTest, RegisterDataSamplesNoManagerReadsEmpty) {
  pb::DataSample registered = RegisterDataSample({});

  pb::DataSample read = Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(registered.key())));

  EXPECT_EQ(registered.data_manager_keys_size(), 0);
  EXPECT_EQ(read.data_manager_keys_size(), 0);
  EXPECT_TRUE(ProtoEquals(registered, read));
}

// One rule of the NewDataSample validation: how to break it, and the text
// the error must contain.
struct DataSampleRuleCase {
  std::string name;
  std::function<void(pb::NewDataSample&)> break_rule;
  std::string expected_message;
};

// Prints the case name in failure messages instead of the raw bytes.
void PrintTo(const DataSampleRuleCase& rule, std::ostream* out) { *out << rule.name; }

class RegisterDataSamplesValidationTest : public TwoOrgsTest,
                                          public ::testing::WithParamInterface<DataSampleRuleCase> {};

TEST_P(RegisterDataSamplesValidationTest, RejectsRequestWithoutTrace) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::NewDataSample request = NewDataSampleRequest(NewKey(), {data_manager.key()});
  GetParam().break_rule(request);
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataSamples(As(kOrg1), RegisterParam({request}));

  ExpectError(result, ErrorKind::kInvalidAsset, "datasample is not valid: ");
  ExpectError(result, ErrorKind::kInvalidAsset, GetParam().expected_message);
  EXPECT_EQ(EventCount(), events_before);
  EXPECT_EQ(Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(0))).data_samples_size(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    DataSampleRules, RegisterDataSamplesValidationTest,
    ::testing::Values(
        DataSampleRuleCase{"KeyBlank", [](pb::NewDataSample& r) { r.set_key(""); }, "key: cannot be blank"},
        DataSampleRuleCase{"KeyNotUuid", [](pb::NewDataSample& r) { r.set_key("sample-1"); },
                           "key: must be a valid UUID"},
        DataSampleRuleCase{"DataManagerKeyNotUuid", [](pb::NewDataSample& r) { r.add_data_manager_keys("dm-2"); },
                           "data_manager_keys[1]: must be a valid UUID"},
        DataSampleRuleCase{"ChecksumBlank", [](pb::NewDataSample& r) { r.set_checksum(""); },
                           "checksum: cannot be blank"},
        DataSampleRuleCase{"ChecksumWrongLength",
                           [](pb::NewDataSample& r) { r.set_checksum(std::string(65, 'a')); },
                           "checksum: the length must be exactly 64"},
        DataSampleRuleCase{"ChecksumNotHex", [](pb::NewDataSample& r) { r.set_checksum(std::string(64, 'q')); },
                           "checksum: must contain hexadecimal characters only"}),
    [](const ::testing::TestParamInfo<DataSampleRuleCase>& rule) { return rule.param.name; });

TEST_F(DataSampleTest, RegisterDataSamplesEmptyManagerKeyNotFound) {
  auto result =
      orchestrator_.RegisterDataSamples(As(kOrg1), RegisterParam({NewDataSampleRequest(NewKey(), {""})}));

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"\" not found");
}

TEST_F(DataSampleTest, RegisterDataSamplesRejectsUnknownManager) {
  std::string manager_key = NewKey();
  std::size_t events_before = EventCount();

  auto result =
      orchestrator_.RegisterDataSamples(As(kOrg1), RegisterParam({NewDataSampleRequest(NewKey(), {manager_key})}));

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"" + manager_key + "\" not found");
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataSampleTest, RegisterDataSamplesRejectsManagerOfOtherOwner) {
  pb::DataManager foreign_manager = RegisterDataManager(kOrg2);
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataSamples(
      As(kOrg1), RegisterParam({NewDataSampleRequest(NewKey(), {foreign_manager.key()})}));

  ExpectError(result, ErrorKind::kPermissionDenied,
              "requester does not own the datamanager \"" + foreign_manager.key() + "\"");
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataSampleTest, RegisterDataSamplesValidatesBeforeManagerLookup) {
  pb::NewDataSample request = NewDataSampleRequest(NewKey(), {NewKey()});
  request.set_checksum("");

  auto result = orchestrator_.RegisterDataSamples(As(kOrg1), RegisterParam({request}));

  ExpectError(result, ErrorKind::kInvalidAsset, "checksum: cannot be blank");
}

TEST_F(DataSampleTest, RegisterDataSamplesRejectsExistingKey) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataSample existing = RegisterDataSample({data_manager.key()});
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataSamples(
      As(kOrg1), RegisterParam({NewDataSampleRequest(existing.key(), {data_manager.key()})}));

  ExpectError(result, ErrorKind::kConflict, "datasample with key \"" + existing.key() + "\" already exists");
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataSampleTest, RegisterDataSamplesChecksManagerOwnerBeforeConflict) {
  pb::DataManager own_manager = RegisterDataManager(kOrg1);
  pb::DataManager foreign_manager = RegisterDataManager(kOrg2);
  pb::DataSample existing = RegisterDataSample({own_manager.key()});

  auto result = orchestrator_.RegisterDataSamples(
      As(kOrg1), RegisterParam({NewDataSampleRequest(existing.key(), {foreign_manager.key()})}));

  ExpectError(result, ErrorKind::kPermissionDenied, foreign_manager.key());
}

TEST_F(DataSampleTest, RegisterDataSamplesRejectsKeyRepeatedInBatch) {
  pb::DataManager data_manager = RegisterDataManager();
  std::string key = NewKey();
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataSamples(
      As(kOrg1), RegisterParam({NewDataSampleRequest(key, {data_manager.key()}),
                                NewDataSampleRequest(key, {data_manager.key()})}));

  ExpectError(result, ErrorKind::kConflict, "datasample with key \"" + key + "\" already exists");
  EXPECT_EQ(EventCount(), events_before);
  ExpectError(orchestrator_.GetDataSample(As(kOrg1), ByKey(key)), ErrorKind::kNotFound, key);
}

TEST_F(DataSampleTest, RegisterDataSamplesIsAllOrNothing) {
  pb::DataManager data_manager = RegisterDataManager();
  std::string valid_key = NewKey();
  pb::NewDataSample invalid = NewDataSampleRequest(NewKey(), {data_manager.key()});
  invalid.set_checksum("not hex");
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataSamples(
      As(kOrg1), RegisterParam({NewDataSampleRequest(valid_key, {data_manager.key()}), invalid}));

  ExpectError(result, ErrorKind::kInvalidAsset, "checksum");
  EXPECT_EQ(EventCount(), events_before);
  ExpectError(orchestrator_.GetDataSample(As(kOrg1), ByKey(valid_key)), ErrorKind::kNotFound, valid_key);
}

TEST_F(DataSampleTest, RegisterDataSamplesRequiresRegisteredRequester) {
  std::string key = NewKey();
  std::size_t events_before = EventCount();

  auto result =
      orchestrator_.RegisterDataSamples(As(kUnregisteredOrg), RegisterParam({NewDataSampleRequest(key, {})}));

  ExpectError(result, ErrorKind::kPermissionDenied, kUnregisteredOrg);
  EXPECT_EQ(EventCount(), events_before);
  ExpectError(orchestrator_.GetDataSample(As(kOrg1), ByKey(key)), ErrorKind::kNotFound, key);
}

// ---- UpdateDataSamples ----

TEST_F(DataSampleTest, UpdateDataSamplesAppendsNewManagers) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({first_manager.key()});

  Ok(orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({sample.key()}, {second_manager.key()})));

  pb::DataSample read = Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(sample.key())));
  EXPECT_EQ(ManagerKeys(read), (std::vector<std::string>{first_manager.key(), second_manager.key()}));
}

TEST_F(DataSampleTest, UpdateDataSamplesChangesOnlyManagers) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({first_manager.key()});
  pb::DataSample expected = sample;
  expected.add_data_manager_keys(second_manager.key());

  Ok(orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({sample.key()}, {second_manager.key()})));

  EXPECT_TRUE(ProtoEquals(expected, Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(sample.key())))));
}

TEST_F(DataSampleTest, UpdateDataSamplesKeepsAttachedManagersOnce) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({first_manager.key()});

  Ok(orchestrator_.UpdateDataSamples(As(kOrg1),
                                     UpdateParam({sample.key()}, {second_manager.key(), first_manager.key()})));

  pb::DataSample read = Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(sample.key())));
  EXPECT_EQ(ManagerKeys(read), (std::vector<std::string>{first_manager.key(), second_manager.key()}));
}

TEST_F(DataSampleTest, UpdateDataSamplesAddsRepeatedManagerOnce) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({first_manager.key()});

  Ok(orchestrator_.UpdateDataSamples(As(kOrg1),
                                     UpdateParam({sample.key()}, {second_manager.key(), second_manager.key()})));

  pb::DataSample read = Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(sample.key())));
  EXPECT_EQ(ManagerKeys(read), (std::vector<std::string>{first_manager.key(), second_manager.key()}));
}

TEST_F(DataSampleTest, UpdateDataSamplesAttachesSampleWithoutManager) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({});

  Ok(orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({sample.key()}, {data_manager.key()})));

  pb::DataSample read = Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(sample.key())));
  EXPECT_EQ(ManagerKeys(read), (std::vector<std::string>{data_manager.key()}));
}

TEST_F(DataSampleTest, UpdateDataSamplesEmitsUpdatedEventPerSample) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample first = RegisterDataSample({first_manager.key()});
  pb::DataSample second = RegisterDataSample({first_manager.key()});
  Micros time = NextRequestTime();

  Ok(orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({second.key(), first.key()}, {second_manager.key()})));

  pb::EventQueryFilter filter;
  filter.set_event_kind(pb::EVENT_ASSET_UPDATED);
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 2u);
  const std::string expected_order[] = {second.key(), first.key()};
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(events[i].asset_kind(), pb::ASSET_DATA_SAMPLE);
    EXPECT_EQ(events[i].asset_key(), expected_order[i]);
    EXPECT_EQ(ToMicros(events[i].timestamp()), time);
    ASSERT_TRUE(events[i].has_data_sample());
    pb::DataSample read = Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(expected_order[i])));
    EXPECT_TRUE(ProtoEquals(read, events[i].data_sample()));
  }
}

TEST_F(DataSampleTest, UpdateDataSamplesEmitsEventWhenNothingChanges) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({data_manager.key()});

  Ok(orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({sample.key()}, {data_manager.key()})));

  pb::EventQueryFilter filter;
  filter.set_asset_key(sample.key());
  filter.set_event_kind(pb::EVENT_ASSET_UPDATED);
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(ProtoEquals(sample, events[0].data_sample()));
}

TEST_F(DataSampleTest, UpdateDataSamplesValidatesRequest) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({data_manager.key()});
  struct Case {
    pb::UpdateDataSamplesParam request;
    std::string expected_message;
  };
  const Case cases[] = {
      {UpdateParam({}, {data_manager.key()}), "datasample is not valid: keys: cannot be blank"},
      {UpdateParam({sample.key(), "sample-2"}, {data_manager.key()}),
       "datasample is not valid: keys[1]: must be a valid UUID"},
      {UpdateParam({sample.key()}, {"dm-1"}),
       "datasample is not valid: data_manager_keys[0]: must be a valid UUID"},
  };
  std::size_t events_before = EventCount();

  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected_message);
    ExpectError(orchestrator_.UpdateDataSamples(As(kOrg1), c.request), ErrorKind::kInvalidAsset,
                c.expected_message);
  }
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataSampleTest, UpdateDataSamplesRejectsUnknownManager) {
  pb::DataSample sample = RegisterDataSample({});
  std::string manager_key = NewKey();

  auto result = orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({sample.key()}, {manager_key}));

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"" + manager_key + "\" not found");
}

TEST_F(DataSampleTest, UpdateDataSamplesRejectsManagerOfOtherOwner) {
  pb::DataManager foreign_manager = RegisterDataManager(kOrg2);
  pb::DataSample sample = RegisterDataSample({});
  std::size_t events_before = EventCount();

  auto result = orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({sample.key()}, {foreign_manager.key()}));

  ExpectError(result, ErrorKind::kPermissionDenied,
              "requester does not own the datamanager \"" + foreign_manager.key() + "\"");
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataSampleTest, UpdateDataSamplesRejectsUnknownSample) {
  pb::DataManager data_manager = RegisterDataManager();
  std::string key = NewKey();

  auto result = orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({key}, {data_manager.key()}));

  ExpectError(result, ErrorKind::kNotFound, "datasample with key \"" + key + "\" not found");
}

TEST_F(DataSampleTest, UpdateDataSamplesRejectsSampleOfOtherOwner) {
  pb::DataSample foreign_sample = RegisterDataSample({}, kOrg1);
  pb::DataManager own_manager = RegisterDataManager(kOrg2);
  std::size_t events_before = EventCount();

  auto result =
      orchestrator_.UpdateDataSamples(As(kOrg2), UpdateParam({foreign_sample.key()}, {own_manager.key()}));

  ExpectError(result, ErrorKind::kPermissionDenied, "requester does not own the datasample");
  ExpectError(result, ErrorKind::kPermissionDenied, foreign_sample.key());
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataSampleTest, UpdateDataSamplesIsAllOrNothing) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({first_manager.key()});
  std::size_t events_before = EventCount();

  auto result =
      orchestrator_.UpdateDataSamples(As(kOrg1), UpdateParam({sample.key(), NewKey()}, {second_manager.key()}));

  ExpectError(result, ErrorKind::kNotFound, "datasample with key");
  EXPECT_EQ(EventCount(), events_before);
  EXPECT_TRUE(ProtoEquals(sample, Ok(orchestrator_.GetDataSample(As(kOrg1), ByKey(sample.key())))));
}

// ---- QueryDataSamples ----

TEST_F(DataSampleTest, QueryDataSamplesReturnsRecordsInCreationOrder) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataSample first = RegisterDataSample({data_manager.key()});
  pb::DataSample second = RegisterDataSample({});

  auto response = Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(10)));

  ASSERT_EQ(response.data_samples_size(), 2);
  EXPECT_TRUE(ProtoEquals(first, response.data_samples(0)));
  EXPECT_TRUE(ProtoEquals(second, response.data_samples(1)));
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(DataSampleTest, QueryDataSamplesOrdersByDateThenKey) {
  std::string late_key = "ffffffff-0000-4000-8000-000000000000";
  std::string batch_low_key = "00000000-0000-4000-8000-00000000000a";
  std::string batch_high_key = "00000000-0000-4000-8000-00000000000b";
  RegisterDataSamples({NewDataSampleRequest(late_key, {})});
  RegisterDataSamples({NewDataSampleRequest(batch_high_key, {}), NewDataSampleRequest(batch_low_key, {})});

  auto response = Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(10)));

  EXPECT_EQ(SampleKeys(response), (std::vector<std::string>{late_key, batch_low_key, batch_high_key}));
}

TEST_F(DataSampleTest, QueryDataSamplesPagesWithNextPageToken) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) keys.push_back(RegisterDataSample({}).key());

  std::vector<std::string> seen;
  std::vector<std::string> tokens;
  std::string token;
  do {
    auto page = Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(2, token)));
    for (const std::string& key : SampleKeys(page)) seen.push_back(key);
    token = page.next_page_token();
    tokens.push_back(token);
  } while (!token.empty());

  EXPECT_EQ(seen, keys);
  EXPECT_EQ(tokens, (std::vector<std::string>{"2", "4", ""}));
}

TEST_F(DataSampleTest, QueryDataSamplesFiltersByKeys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 3; ++i) keys.push_back(RegisterDataSample({}).key());

  auto response = Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(10, "", {keys[2], keys[0]})));

  EXPECT_EQ(SampleKeys(response), (std::vector<std::string>{keys[0], keys[2]}));
}

TEST_F(DataSampleTest, QueryDataSamplesFilterSkipsUnknownKeys) {
  pb::DataSample sample = RegisterDataSample({});

  auto response = Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(10, "", {sample.key(), NewKey()})));

  EXPECT_EQ(SampleKeys(response), (std::vector<std::string>{sample.key()}));
}

TEST_F(DataSampleTest, QueryDataSamplesPagesFilteredResults) {
  std::vector<std::string> keys;
  for (int i = 0; i < 4; ++i) keys.push_back(RegisterDataSample({}).key());

  auto first = Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(1, "", {keys[1], keys[3]})));
  auto second =
      Ok(orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(1, first.next_page_token(), {keys[1], keys[3]})));

  EXPECT_EQ(SampleKeys(first), (std::vector<std::string>{keys[1]}));
  EXPECT_EQ(first.next_page_token(), "1");
  EXPECT_EQ(SampleKeys(second), (std::vector<std::string>{keys[3]}));
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(DataSampleTest, QueryDataSamplesRejectsMalformedPageToken) {
  auto result = orchestrator_.QueryDataSamples(As(kOrg1), QueryParam(10, "2x"));

  ExpectError(result, ErrorKind::kInvalidAsset, "page_token");
}

TEST_F(DataSampleTest, QueryDataSamplesIsScopedToChannel) {
  RegisterDataSample({});

  auto response = Ok(orchestrator_.QueryDataSamples(As(kOrg1, kOtherChannel), QueryParam(10)));

  EXPECT_EQ(response.data_samples_size(), 0);
}

// ---- GetDataSample ----

TEST_F(DataSampleTest, GetDataSampleRejectsUnknownKey) {
  std::string key = NewKey();

  auto result = orchestrator_.GetDataSample(As(kOrg1), ByKey(key));

  ExpectError(result, ErrorKind::kNotFound, "datasample with key \"" + key + "\" not found");
}

TEST_F(DataSampleTest, GetDataSampleMalformedKeyNotFound) {
  auto result = orchestrator_.GetDataSample(As(kOrg1), ByKey("not-a-uuid"));

  ExpectError(result, ErrorKind::kNotFound, "datasample with key \"not-a-uuid\" not found");
}

TEST_F(DataSampleTest, GetDataSampleIsScopedToChannel) {
  pb::DataSample sample = RegisterDataSample({});

  auto result = orchestrator_.GetDataSample(As(kOrg1, kOtherChannel), ByKey(sample.key()));

  ExpectError(result, ErrorKind::kNotFound, sample.key());
}

}  // namespace
}  // namespace orc::test
