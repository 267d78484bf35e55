#include "client/grpc_api.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "computeplan.grpc.pb.h"
#include "computetask.grpc.pb.h"
#include "datamanager.grpc.pb.h"
#include "datasample.grpc.pb.h"
#include "dataset.grpc.pb.h"
#include "event.grpc.pb.h"
#include "failure_report.grpc.pb.h"
#include "function.grpc.pb.h"
#include "info.grpc.pb.h"
#include "model.grpc.pb.h"
#include "organization.grpc.pb.h"
#include "performance.grpc.pb.h"

namespace orc::client {
namespace {

namespace pb = ::orchestrator;

// Metadata header asking an orc server to end a subscription after this
// many replayed events (see server/server.h).
constexpr char kReplayLimitHeader[] = "orc-replay-limit";

// Reconnection backoff under ClientOptions::wait_for_ready.
constexpr std::chrono::milliseconds kReconnectBackoff{100};
constexpr std::chrono::milliseconds kMaxReconnectBackoff{1'000};

std::string ReadFile(const std::string& path, const std::string& what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + what + " " + path);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

// Kinds by code, for the statuses whose message starts with "OEnnnn: ".
std::optional<ErrorKind> KindFromCode(std::string_view code) {
  static constexpr ErrorKind kKinds[] = {
      ErrorKind::kByteArray,         ErrorKind::kNotFound,           ErrorKind::kBadRequest,
      ErrorKind::kConflict,          ErrorKind::kInternal,           ErrorKind::kUnimplemented,
      ErrorKind::kInvalidAsset,      ErrorKind::kPermissionDenied,   ErrorKind::kIncompatibleTaskStatus,
      ErrorKind::kCannotDisableModel, ErrorKind::kMissingTaskOutput, ErrorKind::kIncompatibleKind,
      ErrorKind::kCannotDisableOutput, ErrorKind::kTerminatedComputePlan, ErrorKind::kUnavailable};
  for (ErrorKind kind : kKinds) {
    if (ErrorCode(kind) == code) return kind;
  }
  return std::nullopt;
}

ErrorKind KindFromStatusCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::INVALID_ARGUMENT: return ErrorKind::kInvalidAsset;
    case grpc::NOT_FOUND: return ErrorKind::kNotFound;
    case grpc::ALREADY_EXISTS: return ErrorKind::kConflict;
    case grpc::PERMISSION_DENIED: return ErrorKind::kPermissionDenied;
    case grpc::FAILED_PRECONDITION: return ErrorKind::kBadRequest;
    case grpc::UNIMPLEMENTED: return ErrorKind::kUnimplemented;
    case grpc::UNAVAILABLE:
    case grpc::DEADLINE_EXCEEDED:
    case grpc::RESOURCE_EXHAUSTED:
    case grpc::ABORTED: return ErrorKind::kUnavailable;
    default: return ErrorKind::kInternal;
  }
}

}  // namespace

Error ErrorFromStatus(const grpc::Status& status) {
  const std::string& message = status.error_message();
  // "OE0002: computetask with key ... not found"
  if (message.size() >= 8 && message.compare(0, 2, "OE") == 0 && message[6] == ':') {
    if (auto kind = KindFromCode(std::string_view(message).substr(0, 6))) {
      std::size_t detail = message.size() > 7 && message[7] == ' ' ? 8 : 7;
      return Error(*kind, std::string_view(message).substr(detail));
    }
  }
  return Error(KindFromStatusCode(status.error_code()),
               "gRPC status " + std::to_string(static_cast<int>(status.error_code())) + ": " + message);
}

struct GrpcApi::Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& connection)
      : channel(connection),
        OrganizationService(pb::OrganizationService::NewStub(channel)),
        FunctionService(pb::FunctionService::NewStub(channel)),
        DataManagerService(pb::DataManagerService::NewStub(channel)),
        DataSampleService(pb::DataSampleService::NewStub(channel)),
        DatasetService(pb::DatasetService::NewStub(channel)),
        ComputePlanService(pb::ComputePlanService::NewStub(channel)),
        ComputeTaskService(pb::ComputeTaskService::NewStub(channel)),
        ModelService(pb::ModelService::NewStub(channel)),
        PerformanceService(pb::PerformanceService::NewStub(channel)),
        FailureReportService(pb::FailureReportService::NewStub(channel)),
        EventService(pb::EventService::NewStub(channel)),
        InfoService(pb::InfoService::NewStub(channel)) {}

  std::shared_ptr<grpc::Channel> channel;
  // Named after the services so that the RPC macro below can reach them.
  std::unique_ptr<pb::OrganizationService::Stub> OrganizationService;
  std::unique_ptr<pb::FunctionService::Stub> FunctionService;
  std::unique_ptr<pb::DataManagerService::Stub> DataManagerService;
  std::unique_ptr<pb::DataSampleService::Stub> DataSampleService;
  std::unique_ptr<pb::DatasetService::Stub> DatasetService;
  std::unique_ptr<pb::ComputePlanService::Stub> ComputePlanService;
  std::unique_ptr<pb::ComputeTaskService::Stub> ComputeTaskService;
  std::unique_ptr<pb::ModelService::Stub> ModelService;
  std::unique_ptr<pb::PerformanceService::Stub> PerformanceService;
  std::unique_ptr<pb::FailureReportService::Stub> FailureReportService;
  std::unique_ptr<pb::EventService::Stub> EventService;
  std::unique_ptr<pb::InfoService::Stub> InfoService;
};

GrpcApi::GrpcApi(ClientOptions options) : options_(std::move(options)) {
  if (!options_.tls_ca_path.empty()) ca_pem_ = ReadFile(options_.tls_ca_path, "TLS CA file");
  if (!options_.tls_client_dir.empty() && options_.tls_ca_path.empty()) {
    throw std::runtime_error("client certificates need TLS: set the CA file of the server certificate too");
  }
}

GrpcApi::~GrpcApi() = default;

GrpcApi::Stubs& GrpcApi::StubsFor(const std::string& organization) {
  const std::string key = options_.tls_client_dir.empty() ? std::string() : organization;
  std::lock_guard lock(mutex_);
  auto found = stubs_.find(key);
  if (found != stubs_.end()) return *found->second;

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options_.tls_ca_path.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_pem_;
    if (!key.empty()) {
      // A missing file surfaces as an Unavailable error of the first call.
      std::ifstream probe(options_.tls_client_dir + "/" + key + ".pem");
      if (probe) {
        ssl.pem_cert_chain = ReadFile(options_.tls_client_dir + "/" + key + ".pem", "client certificate");
        ssl.pem_private_key = ReadFile(options_.tls_client_dir + "/" + key + ".key", "client key");
      }
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments arguments;
  if (!options_.tls_server_name.empty()) arguments.SetSslTargetNameOverride(options_.tls_server_name);
  if (options_.wait_for_ready) {
    // gRPC's default backoff grows to 120 s, far longer than a restart.
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kReconnectBackoff.count());
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kReconnectBackoff.count());
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoff.count());
  }
  auto channel = grpc::CreateCustomChannel(options_.address, credentials, arguments);
  auto inserted = stubs_.emplace(key, std::make_unique<Stubs>(channel));
  return *inserted.first->second;
}

namespace {

void AddHeaders(grpc::ClientContext& call, const RequestContext& context) {
  call.AddMetadata("mspid", context.requester);
  call.AddMetadata("channel", context.channel);
}

}  // namespace

#define ORC_DEFINE_CLIENT_RPC(Service, Method, Request, Response, ReadOnly)                                \
  Result<pb::Response> GrpcApi::Method(const RequestContext& context, const pb::Request& request) {        \
    grpc::ClientContext call;                                                                              \
    AddHeaders(call, context);                                                                             \
    call.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);                          \
    call.set_wait_for_ready(options_.wait_for_ready);                                                      \
    pb::Response response;                                                                                 \
    grpc::Status status = StubsFor(context.requester).Service->Method(&call, request, &response);         \
    if (!status.ok()) return ErrorFromStatus(status);                                                      \
    return response;                                                                                       \
  }
ORC_FOR_EACH_RPC(ORC_DEFINE_CLIENT_RPC)
#undef ORC_DEFINE_CLIENT_RPC

namespace {

// Cancels a call once it has been idle for a while, so that a replay from a
// server that never ends the stream still returns. Time spent while the
// channel is not connected does not count: a call waiting for the server
// (wait_for_ready) is not idle.
class IdleWatchdog {
 public:
  IdleWatchdog(grpc::ClientContext& call, grpc::Channel& channel, std::chrono::milliseconds idle)
      : call_(call), channel_(channel), idle_(idle), thread_([this] { Watch(); }) {}

  ~IdleWatchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  void Touch() {
    std::lock_guard lock(mutex_);
    last_activity_ = std::chrono::steady_clock::now();
  }

  bool fired() {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  void Watch() {
    std::unique_lock lock(mutex_);
    while (!done_) {
      auto deadline = last_activity_ + idle_;
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline && channel_.GetState(false) != GRPC_CHANNEL_READY) {
        last_activity_ = now;
        continue;
      }
      if (now >= deadline) {
        fired_ = true;
        call_.TryCancel();
        return;
      }
      wake_.wait_until(lock, deadline);
    }
  }

  grpc::ClientContext& call_;
  grpc::Channel& channel_;
  std::chrono::milliseconds idle_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace

Result<EventBatch> GrpcApi::ReadEvents(const RequestContext& context, const std::string& start_event_id,
                                       std::size_t limit) {
  EventBatch batch;
  batch.last_event_id = start_event_id;
  if (limit == 0) return batch;

  grpc::ClientContext call;
  AddHeaders(call, context);
  call.AddMetadata(kReplayLimitHeader, std::to_string(limit));
  if (options_.wait_for_ready) {
    call.set_wait_for_ready(true);
    call.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
  }
  pb::SubscribeToEventsParam request;
  request.set_start_event_id(start_event_id);

  grpc::Status status;
  bool idle = false;
  {
    Stubs& stubs = StubsFor(context.requester);
    auto reader = stubs.EventService->SubscribeToEvents(&call, request);
    IdleWatchdog watchdog(call, *stubs.channel, options_.replay_idle_timeout);
    pb::Event event;
    while (batch.events.size() < limit && reader->Read(&event)) {
      watchdog.Touch();
      batch.last_event_id = event.id();
      batch.events.push_back(std::move(event));
    }
    if (batch.events.size() == limit) call.TryCancel();  // a server without the header keeps streaming
    status = reader->Finish();
    idle = watchdog.fired();
  }
  if (!status.ok() && !(status.error_code() == grpc::CANCELLED && (idle || batch.events.size() == limit))) {
    return ErrorFromStatus(status);
  }
  return batch;
}

}  // namespace orc::client
