#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <random>
#include <stdexcept>

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
#include "core/records.h"
#include "server/metrics.h"
#include "server/tls.h"

namespace orc::server {
namespace {

namespace pb = ::orchestrator;
using Clock = std::chrono::steady_clock;

// How long a caught-up subscription sleeps before it reads the store again
// without a notification. Bounds the delay of events written by another
// process sharing the store.
constexpr std::chrono::milliseconds kSubscriptionPoll{250};

const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::UNKNOWN: return "UNKNOWN";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::ABORTED: return "ABORTED";
    case grpc::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::INTERNAL: return "INTERNAL";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::DATA_LOSS: return "DATA_LOSS";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

grpc::Status ToStatus(const Error& error) {
  return grpc::Status(static_cast<grpc::StatusCode>(GrpcStatusCode(error.kind())), error.message());
}

// Returns the single value of a metadata header, or nullopt when the header
// is absent or given more than once.
std::optional<std::string> SingleHeader(const grpc::ServerContext& context, const char* name) {
  auto [first, last] = context.client_metadata().equal_range(name);
  if (first == last || std::next(first) != last) return std::nullopt;
  return std::string(first->second.data(), first->second.size());
}

// A random 8-hex-digit request id, used in logs when the client sends no
// `reqid` header.
std::string NewRequestId() {
  thread_local std::mt19937 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint32_t value = generator();
  std::string id(8, '0');
  for (int i = 7; i >= 0; --i, value >>= 4) id[static_cast<std::size_t>(i)] = kHex[value & 0xf];
  return id;
}

// The caller of a request, or the status that rejects it.
struct Caller {
  RequestContext context;
  grpc::Status rejection = grpc::Status::OK;
};

}  // namespace

// Serves every service of the API. One object inherits every generated
// service base: each base registers its own methods, and the RPC names are
// unique across services, so each override belongs to exactly one base.
class ApiService final : public pb::OrganizationService::Service,
                         public pb::FunctionService::Service,
                         public pb::DataManagerService::Service,
                         public pb::DataSampleService::Service,
                         public pb::DatasetService::Service,
                         public pb::ComputePlanService::Service,
                         public pb::ComputeTaskService::Service,
                         public pb::ModelService::Service,
                         public pb::PerformanceService::Service,
                         public pb::FailureReportService::Service,
                         public pb::EventService::Service,
                         public pb::InfoService::Service {
 public:
  ApiService(Api& api, const ServerOptions& options, EventSignal& signal, Metrics* metrics,
             const std::atomic<bool>& shut_down)
      : api_(api), options_(options), signal_(signal), metrics_(metrics), shut_down_(shut_down) {}

  void RegisterWith(grpc::ServerBuilder& builder) {
    builder.RegisterService(static_cast<pb::OrganizationService::Service*>(this));
    builder.RegisterService(static_cast<pb::FunctionService::Service*>(this));
    builder.RegisterService(static_cast<pb::DataManagerService::Service*>(this));
    builder.RegisterService(static_cast<pb::DataSampleService::Service*>(this));
    builder.RegisterService(static_cast<pb::DatasetService::Service*>(this));
    builder.RegisterService(static_cast<pb::ComputePlanService::Service*>(this));
    builder.RegisterService(static_cast<pb::ComputeTaskService::Service*>(this));
    builder.RegisterService(static_cast<pb::ModelService::Service*>(this));
    builder.RegisterService(static_cast<pb::PerformanceService::Service*>(this));
    builder.RegisterService(static_cast<pb::FailureReportService::Service*>(this));
    builder.RegisterService(static_cast<pb::EventService::Service*>(this));
    builder.RegisterService(static_cast<pb::InfoService::Service*>(this));
  }

#define ORC_SERVE_RPC(Service, Method, Request, Response, ReadOnly)                                         \
  grpc::Status Method(grpc::ServerContext* context, const pb::Request* request, pb::Response* response)    \
      override {                                                                                            \
    return ServeUnary(#Service, #Method, ReadOnly, *context, response,                                      \
                      [&](const RequestContext& caller) { return api_.Method(caller, *request); });         \
  }
  ORC_FOR_EACH_RPC(ORC_SERVE_RPC)
#undef ORC_SERVE_RPC

  grpc::Status SubscribeToEvents(grpc::ServerContext* context, const pb::SubscribeToEventsParam* request,
                                 grpc::ServerWriter<pb::Event>* writer) override {
    auto started = Clock::now();
    if (metrics_ != nullptr) metrics_->RecordStarted("EventService", "SubscribeToEvents");
    std::string request_id = SingleHeader(*context, "reqid").value_or(NewRequestId());
    Caller caller = ResolveCaller(*context);
    std::uint64_t sent = 0;
    grpc::Status status = caller.rejection.ok() ? Stream(*context, caller.context, *request, *writer, sent)
                                                : caller.rejection;
    Finish("EventService", "SubscribeToEvents", request_id, caller.context, started, status,
           " events_sent=" + std::to_string(sent));
    return status;
  }

 private:
  template <class Response, class Call>
  grpc::Status ServeUnary(const char* service, const char* method, bool read_only, grpc::ServerContext& context,
                          Response* response, Call call) {
    auto started = Clock::now();
    if (metrics_ != nullptr) metrics_->RecordStarted(service, method);
    std::string request_id = SingleHeader(context, "reqid").value_or(NewRequestId());
    Caller caller = ResolveCaller(context);
    grpc::Status status = caller.rejection;
    if (status.ok()) {
      try {
        Result<Response> result = call(caller.context);
        if (result.ok()) {
          *response = std::move(result).value();
          if (!read_only) signal_.Notify();
        } else {
          status = ToStatus(result.error());
        }
      } catch (const std::exception& error) {
        status = grpc::Status(grpc::INTERNAL, std::string("OE0007: ") + error.what());
      }
    }
    Finish(service, method, request_id, caller.context, started, status, "");
    return status;
  }

  // Reads the headers and checks the channel policy, with the 0.37 status
  // codes: a missing `mspid` is a FAILED_PRECONDITION with OE0003, the
  // channel errors are UNKNOWN.
  Caller ResolveCaller(const grpc::ServerContext& context) const {
    Caller caller;
    std::optional<std::string> mspid = SingleHeader(context, "mspid");
    if (!mspid || mspid->empty()) {
      caller.rejection = grpc::Status(grpc::FAILED_PRECONDITION, "OE0003: missing or invalid header 'mspid'");
      return caller;
    }
    caller.context.requester = *mspid;
    if (!options_.tls_client_ca_path.empty()) {
      caller.rejection = CheckCertificateOrganization(context, *mspid);
      if (!caller.rejection.ok()) return caller;
    }
    std::optional<std::string> channel = SingleHeader(context, "channel");
    if (!channel || channel->empty()) {
      caller.rejection = grpc::Status(grpc::UNKNOWN, "missing or invalid header 'channel'");
      return caller;
    }
    caller.context.channel = *channel;
    const ChannelPolicy& policy = options_.channels;
    if (!policy.open() && !policy.KnowsOrganization(*mspid)) {
      caller.rejection = grpc::Status(grpc::UNKNOWN, "organization \"" + *mspid + "\" is unknown");
    } else if (!policy.Allows(*channel, *mspid)) {
      caller.rejection = grpc::Status(
          grpc::UNKNOWN, "organization \"" + *mspid + "\" has not access to channel \"" + *channel + "\"");
    }
    return caller;
  }

  // Under mutual TLS the `mspid` header must name an organisation of the
  // client certificate's subject.
  static grpc::Status CheckCertificateOrganization(const grpc::ServerContext& context, const std::string& mspid) {
    auto auth = context.auth_context();
    std::vector<grpc::string_ref> certificates =
        auth ? auth->FindPropertyValues("x509_pem_cert") : std::vector<grpc::string_ref>{};
    if (certificates.empty()) {
      return grpc::Status(grpc::PERMISSION_DENIED,
                          "OE0102: invalid MSPID: no client certificate to check organization \"" + mspid + "\"");
    }
    std::vector<std::string> organizations =
        SubjectOrganizations(std::string(certificates.front().data(), certificates.front().size()));
    if (std::find(organizations.begin(), organizations.end(), mspid) != organizations.end()) {
      return grpc::Status::OK;
    }
    std::string listed;
    for (const std::string& organization : organizations) listed += (listed.empty() ? "" : ", ") + organization;
    return grpc::Status(grpc::PERMISSION_DENIED, "OE0102: invalid MSPID: organization \"" + mspid +
                                                     "\" is not in the client certificate's subject organizations [" +
                                                     listed + "]");
  }

  // Replays the events after the start id, then follows new ones until the
  // client cancels or the server shuts down. With the replay-limit header,
  // ends after that many events or when the replay is exhausted.
  grpc::Status Stream(grpc::ServerContext& context, const RequestContext& caller,
                      const pb::SubscribeToEventsParam& request, grpc::ServerWriter<pb::Event>& writer,
                      std::uint64_t& sent) {
    std::optional<std::uint64_t> remaining;
    if (auto limit = SingleHeader(context, kReplayLimitHeader)) {
      std::uint64_t value = 0;
      auto [end, error] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
      if (error != std::errc() || end != limit->data() + limit->size() || value == 0) {
        return grpc::Status(grpc::INVALID_ARGUMENT, std::string("OE0101: invalid header '") + kReplayLimitHeader +
                                                        "': expected a positive integer, got \"" + *limit + "\"");
      }
      remaining = value;
    }

    const auto batch_size = static_cast<std::uint64_t>(std::max(options_.replay_batch_size, 1));
    // Opened before the first read, so that a commit between a read and the
    // wait that follows it still wakes the wait.
    EventWaiter waiter;
    if (!remaining && options_.open_event_waiter) {
      try {
        waiter = options_.open_event_waiter();
      } catch (const OrcError& error) {
        return ToStatus(error.error());
      }
    }
    std::string last_event_id = request.start_event_id();
    while (true) {
      std::uint64_t generation = signal_.Generation();
      std::uint64_t requested = remaining ? std::min(*remaining, batch_size) : batch_size;
      Result<EventBatch> batch = api_.ReadEvents(caller, last_event_id, requested);
      if (!batch.ok()) return ToStatus(batch.error());
      for (const pb::Event& event : batch->events) {
        if (!writer.Write(event)) return grpc::Status(grpc::CANCELLED, "the client closed the stream");
        ++sent;
      }
      last_event_id = batch->last_event_id;
      bool caught_up = batch->events.size() < requested;
      if (remaining) {
        *remaining -= batch->events.size();
        if (*remaining == 0 || caught_up) return grpc::Status::OK;
        continue;
      }
      if (!caught_up) continue;
      if (waiter) {
        std::optional<std::uint64_t> position =
            last_event_id.empty() ? std::optional<std::uint64_t>(0) : PositionFromEventId(last_event_id);
        try {
          if (position) waiter(caller.channel, *position, kSubscriptionPoll);
        } catch (const OrcError& error) {
          return ToStatus(error.error());
        }
        // NOTE: an id that does not encode a position (not written by orc)
        // falls back to polling every kSubscriptionPoll.
        if (!position) signal_.WaitChanged(generation, kSubscriptionPoll);
      } else {
        // Wakes on a commit through this server, or after the poll interval
        // for writes that reach the store another way.
        signal_.WaitChanged(generation, kSubscriptionPoll);
      }
      if (shut_down_) return grpc::Status(grpc::UNAVAILABLE, "the server is shutting down");
      if (context.IsCancelled()) return grpc::Status(grpc::CANCELLED, "the client cancelled the stream");
    }
  }

  void Finish(const char* service, const char* method, const std::string& request_id, const RequestContext& caller,
              Clock::time_point started, const grpc::Status& status, const std::string& extra) {
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const char* code = StatusCodeName(status.error_code());
    if (metrics_ != nullptr) metrics_->RecordHandled(service, method, code, seconds);
    if (status.ok()) {
      spdlog::info("request reqid={} method={} mspid={} channel={} duration_ms={:.3f} status=OK{}", request_id,
                   method, caller.requester, caller.channel, seconds * 1000, extra);
    } else {
      spdlog::warn("request reqid={} method={} mspid={} channel={} duration_ms={:.3f} status={} error=\"{}\"{}",
                   request_id, method, caller.requester, caller.channel, seconds * 1000, code,
                   status.error_message(), extra);
    }
  }

  Api& api_;
  const ServerOptions& options_;
  EventSignal& signal_;
  Metrics* metrics_;
  const std::atomic<bool>& shut_down_;
};

Server::Server(Api& api, ServerOptions options, std::shared_ptr<EventSignal> signal)
    : api_(api), options_(std::move(options)), signal_(signal ? std::move(signal) : std::make_shared<EventSignal>()) {}

Server::~Server() {
  if (server_ && !shut_down_) Shutdown(std::chrono::milliseconds(0));
}

void Server::Start() {
  if (!options_.metrics_address.empty()) {
    metrics_ = std::make_unique<Metrics>(options_.metrics_address);
    metrics_port_ = metrics_->port();
  }
  service_ = std::make_unique<ApiService>(api_, options_, *signal_, metrics_.get(), shut_down_);

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options_.tls_cert_path.empty() || !options_.tls_key_path.empty()) {
    if (options_.tls_cert_path.empty() || options_.tls_key_path.empty()) {
      throw std::runtime_error("TLS needs both the server certificate and the server key");
    }
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    ssl.pem_key_cert_pairs.push_back({ReadPemFile(options_.tls_key_path, "TLS key"),
                                      ReadPemFile(options_.tls_cert_path, "TLS certificate")});
    if (!options_.tls_client_ca_path.empty()) {
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
      ssl.pem_root_certs = ReadPemFile(options_.tls_client_ca_path, "client CA certificate");
    }
    credentials = grpc::SslServerCredentials(ssl);
  } else if (!options_.tls_client_ca_path.empty()) {
    throw std::runtime_error("mutual TLS needs TLS: set the server certificate and key too");
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen_address, credentials, &port_);
  service_->RegisterWith(builder);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    server_.reset();
    throw std::runtime_error("cannot listen on " + options_.listen_address);
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (!server_ || shut_down_.exchange(true)) return;
  server_->GetHealthCheckService()->Shutdown();
  signal_->Notify();  // wakes the subscriptions so that they see the shutdown
  server_->Shutdown(std::chrono::system_clock::now() + grace);
}

void Server::Wait() {
  if (server_) server_->Wait();
}

}  // namespace orc::server
