// Prometheus metrics of the gRPC server, with the names and labels of
// go-grpc-prometheus (the library 0.37 uses), so that existing dashboards
// keep working: grpc_server_started_total, grpc_server_handled_total and
// grpc_server_handling_seconds, labelled by grpc_service, grpc_method and
// grpc_code.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace orc::server {

class Metrics {
 public:
  // Serves /metrics on `address` (host:port, port 0 picks a free one).
  // Throws std::runtime_error when it cannot listen.
  explicit Metrics(const std::string& address);
  ~Metrics();

  int port() const;

  void RecordStarted(std::string_view service, std::string_view method);
  // Records a finished call: its status code name (for example "OK" or
  // "NOT_FOUND") and duration in seconds.
  void RecordHandled(std::string_view service, std::string_view method, std::string_view code,
                     double seconds);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace orc::server
