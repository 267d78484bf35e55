#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using InfoTest = OrchestratorTest;

TEST_F(InfoTest, QueryVersionReturnsDefaultVersion) {
  pb::QueryVersionResponse response = Ok(orchestrator_.QueryVersion(As(kOrg1), {}));

  EXPECT_EQ(response.orchestrator(), "dev");
  EXPECT_EQ(response.chaincode(), "");
}

TEST_F(InfoTest, QueryVersionReturnsConfiguredVersion) {
  Orchestrator versioned(store_, clock_, OrchestratorOptions{"1.2.3"});

  pb::QueryVersionResponse response = Ok(versioned.QueryVersion(As(kOrg1), {}));

  EXPECT_EQ(response.orchestrator(), "1.2.3");
  EXPECT_EQ(response.chaincode(), "");
}

TEST_F(InfoTest, QueryVersionNeedsNoRegisteredOrganization) {
  auto result = orchestrator_.QueryVersion(As(kUnregisteredOrg), {});

  EXPECT_TRUE(IsOk(result));
}

TEST_F(InfoTest, QueryVersionEmitsNoEvent) {
  Ok(orchestrator_.QueryVersion(As(kOrg1), {}));

  EXPECT_EQ(EventCount(), 0u);
}

}  // namespace
}  // namespace orc::test
