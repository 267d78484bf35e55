#include "sim/target.h"

#include "client/grpc_api.h"
#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"

namespace orc::sim {
namespace {

class MemoryTarget final : public Target {
 public:
  explicit MemoryTarget(std::string name) : name_(std::move(name)) {}
  Api& api() override { return core_; }
  VirtualClock* clock() override { return &clock_; }
  bool shared() const override { return false; }
  const std::string& name() const override { return name_; }

 private:
  std::string name_;
  persistence::MemoryStore store_;
  VirtualClock clock_;
  Orchestrator core_{store_, clock_};
};

class GrpcTarget final : public Target {
 public:
  GrpcTarget(std::string name, client::ClientOptions options) : name_(std::move(name)), api_(std::move(options)) {}
  Api& api() override { return api_; }
  VirtualClock* clock() override { return nullptr; }
  bool shared() const override { return true; }
  const std::string& name() const override { return name_; }

 private:
  std::string name_;
  client::GrpcApi api_;
};

constexpr std::string_view kGrpcScheme = "grpc://";

}  // namespace

std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options) {
  if (target.empty() || target == "memory") return std::make_unique<MemoryTarget>("memory");

  if (target.rfind(kGrpcScheme, 0) == 0) {
    std::string address = target.substr(kGrpcScheme.size());
    auto colon = address.rfind(':');
    if (address.empty() || colon == std::string::npos || colon == 0 || colon + 1 == address.size() ||
        address.find('/') != std::string::npos) {
      throw TargetError("invalid target \"" + target + "\": expected grpc://HOST:PORT");
    }
    client::ClientOptions client;
    client.address = address;
    client.tls_ca_path = options.tls_ca_path;
    client.tls_client_dir = options.tls_client_dir;
    client.tls_server_name = options.tls_server_name;
    try {
      return std::make_unique<GrpcTarget>(target, std::move(client));
    } catch (const std::runtime_error& error) {
      throw TargetError(error.what());
    }
  }
  throw TargetError("unsupported target \"" + target + "\": expected memory or grpc://HOST:PORT");
}

}  // namespace orc::sim
