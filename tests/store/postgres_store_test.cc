// What the PostgreSQL store adds to the Store contract: migrations, channel
// checks and reset, conflict errors, retry backoff limits, event listeners
// and connection errors.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/records.h"
#include "store/postgres_test_support.h"

namespace orc::test {
namespace {

using persistence::PostgresStore;
using persistence::PostgresStoreOptions;
using persistence::TransactionMode;
using persistence::WriterLocking;

constexpr char kChannel[] = "mychannel";
constexpr char kOtherChannel[] = "yourchannel";
constexpr Micros kTime = 1'700'000'000'000'000;

EventDraft MakeEvent(const std::string& asset_key) {
  return EventDraft{pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK, asset_key, EventAsset{}, {}};
}

FunctionPtr MakeFunction(const std::string& key) {
  auto function = std::make_shared<pb::Function>();
  function->set_key(key);
  SetTimestamp(kTime, function->mutable_creation_date());
  return function;
}

void AddEvents(persistence::Store& store, const std::string& channel, int count) {
  auto tx = store.Begin(channel, TransactionMode::kReadWrite, kTime);
  for (int i = 0; i < count; ++i) tx->AddEvent(MakeEvent("k" + std::to_string(i)));
  tx->Commit();
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (TestPostgresUrl().empty()) GTEST_SKIP() << PostgresSkipMessage();
  }

  // Runs one SQL statement on a connection of its own.
  static void RunSql(const std::string& sql) {
    pqxx::connection connection(TestPostgresUrl());
    pqxx::nontransaction session(connection);
    session.exec(sql);
  }
};

// ---- Migrations ----

TEST_F(PostgresStoreTest, MigrationsRecordTheirVersion) {
  ScratchPostgresStore scratch;
  EXPECT_EQ(scratch.store().SchemaVersion(), 1);

  // A second store on the same schema finds nothing to apply and keeps data.
  AddEvents(scratch.store(), kChannel, 1);
  PostgresStoreOptions options;
  options.schema = scratch.schema();
  PostgresStore again(TestPostgresUrl(), options);
  EXPECT_EQ(again.SchemaVersion(), 1);
  EXPECT_TRUE(again.HasChannelData(kChannel));
}

TEST_F(PostgresStoreTest, ConcurrentStartsMigrateOnce) {
  ScratchPostgresStore scratch;
  const std::string schema = scratch.schema() + "_concurrent";
  RunSql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  PostgresStoreOptions options;
  options.schema = schema;

  auto start = [&] { return std::make_unique<PostgresStore>(TestPostgresUrl(), options)->SchemaVersion(); };
  auto first = std::async(std::launch::async, start);
  auto second = std::async(std::launch::async, start);
  EXPECT_EQ(first.get(), 1);
  EXPECT_EQ(second.get(), 1);
  RunSql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

TEST_F(PostgresStoreTest, NewerSchemaIsRejected) {
  ScratchPostgresStore scratch;
  RunSql("INSERT INTO " + scratch.schema() + ".orc_schema_migrations (version, name) VALUES (999, 'future')");
  PostgresStoreOptions options;
  options.schema = scratch.schema();
  try {
    PostgresStore store(TestPostgresUrl(), options);
    ADD_FAILURE() << "a schema at version 999 was accepted";
  } catch (const OrcError& error) {
    EXPECT_EQ(error.error().kind(), ErrorKind::kInternal);
    EXPECT_NE(error.error().message().find("version 999, newer than"), std::string::npos) << error.what();
  }
}

// ---- Channel data and reset ----

TEST_F(PostgresStoreTest, ResetDeletesEveryChannel) {
  ScratchPostgresStore scratch;
  PostgresStore& store = scratch.store();
  EXPECT_FALSE(store.HasChannelData(kChannel));
  {
    auto tx = store.Begin(kChannel, TransactionMode::kReadWrite, kTime);
    tx->AddFunction(MakeFunction("f1"));
    tx->Commit();
  }
  AddEvents(store, kOtherChannel, 2);
  EXPECT_TRUE(store.HasChannelData(kChannel));
  EXPECT_TRUE(store.HasChannelData(kOtherChannel));
  EXPECT_FALSE(store.HasChannelData("absent"));

  store.ResetDatabase();

  EXPECT_FALSE(store.HasChannelData(kChannel));
  EXPECT_FALSE(store.HasChannelData(kOtherChannel));
  AddEvents(store, kChannel, 1);
  auto tx = store.Begin(kChannel, TransactionMode::kReadOnly, kTime);
  const auto events = tx->ReadEventsAfter(0, 10);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]->position, 1U) << "positions restart at 1";
}

// ---- Conflicts and retries ----

TEST_F(PostgresStoreTest, ConcurrentWritersConflict) {
  PostgresStoreOptions options;
  options.writer_locking = WriterLocking::kAtEventInsert;
  ScratchPostgresStore scratch(options);
  PostgresStore& store = scratch.store();

  auto late = store.Begin(kChannel, TransactionMode::kReadWrite, kTime);
  EXPECT_EQ(late->GetFunction("f1"), nullptr);  // takes the snapshot
  AddEvents(store, kChannel, 1);
  late->AddEvent(MakeEvent("late"));
  EXPECT_THROW(late->Commit(), TransactionConflict);
  late.reset();

  auto tx = store.Begin(kChannel, TransactionMode::kReadOnly, kTime);
  EXPECT_EQ(tx->ReadEventsAfter(0, 10).size(), 1U) << "the conflicting transaction left nothing";
}

TEST_F(PostgresStoreTest, RetriesStopAtMaxAttempts) {
  PostgresStoreOptions options;
  options.max_attempts = 3;
  options.initial_backoff = std::chrono::microseconds(10);
  options.max_backoff = std::chrono::microseconds(20);
  ScratchPostgresStore scratch(options);
  EXPECT_TRUE(scratch.store().WaitBeforeRetry(1));
  EXPECT_TRUE(scratch.store().WaitBeforeRetry(2));
  EXPECT_FALSE(scratch.store().WaitBeforeRetry(3));
}

// ---- Event listener ----

TEST_F(PostgresStoreTest, ListenerSeesCommittedEvents) {
  ScratchPostgresStore scratch;
  PostgresStore& store = scratch.store();
  AddEvents(store, kChannel, 2);
  auto listener = store.ListenForEvents();

  EXPECT_TRUE(listener->WaitForEvents(kChannel, 1, std::chrono::milliseconds(0)));
  EXPECT_FALSE(listener->WaitForEvents(kChannel, 2, std::chrono::milliseconds(50)));
  EXPECT_FALSE(listener->WaitForEvents(kOtherChannel, 0, std::chrono::milliseconds(50)));
}

TEST_F(PostgresStoreTest, ListenerWakesOnCommit) {
  ScratchPostgresStore scratch;
  PostgresStore& store = scratch.store();
  AddEvents(store, kChannel, 1);
  auto listener = store.ListenForEvents();

  // The timeout only bounds a failing run: the commit below wakes the wait.
  auto woken = std::async(std::launch::async, [&] {
    return listener->WaitForEvents(kChannel, 1, std::chrono::seconds(60));
  });
  // Give the wait time to pass its first check, so that the commit below
  // usually wakes it through a notification. The test passes either way.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  AddEvents(store, kOtherChannel, 1);
  {
    // A rolled-back event sends nothing.
    auto tx = store.Begin(kChannel, TransactionMode::kReadWrite, kTime);
    tx->AddEvent(MakeEvent("rolled back"));
  }
  AddEvents(store, kChannel, 1);
  EXPECT_TRUE(woken.get());
}

// ---- Connection errors ----

TEST_F(PostgresStoreTest, UnreachableDatabaseIsUnavailable) {
  try {
    // Nothing listens on port 1 of the loopback address.
    PostgresStore store("postgresql://orc:secret@127.0.0.1:1/orc");
    ADD_FAILURE() << "connected to port 1";
  } catch (const OrcError& error) {
    EXPECT_EQ(error.error().kind(), ErrorKind::kUnavailable);
    EXPECT_NE(error.error().message().find("cannot connect to PostgreSQL at postgresql://orc:***@127.0.0.1:1/orc"),
              std::string::npos)
        << error.what();
    EXPECT_EQ(error.error().message().find("secret"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace orc::test
