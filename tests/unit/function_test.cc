#include <functional>
#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using FunctionTest = TwoOrgsTest;

pb::GetFunctionParam ByKey(const std::string& key) {
  pb::GetFunctionParam request;
  request.set_key(key);
  return request;
}

pb::UpdateFunctionParam RenameParam(const std::string& key, const std::string& name) {
  pb::UpdateFunctionParam request;
  request.set_key(key);
  request.set_name(name);
  return request;
}

pb::QueryFunctionsParam QueryParam(std::uint32_t page_size, const std::string& page_token = "",
                                   const std::string& compute_plan_key = "") {
  pb::QueryFunctionsParam request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  if (!compute_plan_key.empty()) request.mutable_filter()->set_compute_plan_key(compute_plan_key);
  return request;
}

std::vector<std::string> FunctionKeys(const pb::QueryFunctionsResponse& response) {
  std::vector<std::string> keys;
  for (const pb::Function& function : response.functions()) keys.push_back(function.key());
  return keys;
}

// ---- RegisterFunction ----

TEST_F(FunctionTest, RegisterFunctionReturnsRecord) {
  pb::NewFunction request = NewFunctionRequest(NewKey(), FunctionShape::kSimple);
  (*request.mutable_metadata())["framework"] = "torch";
  Micros time = NextRequestTime();

  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));

  EXPECT_EQ(function.key(), request.key());
  EXPECT_EQ(function.name(), request.name());
  EXPECT_TRUE(ProtoEquals(request.description(), function.description()));
  EXPECT_TRUE(ProtoEquals(request.function(), function.function()));
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), function.permissions().process()));
  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kOrg1}), function.permissions().download()));
  EXPECT_EQ(function.owner(), kOrg1);
  EXPECT_EQ(ToMicros(function.creation_date()), time);
  EXPECT_EQ(function.metadata().at("framework"), "torch");
  ASSERT_EQ(function.inputs_size(), 3);
  EXPECT_TRUE(ProtoEquals(request.inputs().at("model"), function.inputs().at("model")));
  ASSERT_EQ(function.outputs_size(), 1);
  EXPECT_TRUE(ProtoEquals(request.outputs().at("model"), function.outputs().at("model")));
}

TEST_F(FunctionTest, RegisterFunctionResultEqualsGetFunction) {
  const FunctionShape shapes[] = {FunctionShape::kSimple, FunctionShape::kComposite, FunctionShape::kAggregate,
                                  FunctionShape::kPredict, FunctionShape::kMetric};
  for (FunctionShape shape : shapes) {
    SCOPED_TRACE(static_cast<int>(shape));
    pb::Function registered = RegisterFunction(shape);

    pb::Function read = Ok(orchestrator_.GetFunction(As(kOrg2), ByKey(registered.key())));

    EXPECT_TRUE(ProtoEquals(registered, read));
  }
}

TEST_F(FunctionTest, RegisterFunctionEmitsCreatedEvent) {
  Micros time = NextRequestTime();
  pb::Function function = RegisterFunction();

  std::vector<pb::Event> events = EventsForAsset(function.key());

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_FUNCTION);
  EXPECT_EQ(ToMicros(events[0].timestamp()), time);
  ASSERT_TRUE(events[0].has_function());
  EXPECT_TRUE(ProtoEquals(function, events[0].function()));
}

TEST_F(FunctionTest, RegisterFunctionAcceptsNoInputsOrOutputs) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  request.clear_inputs();
  request.clear_outputs();

  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));

  EXPECT_EQ(function.inputs_size(), 0);
  EXPECT_EQ(function.outputs_size(), 0);
}

TEST_F(FunctionTest, RegisterFunctionAcceptsLimitLengths) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  request.set_name(std::string(100, 'n'));
  (*request.mutable_metadata())[std::string(100, 'k')] = std::string(100, 'v');
  (*request.mutable_inputs())[std::string(100, 'i')] = MakeFunctionInput(pb::ASSET_MODEL);
  (*request.mutable_outputs())[std::string(100, 'o')] = MakeFunctionOutput(pb::ASSET_MODEL, true);

  EXPECT_TRUE(IsOk(orchestrator_.RegisterFunction(As(kOrg1), request)));
}

TEST_F(FunctionTest, RegisterFunctionAcceptsMultipleModelOutput) {
  pb::NewFunction request = NewFunctionRequest(NewKey(), FunctionShape::kAggregate);
  (*request.mutable_outputs())["model"] = MakeFunctionOutput(pb::ASSET_MODEL, /*multiple=*/true);

  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));

  EXPECT_TRUE(function.outputs().at("model").multiple());
}

// One rule of the NewFunction validation: how to break it, and the text the
// error must contain.
struct FunctionRuleCase {
  std::string name;
  std::function<void(pb::NewFunction&)> break_rule;
  std::string expected_message;
};

// Prints the case name in failure messages instead of the raw bytes.
void PrintTo(const FunctionRuleCase& rule, std::ostream* out) { *out << rule.name; }

class RegisterFunctionValidationTest : public TwoOrgsTest,
                                       public ::testing::WithParamInterface<FunctionRuleCase> {};

TEST_P(RegisterFunctionValidationTest, RejectsRequestWithoutTrace) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  GetParam().break_rule(request);
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterFunction(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "function is not valid: ");
  ExpectError(result, ErrorKind::kInvalidAsset, GetParam().expected_message);
  EXPECT_EQ(EventCount(), events_before);
  EXPECT_EQ(Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(0))).functions_size(), 0);
}

pb::FunctionInput& Input(pb::NewFunction& request, const std::string& identifier) {
  return (*request.mutable_inputs())[identifier];
}

pb::FunctionOutput& Output(pb::NewFunction& request, const std::string& identifier) {
  return (*request.mutable_outputs())[identifier];
}

INSTANTIATE_TEST_SUITE_P(
    FunctionRules, RegisterFunctionValidationTest,
    ::testing::Values(
        FunctionRuleCase{"KeyBlank", [](pb::NewFunction& r) { r.set_key(""); }, "key: cannot be blank"},
        FunctionRuleCase{"KeyNotUuid", [](pb::NewFunction& r) { r.set_key("not-a-uuid"); },
                         "key: must be a valid UUID"},
        FunctionRuleCase{"KeyUpperCase",
                         [](pb::NewFunction& r) { r.set_key("ABCDEF00-0000-4000-8000-000000000000"); },
                         "key: must be a valid UUID"},
        FunctionRuleCase{"NameBlank", [](pb::NewFunction& r) { r.set_name(""); }, "name: cannot be blank"},
        FunctionRuleCase{"NameTooLong", [](pb::NewFunction& r) { r.set_name(std::string(101, 'n')); },
                         "name: the length must be between 1 and 100"},
        FunctionRuleCase{"DescriptionMissing", [](pb::NewFunction& r) { r.clear_description(); },
                         "description: cannot be blank"},
        FunctionRuleCase{"DescriptionChecksumBlank",
                         [](pb::NewFunction& r) { r.mutable_description()->set_checksum(""); },
                         "description.checksum: cannot be blank"},
        FunctionRuleCase{"DescriptionChecksumShort",
                         [](pb::NewFunction& r) { r.mutable_description()->set_checksum("abc123"); },
                         "description.checksum: the length must be exactly 64"},
        FunctionRuleCase{"DescriptionChecksumNotHex",
                         [](pb::NewFunction& r) { r.mutable_description()->set_checksum(std::string(64, 'z')); },
                         "description.checksum: must contain hexadecimal characters only"},
        FunctionRuleCase{"DescriptionAddressBlank",
                         [](pb::NewFunction& r) { r.mutable_description()->set_storage_address(""); },
                         "description.storage_address: cannot be blank"},
        FunctionRuleCase{"DescriptionAddressBadScheme",
                         [](pb::NewFunction& r) {
                           r.mutable_description()->set_storage_address("s3://bucket.local/desc");
                         },
                         "description.storage_address: must be a valid URL"},
        FunctionRuleCase{"FunctionArchiveMissing", [](pb::NewFunction& r) { r.clear_function(); },
                         "function: cannot be blank"},
        FunctionRuleCase{"FunctionArchiveChecksumNotHex",
                         [](pb::NewFunction& r) { r.mutable_function()->set_checksum(std::string(64, 'g')); },
                         "function.checksum: must contain hexadecimal characters only"},
        FunctionRuleCase{"FunctionArchiveAddressInvalid",
                         [](pb::NewFunction& r) { r.mutable_function()->set_storage_address("nowhere"); },
                         "function.storage_address: must be a valid URL"},
        FunctionRuleCase{"MetadataKeyTooLong",
                         [](pb::NewFunction& r) { (*r.mutable_metadata())[std::string(101, 'k')] = "v"; },
                         "metadata: metadata key \"" + std::string(101, 'k') + "\" is too long"},
        FunctionRuleCase{"MetadataValueTooLong",
                         [](pb::NewFunction& r) { (*r.mutable_metadata())["k"] = std::string(101, 'v'); },
                         "metadata: metadata value for key \"k\" is too long"},
        FunctionRuleCase{"NewPermissionsMissing", [](pb::NewFunction& r) { r.clear_new_permissions(); },
                         "new_permissions: is required"},
        FunctionRuleCase{"InputIdentifierBlank",
                         [](pb::NewFunction& r) { Input(r, "") = MakeFunctionInput(pb::ASSET_MODEL); },
                         "inputs: identifier cannot be blank"},
        FunctionRuleCase{"InputIdentifierTooLong",
                         [](pb::NewFunction& r) {
                           Input(r, std::string(101, 'i')) = MakeFunctionInput(pb::ASSET_MODEL);
                         },
                         "inputs: identifier \"" + std::string(101, 'i') + "\" is longer than 100 bytes"},
        FunctionRuleCase{"InputKindUnknown",
                         [](pb::NewFunction& r) { Input(r, "model").set_kind(pb::ASSET_UNKNOWN); },
                         "inputs[\"model\"].kind: must be ASSET_MODEL, ASSET_DATA_SAMPLE or ASSET_DATA_MANAGER"},
        FunctionRuleCase{"InputKindPerformance",
                         [](pb::NewFunction& r) { Input(r, "model").set_kind(pb::ASSET_PERFORMANCE); },
                         "inputs[\"model\"].kind: must be ASSET_MODEL, ASSET_DATA_SAMPLE or ASSET_DATA_MANAGER"},
        FunctionRuleCase{"DataManagerInputMultiple",
                         [](pb::NewFunction& r) { Input(r, "opener").set_multiple(true); },
                         "inputs[\"opener\"].multiple: an ASSET_DATA_MANAGER input cannot be multiple"},
        FunctionRuleCase{"DataManagerInputOptional",
                         [](pb::NewFunction& r) { Input(r, "opener").set_optional(true); },
                         "inputs[\"opener\"].optional: an ASSET_DATA_MANAGER input cannot be optional"},
        FunctionRuleCase{"TwoDataManagerInputs",
                         [](pb::NewFunction& r) {
                           Input(r, "opener2") = MakeFunctionInput(pb::ASSET_DATA_MANAGER);
                         },
                         "inputs: at most one ASSET_DATA_MANAGER input is allowed, got 2"},
        FunctionRuleCase{"DataSampleInputWithoutDataManager",
                         [](pb::NewFunction& r) { r.mutable_inputs()->erase("opener"); },
                         "inputs: an ASSET_DATA_SAMPLE input requires an ASSET_DATA_MANAGER input"},
        FunctionRuleCase{"DataManagerInputWithoutDataSample",
                         [](pb::NewFunction& r) { r.mutable_inputs()->erase("datasamples"); },
                         "inputs: an ASSET_DATA_MANAGER input requires an ASSET_DATA_SAMPLE input"},
        FunctionRuleCase{"OutputIdentifierBlank",
                         [](pb::NewFunction& r) { Output(r, "") = MakeFunctionOutput(pb::ASSET_MODEL); },
                         "outputs: identifier cannot be blank"},
        FunctionRuleCase{"OutputIdentifierTooLong",
                         [](pb::NewFunction& r) {
                           Output(r, std::string(101, 'o')) = MakeFunctionOutput(pb::ASSET_MODEL);
                         },
                         "outputs: identifier \"" + std::string(101, 'o') + "\" is longer than 100 bytes"},
        FunctionRuleCase{"OutputKindUnknown",
                         [](pb::NewFunction& r) { Output(r, "model").set_kind(pb::ASSET_UNKNOWN); },
                         "outputs[\"model\"].kind: must be ASSET_MODEL or ASSET_PERFORMANCE"},
        FunctionRuleCase{"OutputKindDataSample",
                         [](pb::NewFunction& r) { Output(r, "model").set_kind(pb::ASSET_DATA_SAMPLE); },
                         "outputs[\"model\"].kind: must be ASSET_MODEL or ASSET_PERFORMANCE"},
        FunctionRuleCase{"PerformanceOutputMultiple",
                         [](pb::NewFunction& r) {
                           Output(r, "performance") = MakeFunctionOutput(pb::ASSET_PERFORMANCE, /*multiple=*/true);
                         },
                         "outputs[\"performance\"].multiple: an ASSET_PERFORMANCE output cannot be multiple"}),
    [](const ::testing::TestParamInfo<FunctionRuleCase>& rule) { return rule.param.name; });

TEST_F(FunctionTest, RegisterFunctionReportsEveryViolation) {
  pb::NewFunction request = NewFunctionRequest("not-a-uuid");
  request.set_name("");

  auto result = orchestrator_.RegisterFunction(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "key: must be a valid UUID");
  ExpectError(result, ErrorKind::kInvalidAsset, "name: cannot be blank");
}

TEST_F(FunctionTest, RegisterFunctionRejectsExistingKey) {
  pb::Function existing = RegisterFunction();
  std::size_t events_before = EventCount();
  pb::NewFunction request = NewFunctionRequest(existing.key());
  request.set_name("another name");

  auto result = orchestrator_.RegisterFunction(As(kOrg2), request);

  ExpectError(result, ErrorKind::kConflict, "function with key \"" + existing.key() + "\" already exists");
  EXPECT_EQ(EventCount(), events_before);
  EXPECT_TRUE(ProtoEquals(existing, Ok(orchestrator_.GetFunction(As(kOrg1), ByKey(existing.key())))));
}

TEST_F(FunctionTest, RegisterFunctionValidatesBeforeConflict) {
  pb::Function existing = RegisterFunction();
  pb::NewFunction request = NewFunctionRequest(existing.key());
  request.set_name("");

  auto result = orchestrator_.RegisterFunction(As(kOrg1), request);

  ExpectError(result, ErrorKind::kInvalidAsset, "name: cannot be blank");
}

TEST_F(FunctionTest, RegisterFunctionKeyPerChannel) {
  pb::Function existing = RegisterFunction();
  RegisterOrganization(kOrg1, kOtherChannel);

  auto result = orchestrator_.RegisterFunction(As(kOrg1, kOtherChannel), NewFunctionRequest(existing.key()));

  EXPECT_TRUE(IsOk(result));
}

TEST_F(FunctionTest, RegisterFunctionAppendsOwnerToAuthorizedIds) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(false, {kOrg2});

  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));

  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg2, kOrg1}), function.permissions().process()));
  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg2, kOrg1}), function.permissions().download()));
}

TEST_F(FunctionTest, RegisterFunctionKeepsOwnerAlreadyAuthorized) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(false, {kOrg1, kOrg2});

  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));

  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg1, kOrg2}), function.permissions().process()));
}

TEST_F(FunctionTest, RegisterFunctionTreatsEmptyPermissionsAsPrivate) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  request.mutable_new_permissions()->Clear();

  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));

  EXPECT_TRUE(ProtoEquals(MakePermission(false, {kOrg1}), function.permissions().process()));
}

TEST_F(FunctionTest, RegisterFunctionRejectsUnregisteredAuthorizedId) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(false, {kOrg2, kUnregisteredOrg});
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterFunction(As(kOrg1), request);

  ExpectError(result, ErrorKind::kBadRequest, "invalid permission input values");
  ExpectError(result, ErrorKind::kBadRequest, kUnregisteredOrg);
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(FunctionTest, RegisterFunctionSkipsIdCheckWhenPublic) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(true, {kUnregisteredOrg});

  pb::Function function = Ok(orchestrator_.RegisterFunction(As(kOrg1), request));

  EXPECT_TRUE(ProtoEquals(MakePermission(true, {kUnregisteredOrg, kOrg1}), function.permissions().process()));
}

TEST_F(FunctionTest, RegisterFunctionRequiresRegisteredRequester) {
  pb::NewFunction request = NewFunctionRequest(NewKey());
  std::size_t events_before = EventCount();

  auto result = orchestrator_.RegisterFunction(As(kUnregisteredOrg), request);

  ExpectError(result, ErrorKind::kPermissionDenied, kUnregisteredOrg);
  EXPECT_EQ(EventCount(), events_before);
  ExpectError(orchestrator_.GetFunction(As(kOrg1), ByKey(request.key())), ErrorKind::kNotFound, request.key());
}

TEST_F(FunctionTest, RegisterFunctionChecksConflictBeforeRequester) {
  pb::Function existing = RegisterFunction();

  auto result = orchestrator_.RegisterFunction(As(kUnregisteredOrg), NewFunctionRequest(existing.key()));

  ExpectError(result, ErrorKind::kConflict, existing.key());
}

// ---- GetFunction ----

TEST_F(FunctionTest, GetFunctionRejectsUnknownKey) {
  std::string key = NewKey();

  auto result = orchestrator_.GetFunction(As(kOrg1), ByKey(key));

  ExpectError(result, ErrorKind::kNotFound, "function with key \"" + key + "\" not found");
}

TEST_F(FunctionTest, GetFunctionMalformedKeyNotFound) {
  auto result = orchestrator_.GetFunction(As(kOrg1), ByKey("not-a-uuid"));

  ExpectError(result, ErrorKind::kNotFound, "function with key \"not-a-uuid\" not found");
}

TEST_F(FunctionTest, GetFunctionIsScopedToChannel) {
  pb::Function function = RegisterFunction();

  auto result = orchestrator_.GetFunction(As(kOrg1, kOtherChannel), ByKey(function.key()));

  ExpectError(result, ErrorKind::kNotFound, function.key());
}

// ---- QueryFunctions ----

TEST_F(FunctionTest, QueryFunctionsReturnsEmptyPageWithoutFunctions) {
  auto response = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10)));

  EXPECT_EQ(response.functions_size(), 0);
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(FunctionTest, QueryFunctionsReturnsRecordsInCreationOrder) {
  pb::Function first = RegisterFunction(FunctionShape::kSimple);
  pb::Function second = RegisterFunction(FunctionShape::kMetric, kOrg2);

  auto response = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10)));

  ASSERT_EQ(response.functions_size(), 2);
  EXPECT_TRUE(ProtoEquals(first, response.functions(0)));
  EXPECT_TRUE(ProtoEquals(second, response.functions(1)));
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(FunctionTest, QueryFunctionsOrdersByCreationDate) {
  std::string late_key = "ffffffff-0000-4000-8000-000000000000";
  std::string early_key = "00000000-0000-4000-8000-00000000000a";
  Ok(orchestrator_.RegisterFunction(As(kOrg1), NewFunctionRequest(late_key)));
  Ok(orchestrator_.RegisterFunction(As(kOrg1), NewFunctionRequest(early_key)));

  auto response = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10)));

  EXPECT_EQ(FunctionKeys(response), (std::vector<std::string>{late_key, early_key}));
}

TEST_F(FunctionTest, QueryFunctionsPagesWithNextPageToken) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) keys.push_back(RegisterFunction().key());

  auto first = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(2)));
  auto second = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(2, first.next_page_token())));
  auto third = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(2, second.next_page_token())));

  EXPECT_EQ(first.next_page_token(), "2");
  EXPECT_EQ(second.next_page_token(), "4");
  EXPECT_EQ(third.next_page_token(), "");
  EXPECT_EQ(FunctionKeys(first), (std::vector<std::string>{keys[0], keys[1]}));
  EXPECT_EQ(FunctionKeys(second), (std::vector<std::string>{keys[2], keys[3]}));
  EXPECT_EQ(FunctionKeys(third), (std::vector<std::string>{keys[4]}));
}

TEST_F(FunctionTest, QueryFunctionsFullLastPageHasNoToken) {
  for (int i = 0; i < 4; ++i) RegisterFunction();

  auto first = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(2)));
  auto second = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(2, first.next_page_token())));

  EXPECT_EQ(second.functions_size(), 2);
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(FunctionTest, QueryFunctionsDefaultsToFiftyPerPage) {
  for (int i = 0; i < 51; ++i) RegisterFunction();

  auto first = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(0)));
  auto second = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(0, first.next_page_token())));

  EXPECT_EQ(first.functions_size(), 50);
  EXPECT_EQ(first.next_page_token(), "50");
  EXPECT_EQ(second.functions_size(), 1);
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_F(FunctionTest, QueryFunctionsRejectsMalformedPageToken) {
  auto result = orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10, "abc"));

  ExpectError(result, ErrorKind::kInvalidAsset, "page_token");
}

TEST_F(FunctionTest, QueryFunctionsIsScopedToChannel) {
  RegisterFunction();

  auto response = Ok(orchestrator_.QueryFunctions(As(kOrg1, kOtherChannel), QueryParam(10)));

  EXPECT_EQ(response.functions_size(), 0);
}

TEST_F(FunctionTest, QueryFunctionsFiltersByComputePlan) {
  pb::Function train = RegisterFunction(FunctionShape::kSimple);
  pb::Function predict = RegisterFunction(FunctionShape::kPredict);
  pb::Function metric = RegisterFunction(FunctionShape::kMetric);
  RegisterFunction(FunctionShape::kAggregate);
  TaskData data = RegisterTaskData();
  pb::ComputePlan plan = RegisterPlan();
  pb::ComputePlan other_plan = RegisterPlan();
  std::string train_key = NewKey();
  std::string predict_key = NewKey();

  auto before_tasks = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10, "", plan.key())));
  RegisterTasks({TrainTaskRequest(train_key, plan.key(), train.key(), data),
                 PredictTaskRequest(predict_key, plan.key(), predict.key(), data, train_key),
                 TestTaskRequest(NewKey(), plan.key(), metric.key(), data, predict_key)});
  auto after_tasks = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10, "", plan.key())));
  auto other = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10, "", other_plan.key())));

  EXPECT_EQ(before_tasks.functions_size(), 0);
  EXPECT_EQ(FunctionKeys(after_tasks), (std::vector<std::string>{train.key(), predict.key(), metric.key()}));
  EXPECT_EQ(other.functions_size(), 0);
}

TEST_F(FunctionTest, QueryFunctionsListsFunctionOncePerPlan) {
  pb::Function train = RegisterFunction(FunctionShape::kSimple);
  TaskData data = RegisterTaskData();
  pb::ComputePlan plan = RegisterPlan();
  std::string parent_key = NewKey();
  RegisterTasks({TrainTaskRequest(parent_key, plan.key(), train.key(), data),
                 TrainTaskRequest(NewKey(), plan.key(), train.key(), data, parent_key)});

  auto response = Ok(orchestrator_.QueryFunctions(As(kOrg1), QueryParam(10, "", plan.key())));

  EXPECT_EQ(FunctionKeys(response), (std::vector<std::string>{train.key()}));
}

// ---- UpdateFunction ----

TEST_F(FunctionTest, UpdateFunctionChangesOnlyName) {
  pb::Function function = RegisterFunction();
  pb::Function expected = function;
  expected.set_name("renamed");

  Ok(orchestrator_.UpdateFunction(As(kOrg1), RenameParam(function.key(), "renamed")));

  EXPECT_TRUE(ProtoEquals(expected, Ok(orchestrator_.GetFunction(As(kOrg1), ByKey(function.key())))));
}

TEST_F(FunctionTest, UpdateFunctionEmitsUpdatedEvent) {
  pb::Function function = RegisterFunction();
  Micros time = NextRequestTime();

  Ok(orchestrator_.UpdateFunction(As(kOrg1), RenameParam(function.key(), "renamed")));

  pb::EventQueryFilter filter;
  filter.set_asset_key(function.key());
  filter.set_event_kind(pb::EVENT_ASSET_UPDATED);
  std::vector<pb::Event> events = QueryAllEvents(filter);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].asset_kind(), pb::ASSET_FUNCTION);
  EXPECT_EQ(ToMicros(events[0].timestamp()), time);
  ASSERT_TRUE(events[0].has_function());
  pb::Function read = Ok(orchestrator_.GetFunction(As(kOrg1), ByKey(function.key())));
  EXPECT_TRUE(ProtoEquals(read, events[0].function()));
}

TEST_F(FunctionTest, UpdateFunctionValidatesKeyAndName) {
  pb::Function function = RegisterFunction();
  struct Case {
    std::string key;
    std::string name;
    std::string expected_message;
  };
  const Case cases[] = {
      {"", "renamed", "function is not valid: key: cannot be blank"},
      {"not-a-uuid", "renamed", "function is not valid: key: must be a valid UUID"},
      {function.key(), "", "function is not valid: name: cannot be blank"},
      {function.key(), std::string(101, 'n'), "function is not valid: name: the length must be between 1 and 100"},
  };
  std::size_t events_before = EventCount();

  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected_message);
    auto result = orchestrator_.UpdateFunction(As(kOrg1), RenameParam(c.key, c.name));
    ExpectError(result, ErrorKind::kInvalidAsset, c.expected_message);
  }
  EXPECT_EQ(EventCount(), events_before);
}

TEST_F(FunctionTest, UpdateFunctionValidatesBeforeLookup) {
  auto result = orchestrator_.UpdateFunction(As(kOrg1), RenameParam(NewKey(), ""));

  ExpectError(result, ErrorKind::kInvalidAsset, "name: cannot be blank");
}

TEST_F(FunctionTest, UpdateFunctionRejectsUnknownKey) {
  std::string key = NewKey();

  auto result = orchestrator_.UpdateFunction(As(kOrg1), RenameParam(key, "renamed"));

  ExpectError(result, ErrorKind::kNotFound, "function with key \"" + key + "\" not found");
}

TEST_F(FunctionTest, UpdateFunctionRejectsOtherOwner) {
  pb::Function function = RegisterFunction(FunctionShape::kSimple, kOrg1);
  std::size_t events_before = EventCount();

  auto result = orchestrator_.UpdateFunction(As(kOrg2), RenameParam(function.key(), "renamed"));

  ExpectError(result, ErrorKind::kPermissionDenied, "requester does not own the function");
  ExpectError(result, ErrorKind::kPermissionDenied, kOrg2);
  EXPECT_EQ(EventCount(), events_before);
  EXPECT_TRUE(ProtoEquals(function, Ok(orchestrator_.GetFunction(As(kOrg1), ByKey(function.key())))));
}

}  // namespace
}  // namespace orc::test
