#include <functional>
#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using DataManagerTest = TwoOrgsTest;

pb::GetDataManagerParam ByKey(const std::string& key) {
  pb::GetDataManagerParam request;
  request.set_key(key);
  return request;
}

pb::UpdateDataManagerParam RenameParam(const std::string& key, const std::string& name) {
  pb::UpdateDataManagerParam request;
  request.set_key(key);
  request.set_name(name);
  return request;
}

pb::QueryDataManagersParam QueryParam(std::uint32_t page_size, const std::string& page_token = "") {
  pb::QueryDataManagersParam request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return request;
}

std::vector<std::string> DataManagerKeys(const pb::QueryDataManagersResponse& response) {
  std::vector<std::string> keys;
  for (const pb::DataManager& data_manager : response.data_managers()) keys.push_back(data_manager.key());
  return keys;
}

// ---- RegisterDataManager ----

TEST_F(DataManagerTest, RegisterDataManagerReturnsRecord) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  (*request.mutable_metadata())["source"] = "hospital";
  Micros time = NextRequestTime();

  pb::DataManager data_manager = Ok(orchestrator_.RegisterDataManager(As(kOrg1), request));

  EXPECT_EQ(data_manager.key(), request.key());
  EXPECT_EQ(data_manager.name(), request.name());
  EXPECT_EQ(data_manager.owner(), kOrg1);
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), data_manager.permissions().process()));
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), data_manager.permissions().download()));
  EXPECT_TRUE(ProtoEquals(request.description(), data_manager.description()));
  EXPECT_TRUE(ProtoEquals(request.opener(), data_manager.opener()));
  EXPECT_EQ(data_manager.type(), "test");
  EXPECT_EQ(ToMicros(data_manager.creation_date()), time);
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), data_manager.logs_permission()));
  EXPECT_EQ(data_manager.metadata().at("source"), "hospital");
}

TEST_F(DataManagerTest, RegisterDataManagerResultEqualsGetDataManager) {
  pb::DataManager registered = RegisterDataManager();

  pb::DataManager read = Ok(orchestrator_.GetDataManager(As(kOrg2), ByKey(registered.key())));

  EXPECT_TRUE(ProtoEquals(registered, read));
}

TEST_F(DataManagerTest, RegisterDataManagerEmitsCreatedEvent) {
  Micros time = NextRequestTime();
  pb::DataManager data_manager = RegisterDataManager();

  std::vector<pb::Event> events = EventsForAsset(data_manager.key());

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_DATA_MANAGER);
  EXPECT_EQ(ToMicros(events[0].timestamp()), time);
  ASSERT_TRUE(events[0].has_data_manager());
  EXPECT_TRUE(ProtoEquals(data_manager, events[0].data_manager()));
}

TEST_F(DataManagerTest, RegisterDataManagerAcceptsLimitLengths) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  request.set_name(std::string(100, 'n'));
  request.set_type(std::string(30, 't'));
  (*request.mutable_metadata())[std::string(100, 'k')] = std::string(100, 'v');

  EXPECT_TRUE(IsOk(orchestrator_.RegisterDataManager(As(kOrg1), request)));
}

// One rule of the NewDataManager validation: how to break it, and the text
// the error must contain.
struct DataManagerRuleCase {
  std::string name;
  std::function<void(pb::NewDataManager&)> break_rule;
  std::string expected_message;
};

// Prints the case name in failure messages instead of the raw bytes.
void PrintTo(const DataManagerRuleCase& rule, std::ostream* out) { *out << rule.name; }

class RegisterDataManagerValidationTest : public TwoOrgsTest,
                                          public ::testing::WithParamInterface<DataManagerRuleCase> {};

TEST_P(RegisterDataManagerValidationTest, RejectsRequestWithoutTrace) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  GetParam().break_rule(request);
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataManager(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "datamanager is not valid: ");
  ExpectError(result, ErrorKind::kInvalidAsset, GetParam().expected_message);
  EXPECT_EQ(EventCount(), events_before);
  EXPECT_EQ(Ok(orchestrator_.QueryDataManagers(As(kOrg1), QueryParam(0))).data_managers_size(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    DataManagerRules, RegisterDataManagerValidationTest,
    ::testing::Values(
        DataManagerRuleCase{"KeyBlank", [](pb::NewDataManager& r) { r.set_key(""); }, "key: cannot be blank"},
        DataManagerRuleCase{"KeyNotUuid", [](pb::NewDataManager& r) { r.set_key("1234"); },
                            "key: must be a valid UUID"},
        DataManagerRuleCase{"NameBlank", [](pb::NewDataManager& r) { r.set_name(""); }, "name: cannot be blank"},
        DataManagerRuleCase{"NameTooLong", [](pb::NewDataManager& r) { r.set_name(std::string(101, 'n')); },
                            "name: the length must be between 1 and 100"},
        DataManagerRuleCase{"NewPermissionsMissing", [](pb::NewDataManager& r) { r.clear_new_permissions(); },
                            "new_permissions: is required"},
        DataManagerRuleCase{"DescriptionMissing", [](pb::NewDataManager& r) { r.clear_description(); },
                            "description: cannot be blank"},
        DataManagerRuleCase{"DescriptionChecksumShort",
                            [](pb::NewDataManager& r) { r.mutable_description()->set_checksum("abc"); },
                            "description.checksum: the length must be exactly 64"},
        DataManagerRuleCase{"DescriptionAddressInvalid",
                            [](pb::NewDataManager& r) {
                              r.mutable_description()->set_storage_address("s3://x.y/z");
                            },
                            "description.storage_address: must be a valid URL"},
        DataManagerRuleCase{"OpenerMissing", [](pb::NewDataManager& r) { r.clear_opener(); },
                            "opener: cannot be blank"},
        DataManagerRuleCase{"OpenerChecksumBlank",
                            [](pb::NewDataManager& r) { r.mutable_opener()->set_checksum(""); },
                            "opener.checksum: cannot be blank"},
        DataManagerRuleCase{"OpenerChecksumNotHex",
                            [](pb::NewDataManager& r) { r.mutable_opener()->set_checksum(std::string(64, 'x')); },
                            "opener.checksum: must contain hexadecimal characters only"},
        DataManagerRuleCase{"OpenerAddressBlank",
                            [](pb::NewDataManager& r) { r.mutable_opener()->set_storage_address(""); },
                            "opener.storage_address: cannot be blank"},
        DataManagerRuleCase{"MetadataKeyTooLong",
                            [](pb::NewDataManager& r) { (*r.mutable_metadata())[std::string(101, 'k')] = ""; },
                            "metadata: metadata key \"" + std::string(101, 'k') + "\" is too long"},
        DataManagerRuleCase{"MetadataValueTooLong",
                            [](pb::NewDataManager& r) { (*r.mutable_metadata())["k"] = std::string(101, 'v'); },
                            "metadata: metadata value for key \"k\" is too long"},
        DataManagerRuleCase{"TypeBlank", [](pb::NewDataManager& r) { r.set_type(""); }, "type: cannot be blank"},
        DataManagerRuleCase{"TypeTooLong", [](pb::NewDataManager& r) { r.set_type(std::string(31, 't')); },
                            "type: the length must be between 1 and 30"},
        DataManagerRuleCase{"LogsPermissionMissing", [](pb::NewDataManager& r) { r.clear_logs_permission(); },
                            "logs_permission: is required"}),
    [](const ::testing::TestParamInfo<DataManagerRuleCase>& rule) { return rule.param.name; });

TEST_F(DataManagerTest, RegisterDataManagerRejectsExistingKey) {
  pb::DataManager existing = RegisterDataManager();
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataManager(As(kOrg2), NewDataManagerRequest(existing.key()));

  ExpectError(result, ErrorKind::kConflict, "datamanager with key \"" + existing.key() + "\" already exists");
  EXPECT_EQ(EventCount(), events_before);
  EXPECT_TRUE(ProtoEquals(existing, Ok(orchestrator_.GetDataManager(As(kOrg1), ByKey(existing.key())))));
}

TEST_F(DataManagerTest, RegisterDataManagerValidatesBeforeConflict) {
  pb::DataManager existing = RegisterDataManager();
  pb::NewDataManager request = NewDataManagerRequest(existing.key());
  request.set_type("");

  auto result = orchestrator_.RegisterDataManager(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "type: cannot be blank");
}

TEST_F(DataManagerTest, RegisterDataManagerBuildsPermissionsSeparately) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(false, {kOrg2});
  *request.mutable_logs_permission() = MakeNewPermissions(false, {});

  pb::DataManager data_manager = Ok(orchestrator_.RegisterDataManager(As(kOrg1), request));

  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg2, kOrg1}), data_manager.permissions().process()));
  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg2, kOrg1}), data_manager.permissions().download()));
  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg1}), data_manager.logs_permission()));
}

TEST_F(DataManagerTest, RegisterDataManagerPublicLogsIncludeOwner) {
  pb::DataManager data_manager = RegisterDataManager();

  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), data_manager.logs_permission()));
}

TEST_F(DataManagerTest, RegisterDataManagerRejectsUnregisteredProcessId) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(false, {kUnregisteredOrg});
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataManager(As(kOrg1), request);

  ExpectError(result, ErrorKind::kBadRequest, "invalid permission input values");
  ExpectError(result, ErrorKind::kBadRequest, kUnregisteredOrg);
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataManagerTest, RegisterDataManagerRejectsUnregisteredLogsId) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  *request.mutable_logs_permission() = MakeNewPermissions(false, {kUnregisteredOrg});
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataManager(As(kOrg1), request);

  ExpectError(result, ErrorKind::kBadRequest, "invalid permission input values");
  ExpectError(result, ErrorKind::kBadRequest, kUnregisteredOrg);
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataManagerTest, RegisterDataManagerChecksLogsPermissionFirst) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(false, {"UnknownProcessOrg"});
  *request.mutable_logs_permission() = MakeNewPermissions(false, {"UnknownLogsOrg"});

  auto result = orchestrator_.RegisterDataManager(As(kOrg1), request);

  ExpectError(result, ErrorKind::kBadRequest, "UnknownLogsOrg");
}

TEST_F(DataManagerTest, RegisterDataManagerRequiresRegisteredRequester) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterDataManager(As(kUnregisteredOrg), request);

  ExpectError(result, ErrorKind::kPermissionDenied, kUnregisteredOrg);
  EXPECT_EQ(EventCount(), events_before);
  ExpectError(orchestrator_.GetDataManager(As(kOrg1), ByKey(request.key())), ErrorKind::kNotFound, request.key());
}

TEST_F(DataManagerTest, RegisterDataManagerKeyPerChannel) {
  pb::DataManager existing = RegisterDataManager();
  RegisterOrganization(kOrg1, kOtherChannel);

  auto result = orchestrator_.RegisterDataManager(As(kOrg1, kOtherChannel), NewDataManagerRequest(existing.key()));

  EXPECT_TRUE(IsOk(result));
}

// ---- GetDataManager ----

TEST_F(DataManagerTest, GetDataManagerRejectsUnknownKey) {
  std::string key = NewKey();

  auto result = orchestrator_.GetDataManager(As(kOrg1), ByKey(key));

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"" + key + "\" not found");
}

TEST_F(DataManagerTest, GetDataManagerMalformedKeyNotFound) {
  auto result = orchestrator_.GetDataManager(As(kOrg1), ByKey("not-a-uuid"));

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"not-a-uuid\" not found");
}

TEST_F(DataManagerTest, GetDataManagerIsScopedToChannel) {
  pb::DataManager data_manager = RegisterDataManager();

  auto result = orchestrator_.GetDataManager(As(kOrg1, kOtherChannel), ByKey(data_manager.key()));

  ExpectError(result, ErrorKind::kNotFound, data_manager.key());
}

// ---- QueryDataManagers ----

TEST_F(DataManagerTest, QueryDataManagersReturnsRecordsInCreationOrder) {
  pb::DataManager first = RegisterDataManager(kOrg1);
  pb::DataManager second = RegisterDataManager(kOrg2);

  auto response = Ok(orchestrator_.QueryDataManagers(As(kOrg1), QueryParam(10)));

  ASSERT_EQ(response.data_managers_size(), 2);
  EXPECT_TRUE(ProtoEquals(first, response.data_managers(0)));
  EXPECT_TRUE(ProtoEquals(second, response.data_managers(1)));
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(DataManagerTest, QueryDataManagersOrdersByCreationDate) {
  std::string late_key = "ffffffff-0000-4000-8000-000000000000";
  std::string early_key = "00000000-0000-4000-8000-00000000000a";
  Ok(orchestrator_.RegisterDataManager(As(kOrg1), NewDataManagerRequest(late_key)));
  Ok(orchestrator_.RegisterDataManager(As(kOrg1), NewDataManagerRequest(early_key)));

  auto response = Ok(orchestrator_.QueryDataManagers(As(kOrg1), QueryParam(10)));

  EXPECT_EQ(DataManagerKeys(response), (std::vector<std::string>{late_key, early_key}));
}

TEST_F(DataManagerTest, QueryDataManagersPagesWithNextPageToken) {
  std::vector<std::string> keys;
  for (int i = 0; i < 3; ++i) keys.push_back(RegisterDataManager().key());

  auto first = Ok(orchestrator_.QueryDataManagers(As(kOrg1), QueryParam(2)));
  auto second = Ok(orchestrator_.QueryDataManagers(As(kOrg1), QueryParam(2, first.next_page_token())));

  EXPECT_EQ(first.next_page_token(), "2");
  EXPECT_EQ(DataManagerKeys(first), (std::vector<std::string>{keys[0], keys[1]}));
  EXPECT_EQ(second.next_page_token(), "");
  EXPECT_EQ(DataManagerKeys(second), (std::vector<std::string>{keys[2]}));
}

TEST_F(DataManagerTest, QueryDataManagersRejectsMalformedPageToken) {
  auto result = orchestrator_.QueryDataManagers(As(kOrg1), QueryParam(10, "-1"));

  ExpectError(result, ErrorKind::kInvalidAsset, "page_token");
}

TEST_F(DataManagerTest, QueryDataManagersIsScopedToChannel) {
  RegisterDataManager();

  auto response = Ok(orchestrator_.QueryDataManagers(As(kOrg1, kOtherChannel), QueryParam(10)));

  EXPECT_EQ(response.data_managers_size(), 0);
}

// ---- UpdateDataManager ----

TEST_F(DataManagerTest, UpdateDataManagerChangesOnlyName) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataManager expected = data_manager;
  expected.set_name("renamed");

  Ok(orchestrator_.UpdateDataManager(As(kOrg1), RenameParam(data_manager.key(), "renamed")));

  pb::DataManager read = Ok(orchestrator_.GetDataManager(As(kOrg1), ByKey(data_manager.key())));
  EXPECT_TRUE(ProtoEquals(expected, read));
}

TEST_F(DataManagerTest, UpdateDataManagerEmitsUpdatedEvent) {
  pb::DataManager data_manager = RegisterDataManager();
  Micros time = NextRequestTime();

  Ok(orchestrator_.UpdateDataManager(As(kOrg1), RenameParam(data_manager.key(), "renamed")));

  pb::EventQueryFilter filter;
  filter.set_asset_key(data_manager.key());
  filter.set_event_kind(pb::EVENT_ASSET_UPDATED);
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_DATA_MANAGER);
  EXPECT_EQ(ToMicros(events[0].timestamp()), time);
  ASSERT_TRUE(events[0].has_data_manager());
  pb::DataManager read = Ok(orchestrator_.GetDataManager(As(kOrg1), ByKey(data_manager.key())));
  EXPECT_TRUE(ProtoEquals(read, events[0].data_manager()));
}

TEST_F(DataManagerTest, UpdateDataManagerValidatesKeyAndName) {
  pb::DataManager data_manager = RegisterDataManager();
  struct Case {
    std::string key;
    std::string name;
    std::string expected_message;
  };
  const Case cases[] = {
      {"", "renamed", "datamanager is not valid: key: cannot be blank"},
      {"not-a-uuid", "renamed", "datamanager is not valid: key: must be a valid UUID"},
      {data_manager.key(), "", "datamanager is not valid: name: cannot be blank"},
      {data_manager.key(), std::string(101, 'n'),
       "datamanager is not valid: name: the length must be between 1 and 100"},
  };
  std::size_t events_before = EventCount();

  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected_message);
    auto result = orchestrator_.UpdateDataManager(As(kOrg1), RenameParam(c.key, c.name));
    ExpectError(result, ErrorKind::kInvalidAsset, c.expected_message);
  }
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(DataManagerTest, UpdateDataManagerRejectsUnknownKey) {
  std::string key = NewKey();

  auto result = orchestrator_.UpdateDataManager(As(kOrg1), RenameParam(key, "renamed"));

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"" + key + "\" not found");
}

TEST_F(DataManagerTest, UpdateDataManagerRejectsOtherOwner) {
  pb::DataManager data_manager = RegisterDataManager(kOrg1);
  std::size_t events_before = EventCount();

  auto result = orchestrator_.UpdateDataManager(As(kOrg2), RenameParam(data_manager.key(), "renamed"));

  ExpectError(result, ErrorKind::kPermissionDenied, "requester does not own the data manager");
  ExpectError(result, ErrorKind::kPermissionDenied, kOrg2);
  EXPECT_EQ(EventCount(), events_before);
  pb::DataManager read = Ok(orchestrator_.GetDataManager(As(kOrg1), ByKey(data_manager.key())));
  EXPECT_TRUE(ProtoEquals(data_manager, read));
}

}  // namespace
}  // namespace orc::test
