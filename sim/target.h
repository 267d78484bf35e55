// Targets orcsim plays scenarios against, opened from a target string:
//   memory            a new in-process core over a memory store (default)
//   grpc://HOST:PORT  a server speaking the orchestrator gRPC API
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "core/api.h"
#include "sim/simulator.h"

namespace orc::sim {

// TLS settings of remote targets; see orc::client::ClientOptions.
struct TargetOptions {
  std::string tls_ca_path;
  std::string tls_client_dir;
  std::string tls_server_name;
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
};

// Thrown for a target string that is malformed or names an unsupported
// kind of target.
class TargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options = {});

}  // namespace orc::sim
