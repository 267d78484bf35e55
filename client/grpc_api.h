// orc::Api over gRPC: a client of any server that speaks the Substra
// orchestrator 0.37.0 API (orc's `orchestrator`, or the original).
//
// Each call sends the requester as the `mspid` header and the channel as the
// `channel` header. Error statuses become orc::Error values again: the kind
// comes from the OEnnnn code at the start of the status message, or from the
// gRPC status code when the message has none.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/api.h"

namespace grpc {
class Channel;
class Status;
}  // namespace grpc

namespace orc::client {

struct ClientOptions {
  // host:port of the server.
  std::string address;
  // PEM file of the CA that signed the server certificate. Setting it
  // turns TLS on.
  std::string tls_ca_path;
  // Folder of client certificates for mutual TLS: MSPID.pem and MSPID.key
  // for each organisation. Each organisation then connects with its own
  // certificate. Needs tls_ca_path.
  std::string tls_client_dir;
  // Host name to check the server certificate against, when it differs
  // from the host of `address`.
  std::string tls_server_name;
  // Deadline of each unary call, and of each ReadEvents call when
  // wait_for_ready is set.
  std::chrono::milliseconds call_timeout{30'000};
  // Makes calls made while the server is unreachable wait, until their
  // deadline, for the connection to come back instead of failing at once
  // with UNAVAILABLE. A call in flight when the connection drops still
  // fails with UNAVAILABLE. Also caps the reconnection backoff at one
  // second, so that calls resume soon after a server restart.
  bool wait_for_ready = false;
  // ReadEvents on a server that ignores the replay-limit header: how long
  // the stream may stay silent before the replay is taken as complete.
  std::chrono::milliseconds replay_idle_timeout{300};
};

// Returns the orc::Error for a failed gRPC status.
Error ErrorFromStatus(const grpc::Status& status);

class GrpcApi final : public Api {
 public:
  // Connects lazily: the first call opens the connection. Throws
  // std::runtime_error when a TLS file cannot be read.
  explicit GrpcApi(ClientOptions options);
  ~GrpcApi() override;

#define ORC_DECLARE_CLIENT_RPC(Service, Method, Request, Response, ReadOnly)    \
  Result<::orchestrator::Response> Method(const RequestContext& context,        \
                                          const ::orchestrator::Request& request) override;
  ORC_FOR_EACH_RPC(ORC_DECLARE_CLIENT_RPC)
#undef ORC_DECLARE_CLIENT_RPC

  // Replays events through SubscribeToEvents, asking the server with the
  // orc-replay-limit header to end the stream after the batch.
  Result<EventBatch> ReadEvents(const RequestContext& context, const std::string& start_event_id,
                                std::size_t limit) override;

 private:
  struct Stubs;
  Stubs& StubsFor(const std::string& organization);

  ClientOptions options_;
  std::string ca_pem_;
  std::mutex mutex_;
  // One connection for every organisation, or one per organisation under
  // mutual TLS (the key is then the MSP ID).
  std::map<std::string, std::unique_ptr<Stubs>> stubs_;
};

}  // namespace orc::client
