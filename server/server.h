// The orchestrator gRPC server: serves every service of the Substra
// orchestrator 0.37.0 API over an orc::Api (the in-process core in
// standalone mode).
//
// Per request, as 0.37 does: the organisation comes from the `mspid` header
// and the channel from the `channel` header (exactly one value each), the
// channel policy is checked, then the call runs; errors carry the 0.37 code
// in their message and map to the same gRPC status codes. One log line per
// request. The health service and server reflection are registered, and
// Prometheus metrics are served when a metrics address is set.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "core/api.h"
#include "server/event_signal.h"
#include "server/options.h"

namespace grpc {
class Server;
}

namespace orc::server {

class ApiService;
class Metrics;

// Metadata header an orc client may add to SubscribeToEvents: the server
// then replays at most that many events after the start id and ends the
// stream with OK instead of following new events. Other clients never send
// it and get the standard endless stream.
inline constexpr char kReplayLimitHeader[] = "orc-replay-limit";

class Server {
 public:
  // `api` must outlive the server. `signal` is notified after every
  // successful write call made through this server; pass a shared one when
  // writes also reach the store another way.
  Server(Api& api, ServerOptions options, std::shared_ptr<EventSignal> signal = nullptr);
  ~Server();

  // Binds and starts serving. Throws std::runtime_error when the address
  // cannot be bound or a TLS file cannot be read.
  void Start();

  // Port the gRPC listener is bound to (useful with port 0). After Start().
  int port() const { return port_; }
  // Port of the metrics endpoint, or 0 when metrics are off. After Start().
  int metrics_port() const { return metrics_port_; }

  // Stops accepting calls, marks the health service NOT_SERVING, ends the
  // event subscriptions with UNAVAILABLE, and waits for in-flight calls to
  // finish, cancelling those still running after `grace`.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(20));

  // Blocks until the server has shut down.
  void Wait();

 private:
  Api& api_;
  ServerOptions options_;
  std::shared_ptr<EventSignal> signal_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<ApiService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int metrics_port_ = 0;
  std::atomic<bool> shut_down_{false};
};

}  // namespace orc::server
