// The contract of core/persistence/store.h, checked on every Store: rollback,
// channel isolation, ordering, pagination, query filters, plan status,
// events and concurrent writers. The PostgreSQL instances skip when
// ORC_TEST_POSTGRES_URL is unset.
#include "core/persistence/memory_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/records.h"
#include "store/postgres_test_support.h"

// Tests name only the filter fields under test in designated initializers, so
// the other fields keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace orc::persistence {
namespace {

constexpr char kChannel[] = "mychannel";
constexpr char kOtherChannel[] = "yourchannel";
constexpr Micros kTime = 1'700'000'000'000'000;

// ---- Record builders ----

// Sets the creation date and wraps the message in a shared handle.
template <class Message>
std::shared_ptr<const Message> MakeHandle(Message message, Micros created) {
  SetTimestamp(created, message.mutable_creation_date());
  return std::make_shared<const Message>(std::move(message));
}

OrganizationPtr MakeOrganization(const std::string& id) {
  pb::Organization organization;
  organization.set_id(id);
  return MakeHandle(std::move(organization), kTime);
}

FunctionPtr MakeFunction(const std::string& key, Micros created, const std::string& name = "function") {
  pb::Function function;
  function.set_key(key);
  function.set_name(name);
  return MakeHandle(std::move(function), created);
}

DataManagerPtr MakeDataManager(const std::string& key, Micros created, const std::string& name = "manager") {
  pb::DataManager manager;
  manager.set_key(key);
  manager.set_name(name);
  return MakeHandle(std::move(manager), created);
}

DataSamplePtr MakeDataSample(const std::string& key, Micros created, const std::vector<std::string>& managers) {
  pb::DataSample sample;
  sample.set_key(key);
  for (const std::string& manager : managers) sample.add_data_manager_keys(manager);
  return MakeHandle(std::move(sample), created);
}

ComputePlanPtr MakePlan(const std::string& key, Micros created, const std::string& owner = "org1") {
  pb::ComputePlan plan;
  plan.set_key(key);
  plan.set_owner(owner);
  return MakeHandle(std::move(plan), created);
}

struct TaskFields {
  std::string plan = "plan";
  std::string worker = "org1";
  std::string function = "function";
  pb::ComputeTaskStatus status = pb::STATUS_TODO;
};

ComputeTaskPtr MakeTask(const std::string& key, Micros created, const TaskFields& fields = {}) {
  pb::ComputeTask task;
  task.set_key(key);
  task.set_compute_plan_key(fields.plan);
  task.set_worker(fields.worker);
  task.set_function_key(fields.function);
  task.set_status(fields.status);
  return MakeHandle(std::move(task), created);
}

ComputeTaskPtr WithStatus(const ComputeTaskPtr& task, pb::ComputeTaskStatus status) {
  auto copy = std::make_shared<pb::ComputeTask>(*task);
  copy->set_status(status);
  return copy;
}

ModelPtr MakeModel(const std::string& key, const std::string& task_key, const std::string& address = "http://m") {
  pb::Model model;
  model.set_key(key);
  model.set_compute_task_key(task_key);
  if (!address.empty()) model.mutable_address()->set_storage_address(address);
  return MakeHandle(std::move(model), kTime);
}

PerformancePtr MakePerformance(const std::string& task_key, const std::string& identifier, Micros created) {
  pb::Performance performance;
  performance.set_compute_task_key(task_key);
  performance.set_compute_task_output_identifier(identifier);
  performance.set_performance_value(0.5F);
  return MakeHandle(std::move(performance), created);
}

FailureReportPtr MakeFailureReport(const std::string& task_key) {
  pb::FailureReport report;
  report.set_compute_task_key(task_key);
  return MakeHandle(std::move(report), kTime);
}

EventDraft MakeEvent(const std::string& asset_key, pb::AssetKind asset_kind = pb::ASSET_COMPUTE_TASK,
                     pb::EventKind event_kind = pb::EVENT_ASSET_CREATED,
                     std::map<std::string, std::string> metadata = {}) {
  return EventDraft{event_kind, asset_kind, asset_key, EventAsset{}, std::move(metadata)};
}

// ---- Result helpers ----

template <class Ptr>
std::vector<std::string> KeysOf(const std::vector<Ptr>& records) {
  std::vector<std::string> keys;
  for (const Ptr& record : records) keys.push_back(record->key());
  return keys;
}

std::vector<std::uint64_t> PositionsOf(const std::vector<StoredEventPtr>& events) {
  std::vector<std::uint64_t> positions;
  for (const StoredEventPtr& event : events) positions.push_back(event->position);
  return positions;
}

std::vector<std::string> PerformanceIdsOf(const std::vector<PerformancePtr>& performances) {
  std::vector<std::string> ids;
  for (const PerformancePtr& performance : performances) {
    ids.push_back(performance->compute_task_key() + "/" + performance->compute_task_output_identifier());
  }
  return ids;
}

using Keys = std::vector<std::string>;
using Positions = std::vector<std::uint64_t>;

// Succeeds when both handles are null, or both hold records with the same
// serialised bytes. Stores may return copies, so handles are compared by value.
template <class Record>
::testing::AssertionResult SameRecord(const std::shared_ptr<const Record>& actual,
                                      const std::shared_ptr<const Record>& expected) {
  if (actual == nullptr || expected == nullptr) {
    if (actual == expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << (actual == nullptr ? "got null" : "expected null");
  }
  if (actual->SerializeAsString() == expected->SerializeAsString()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << actual->ShortDebugString() << "\nexpected "
                                       << expected->ShortDebugString();
}

enum class StoreKind { kMemory, kPostgres };

std::string StoreKindName(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::kMemory ? "Memory" : "Postgres";
}

class StoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    if (GetParam() == StoreKind::kMemory) {
      store_ = std::make_unique<MemoryStore>();
      return;
    }
    if (test::TestPostgresUrl().empty()) GTEST_SKIP() << test::PostgresSkipMessage();
    postgres_ = std::make_unique<test::ScratchPostgresStore>();
    store_ = nullptr;
  }

  Store& store() { return postgres_ != nullptr ? static_cast<Store&>(postgres_->store()) : *store_; }

  std::unique_ptr<Transaction> BeginWrite(std::string_view channel = kChannel, Micros time = kTime) {
    return store().Begin(channel, TransactionMode::kReadWrite, time);
  }

  std::unique_ptr<Transaction> BeginRead(std::string_view channel = kChannel) {
    return store().Begin(channel, TransactionMode::kReadOnly, kTime);
  }

  // Runs `body` in a read-write transaction and commits it.
  template <class Body>
  void WriteAndCommit(Body body, std::string_view channel = kChannel, Micros time = kTime) {
    auto tx = BeginWrite(channel, time);
    body(*tx);
    tx->Commit();
  }

  // Registers a plan and tasks t1..t3 whose functions are f1, f1, f2.
  void AddPlanWithTasks() {
    WriteAndCommit([](Transaction& tx) {
      tx.AddFunction(MakeFunction("f2", 10));
      tx.AddFunction(MakeFunction("f1", 20));
      tx.AddFunction(MakeFunction("f3", 30));
      tx.AddComputePlan(MakePlan("plan", 1));
      tx.AddComputeTask(MakeTask("t1", 100, {.function = "f1"}), {});
      tx.AddComputeTask(MakeTask("t2", 101, {.function = "f1"}), {});
      tx.AddComputeTask(MakeTask("t3", 102, {.function = "f2"}), {});
    });
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<test::ScratchPostgresStore> postgres_;
};

void ExpectInternalError(const std::function<void()>& write) {
  try {
    write();
    ADD_FAILURE() << "expected OrcError(kInternal)";
  } catch (const OrcError& error) {
    EXPECT_EQ(error.error().kind(), ErrorKind::kInternal) << error.what();
  }
}

// ---- Rollback ----

TEST_P(StoreTest, RollbackRemovesEveryAdd) {
  {
    auto tx = BeginWrite();
    tx->AddOrganization(MakeOrganization("org1"));
    tx->AddFunction(MakeFunction("f1", 1));
    tx->AddDataManager(MakeDataManager("dm1", 1));
    tx->AddDataSample(MakeDataSample("s1", 1, {"dm1"}));
    tx->AddComputePlan(MakePlan("plan", 1));
    tx->AddComputeTask(MakeTask("t1", 1, {.function = "f1"}), {});
    const std::vector<std::string> parents = {"t1"};
    tx->AddComputeTask(MakeTask("t2", 2, {.function = "f1"}), parents);
    tx->AddOutputAsset("t1", "model", OutputAssetRef{pb::ASSET_MODEL, "m1"});
    tx->AddModel(MakeModel("m1", "t1"));
    tx->AddPerformance(MakePerformance("t1", "perf", 1));
    tx->AddFailureReport(MakeFailureReport("t1"));
    tx->AddEvent(MakeEvent("t1"));
    tx->AddEvent(MakeEvent("t2"));
    EXPECT_NE(tx->GetComputeTask("t2"), nullptr);
  }

  auto tx = BeginRead();
  EXPECT_EQ(tx->GetOrganization("org1"), nullptr);
  EXPECT_TRUE(tx->GetAllOrganizations().empty());
  EXPECT_EQ(tx->GetFunction("f1"), nullptr);
  EXPECT_TRUE(tx->QueryFunctions({}, "").items.empty());
  EXPECT_TRUE(tx->QueryFunctions({}, "plan").items.empty());
  EXPECT_EQ(tx->GetDataManager("dm1"), nullptr);
  EXPECT_TRUE(tx->QueryDataManagers({}).items.empty());
  EXPECT_EQ(tx->GetDataSample("s1"), nullptr);
  EXPECT_TRUE(tx->QueryDataSamples({}, {}).items.empty());
  EXPECT_TRUE(tx->GetDataSampleKeysByManager("dm1").empty());
  EXPECT_EQ(tx->GetComputePlan("plan"), nullptr);
  EXPECT_TRUE(tx->QueryComputePlans({}, "").items.empty());
  EXPECT_TRUE(tx->QueryComputePlans({}, "org1").items.empty());
  EXPECT_FALSE(tx->IsPlanRunning("plan"));
  EXPECT_EQ(tx->GetComputeTask("t1"), nullptr);
  EXPECT_TRUE(tx->GetComputeTaskChildren("t1").empty());
  EXPECT_TRUE(tx->QueryComputeTasks({}, {}).items.empty());
  EXPECT_TRUE(tx->QueryComputeTasks({}, {.worker = "org1"}).items.empty());
  EXPECT_TRUE(tx->QueryComputeTasks({}, {.function_key = "f1"}).items.empty());
  EXPECT_TRUE(tx->GetOutputAssets("t1", "model").empty());
  EXPECT_EQ(tx->GetModel("m1"), nullptr);
  EXPECT_TRUE(tx->GetComputeTaskModels("t1").empty());
  EXPECT_EQ(tx->GetPerformance("t1", "perf"), nullptr);
  EXPECT_TRUE(tx->QueryPerformances({}, "", "").items.empty());
  EXPECT_EQ(tx->GetFailureReport("t1"), nullptr);
  EXPECT_TRUE(tx->QueryEvents({}, {}).items.empty());
  EXPECT_TRUE(tx->ReadEventsAfter(0, 10).empty());
  EXPECT_FALSE(tx->FindEventPosition(EventIdForPosition(1)).has_value());
}

TEST_P(StoreTest, RollbackRestoresUpdatedHandles) {
  const FunctionPtr function = MakeFunction("f1", 1, "before");
  const DataManagerPtr manager = MakeDataManager("dm1", 1, "before");
  const DataSamplePtr sample = MakeDataSample("s1", 1, {"dm1"});
  const ComputePlanPtr plan = MakePlan("plan", 1);
  const ComputeTaskPtr task = MakeTask("t1", 1, {.function = "f1", .status = pb::STATUS_DOING});
  const ModelPtr model = MakeModel("m1", "t1");
  WriteAndCommit([&](Transaction& tx) {
    tx.AddFunction(function);
    tx.AddDataManager(manager);
    tx.AddDataManager(MakeDataManager("dm2", 2));
    tx.AddDataSample(sample);
    tx.AddComputePlan(plan);
    tx.AddComputeTask(task, {});
    tx.AddModel(model);
  });

  {
    auto tx = BeginWrite();
    tx->UpdateFunction(MakeFunction("f1", 1, "after"));
    tx->UpdateDataManager(MakeDataManager("dm1", 1, "after"));
    tx->UpdateDataSample(MakeDataSample("s1", 1, {"dm1", "dm2"}));
    auto renamed = std::make_shared<pb::ComputePlan>(*plan);
    renamed->set_name("after");
    tx->UpdateComputePlan(renamed);
    tx->UpdateComputeTask(WithStatus(task, pb::STATUS_DONE));
    tx->UpdateModel(MakeModel("m1", "t1", ""));
    EXPECT_EQ(tx->GetFunction("f1")->name(), "after");
    EXPECT_FALSE(tx->IsPlanRunning("plan"));
    EXPECT_EQ(tx->GetDataSampleKeysByManager("dm2"), Keys{"s1"});
  }

  auto tx = BeginRead();
  EXPECT_TRUE(SameRecord(tx->GetFunction("f1"), function));
  EXPECT_TRUE(SameRecord(tx->QueryFunctions({}, "").items.at(0), function));
  EXPECT_TRUE(SameRecord(tx->QueryFunctions({}, "plan").items.at(0), function));
  EXPECT_TRUE(SameRecord(tx->GetDataManager("dm1"), manager));
  EXPECT_TRUE(SameRecord(tx->GetDataSample("s1"), sample));
  EXPECT_EQ(tx->GetDataSampleKeysByManager("dm1"), Keys{"s1"});
  EXPECT_TRUE(tx->GetDataSampleKeysByManager("dm2").empty());
  EXPECT_TRUE(SameRecord(tx->GetComputePlan("plan"), plan));
  EXPECT_TRUE(SameRecord(tx->GetComputeTask("t1"), task));
  EXPECT_TRUE(SameRecord(tx->QueryComputeTasks({}, {}).items.at(0), task));
  EXPECT_TRUE(tx->IsPlanRunning("plan"));
  EXPECT_TRUE(SameRecord(tx->GetModel("m1"), model));
  EXPECT_TRUE(SameRecord(tx->GetComputeTaskModels("t1").at(0), model));
}

TEST_P(StoreTest, RollbackRestoresEventPositionCounter) {
  WriteAndCommit([](Transaction& tx) { tx.AddEvent(MakeEvent("a")); });
  {
    auto tx = BeginWrite(kOtherChannel);
    tx->AddEvent(MakeEvent("b"));
    tx->AddEvent(MakeEvent("c"));
    EXPECT_EQ(tx->ReadEventsAfter(0, 10).back()->position, 3U);
  }
  WriteAndCommit([](Transaction& tx) { tx.AddEvent(MakeEvent("d")); }, kOtherChannel);

  auto tx = BeginRead(kOtherChannel);
  const auto events = tx->ReadEventsAfter(0, 10);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]->position, 2U);
  EXPECT_EQ(events[0]->id, EventIdForPosition(2));
  EXPECT_EQ(events[0]->body.asset_key, "d");
  EXPECT_FALSE(tx->FindEventPosition(EventIdForPosition(3)).has_value());
}

TEST_P(StoreTest, RollbackRestoresOutputAssetsAndChildren) {
  const std::vector<std::string> parents = {"t1"};
  WriteAndCommit([&](Transaction& tx) {
    tx.AddComputeTask(MakeTask("t1", 1), {});
    tx.AddComputeTask(MakeTask("t2", 2), parents);
    tx.AddOutputAsset("t1", "model", OutputAssetRef{pb::ASSET_MODEL, "m1"});
  });
  {
    auto tx = BeginWrite();
    tx->AddComputeTask(MakeTask("t3", 3), parents);
    tx->AddOutputAsset("t1", "model", OutputAssetRef{pb::ASSET_MODEL, "m2"});
    tx->AddOutputAsset("t1", "other", OutputAssetRef{pb::ASSET_MODEL, "m3"});
  }

  auto tx = BeginRead();
  EXPECT_EQ(KeysOf(tx->GetComputeTaskChildren("t1")), Keys{"t2"});
  const auto assets = tx->GetOutputAssets("t1", "model");
  ASSERT_EQ(assets.size(), 1U);
  EXPECT_EQ(assets[0].asset_key, "m1");
  EXPECT_TRUE(tx->GetOutputAssets("t1", "other").empty());
}

TEST_P(StoreTest, RollbackKeepsEarlierOrder) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddComputeTask(MakeTask("t10", 10), {});
    tx.AddComputeTask(MakeTask("t30", 30), {});
    tx.AddEvent(MakeEvent("t30"));
  }, kChannel, 30);
  {
    // Older creation dates and an older transaction time land in the middle
    // of the indexes.
    auto tx = BeginWrite(kChannel, 5);
    tx->AddComputeTask(MakeTask("t20", 20), {});
    tx->AddComputeTask(MakeTask("t40", 40), {});
    tx->AddComputeTask(MakeTask("t05", 5), {});
    tx->AddEvent(MakeEvent("t20"));
    EXPECT_EQ(KeysOf(tx->QueryComputeTasks({}, {}).items), (Keys{"t05", "t10", "t20", "t30", "t40"}));
    EXPECT_EQ(PositionsOf(tx->QueryEvents({}, {}).items), (Positions{2, 1}));
  }

  auto tx = BeginRead();
  EXPECT_EQ(KeysOf(tx->QueryComputeTasks({}, {}).items), (Keys{"t10", "t30"}));
  EXPECT_EQ(KeysOf(tx->QueryComputeTasks({}, {.compute_plan_key = "plan"}).items), (Keys{"t10", "t30"}));
  EXPECT_EQ(KeysOf(tx->QueryComputeTasks({}, {.worker = "org1"}).items), (Keys{"t10", "t30"}));
  EXPECT_EQ(PositionsOf(tx->QueryEvents({}, {}).items), Positions{1});
}

TEST_P(StoreTest, CommitKeepsWrites) {
  {
    auto tx = BeginWrite();
    tx->AddFunction(MakeFunction("f1", 1));
    tx->AddEvent(MakeEvent("f1"));
    tx->Commit();
  }
  auto tx = BeginRead();
  EXPECT_NE(tx->GetFunction("f1"), nullptr);
  EXPECT_EQ(tx->ReadEventsAfter(0, 10).size(), 1U);
}

// ---- Channels, transactions and contract checks ----

TEST_P(StoreTest, ChannelsAreIsolated) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddFunction(MakeFunction("f1", 1, "mine"));
    tx.AddOrganization(MakeOrganization("org1"));
    tx.AddEvent(MakeEvent("f1"));
  });
  WriteAndCommit(
      [](Transaction& tx) {
        EXPECT_EQ(tx.GetFunction("f1"), nullptr);
        tx.AddFunction(MakeFunction("f1", 1, "yours"));
        tx.AddEvent(MakeEvent("f1"));
      },
      kOtherChannel);

  auto mine = BeginRead(kChannel);
  EXPECT_EQ(mine->GetFunction("f1")->name(), "mine");
  EXPECT_EQ(PositionsOf(mine->ReadEventsAfter(0, 10)), Positions{1});
  EXPECT_EQ(mine->FindEventPosition(EventIdForPosition(1)), 1U);
  EXPECT_FALSE(mine->FindEventPosition(EventIdForPosition(2)).has_value());
  mine.reset();

  auto yours = BeginRead(kOtherChannel);
  EXPECT_EQ(yours->GetFunction("f1")->name(), "yours");
  EXPECT_TRUE(yours->GetAllOrganizations().empty());
  EXPECT_EQ(PositionsOf(yours->ReadEventsAfter(0, 10)), Positions{2});
  EXPECT_EQ(PositionsOf(yours->QueryEvents({}, {}).items), Positions{2});
}

TEST_P(StoreTest, UnknownChannelReadsEmpty) {
  auto tx = BeginRead("nochannel");
  EXPECT_EQ(tx->channel(), "nochannel");
  EXPECT_TRUE(tx->GetAllOrganizations().empty());
  EXPECT_TRUE(tx->QueryComputeTasks({}, {}).items.empty());
  EXPECT_TRUE(tx->QueryEvents({}, {}).items.empty());
}

TEST_P(StoreTest, TransactionReportsChannelAndTime) {
  auto tx = BeginWrite(kOtherChannel, 42);
  EXPECT_EQ(tx->channel(), kOtherChannel);
  EXPECT_EQ(tx->time(), 42);
}

TEST_P(StoreTest, ReadOnlyTransactionRejectsWrites) {
  WriteAndCommit([](Transaction& tx) { tx.AddFunction(MakeFunction("f1", 1)); });
  auto tx = BeginRead();
  ExpectInternalError([&] { tx->AddFunction(MakeFunction("f2", 1)); });
  ExpectInternalError([&] { tx->UpdateFunction(MakeFunction("f1", 1, "renamed")); });
  ExpectInternalError([&] { tx->AddOrganization(MakeOrganization("org1")); });
  ExpectInternalError([&] { tx->AddComputeTask(MakeTask("t1", 1), {}); });
  ExpectInternalError([&] { tx->AddOutputAsset("t1", "model", OutputAssetRef{pb::ASSET_MODEL, "m1"}); });
  ExpectInternalError([&] { tx->AddEvent(MakeEvent("f1")); });
  EXPECT_EQ(tx->GetFunction("f1")->name(), "function");
  EXPECT_TRUE(tx->QueryEvents({}, {}).items.empty());
}

TEST_P(StoreTest, ReadOnlyOnUnknownChannelRejectsWrites) {
  auto tx = BeginRead("nochannel");
  ExpectInternalError([&] { tx->AddFunction(MakeFunction("f1", 1)); });
  EXPECT_EQ(tx->GetFunction("f1"), nullptr);
}

TEST_P(StoreTest, ContractViolationsFailBeforeWriting) {
  const FunctionPtr function = MakeFunction("f1", 1);
  const ComputeTaskPtr task = MakeTask("t1", 1);
  WriteAndCommit([&](Transaction& tx) {
    tx.AddFunction(function);
    tx.AddComputeTask(task, {});
    tx.AddDataSample(MakeDataSample("s1", 1, {"dm1", "dm2"}));
    tx.AddEvent(MakeEvent("f1"));
  });

  auto tx = BeginWrite();
  ExpectInternalError([&] { tx->AddFunction(MakeFunction("f1", 5, "duplicate")); });
  ExpectInternalError([&] { tx->UpdateFunction(MakeFunction("absent", 1)); });
  ExpectInternalError([&] { tx->UpdateFunction(MakeFunction("f1", 2, "moved")); });
  ExpectInternalError([&] {
    TaskFields fields;
    fields.worker = "org2";
    tx->UpdateComputeTask(MakeTask("t1", 1, fields));
  });
  ExpectInternalError([&] { tx->UpdateDataSample(MakeDataSample("s1", 1, {"dm1"})); });
  ExpectInternalError([&] { tx->UpdateModel(MakeModel("absent", "t1")); });
  EXPECT_TRUE(SameRecord(tx->GetFunction("f1"), function));
  EXPECT_TRUE(SameRecord(tx->GetComputeTask("t1"), task));
  EXPECT_EQ(tx->GetDataSampleKeysByManager("dm2"), Keys{"s1"});
  tx->Commit();
}

TEST_P(StoreTest, UpdateReplacesRecord) {
  WriteAndCommit([](Transaction& tx) { tx.AddFunction(MakeFunction("f1", 1, "before")); });
  const FunctionPtr renamed = MakeFunction("f1", 1, "after");
  WriteAndCommit([&](Transaction& tx) { tx.UpdateFunction(renamed); });

  auto tx = BeginRead();
  EXPECT_TRUE(SameRecord(tx->GetFunction("f1"), renamed));
  EXPECT_TRUE(SameRecord(tx->QueryFunctions({}, "").items.at(0), renamed));
}

TEST_P(StoreTest, CommitTwiceIsProgrammingError) {
  auto tx = BeginWrite();
  tx->Commit();
  EXPECT_DEBUG_DEATH(tx->Commit(), "Commit");
}

// Writers on several threads must get gap-free positions, while readers see
// only whole transactions: two events per transaction.
TEST_P(StoreTest, ConcurrentWritersGetGapFreePositions) {
  constexpr int kThreads = 4;
  constexpr int kTransactionsPerThread = 200;
  std::atomic<bool> torn_read{false};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      const char* channel = thread % 2 == 0 ? kChannel : kOtherChannel;
      for (int i = 0; i < kTransactionsPerThread; ++i) {
        // A store may abort a writer with TransactionConflict; the
        // Orchestrator would run the request again, and so does this loop.
        for (bool done = false; !done;) {
          auto tx = store().Begin(channel, TransactionMode::kReadWrite, kTime);
          tx->AddEvent(MakeEvent("a"));
          tx->AddEvent(MakeEvent("b"));
          try {
            if (i % 3 != 0) tx->Commit();
            done = true;
          } catch (const TransactionConflict&) {
            ++conflicts;
          }
        }
        auto tx = store().Begin(channel, TransactionMode::kReadOnly, kTime);
        if (tx->ReadEventsAfter(0, 100000).size() % 2 != 0) torn_read = true;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_FALSE(torn_read);
  if (GetParam() == StoreKind::kMemory) {
    EXPECT_EQ(conflicts, 0) << "the memory store runs writers one at a time";
  }
  std::vector<std::uint64_t> positions;
  for (const char* channel : {kChannel, kOtherChannel}) {
    auto tx = BeginRead(channel);
    for (const auto& event : tx->ReadEventsAfter(0, 100000)) positions.push_back(event->position);
  }
  std::sort(positions.begin(), positions.end());
  const std::size_t committed_per_thread = kTransactionsPerThread - (kTransactionsPerThread + 2) / 3;
  ASSERT_EQ(positions.size(), 2 * kThreads * committed_per_thread);
  for (std::size_t i = 0; i < positions.size(); ++i) EXPECT_EQ(positions[i], i + 1);
}

// ---- Ordering and pagination ----

TEST_P(StoreTest, FunctionsOrderedByDateThenKey) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddFunction(MakeFunction("c", 20));
    tx.AddFunction(MakeFunction("b", 10));
    tx.AddFunction(MakeFunction("a", 20));
    tx.AddFunction(MakeFunction("d", 5));
  });
  auto tx = BeginRead();
  EXPECT_EQ(KeysOf(tx->QueryFunctions({.offset = 0, .size = 10}, "").items), (Keys{"d", "b", "a", "c"}));
}

TEST_P(StoreTest, PaginationReportsHasMore) {
  WriteAndCommit([](Transaction& tx) {
    for (int i = 0; i < 5; ++i) tx.AddDataManager(MakeDataManager("dm" + std::to_string(i), 100 - i));
  });
  auto tx = BeginRead();

  const auto first = tx->QueryDataManagers({.offset = 0, .size = 2});
  EXPECT_EQ(KeysOf(first.items), (Keys{"dm4", "dm3"}));
  EXPECT_TRUE(first.has_more);

  const auto middle = tx->QueryDataManagers({.offset = 2, .size = 2});
  EXPECT_EQ(KeysOf(middle.items), (Keys{"dm2", "dm1"}));
  EXPECT_TRUE(middle.has_more);

  const auto last = tx->QueryDataManagers({.offset = 4, .size = 2});
  EXPECT_EQ(KeysOf(last.items), Keys{"dm0"});
  EXPECT_FALSE(last.has_more);

  const auto exact = tx->QueryDataManagers({.offset = 3, .size = 2});
  EXPECT_EQ(KeysOf(exact.items), (Keys{"dm1", "dm0"}));
  EXPECT_FALSE(exact.has_more);

  const auto beyond = tx->QueryDataManagers({.offset = 9, .size = 2});
  EXPECT_TRUE(beyond.items.empty());
  EXPECT_FALSE(beyond.has_more);
}

TEST_P(StoreTest, PagesCoverTasksOnceEach) {
  WriteAndCommit([](Transaction& tx) {
    for (int i = 0; i < 101; ++i) tx.AddComputeTask(MakeTask("t" + std::to_string(i), i % 7), {});
  });
  auto tx = BeginRead();
  std::vector<std::string> seen;
  PageRequest request{.offset = 0, .size = 10};
  for (;;) {
    const auto page = tx->QueryComputeTasks(request, {.compute_plan_key = "plan"});
    for (const auto& task : page.items) seen.push_back(task->key());
    if (!page.has_more) break;
    request.offset += page.items.size();
  }
  ASSERT_EQ(seen.size(), 101U);
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_EQ(KeysOf(tx->QueryComputeTasks({.offset = 0, .size = 200}, {}).items), seen);
}

TEST_P(StoreTest, OrganizationsInRegistrationOrder) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddOrganization(MakeOrganization("zeta"));
    tx.AddOrganization(MakeOrganization("alpha"));
    tx.AddOrganization(MakeOrganization("mid"));
  });
  auto tx = BeginRead();
  std::vector<std::string> ids;
  for (const auto& organization : tx->GetAllOrganizations()) ids.push_back(organization->id());
  EXPECT_EQ(ids, (Keys{"zeta", "alpha", "mid"}));
  EXPECT_EQ(tx->GetOrganization("alpha")->id(), "alpha");
  EXPECT_EQ(tx->GetOrganization("beta"), nullptr);
}

// ---- Query filters ----

TEST_P(StoreTest, QueryFunctionsByPlan) {
  AddPlanWithTasks();
  WriteAndCommit([](Transaction& tx) {
    tx.AddComputePlan(MakePlan("other", 2));
    tx.AddComputeTask(MakeTask("t4", 103, {.plan = "other", .function = "f3"}), {});
  });
  auto tx = BeginRead();
  EXPECT_EQ(KeysOf(tx->QueryFunctions({}, "plan").items), (Keys{"f2", "f1"}));
  EXPECT_EQ(KeysOf(tx->QueryFunctions({}, "other").items), Keys{"f3"});
  EXPECT_TRUE(tx->QueryFunctions({}, "absent").items.empty());

  const auto page = tx->QueryFunctions({.offset = 0, .size = 1}, "plan");
  EXPECT_EQ(KeysOf(page.items), Keys{"f2"});
  EXPECT_TRUE(page.has_more);
}

TEST_P(StoreTest, QueryDataSamplesByKeys) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddDataSample(MakeDataSample("s1", 30, {"dm1"}));
    tx.AddDataSample(MakeDataSample("s2", 10, {"dm1"}));
    tx.AddDataSample(MakeDataSample("s3", 20, {"dm2"}));
  });
  auto tx = BeginRead();
  const std::vector<std::string> keys = {"s1", "absent", "s2", "s1"};
  EXPECT_EQ(KeysOf(tx->QueryDataSamples({}, keys).items), (Keys{"s2", "s1"}));
  EXPECT_EQ(KeysOf(tx->QueryDataSamples({}, {}).items), (Keys{"s2", "s3", "s1"}));

  const auto page = tx->QueryDataSamples({.offset = 1, .size = 1}, keys);
  EXPECT_EQ(KeysOf(page.items), Keys{"s1"});
  EXPECT_FALSE(page.has_more);
}

TEST_P(StoreTest, SampleKeysByManagerFollowUpdates) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddDataSample(MakeDataSample("s1", 30, {"dm1"}));
    tx.AddDataSample(MakeDataSample("s2", 10, {"dm1", "dm2"}));
    tx.AddDataSample(MakeDataSample("s3", 20, {"dm2"}));
  });
  WriteAndCommit([](Transaction& tx) { tx.UpdateDataSample(MakeDataSample("s1", 30, {"dm1", "dm2"})); });

  auto tx = BeginRead();
  EXPECT_EQ(tx->GetDataSampleKeysByManager("dm1"), (Keys{"s2", "s1"}));
  EXPECT_EQ(tx->GetDataSampleKeysByManager("dm2"), (Keys{"s2", "s3", "s1"}));
  EXPECT_TRUE(tx->GetDataSampleKeysByManager("dm3").empty());
}

TEST_P(StoreTest, QueryPlansByOwner) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddComputePlan(MakePlan("p1", 30, "org1"));
    tx.AddComputePlan(MakePlan("p2", 10, "org2"));
    tx.AddComputePlan(MakePlan("p3", 20, "org1"));
  });
  auto tx = BeginRead();
  EXPECT_EQ(KeysOf(tx->QueryComputePlans({}, "").items), (Keys{"p2", "p3", "p1"}));
  EXPECT_EQ(KeysOf(tx->QueryComputePlans({}, "org1").items), (Keys{"p3", "p1"}));
  EXPECT_EQ(KeysOf(tx->QueryComputePlans({}, "org2").items), Keys{"p2"});
  EXPECT_TRUE(tx->QueryComputePlans({}, "org3").items.empty());
}

TEST_P(StoreTest, QueryTasksEachFilter) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddComputeTask(MakeTask("a", 5, {.plan = "p1", .worker = "w1", .function = "f1"}), {});
    tx.AddComputeTask(MakeTask("b", 4, {.plan = "p1", .worker = "w2", .function = "f2"}), {});
    tx.AddComputeTask(MakeTask("c", 3, {.plan = "p2", .worker = "w1", .function = "f2"}), {});
    tx.AddComputeTask(
        MakeTask("d", 2, {.plan = "p2", .worker = "w2", .function = "f1", .status = pb::STATUS_WAITING}), {});
    tx.AddComputeTask(MakeTask("e", 1, {.plan = "p2", .worker = "w1", .function = "f1"}), {});
  });
  auto tx = BeginRead();
  auto query = [&tx](const TaskFilter& filter) { return KeysOf(tx->QueryComputeTasks({}, filter).items); };

  EXPECT_EQ(query({}), (Keys{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(query({.compute_plan_key = "p1"}), (Keys{"b", "a"}));
  EXPECT_EQ(query({.worker = "w1"}), (Keys{"e", "c", "a"}));
  EXPECT_EQ(query({.function_key = "f1"}), (Keys{"e", "d", "a"}));
  EXPECT_EQ(query({.status = pb::STATUS_WAITING}), Keys{"d"});
  EXPECT_EQ(query({.worker = "w1", .compute_plan_key = "p2"}), (Keys{"e", "c"}));
  EXPECT_EQ(query({.worker = "w1", .compute_plan_key = "p2", .function_key = "f1"}), Keys{"e"});
  EXPECT_EQ(query({.worker = "w2", .status = pb::STATUS_TODO}), Keys{"b"});
  EXPECT_TRUE(query({.worker = "w3"}).empty());
  EXPECT_TRUE(query({.compute_plan_key = "p3"}).empty());
  EXPECT_TRUE(query({.function_key = "f3"}).empty());
  EXPECT_TRUE(query({.status = pb::STATUS_DONE}).empty());

  // Pages of an index that the filter selects exactly, then of a scan.
  const auto exact = tx->QueryComputeTasks({.offset = 1, .size = 1}, {.worker = "w1"});
  EXPECT_EQ(KeysOf(exact.items), Keys{"c"});
  EXPECT_TRUE(exact.has_more);
  const auto scanned = tx->QueryComputeTasks({.offset = 1, .size = 1}, {.worker = "w1", .compute_plan_key = "p2"});
  EXPECT_EQ(KeysOf(scanned.items), Keys{"c"});
  EXPECT_FALSE(scanned.has_more);
  const auto first = tx->QueryComputeTasks({.offset = 0, .size = 1}, {.worker = "w1", .compute_plan_key = "p2"});
  EXPECT_EQ(KeysOf(first.items), Keys{"e"});
  EXPECT_TRUE(first.has_more);
}

TEST_P(StoreTest, QueryTasksSeesStatusUpdates) {
  const ComputeTaskPtr task = MakeTask("t1", 1);
  WriteAndCommit([&](Transaction& tx) { tx.AddComputeTask(task, {}); });
  WriteAndCommit([&](Transaction& tx) { tx.UpdateComputeTask(WithStatus(task, pb::STATUS_DOING)); });
  auto tx = BeginRead();
  EXPECT_TRUE(tx->QueryComputeTasks({}, {.status = pb::STATUS_TODO}).items.empty());
  EXPECT_EQ(KeysOf(tx->QueryComputeTasks({}, {.status = pb::STATUS_DOING}).items), Keys{"t1"});
  EXPECT_EQ(tx->GetComputeTask("t1")->status(), pb::STATUS_DOING);
}

TEST_P(StoreTest, ChildrenInRegistrationOrder) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddComputeTask(MakeTask("p1", 1), {});
    tx.AddComputeTask(MakeTask("p2", 1), {});
    const std::vector<std::string> both = {"p1", "p2"};
    const std::vector<std::string> second = {"p2"};
    tx.AddComputeTask(MakeTask("z", 2), both);
    tx.AddComputeTask(MakeTask("a", 3), second);
    tx.AddComputeTask(MakeTask("m", 4), both);
  });
  WriteAndCommit([](Transaction& tx) { tx.UpdateComputeTask(WithStatus(tx.GetComputeTask("a"), pb::STATUS_DONE)); });

  auto tx = BeginRead();
  EXPECT_EQ(KeysOf(tx->GetComputeTaskChildren("p1")), (Keys{"z", "m"}));
  const auto children = tx->GetComputeTaskChildren("p2");
  EXPECT_EQ(KeysOf(children), (Keys{"z", "a", "m"}));
  EXPECT_EQ(children.at(1)->status(), pb::STATUS_DONE);
  EXPECT_TRUE(tx->GetComputeTaskChildren("z").empty());
}

TEST_P(StoreTest, OutputAssetsAndModelsInRegistrationOrder) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddOutputAsset("t1", "model", OutputAssetRef{pb::ASSET_MODEL, "z"});
    tx.AddOutputAsset("t1", "model", OutputAssetRef{pb::ASSET_MODEL, "a"});
    tx.AddOutputAsset("t1", "perf", OutputAssetRef{pb::ASSET_PERFORMANCE, "t1|perf"});
    tx.AddModel(MakeModel("z", "t1"));
    tx.AddModel(MakeModel("a", "t1"));
    tx.AddModel(MakeModel("b", "t2"));
  });
  WriteAndCommit([](Transaction& tx) { tx.UpdateModel(MakeModel("z", "t1", "")); });

  auto tx = BeginRead();
  const auto assets = tx->GetOutputAssets("t1", "model");
  ASSERT_EQ(assets.size(), 2U);
  EXPECT_EQ(assets[0].asset_key, "z");
  EXPECT_EQ(assets[1].asset_key, "a");
  const auto performances = tx->GetOutputAssets("t1", "perf");
  ASSERT_EQ(performances.size(), 1U);
  EXPECT_EQ(performances[0].asset_kind, pb::ASSET_PERFORMANCE);
  EXPECT_TRUE(tx->GetOutputAssets("t2", "model").empty());

  const auto models = tx->GetComputeTaskModels("t1");
  EXPECT_EQ(KeysOf(models), (Keys{"z", "a"}));
  EXPECT_FALSE(models.at(0)->has_address());
  EXPECT_FALSE(tx->GetModel("z")->has_address());
  EXPECT_TRUE(tx->GetModel("a")->has_address());
}

TEST_P(StoreTest, PerformancesOrderAndFilters) {
  WriteAndCommit([](Transaction& tx) {
    tx.AddPerformance(MakePerformance("ta", "p2", 10));
    tx.AddPerformance(MakePerformance("ta", "p1", 10));
    tx.AddPerformance(MakePerformance("tb", "p1", 10));
    tx.AddPerformance(MakePerformance("tc", "p1", 5));
    tx.AddPerformance(MakePerformance("tb", "p0", 20));
  });
  auto tx = BeginRead();
  auto query = [&tx](std::string_view task_key, std::string_view identifier) {
    return PerformanceIdsOf(tx->QueryPerformances({}, task_key, identifier).items);
  };

  EXPECT_EQ(query("", ""), (Keys{"tc/p1", "tb/p1", "ta/p1", "ta/p2", "tb/p0"}));
  EXPECT_EQ(query("ta", ""), (Keys{"ta/p1", "ta/p2"}));
  EXPECT_EQ(query("tb", ""), (Keys{"tb/p1", "tb/p0"}));
  EXPECT_EQ(query("", "p1"), (Keys{"tc/p1", "tb/p1", "ta/p1"}));
  EXPECT_EQ(query("ta", "p2"), Keys{"ta/p2"});
  EXPECT_TRUE(query("ta", "p0").empty());
  EXPECT_TRUE(query("td", "").empty());
  EXPECT_NE(tx->GetPerformance("tb", "p0"), nullptr);
  EXPECT_EQ(tx->GetPerformance("tb", "p2"), nullptr);

  const auto page = tx->QueryPerformances({.offset = 1, .size = 2}, "", "");
  EXPECT_EQ(PerformanceIdsOf(page.items), (Keys{"tb/p1", "ta/p1"}));
  EXPECT_TRUE(page.has_more);
}

TEST_P(StoreTest, FailureReportsByTask) {
  const FailureReportPtr report = MakeFailureReport("t1");
  WriteAndCommit([&](Transaction& tx) { tx.AddFailureReport(report); });
  auto tx = BeginRead();
  EXPECT_TRUE(SameRecord(tx->GetFailureReport("t1"), report));
  EXPECT_EQ(tx->GetFailureReport("t2"), nullptr);
}

// ---- IsPlanRunning ----

TEST_P(StoreTest, PlanRunningFollowsStatuses) {
  const ComputeTaskPtr first = MakeTask("t1", 1, {.status = pb::STATUS_WAITING});
  const ComputeTaskPtr second = MakeTask("t2", 2, {.status = pb::STATUS_TODO});
  WriteAndCommit([&](Transaction& tx) {
    tx.AddComputePlan(MakePlan("plan", 1));
    EXPECT_FALSE(tx.IsPlanRunning("plan"));
    tx.AddComputeTask(first, {});
    tx.AddComputeTask(second, {});
  });
  auto running = [this] { return BeginRead()->IsPlanRunning("plan"); };
  EXPECT_TRUE(running());

  WriteAndCommit([&](Transaction& tx) { tx.UpdateComputeTask(WithStatus(second, pb::STATUS_DOING)); });
  EXPECT_TRUE(running());
  WriteAndCommit([&](Transaction& tx) { tx.UpdateComputeTask(WithStatus(second, pb::STATUS_DONE)); });
  EXPECT_TRUE(running());

  {
    auto tx = BeginWrite();
    tx->UpdateComputeTask(WithStatus(first, pb::STATUS_CANCELED));
    EXPECT_FALSE(tx->IsPlanRunning("plan"));
  }
  EXPECT_TRUE(running());

  {
    auto tx = BeginWrite();
    tx->UpdateComputeTask(WithStatus(first, pb::STATUS_TODO));
    tx->UpdateComputeTask(WithStatus(first, pb::STATUS_FAILED));
    tx->UpdateComputeTask(WithStatus(first, pb::STATUS_DOING));
    EXPECT_TRUE(tx->IsPlanRunning("plan"));
    tx->UpdateComputeTask(WithStatus(first, pb::STATUS_DONE));
    EXPECT_FALSE(tx->IsPlanRunning("plan"));
    tx->Commit();
  }
  EXPECT_FALSE(running());

  {
    auto tx = BeginWrite();
    tx->AddComputeTask(MakeTask("t3", 3, {.status = pb::STATUS_TODO}), {});
    EXPECT_TRUE(tx->IsPlanRunning("plan"));
  }
  EXPECT_FALSE(running());
  EXPECT_FALSE(BeginRead()->IsPlanRunning("absent"));
}

// ---- Events ----

// Adds events at times that run backwards against positions:
// position 1 at 300 (k1), 2 and 3 at 100 (k2, k1), 4 at 200 (k2).
void AddOutOfOrderEvents(Store& store) {
  auto add = [&store](Micros time, std::vector<EventDraft> events) {
    auto tx = store.Begin(kChannel, TransactionMode::kReadWrite, time);
    for (EventDraft& event : events) tx->AddEvent(std::move(event));
    tx->Commit();
  };
  std::vector<EventDraft> first;
  first.push_back(MakeEvent("k1", pb::ASSET_COMPUTE_TASK, pb::EVENT_ASSET_CREATED));
  add(300, std::move(first));

  std::vector<EventDraft> second;
  second.push_back(MakeEvent("k2", pb::ASSET_MODEL, pb::EVENT_ASSET_CREATED));
  second.push_back(MakeEvent("k1", pb::ASSET_COMPUTE_TASK, pb::EVENT_ASSET_UPDATED,
                             {{"reason", "done"}, {"extra", "x"}}));
  add(100, std::move(second));

  std::vector<EventDraft> third;
  third.push_back(MakeEvent("k2", pb::ASSET_MODEL, pb::EVENT_ASSET_DISABLED, {{"reason", "other"}}));
  add(200, std::move(third));
}

TEST_P(StoreTest, EventsGetIdTimestampAndPosition) {
  AddOutOfOrderEvents(store());
  auto tx = BeginRead();
  const auto events = tx->ReadEventsAfter(0, 10);
  ASSERT_EQ(events.size(), 4U);
  EXPECT_EQ(events[0]->timestamp, 300);
  EXPECT_EQ(events[1]->timestamp, 100);
  EXPECT_EQ(events[3]->timestamp, 200);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]->position, i + 1);
    EXPECT_EQ(events[i]->id, EventIdForPosition(i + 1));
  }
  EXPECT_EQ(events[2]->body.metadata.at("reason"), "done");
}

TEST_P(StoreTest, QueryEventsOrderBothWays) {
  AddOutOfOrderEvents(store());
  auto tx = BeginRead();
  EXPECT_EQ(PositionsOf(tx->QueryEvents({}, {}).items), (Positions{2, 3, 4, 1}));
  EXPECT_EQ(PositionsOf(tx->QueryEvents({}, {.descending = true}).items), (Positions{1, 4, 3, 2}));
  EXPECT_EQ(PositionsOf(tx->QueryEvents({}, {.asset_key = "k1"}).items), (Positions{3, 1}));
  EXPECT_EQ(PositionsOf(tx->QueryEvents({}, {.asset_key = "k1", .descending = true}).items), (Positions{1, 3}));
  EXPECT_EQ(PositionsOf(tx->QueryEvents({}, {.asset_key = "k2", .descending = true}).items), (Positions{4, 2}));

  const auto page = tx->QueryEvents({.offset = 1, .size = 2}, {.descending = true});
  EXPECT_EQ(PositionsOf(page.items), (Positions{4, 3}));
  EXPECT_TRUE(page.has_more);
  const auto last = tx->QueryEvents({.offset = 2, .size = 2}, {});
  EXPECT_EQ(PositionsOf(last.items), (Positions{4, 1}));
  EXPECT_FALSE(last.has_more);
}

TEST_P(StoreTest, QueryEventsEachFilter) {
  AddOutOfOrderEvents(store());
  auto tx = BeginRead();
  auto query = [&tx](const EventFilter& filter) { return PositionsOf(tx->QueryEvents({}, filter).items); };

  EXPECT_EQ(query({.asset_key = "k2"}), (Positions{2, 4}));
  EXPECT_TRUE(query({.asset_key = "k3"}).empty());
  EXPECT_EQ(query({.asset_kind = pb::ASSET_COMPUTE_TASK}), (Positions{3, 1}));
  EXPECT_EQ(query({.event_kind = pb::EVENT_ASSET_CREATED}), (Positions{2, 1}));
  EXPECT_EQ(query({.metadata = {{"reason", "done"}}}), Positions{3});
  EXPECT_EQ(query({.metadata = {{"reason", "done"}, {"extra", "x"}}}), Positions{3});
  EXPECT_TRUE(query({.metadata = {{"reason", "done"}, {"extra", "y"}}}).empty());
  EXPECT_TRUE(query({.metadata = {{"missing", "done"}}}).empty());
  EXPECT_EQ(query({.start = 200}), (Positions{4, 1}));
  EXPECT_EQ(query({.end = 200}), (Positions{2, 3, 4}));
  EXPECT_EQ(query({.start = 100, .end = 100}), (Positions{2, 3}));
  EXPECT_EQ(query({.start = 101, .end = 199}), Positions{});
  EXPECT_TRUE(query({.start = 300, .end = 100}).empty());
  EXPECT_EQ(query({.start = 200, .descending = true}), (Positions{1, 4}));
  EXPECT_EQ(query({.asset_key = "k1", .asset_kind = pb::ASSET_COMPUTE_TASK, .event_kind = pb::EVENT_ASSET_UPDATED,
                   .metadata = {{"reason", "done"}}, .start = 100, .end = 100}),
            Positions{3});
  EXPECT_TRUE(query({.asset_key = "k1", .start = 150, .end = 250}).empty());
  EXPECT_TRUE(query({.asset_key = "k2", .asset_kind = pb::ASSET_COMPUTE_TASK}).empty());

  const auto scanned = tx->QueryEvents({.offset = 0, .size = 1}, {.asset_kind = pb::ASSET_MODEL, .descending = true});
  EXPECT_EQ(PositionsOf(scanned.items), Positions{4});
  EXPECT_TRUE(scanned.has_more);
  const auto bounded = tx->QueryEvents({.offset = 1, .size = 1}, {.start = 100, .end = 200, .descending = true});
  EXPECT_EQ(PositionsOf(bounded.items), Positions{3});
  EXPECT_TRUE(bounded.has_more);
}

TEST_P(StoreTest, ReadEventsAfterPositionWithLimit) {
  AddOutOfOrderEvents(store());
  WriteAndCommit([](Transaction& tx) { tx.AddEvent(MakeEvent("other")); }, kOtherChannel);
  WriteAndCommit([](Transaction& tx) { tx.AddEvent(MakeEvent("k3")); });

  auto tx = BeginRead();
  EXPECT_EQ(PositionsOf(tx->ReadEventsAfter(0, 10)), (Positions{1, 2, 3, 4, 6}));
  EXPECT_EQ(PositionsOf(tx->ReadEventsAfter(2, 2)), (Positions{3, 4}));
  EXPECT_EQ(PositionsOf(tx->ReadEventsAfter(4, 10)), Positions{6});
  EXPECT_EQ(PositionsOf(tx->ReadEventsAfter(5, 10)), Positions{6});
  EXPECT_TRUE(tx->ReadEventsAfter(6, 10).empty());
  EXPECT_TRUE(tx->ReadEventsAfter(0, 0).empty());
}

TEST_P(StoreTest, FindEventPositionById) {
  AddOutOfOrderEvents(store());
  WriteAndCommit([](Transaction& tx) { tx.AddEvent(MakeEvent("other")); }, kOtherChannel);

  auto tx = BeginRead();
  EXPECT_EQ(tx->FindEventPosition(EventIdForPosition(3)), 3U);
  EXPECT_EQ(tx->FindEventPosition(EventIdForPosition(4)), 4U);
  EXPECT_FALSE(tx->FindEventPosition(EventIdForPosition(5)).has_value());
  EXPECT_FALSE(tx->FindEventPosition("not-an-id").has_value());
}

TEST_P(StoreTest, TransactionSeesOwnEvents) {
  auto tx = BeginWrite(kChannel, 7);
  tx->AddEvent(MakeEvent("k1"));
  const auto events = tx->QueryEvents({}, {});
  ASSERT_EQ(events.items.size(), 1U);
  EXPECT_EQ(events.items[0]->timestamp, 7);
  EXPECT_EQ(tx->FindEventPosition(events.items[0]->id), 1U);
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreTest, ::testing::Values(StoreKind::kMemory), StoreKindName);
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values(StoreKind::kPostgres), StoreKindName);

}  // namespace
}  // namespace orc::persistence
