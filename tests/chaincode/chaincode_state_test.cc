// The world-state store and the contract without gRPC: a fake state with the
// peer's rules (reads see committed values only, writes wait for the commit).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chaincode/contract.h"
#include "chaincode/json.h"
#include "chaincode/state.h"
#include "chaincode/world_state_store.h"
#include "unit/test_helpers.h"

namespace orc::chaincode {
namespace {

using test::kOrg1;
using test::kOrg2;

// Committed state plus the writes one transaction sent, in order.
class FakeState final : public StateAccess {
 public:
  std::map<std::string, std::string> committed;
  std::vector<std::pair<std::string, std::string>> writes;  // value "" is a delete
  int reads = 0;

  std::string GetState(const std::string& key) override {
    ++reads;
    auto found = committed.find(key);
    return found == committed.end() ? std::string() : found->second;
  }
  void PutState(const std::string& key, const std::string& value) override { writes.emplace_back(key, value); }
  void DelState(const std::string& key) override { writes.emplace_back(key, std::string()); }
  void ScanRange(const std::string& start, const std::string& end, const Visitor& visit) override {
    for (auto it = committed.lower_bound(start); it != committed.end() && it->first < end; ++it) {
      if (!visit(it->first, it->second)) return;
    }
  }

  // Applies the writes, as the peer does when the transaction commits.
  void CommitWrites() {
    for (const auto& [key, value] : writes) {
      if (value.empty()) {
        committed.erase(key);
      } else {
        committed[key] = value;
      }
    }
    writes.clear();
  }
};

Invocation MakeInvocation(const std::string& txid, const std::string& requester, const std::string& function,
                          const google::protobuf::Message& request) {
  Invocation invocation;
  invocation.channel = test::kChannel;
  invocation.transaction_id = txid;
  invocation.requester = requester;
  invocation.time = test::kStartTime;
  invocation.args = {function, "{\"msg\":" + JsonQuote(ToJson(request)) + ",\"request_id\":\"r1\"}"};
  return invocation;
}

// Runs one invocation and commits its writes when it succeeded.
ContractResult Submit(FakeState& state, const Invocation& invocation) {
  ContractResult result = Invoke(invocation, state, ContractOptions{});
  if (result.status == 200) state.CommitWrites();
  return result;
}

TEST(CompositeKey, LayoutMatchesFabric) {
  const std::string key = CompositeKey("model~task", {"t1", "m1"});
  EXPECT_EQ(key, std::string("\0model~task\0t1\0m1\0", 18));
  EXPECT_EQ(SplitCompositeKey(key), (std::vector<std::string>{"t1", "m1"}));
  EXPECT_EQ(PrefixRangeEnd("ab"), "ab\xF4\x8F\xBF\xBF");
  EXPECT_TRUE(SplitCompositeKey("plain").empty());
}

TEST(WorldStateStore, TransactionReadsItsOwnWrites) {
  FakeState state;
  WorldStateStore store(state, "tx1");
  auto tx = store.Begin(test::kChannel, persistence::TransactionMode::kReadWrite, test::kStartTime);

  auto organization = std::make_shared<pb::Organization>();
  organization->set_id(kOrg1);
  SetTimestamp(test::kStartTime, organization->mutable_creation_date());
  tx->AddOrganization(organization);

  ASSERT_NE(tx->GetOrganization(kOrg1), nullptr);
  ASSERT_EQ(tx->GetAllOrganizations().size(), 1u);
  EXPECT_TRUE(state.writes.empty()) << "writes must wait for the commit";

  tx->Commit();
  ASSERT_EQ(state.writes.size(), 2u);  // the record and its creation index entry
  EXPECT_LT(state.writes[0].first, state.writes[1].first) << "writes are sent in key order";
}

TEST(WorldStateStore, UncommittedTransactionSendsNothing) {
  FakeState state;
  {
    WorldStateStore store(state, "tx1");
    auto tx = store.Begin(test::kChannel, persistence::TransactionMode::kReadWrite, test::kStartTime);
    auto organization = std::make_shared<pb::Organization>();
    organization->set_id(kOrg1);
    tx->AddOrganization(organization);
  }
  EXPECT_TRUE(state.writes.empty());
}

TEST(WorldStateStore, ReadOnlyTransactionRejectsWrites) {
  FakeState state;
  WorldStateStore store(state, "tx1");
  auto tx = store.Begin(test::kChannel, persistence::TransactionMode::kReadOnly, test::kStartTime);
  auto organization = std::make_shared<pb::Organization>();
  organization->set_id(kOrg1);
  EXPECT_THROW(tx->AddOrganization(organization), OrcError);
}

TEST(WorldStateStore, ScanSkipsKeysDeletedInTransaction) {
  // A task leaves the active statuses: IsPlanRunning must not see its old
  // index entry, which is still committed.
  FakeState state;
  auto task = std::make_shared<pb::ComputeTask>();
  task->set_key(test::KeyNumber(1));
  task->set_compute_plan_key(test::KeyNumber(2));
  task->set_status(pb::STATUS_TODO);
  {
    WorldStateStore store(state, "tx1");
    auto tx = store.Begin(test::kChannel, persistence::TransactionMode::kReadWrite, test::kStartTime);
    tx->AddComputeTask(task, {});
    tx->Commit();
    state.CommitWrites();
  }
  WorldStateStore store(state, "tx2");
  auto tx = store.Begin(test::kChannel, persistence::TransactionMode::kReadWrite, test::kStartTime);
  EXPECT_TRUE(tx->IsPlanRunning(test::KeyNumber(2)));
  auto done = std::make_shared<pb::ComputeTask>(*task);
  done->set_status(pb::STATUS_DONE);
  tx->UpdateComputeTask(done);
  EXPECT_FALSE(tx->IsPlanRunning(test::KeyNumber(2)));
  EXPECT_EQ(tx->GetComputeTask(test::KeyNumber(1))->status(), pb::STATUS_DONE);
}

TEST(Contract, UnknownFunctionIsRejected) {
  FakeState state;
  Invocation invocation;
  invocation.channel = test::kChannel;
  invocation.requester = kOrg1;
  invocation.args = {"orchestrator.organization:Nope", "{}"};
  ContractResult result = Invoke(invocation, state, ContractOptions{});
  EXPECT_EQ(result.status, 500);
  EXPECT_TRUE(result.message.starts_with("OE0010: ")) << result.message;
}

TEST(Contract, MalformedArgumentsAreRejected) {
  FakeState state;
  Invocation invocation = MakeInvocation("tx1", kOrg1, "orchestrator.organization:RegisterOrganization",
                                         pb::RegisterOrganizationParam());
  for (const std::string& argument : {std::string("not json"), std::string("{\"msg\": 3}"),
                                      std::string("{\"msg\": \"{\\\"nope\\\": 1}\"}")}) {
    invocation.args[1] = argument;
    ContractResult result = Invoke(invocation, state, ContractOptions{});
    EXPECT_EQ(result.status, 500) << argument;
    EXPECT_TRUE(result.message.starts_with("OE0101: ")) << result.message;
  }
  invocation.args.push_back("extra");
  EXPECT_TRUE(Invoke(invocation, state, ContractOptions{}).message.starts_with("OE0101: "));
  EXPECT_TRUE(state.writes.empty());
}

TEST(Contract, ResponseUsesTheWrapper) {
  FakeState state;
  ContractResult result = Submit(state, MakeInvocation("tx1", kOrg1, "orchestrator.organization:RegisterOrganization",
                                                       pb::RegisterOrganizationParam()));
  ASSERT_EQ(result.status, 200) << result.message;
  EXPECT_EQ(result.payload.rfind("{\"msg\":\"{", 0), 0u) << result.payload;
  EXPECT_NE(result.payload.find("\"request_id\":\"r1\""), std::string::npos) << result.payload;
  ASSERT_TRUE(result.event_payload.has_value());
  EXPECT_NE(result.event_payload->find("\"asset_kind\":\"ASSET_ORGANIZATION\""), std::string::npos)
      << *result.event_payload;
  EXPECT_NE(result.event_payload->find("\"id\":\"tx1:"), std::string::npos) << *result.event_payload;
}

TEST(Contract, FailedRequestWritesNothing) {
  FakeState state;
  ASSERT_EQ(Submit(state, MakeInvocation("tx1", kOrg1, "orchestrator.organization:RegisterOrganization",
                                         pb::RegisterOrganizationParam()))
                .status,
            200);
  const auto before = state.committed;
  ContractResult result = Invoke(MakeInvocation("tx2", kOrg1, "orchestrator.organization:RegisterOrganization",
                                                pb::RegisterOrganizationParam()),
                                 state, ContractOptions{});
  EXPECT_EQ(result.status, 500);
  EXPECT_TRUE(result.message.starts_with("OE0006: ")) << result.message;
  EXPECT_FALSE(result.event_payload.has_value());
  EXPECT_TRUE(state.writes.empty());
  EXPECT_EQ(state.committed, before);
}

TEST(Contract, SameProposalGivesSameBytes) {
  // Two endorsers with the same state must return the same response, writes
  // and event, or Fabric rejects the endorsements as different.
  FakeState first;
  FakeState second;
  for (FakeState* state : {&first, &second}) {
    for (const char* organization : {kOrg1, kOrg2}) {
      ASSERT_EQ(Submit(*state, MakeInvocation(std::string("org-") + organization, organization,
                                              "orchestrator.organization:RegisterOrganization",
                                              pb::RegisterOrganizationParam()))
                    .status,
                200);
    }
  }
  pb::NewFunction function = test::NewFunctionRequest(test::KeyNumber(1), test::FunctionShape::kComposite);
  (*function.mutable_metadata())["zeta"] = "1";
  (*function.mutable_metadata())["alpha"] = "2";
  const Invocation invocation = MakeInvocation("tx9", kOrg1, "orchestrator.function:RegisterFunction", function);
  ContractResult a = Invoke(invocation, first, ContractOptions{});
  ContractResult b = Invoke(invocation, second, ContractOptions{});
  ASSERT_EQ(a.status, 200) << a.message;
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.event_payload, b.event_payload);
  EXPECT_EQ(first.writes, second.writes);
}

}  // namespace
}  // namespace orc::chaincode
