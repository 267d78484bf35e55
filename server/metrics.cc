#include "server/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <stdexcept>

namespace orc::server {

struct Metrics::State {
  explicit State(const std::string& address) : exposer(address) {}

  prometheus::Exposer exposer;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>* started = nullptr;
  prometheus::Family<prometheus::Counter>* handled = nullptr;
  prometheus::Family<prometheus::Histogram>* seconds = nullptr;
};

Metrics::Metrics(const std::string& address) {
  try {
    state_ = std::make_unique<State>(address);
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot serve metrics on " + address + ": " + error.what());
  }
  state_->started = &prometheus::BuildCounter()
                         .Name("grpc_server_started_total")
                         .Help("RPCs the server has started.")
                         .Register(*state_->registry);
  state_->handled = &prometheus::BuildCounter()
                         .Name("grpc_server_handled_total")
                         .Help("RPCs the server has finished, by status code.")
                         .Register(*state_->registry);
  state_->seconds = &prometheus::BuildHistogram()
                         .Name("grpc_server_handling_seconds")
                         .Help("Time the server took to handle each RPC, in seconds.")
                         .Register(*state_->registry);
  state_->exposer.RegisterCollectable(state_->registry);
}

Metrics::~Metrics() = default;

int Metrics::port() const {
  auto ports = state_->exposer.GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

void Metrics::RecordStarted(std::string_view service, std::string_view method) {
  state_->started
      ->Add({{"grpc_service", "orchestrator." + std::string(service)},
             {"grpc_method", std::string(method)},
             {"grpc_type", method == "SubscribeToEvents" ? "server_stream" : "unary"}})
      .Increment();
}

void Metrics::RecordHandled(std::string_view service, std::string_view method, std::string_view code,
                            double seconds) {
  const std::string full_service = "orchestrator." + std::string(service);
  const std::string type = method == "SubscribeToEvents" ? "server_stream" : "unary";
  state_->handled
      ->Add({{"grpc_service", full_service},
             {"grpc_method", std::string(method)},
             {"grpc_type", type},
             {"grpc_code", std::string(code)}})
      .Increment();
  // Bucket bounds in seconds, the same as go-grpc-prometheus uses.
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                   0.5,   1,    2.5,   5,    10};
  state_->seconds
      ->Add({{"grpc_service", full_service}, {"grpc_method", std::string(method)}, {"grpc_type", type}},
            kBuckets)
      .Observe(seconds);
}

}  // namespace orc::server
