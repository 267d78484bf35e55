// Two servers over one PostgreSQL database: a subscription on one server
// receives the events written through the other, in order and once each.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "client/grpc_api.h"
#include "event.grpc.pb.h"
#include "server/server.h"
#include "server/system_clock.h"
#include "store/postgres_test_support.h"
#include "unit/test_helpers.h"

namespace orc::test {
namespace {

// A server over its own PostgresStore on `schema`, subscriptions listening
// for notifications as the orchestrator binary sets them up.
struct PostgresServer {
  explicit PostgresServer(const std::string& schema) {
    persistence::PostgresStoreOptions options;
    options.schema = schema;
    store = std::make_unique<persistence::PostgresStore>(TestPostgresUrl(), options);
    core = std::make_unique<Orchestrator>(*store, clock);
    server::ServerOptions server_options;
    server_options.listen_address = "127.0.0.1:0";
    server_options.open_event_waiter = [raw = store.get()]() -> server::EventWaiter {
      std::shared_ptr<persistence::EventListener> listener = raw->ListenForEvents();
      return [listener](std::string_view channel, std::uint64_t after, std::chrono::milliseconds timeout) {
        return listener->WaitForEvents(channel, after, timeout);
      };
    };
    server = std::make_unique<server::Server>(*core, server_options);
    server->Start();
  }

  ~PostgresServer() { server->Shutdown(std::chrono::seconds(5)); }

  std::string address() const { return "127.0.0.1:" + std::to_string(server->port()); }

  server::SystemClock clock;
  std::unique_ptr<persistence::PostgresStore> store;
  std::unique_ptr<Orchestrator> core;
  std::unique_ptr<server::Server> server;
};

TEST(PostgresServerTest, SubscriptionSeesOtherServersWrites) {
  if (TestPostgresUrl().empty()) GTEST_SKIP() << PostgresSkipMessage();
  ScratchPostgresStore scratch;  // owns the schema and drops it at the end
  PostgresServer writer_server(scratch.schema());
  PostgresServer reader_server(scratch.schema());

  client::ClientOptions options;
  options.address = writer_server.address();
  client::GrpcApi writer(options);
  RequestContext as_org1{kOrg1, kChannel};
  Ok(writer.RegisterOrganization(as_org1, {}));

  auto channel = grpc::CreateChannel(reader_server.address(), grpc::InsecureChannelCredentials());
  auto stub = pb::EventService::NewStub(channel);
  grpc::ClientContext call;
  call.AddMetadata("mspid", kOrg1);
  call.AddMetadata("channel", kChannel);
  call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub->SubscribeToEvents(&call, {});

  pb::Event event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.asset_key(), kOrg1);

  // Written through the other server after the replay: arrives live.
  std::vector<std::string> keys;
  for (int i = 1; i <= 5; ++i) {
    keys.push_back(KeyNumber(static_cast<std::uint64_t>(i)));
    Ok(writer.RegisterFunction(as_org1, NewFunctionRequest(keys.back())));
  }
  for (const std::string& key : keys) {
    ASSERT_TRUE(reader->Read(&event)) << "stream ended before " << key;
    EXPECT_EQ(event.asset_key(), key);
    EXPECT_EQ(event.channel(), kChannel);
  }
  call.TryCancel();
}

}  // namespace
}  // namespace orc::test
