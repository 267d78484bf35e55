// Targets orcsim plays scenarios against, opened from a target string:
//   memory                     a new in-process core over a memory store
//                              (the default)
//   postgres://... or
//   postgresql://...           the in-process core over a PostgreSQL store
//   grpc://HOST:PORT           a server speaking the orchestrator gRPC API
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/api.h"
#include "core/clock.h"
#include "core/orchestrator.h"
#include "sim/simulator.h"

namespace orc::sim {

struct TargetOptions {
  // grpc:// targets: TLS settings, see orc::client::ClientOptions.
  std::string tls_ca_path;
  std::string tls_client_dir;
  std::string tls_server_name;
  // grpc:// targets: when above zero, each call waits up to this long for
  // an unreachable server to come back (ClientOptions::wait_for_ready, with
  // this as call_timeout) instead of failing at once.
  std::chrono::milliseconds wait_for_server{0};
  // PostgreSQL targets: delete the rows of orc's tables (every channel)
  // before the run. Without it, a database that already contains data of
  // the run's channel is rejected, because the run's requests would
  // conflict with it and its trace would differ.
  bool reset_database = false;
  // memory and PostgreSQL targets: the clock the in-process core reads in
  // place of the target's virtual clock. clock() then returns nullptr and
  // the caller keeps the time. It must outlive the target.
  Clock* core_clock = nullptr;
  // memory and PostgreSQL targets: options of the in-process core.
  OrchestratorOptions core_options;
};

class Target {
 public:
  virtual ~Target() = default;
  virtual Api& api() = 0;
  // Clock the simulator drives, or nullptr when the target keeps its own
  // time (remote targets).
  virtual VirtualClock* clock() = 0;
  // True when the target outlives the run and other runs share it, so that
  // a run needs a channel of its own.
  virtual bool shared() const = 0;
  // The target string it was opened from.
  virtual const std::string& name() const = 0;
  // Checks that a run may use `channel`, after resetting the database when
  // the options ask for it. Throws TargetError when it may not. Servers are
  // asked as `requester`; with an empty requester they are not checked.
  virtual void PrepareChannel(const std::string& channel, const std::string& requester = {}) {
    static_cast<void>(channel);
    static_cast<void>(requester);
  }
};

// A target that cannot be used: malformed or unsupported target string,
// unreadable TLS file, unreachable database, or a database with data of the
// run's channel.
class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options = {});

}  // namespace orc::sim
