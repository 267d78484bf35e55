// What the memory store adds to the Store contract, which
// tests/store/store_contract_test.cc checks on every store: reads return the
// stored handles themselves, without copies.
#include "core/persistence/memory_store.h"

#include <gtest/gtest.h>

#include <memory>

#include "core/records.h"

namespace orc::persistence {
namespace {

constexpr char kChannel[] = "mychannel";
constexpr Micros kTime = 1'700'000'000'000'000;

FunctionPtr MakeFunction(const std::string& key, const std::string& name) {
  auto function = std::make_shared<pb::Function>();
  function->set_key(key);
  function->set_name(name);
  SetTimestamp(kTime, function->mutable_creation_date());
  return function;
}

TEST(MemoryStoreTest, ReadsReturnStoredHandles) {
  MemoryStore store;
  const FunctionPtr original = MakeFunction("f1", "before");
  {
    auto tx = store.Begin(kChannel, TransactionMode::kReadWrite, kTime);
    tx->AddFunction(original);
    tx->Commit();
  }
  {
    auto tx = store.Begin(kChannel, TransactionMode::kReadOnly, kTime);
    EXPECT_EQ(tx->GetFunction("f1"), original);
    EXPECT_EQ(tx->QueryFunctions({}, "").items.at(0), original);
  }

  const FunctionPtr renamed = MakeFunction("f1", "after");
  {
    auto tx = store.Begin(kChannel, TransactionMode::kReadWrite, kTime);
    tx->UpdateFunction(renamed);
    tx->Commit();
  }
  auto tx = store.Begin(kChannel, TransactionMode::kReadOnly, kTime);
  EXPECT_EQ(tx->GetFunction("f1"), renamed);
  EXPECT_EQ(tx->QueryFunctions({}, "").items.at(0), renamed);
  EXPECT_EQ(original->name(), "before") << "an update never changes a handle that was read";
}

}  // namespace
}  // namespace orc::persistence
