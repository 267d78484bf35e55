#include <string>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using OrganizationTest = OrchestratorTest;

pb::RegisterOrganizationParam WithAddress(const std::string& address) {
  pb::RegisterOrganizationParam request;
  request.set_address(address);
  return request;
}

TEST_F(OrganizationTest, RegisterOrganizationReturnsRecord) {
  Micros time = NextRequestTime();

  pb::Organization organization =
      Ok(orchestrator_.RegisterOrganization(As(kOrg1), WithAddress("http://org1.local:8000/")));

  EXPECT_EQ(organization.id(), kOrg1);
  EXPECT_EQ(organization.address(), "http://org1.local:8000/");
  EXPECT_EQ(ToMicros(organization.creation_date()), time);
}

TEST_F(OrganizationTest, RegisterOrganizationAcceptsEmptyAddress) {
  pb::Organization organization = Ok(orchestrator_.RegisterOrganization(As(kOrg1), WithAddress("")));

  EXPECT_EQ(organization.address(), "");
}

TEST_F(OrganizationTest, RegisterOrganizationRejectsInvalidAddress) {
  const std::string invalid_addresses[] = {"org1.local", "/relative/path", "http:no-slash", "http://org 1/"};
  for (const std::string& address : invalid_addresses) {
    SCOPED_TRACE(address);

    auto result = orchestrator_.RegisterOrganization(As(kOrg1), WithAddress(address));

    ExpectError(result, ErrorKind::kInvalidAsset,
                "organization is not valid: address: must be a valid request URL");
  }
}

TEST_F(OrganizationTest, RegisterOrganizationRejectsInvalidAddressWithoutTrace) {
  auto result = orchestrator_.RegisterOrganization(As(kOrg1), WithAddress("org1.local"));
  ASSERT_FALSE(result.ok());

  EXPECT_EQ(Ok(orchestrator_.GetAllOrganizations(As(kOrg1), {})).organizations_size(), 0);
  EXPECT_EQ(EventCount(), 0u);
}

TEST_F(OrganizationTest, RegisterOrganizationRejectsSecondRegistration) {
  RegisterOrganization(kOrg1);

  auto result = orchestrator_.RegisterOrganization(As(kOrg1), WithAddress("http://other.local/"));

  ExpectError(result, ErrorKind::kConflict, "organization with key \"MyOrg1MSP\" already exists");
  auto organizations = Ok(orchestrator_.GetAllOrganizations(As(kOrg1), {}));
  ASSERT_EQ(organizations.organizations_size(), 1);
  EXPECT_EQ(organizations.organizations(0).address(), "");
  EXPECT_EQ(EventCount(), 1u);
}

TEST_F(OrganizationTest, RegisterOrganizationAllowsSameIdInOtherChannel) {
  RegisterOrganization(kOrg1, kChannel);

  auto result = orchestrator_.RegisterOrganization(As(kOrg1, kOtherChannel), WithAddress(""));

  EXPECT_TRUE(IsOk(result));
}

TEST_F(OrganizationTest, RegisterOrganizationEmitsCreatedEvent) {
  Micros time = NextRequestTime();
  pb::Organization organization = RegisterOrganization(kOrg1);

  std::vector<pb::Event> events = QueryAllEvents();

  ASSERT_EQ(events.size(), 1u);
  const pb::Event& event = events[0];
  EXPECT_EQ(event.event_kind(), pb::EVENT_ASSET_CREATED);
  EXPECT_EQ(event.asset_kind(), pb::ASSET_ORGANIZATION);
  EXPECT_EQ(event.asset_key(), kOrg1);
  EXPECT_EQ(event.channel(), kChannel);
  EXPECT_EQ(ToMicros(event.timestamp()), time);
  ASSERT_TRUE(event.has_organization());
  EXPECT_TRUE(ProtoEquals(organization, event.organization()));
}

TEST_F(OrganizationTest, GetAllOrganizationsEmptyChannel) {
  auto organizations = Ok(orchestrator_.GetAllOrganizations(As(kOrg1), {}));

  EXPECT_EQ(organizations.organizations_size(), 0);
}

TEST_F(OrganizationTest, GetAllOrganizationsReturnsRegistrationOrder) {
  pb::Organization second_org = RegisterOrganization(kOrg2);
  pb::Organization first_org = RegisterOrganization(kOrg1);

  auto organizations = Ok(orchestrator_.GetAllOrganizations(As(kOrg1), {}));

  ASSERT_EQ(organizations.organizations_size(), 2);
  EXPECT_TRUE(ProtoEquals(second_org, organizations.organizations(0)));
  EXPECT_TRUE(ProtoEquals(first_org, organizations.organizations(1)));
}

TEST_F(OrganizationTest, GetAllOrganizationsIsScopedToChannel) {
  RegisterOrganization(kOrg1, kChannel);
  RegisterOrganization(kOrg2, kOtherChannel);

  auto organizations = Ok(orchestrator_.GetAllOrganizations(As(kOrg1, kOtherChannel), {}));

  ASSERT_EQ(organizations.organizations_size(), 1);
  EXPECT_EQ(organizations.organizations(0).id(), kOrg2);
}

TEST_F(OrganizationTest, GetAllOrganizationsEmitsNoEvent) {
  RegisterOrganization(kOrg1);

  Ok(orchestrator_.GetAllOrganizations(As(kOrg1), {}));

  EXPECT_EQ(EventCount(), 1u);
}

}  // namespace
}  // namespace orc::test
