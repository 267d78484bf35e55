// The gRPC server end to end on loopback: headers and channel policy, status
// codes, event subscriptions, metrics, shutdown, mutual TLS and concurrent
// clients. Each test starts its own server on a free port.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "client/grpc_api.h"
#include "computetask.grpc.pb.h"
#include "event.grpc.pb.h"
#include "function.grpc.pb.h"
#include "organization.grpc.pb.h"
#include "server/server.h"
#include "server/system_clock.h"
#include "unit/test_helpers.h"

namespace orc::test {
namespace {

namespace fs = std::filesystem;

client::ClientOptions PlainClientOptions(const std::string& address) {
  client::ClientOptions options;
  options.address = address;
  return options;
}

// A server over an in-process core, and a client connected to it.
class ServerTest : public ::testing::Test {
 protected:
  void StartServer(server::ServerOptions options = {}) {
    options.listen_address = "127.0.0.1:0";
    server_ = std::make_unique<server::Server>(core_, options);
    server_->Start();
    address_ = "127.0.0.1:" + std::to_string(server_->port());
    if (options.tls_cert_path.empty()) {
      client_ = std::make_unique<client::GrpcApi>(PlainClientOptions(address_));
      channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    }
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::seconds(5));
  }

  std::unique_ptr<grpc::ClientContext> CallAs(const std::string& mspid, const std::string& channel = kChannel) {
    auto call = std::make_unique<grpc::ClientContext>();
    if (!mspid.empty()) call->AddMetadata("mspid", mspid);
    if (!channel.empty()) call->AddMetadata("channel", channel);
    call->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return call;
  }

  // Registers an organisation, a function, a data manager and a sample, and
  // a plan; returns the plan key.
  std::string RegisterPlanSetup(std::string& function_key, TaskData& data) {
    Ok(client_->RegisterOrganization(As(kOrg1), {}));
    Ok(client_->RegisterOrganization(As(kOrg2), {}));
    function_key = Ok(client_->RegisterFunction(As(kOrg1), NewFunctionRequest(NewKey()))).key();
    std::string data_manager = Ok(client_->RegisterDataManager(As(kOrg1), NewDataManagerRequest(NewKey()))).key();
    pb::RegisterDataSamplesParam samples;
    *samples.add_samples() = NewDataSampleRequest(NewKey(), {data_manager});
    std::string sample = Ok(client_->RegisterDataSamples(As(kOrg1), samples)).data_samples(0).key();
    data = TaskData{data_manager, sample};
    return Ok(client_->RegisterPlan(As(kOrg1), NewPlanRequest(NewKey()))).key();
  }

  static RequestContext As(std::string_view organization, std::string_view channel = kChannel) {
    return RequestContext{std::string(organization), std::string(channel)};
  }

  std::string NewKey() { return KeyNumber(++key_count_); }

  persistence::MemoryStore store_;
  server::SystemClock clock_;
  Orchestrator core_{store_, clock_, OrchestratorOptions{.version = "test-version"}};
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<client::GrpcApi> client_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string address_;
  std::uint64_t key_count_ = 0;
};

TEST_F(ServerTest, ServesCallsWithHeaders) {
  StartServer();
  pb::Organization organization = Ok(client_->RegisterOrganization(As(kOrg1), {}));
  EXPECT_EQ(organization.id(), kOrg1);

  auto all = Ok(client_->GetAllOrganizations(As(kOrg2), {}));
  ASSERT_EQ(all.organizations_size(), 1);
  EXPECT_EQ(all.organizations(0).id(), kOrg1);

  EXPECT_EQ(Ok(client_->QueryVersion(As(kOrg1), {})).orchestrator(), "test-version");
  // Channels are separate ledgers.
  EXPECT_EQ(Ok(client_->GetAllOrganizations(As(kOrg1, kOtherChannel), {})).organizations_size(), 0);
}

TEST_F(ServerTest, MissingMspidIsFailedPrecondition) {
  StartServer();
  auto stub = pb::OrganizationService::NewStub(channel_);
  pb::GetAllOrganizationsResponse response;
  auto call = CallAs("");
  grpc::Status status = stub->GetAllOrganizations(call.get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "OE0003: missing or invalid header 'mspid'");
}

TEST_F(ServerTest, DuplicatedMspidIsRejected) {
  StartServer();
  auto stub = pb::OrganizationService::NewStub(channel_);
  pb::GetAllOrganizationsResponse response;
  auto call = CallAs(kOrg1);
  call->AddMetadata("mspid", kOrg2);
  grpc::Status status = stub->GetAllOrganizations(call.get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::FAILED_PRECONDITION);
}

TEST_F(ServerTest, MissingChannelIsUnknown) {
  StartServer();
  auto stub = pb::OrganizationService::NewStub(channel_);
  pb::GetAllOrganizationsResponse response;
  auto call = CallAs(kOrg1, "");
  grpc::Status status = stub->GetAllOrganizations(call.get(), {}, &response);
  EXPECT_EQ(status.error_code(), grpc::UNKNOWN);
  EXPECT_EQ(status.error_message(), "missing or invalid header 'channel'");
}

TEST_F(ServerTest, ChannelPolicyRejectsUnknownOrganization) {
  server::ServerOptions options;
  server::AddChannelSpec(options.channels, "mychannel=MyOrg1MSP,MyOrg2MSP");
  server::AddChannelSpec(options.channels, "yourchannel=MyOrg1MSP");
  StartServer(options);

  Result<pb::GetAllOrganizationsResponse> unknown = client_->GetAllOrganizations(As(kUnregisteredOrg), {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("organization \"MyOrg3MSP\" is unknown"), std::string::npos)
      << unknown.error().message();

  Result<pb::GetAllOrganizationsResponse> denied = client_->GetAllOrganizations(As(kOrg2, kOtherChannel), {});
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().message().find("organization \"MyOrg2MSP\" has not access to channel \"yourchannel\""),
            std::string::npos)
      << denied.error().message();

  EXPECT_TRUE(IsOk(client_->GetAllOrganizations(As(kOrg1, kOtherChannel), {})));
}

TEST(ChannelConfigTest, LoadsChannelsFromYaml) {
  fs::path file = fs::temp_directory_path() / ("orc-channels-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(file) << "channels:\n  mychannel: [MyOrg1MSP, MyOrg2MSP]\n  yourchannel:\n    - MyOrg1MSP\n";
  server::ChannelPolicy policy = server::LoadChannelConfig(file.string());
  fs::remove(file);
  EXPECT_FALSE(policy.open());
  EXPECT_TRUE(policy.Allows("mychannel", "MyOrg2MSP"));
  EXPECT_TRUE(policy.Allows("yourchannel", "MyOrg1MSP"));
  EXPECT_FALSE(policy.Allows("yourchannel", "MyOrg2MSP"));
  EXPECT_FALSE(policy.Allows("otherchannel", "MyOrg1MSP"));
  EXPECT_TRUE(policy.KnowsOrganization("MyOrg2MSP"));
  EXPECT_FALSE(policy.KnowsOrganization("MyOrg3MSP"));
}

TEST(ChannelConfigTest, RejectsMalformedFiles) {
  const std::pair<const char*, const char*> cases[] = {
      {"other: 1\n", "expected a mapping"},
      {"channels:\n  mychannel: []\n", "needs a non-empty list"},
      {"channels:\n  mychannel: [\"\"]\n", "not a non-empty string"},
      {"channels: {}\n", "declares no channel"},
  };
  fs::path file = fs::temp_directory_path() / ("orc-channels-bad-" + std::to_string(getpid()) + ".yaml");
  for (const auto& [content, message] : cases) {
    std::ofstream(file) << content;
    try {
      server::LoadChannelConfig(file.string());
      ADD_FAILURE() << "accepted: " << content;
    } catch (const std::runtime_error& error) {
      EXPECT_NE(std::string(error.what()).find(message), std::string::npos) << error.what();
    }
  }
  fs::remove(file);
  EXPECT_THROW(server::LoadChannelConfig(file.string()), std::runtime_error);
}

TEST(ChannelConfigTest, ParsesChannelOption) {
  server::ChannelPolicy policy;
  server::AddChannelSpec(policy, "mychannel=MyOrg1MSP,MyOrg2MSP");
  EXPECT_TRUE(policy.Allows("mychannel", "MyOrg2MSP"));
  for (const char* bad : {"mychannel", "=MyOrg1MSP", "mychannel=", "mychannel=MyOrg1MSP,,MyOrg2MSP"}) {
    EXPECT_THROW(server::AddChannelSpec(policy, bad), std::runtime_error) << bad;
  }
}

TEST_F(ServerTest, ErrorKindsMapToStatusCodes) {
  StartServer();
  auto organizations = pb::OrganizationService::NewStub(channel_);
  auto tasks = pb::ComputeTaskService::NewStub(channel_);

  pb::Organization organization;
  auto first = CallAs(kOrg1);
  ASSERT_TRUE(organizations->RegisterOrganization(first.get(), {}, &organization).ok());
  auto second = CallAs(kOrg1);
  grpc::Status conflict = organizations->RegisterOrganization(second.get(), {}, &organization);
  EXPECT_EQ(conflict.error_code(), grpc::ALREADY_EXISTS);
  EXPECT_EQ(conflict.error_message().rfind("OE0006: ", 0), 0u) << conflict.error_message();

  pb::GetTaskParam get;
  get.set_key(KeyNumber(99));
  pb::ComputeTask task;
  auto missing_call = CallAs(kOrg1);
  grpc::Status missing = tasks->GetTask(missing_call.get(), get, &task);
  EXPECT_EQ(missing.error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(missing.error_message().rfind("OE0002: ", 0), 0u) << missing.error_message();

  auto functions = pb::FunctionService::NewStub(channel_);
  pb::NewFunction function = NewFunctionRequest("not-a-uuid");
  pb::Function registered;
  auto invalid_call = CallAs(kOrg1);
  grpc::Status invalid = functions->RegisterFunction(invalid_call.get(), function, &registered);
  EXPECT_EQ(invalid.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(invalid.error_message().rfind("OE0101: ", 0), 0u) << invalid.error_message();

  // The client turns statuses back into the same error kinds.
  ExpectError(client_->RegisterFunction(As(kOrg1), function), ErrorKind::kInvalidAsset, "key");
  ExpectError(client_->GetTask(As(kOrg1), get), ErrorKind::kNotFound, KeyNumber(99));
}

// Reads `count` events from an open subscription.
std::vector<pb::Event> ReadEvents(grpc::ClientReader<pb::Event>& reader, std::size_t count) {
  std::vector<pb::Event> events;
  pb::Event event;
  while (events.size() < count && reader.Read(&event)) events.push_back(event);
  return events;
}

TEST_F(ServerTest, SubscriptionReplaysThenFollowsLive) {
  server::ServerOptions options;
  options.replay_batch_size = 3;  // several replay batches
  StartServer(options);
  Ok(client_->RegisterOrganization(As(kOrg1), {}));
  Ok(client_->RegisterOrganization(As(kOrg2), {}));
  Ok(client_->RegisterOrganization(As(kOrg1, kOtherChannel), {}));
  const std::size_t organizations = 2;
  std::vector<std::string> registered;
  for (int i = 0; i < 7; ++i) {
    registered.push_back(Ok(client_->RegisterFunction(As(kOrg1), NewFunctionRequest(NewKey()))).key());
  }

  auto stub = pb::EventService::NewStub(channel_);
  auto call_a = CallAs(kOrg1);
  auto call_b = CallAs(kOrg2);
  auto reader_a = stub->SubscribeToEvents(call_a.get(), {});
  auto reader_b = stub->SubscribeToEvents(call_b.get(), {});
  std::vector<pb::Event> replay_a = ReadEvents(*reader_a, organizations + 7);
  ASSERT_EQ(replay_a.size(), organizations + 7);
  replay_a.erase(replay_a.begin(), replay_a.begin() + organizations);

  // Live events, while subscriber b has not read its replay yet.
  for (int i = 0; i < 4; ++i) {
    registered.push_back(Ok(client_->RegisterFunction(As(kOrg2), NewFunctionRequest(NewKey()))).key());
  }
  // Another channel: must not reach these subscribers.
  Ok(client_->RegisterFunction(As(kOrg1, kOtherChannel), NewFunctionRequest(NewKey())));
  std::vector<pb::Event> live_a = ReadEvents(*reader_a, 4);
  std::vector<pb::Event> all_b = ReadEvents(*reader_b, organizations + 11);
  ASSERT_EQ(live_a.size(), 4u);
  ASSERT_EQ(all_b.size(), organizations + 11);
  all_b.erase(all_b.begin(), all_b.begin() + organizations);

  replay_a.insert(replay_a.end(), live_a.begin(), live_a.end());
  for (std::size_t i = 0; i < registered.size(); ++i) {
    EXPECT_EQ(replay_a[i].asset_key(), registered[i]) << "event " << i;
    EXPECT_EQ(replay_a[i].channel(), kChannel);
    EXPECT_EQ(all_b[i].id(), replay_a[i].id()) << "event " << i;
  }
  call_a->TryCancel();
  call_b->TryCancel();
}

TEST_F(ServerTest, SubscriptionStartsAfterGivenEvent) {
  StartServer();
  Ok(client_->RegisterOrganization(As(kOrg1), {}));
  for (int i = 0; i < 5; ++i) Ok(client_->RegisterFunction(As(kOrg1), NewFunctionRequest(NewKey())));
  EventBatch first = Ok(client_->ReadEvents(As(kOrg1), "", 3));
  ASSERT_EQ(first.events.size(), 3u);
  EventBatch rest = Ok(client_->ReadEvents(As(kOrg1), first.last_event_id, 100));
  ASSERT_EQ(rest.events.size(), 3u);

  // The same batches as the in-process core gives.
  EventBatch expected = Ok(core_.ReadEvents(As(kOrg1), first.last_event_id, 100));
  ASSERT_EQ(expected.events.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(ProtoEquals(expected.events[i], rest.events[i]));
  EXPECT_EQ(rest.last_event_id, expected.last_event_id);
}

TEST_F(ServerTest, SubscriptionWithUnknownStartIsNotFound) {
  StartServer();
  Ok(client_->RegisterOrganization(As(kOrg1), {}));
  Ok(client_->RegisterFunction(As(kOrg1), NewFunctionRequest(NewKey())));
  auto stub = pb::EventService::NewStub(channel_);
  auto call = CallAs(kOrg1);
  pb::SubscribeToEventsParam request;
  request.set_start_event_id("00000000-0000-4000-8000-0000000000ff");
  auto reader = stub->SubscribeToEvents(call.get(), request);
  pb::Event event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(status.error_message().rfind("OE0002: ", 0), 0u) << status.error_message();
}

TEST_F(ServerTest, ShutdownEndsSubscriptions) {
  StartServer();
  Ok(client_->RegisterOrganization(As(kOrg1), {}));
  auto stub = pb::EventService::NewStub(channel_);
  auto call = CallAs(kOrg1);
  auto reader = stub->SubscribeToEvents(call.get(), {});
  ASSERT_EQ(ReadEvents(*reader, 1).size(), 1u);

  auto started = std::chrono::steady_clock::now();
  server_->Shutdown(std::chrono::seconds(10));
  pb::Event event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::UNAVAILABLE) << status.error_message();
  // The subscription ended on the shutdown, not at the end of the grace.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(9));
}

// Returns the body of GET /metrics on 127.0.0.1:port.
std::string FetchMetrics(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return "";
  }
  std::string response;
  char buffer[4096];
  ssize_t read_bytes = 0;
  while ((read_bytes = read(fd, buffer, sizeof buffer)) > 0) response.append(buffer, static_cast<std::size_t>(read_bytes));
  close(fd);
  return response;
}

TEST_F(ServerTest, MetricsCountRequestsPerMethod) {
  server::ServerOptions options;
  options.metrics_address = "127.0.0.1:0";
  StartServer(options);
  Ok(client_->RegisterOrganization(As(kOrg1), {}));
  ASSERT_FALSE(client_->RegisterOrganization(As(kOrg1), {}).ok());
  std::string metrics = FetchMetrics(server_->metrics_port());
  EXPECT_NE(metrics.find("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"RegisterOrganization\""),
            std::string::npos)
      << metrics.substr(0, 2000);
  EXPECT_NE(metrics.find("grpc_code=\"ALREADY_EXISTS\",grpc_method=\"RegisterOrganization\""), std::string::npos);
  EXPECT_NE(metrics.find("grpc_server_handling_seconds_bucket{grpc_method=\"RegisterOrganization\""),
            std::string::npos);
}

// Eight clients work on the tasks of one plan at once. Each task is claimed
// by several clients: exactly one start succeeds, the others get a clean
// OE0003, and every task ends DONE with its model.
TEST_F(ServerTest, ConcurrentClientsOnOnePlan) {
  StartServer();
  std::string function_key;
  TaskData data;
  std::string plan_key = RegisterPlanSetup(function_key, data);

  constexpr int kTasks = 64;
  constexpr int kClients = 8;
  pb::RegisterTasksParam batch;
  std::vector<std::string> task_keys;
  for (int i = 0; i < kTasks; ++i) {
    task_keys.push_back(NewKey());
    *batch.add_tasks() = TrainTaskRequest(task_keys.back(), plan_key, function_key, data);
  }
  Ok(client_->RegisterTasks(As(kOrg1), batch));
  std::vector<std::string> model_keys;
  for (int i = 0; i < kTasks; ++i) model_keys.push_back(NewKey());

  std::atomic<int> started{0};
  std::atomic<int> rejected_starts{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // Separate connections, as separate backends would have.
      client::GrpcApi api(PlainClientOptions(address_));
      for (int round = 0; round < kTasks; ++round) {
        // Clients c and c+4 race on the same task.
        int index = (round + c % 4 * (kTasks / 4)) % kTasks;
        pb::ApplyTaskActionParam start;
        start.set_compute_task_key(task_keys[static_cast<std::size_t>(index)]);
        start.set_action(pb::TASK_ACTION_DOING);
        auto result = api.ApplyTaskAction(As(kOrg1), start);
        if (!result.ok()) {
          if (result.error().kind() == ErrorKind::kBadRequest) {
            ++rejected_starts;
          } else {
            ++unexpected;
          }
          continue;
        }
        ++started;
        auto model = api.RegisterModel(
            As(kOrg1), NewModelRequest(model_keys[static_cast<std::size_t>(index)], start.compute_task_key(), "model"));
        pb::ApplyTaskActionParam done = start;
        done.set_action(pb::TASK_ACTION_DONE);
        if (!model.ok() || !api.ApplyTaskAction(As(kOrg1), done).ok()) ++unexpected;
      }
    });
  }
  for (std::thread& thread : clients) thread.join();

  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(started.load(), kTasks);
  EXPECT_EQ(rejected_starts.load(), kClients * kTasks - kTasks);
  for (const std::string& key : task_keys) {
    pb::GetTaskParam get;
    get.set_key(key);
    EXPECT_EQ(Ok(client_->GetTask(As(kOrg2), get)).status(), pb::STATUS_DONE) << key;
  }

  // One event per state change: per task CREATED, DOING, model, output, DONE.
  std::size_t task_events = 0;
  std::set<std::string> ids;
  std::string last;
  while (true) {
    EventBatch batch_read = Ok(client_->ReadEvents(As(kOrg1), last, 500));
    for (const pb::Event& event : batch_read.events) {
      EXPECT_TRUE(ids.insert(event.id()).second) << "duplicate event " << event.id();
      if (event.asset_kind() != pb::ASSET_ORGANIZATION && event.asset_kind() != pb::ASSET_FUNCTION &&
          event.asset_kind() != pb::ASSET_DATA_MANAGER && event.asset_kind() != pb::ASSET_DATA_SAMPLE &&
          event.asset_kind() != pb::ASSET_COMPUTE_PLAN) {
        ++task_events;
      }
    }
    if (batch_read.events.size() < 500) break;
    last = batch_read.last_event_id;
  }
  EXPECT_EQ(task_events, static_cast<std::size_t>(kTasks) * 5);
}

// Mutual TLS: certificates made with the openssl command in a temporary
// folder.
class MutualTlsTest : public ServerTest {
 protected:
  static void SetUpTestSuite() {
    directory_ = fs::temp_directory_path() / ("orc-mtls-" + std::to_string(getpid()));
    fs::create_directories(directory_ / "clients");
    const std::string dir = directory_.string();
    std::string script =
        "set -e; cd '" + dir + "'; "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "  -subj '/CN=orc test CA' -keyout ca.key -out ca.pem 2>/dev/null; "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=localhost' "
        "  -keyout server.key -out server.csr 2>/dev/null; "
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext; "
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "  -extfile server.ext -out server.pem 2>/dev/null; "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "  -subj '/O=MyOrg1MSP/CN=client' -keyout clients/MyOrg1MSP.key -out client.csr 2>/dev/null; "
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "  -out clients/MyOrg1MSP.pem 2>/dev/null; "
        // The certificate of MyOrg1MSP, offered when calling as MyOrg2MSP.
        "cp clients/MyOrg1MSP.pem clients/MyOrg2MSP.pem; cp clients/MyOrg1MSP.key clients/MyOrg2MSP.key";
    ASSERT_EQ(std::system(("bash -c \"" + script + "\"").c_str()), 0) << "openssl failed";
  }

  static void TearDownTestSuite() { fs::remove_all(directory_); }

  void StartTlsServer() {
    server::ServerOptions options;
    options.tls_cert_path = (directory_ / "server.pem").string();
    options.tls_key_path = (directory_ / "server.key").string();
    options.tls_client_ca_path = (directory_ / "ca.pem").string();
    StartServer(options);
  }

  client::GrpcApi TlsClient(bool with_certificates) {
    client::ClientOptions options;
    options.address = address_;
    options.tls_ca_path = (directory_ / "ca.pem").string();
    options.tls_server_name = "localhost";
    if (with_certificates) options.tls_client_dir = (directory_ / "clients").string();
    options.call_timeout = std::chrono::seconds(10);
    return client::GrpcApi(options);
  }

  static fs::path directory_;
};

fs::path MutualTlsTest::directory_;

TEST_F(MutualTlsTest, CertificateOrganizationIsAccepted) {
  StartTlsServer();
  client::GrpcApi api = TlsClient(true);
  EXPECT_EQ(Ok(api.RegisterOrganization(As(kOrg1), {})).id(), kOrg1);
}

TEST_F(MutualTlsTest, HeaderDisagreeingWithCertificateIsDenied) {
  StartTlsServer();
  client::GrpcApi api = TlsClient(true);
  // Sends MyOrg1MSP's certificate with the header mspid: MyOrg2MSP.
  ExpectError(api.RegisterOrganization(As(kOrg2), {}), ErrorKind::kPermissionDenied,
              "organization \"MyOrg2MSP\" is not in the client certificate's subject organizations [MyOrg1MSP]");
  // Nothing was registered.
  client::GrpcApi reader = TlsClient(true);
  EXPECT_EQ(Ok(reader.GetAllOrganizations(As(kOrg1), {})).organizations_size(), 0);
}

TEST_F(MutualTlsTest, ClientWithoutCertificateCannotConnect) {
  StartTlsServer();
  client::GrpcApi api = TlsClient(false);
  Result<pb::GetAllOrganizationsResponse> result = api.GetAllOrganizations(As(kOrg1), {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind(), ErrorKind::kUnavailable) << result.error().message();
}

}  // namespace
}  // namespace orc::test
