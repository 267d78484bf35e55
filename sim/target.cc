#include "sim/target.h"

#include "client/grpc_api.h"
#include "core/error.h"
#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"
#include "core/persistence/postgres/postgres_store.h"

namespace orc::sim {
namespace {

// The clock an in-process core reads: the caller's when the options give
// one, else the target's virtual clock.
Clock& CoreClock(const TargetOptions& options, VirtualClock& virtual_clock) {
  return options.core_clock != nullptr ? *options.core_clock : virtual_clock;
}

class MemoryTarget final : public Target {
 public:
  MemoryTarget(std::string name, const TargetOptions& options)
      : name_(std::move(name)),
        own_clock_(options.core_clock == nullptr),
        core_(store_, CoreClock(options, clock_), options.core_options) {}
  Api& api() override { return core_; }
  VirtualClock* clock() override { return own_clock_ ? &clock_ : nullptr; }
  bool shared() const override { return false; }
  const std::string& name() const override { return name_; }

 private:
  std::string name_;
  bool own_clock_;
  persistence::MemoryStore store_;
  VirtualClock clock_;
  Orchestrator core_;
};

class PostgresTarget final : public Target {
 public:
  PostgresTarget(std::string name, const TargetOptions& options)
      : name_(std::move(name)), reset_database_(options.reset_database), own_clock_(options.core_clock == nullptr) {
    try {
      store_ = std::make_unique<persistence::PostgresStore>(name_);
    } catch (const OrcError& error) {
      throw TargetError(error.what());
    }
    core_ = std::make_unique<Orchestrator>(*store_, CoreClock(options, clock_), options.core_options);
  }

  Api& api() override { return *core_; }
  VirtualClock* clock() override { return own_clock_ ? &clock_ : nullptr; }
  bool shared() const override { return true; }
  const std::string& name() const override { return name_; }

  void PrepareChannel(const std::string& channel, const std::string& requester = {}) override {
    static_cast<void>(requester);
    try {
      if (reset_database_) {
        store_->ResetDatabase();
        reset_database_ = false;  // once per opening, not once per run
      } else if (store_->HasChannelData(channel)) {
        throw TargetError("the database already contains data of channel \"" + channel +
                          "\"; pass --reset-database to delete the rows of orc's tables (every channel) first");
      }
    } catch (const OrcError& error) {
      throw TargetError(error.what());
    }
  }

 private:
  std::string name_;
  bool reset_database_;
  bool own_clock_;
  std::unique_ptr<persistence::PostgresStore> store_;
  VirtualClock clock_;
  std::unique_ptr<Orchestrator> core_;
};

class GrpcTarget final : public Target {
 public:
  GrpcTarget(std::string name, client::ClientOptions options) : name_(std::move(name)), api_(std::move(options)) {}
  Api& api() override { return api_; }
  VirtualClock* clock() override { return nullptr; }
  bool shared() const override { return true; }
  const std::string& name() const override { return name_; }

  // Rejects an unreachable server, and a channel that already holds
  // organisations: a scenario registers its own, and a rerun on the same
  // channel would only collect ALREADY_EXISTS errors.
  void PrepareChannel(const std::string& channel, const std::string& requester = {}) override {
    if (requester.empty()) return;
    auto organizations = api_.GetAllOrganizations(RequestContext{requester, channel}, {});
    if (!organizations.ok()) {
      if (organizations.error().kind() == ErrorKind::kUnavailable) {
        throw TargetError("cannot reach the server at " + name_ + ": " + organizations.error().message());
      }
      return;  // other errors, such as the channel policy, show in the run's trace
    }
    if (organizations->organizations_size() > 0) {
      throw TargetError("channel \"" + channel + "\" on " + name_ + " already holds " +
                        std::to_string(organizations->organizations_size()) +
                        " organisations from an earlier run; pass --channel NAME with a new channel");
    }
  }

 private:
  std::string name_;
  client::GrpcApi api_;
};

constexpr std::string_view kGrpcScheme = "grpc://";

bool IsPostgresUrl(const std::string& target) {
  return target.starts_with("postgres://") || target.starts_with("postgresql://");
}

}  // namespace

std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options) {
  if (options.reset_database && !IsPostgresUrl(target)) {
    throw TargetError("--reset-database needs a postgres:// target");
  }
  if (options.wait_for_server.count() > 0 && !target.starts_with(kGrpcScheme)) {
    throw TargetError("--wait-for-server needs a grpc:// target");
  }
  if (target.empty() || target == "memory") return std::make_unique<MemoryTarget>("memory", options);
  if (IsPostgresUrl(target)) return std::make_unique<PostgresTarget>(target, options);

  if (target.starts_with(kGrpcScheme)) {
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
    if (options.wait_for_server.count() > 0) {
      client.wait_for_ready = true;
      client.call_timeout = options.wait_for_server;
    }
    try {
      return std::make_unique<GrpcTarget>(target, std::move(client));
    } catch (const std::runtime_error& error) {
      throw TargetError(error.what());
    }
  }
  throw TargetError("unsupported target \"" + target +
                    "\": expected memory, a postgres:// or postgresql:// URL, or grpc://HOST:PORT");
}

}  // namespace orc::sim
