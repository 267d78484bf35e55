#include "bindings/python/cpp/targets.h"

#include <chrono>
#include <stdexcept>

#include "core/orchestrator.h"

namespace orc::python {
namespace {

const TargetScheme* FindScheme(const std::string& target) {
  for (const TargetScheme& scheme : TargetSchemes()) {
    bool prefix = scheme.pattern.ends_with("://");
    if (prefix ? target.starts_with(scheme.pattern) : target == scheme.pattern) return &scheme;
  }
  return nullptr;
}

std::string SupportedSchemes() {
  std::string supported;
  for (const TargetScheme& scheme : TargetSchemes()) {
    bool prefix = scheme.pattern.ends_with("://");
    supported += (supported.empty() ? "" : ", ") + ("\"" + scheme.pattern + (prefix ? "...\"" : "\""));
  }
  return supported;
}

bool IsPostgres(const std::string& target) {
  return target.starts_with("postgres://") || target.starts_with("postgresql://");
}

// Rejects options that do not apply to `target`, naming the option.
void CheckOptions(const std::string& target, const TargetScheme& scheme, const TargetOptions& options) {
  if (options.clock != "system" && options.clock != "manual") {
    throw std::invalid_argument("invalid clock \"" + options.clock + "\": expected \"system\" or \"manual\"");
  }
  if (scheme.remote && options.clock == "manual") {
    throw std::invalid_argument("clock=\"manual\" needs an in-process target (memory or postgres://), but " +
                                target + " is a server that stamps transactions with its own clock");
  }
  if (!scheme.remote) {
    for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"tls_ca", options.tls_ca},
                                      {"tls_client_dir", options.tls_client_dir},
                                      {"tls_server_name", options.tls_server_name}}) {
      if (!value.empty()) throw std::invalid_argument(std::string(name) + " applies to grpc:// targets only");
    }
  }
  if (options.reset_database && !IsPostgres(target)) {
    throw std::invalid_argument("reset_database applies to postgres:// and postgresql:// targets only");
  }
}

}  // namespace

Micros LedgerClock::Now() {
  if (virtual_ != nullptr) return virtual_->Now();
  if (manual_) return manual_now_;
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
}

void LedgerClock::SetManual(Micros now) {
  manual_ = true;
  manual_now_ = now;
}

const std::vector<TargetScheme>& TargetSchemes() {
  static const std::vector<TargetScheme> schemes = {
      {"memory", false},
      {"postgres://", false},
      {"postgresql://", false},
      {"grpc://", true},
  };
  return schemes;
}

Target::Target(std::unique_ptr<LedgerClock> clock, const TargetOptions& options, const std::string& target)
    : clock_(std::move(clock)) {
  sim::TargetOptions opening;
  opening.tls_ca_path = options.tls_ca;
  opening.tls_client_dir = options.tls_client_dir;
  opening.tls_server_name = options.tls_server_name;
  opening.reset_database = options.reset_database;
  opening.core_clock = clock_.get();
  opening.core_options.version = ORC_PYTHON_VERSION;
  opened_ = sim::OpenTarget(target, opening);
}

std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options,
                                   const std::string& channel) {
  const TargetScheme* scheme = FindScheme(target);
  if (scheme == nullptr) {
    throw std::invalid_argument("unsupported target \"" + target + "\": this build of orc opens " +
                                SupportedSchemes());
  }
  CheckOptions(target, *scheme, options);

  std::unique_ptr<LedgerClock> clock;
  if (!scheme->remote) {
    clock = std::make_unique<LedgerClock>();
    if (options.clock == "manual") clock->SetManual(sim::kVirtualEpoch);
  }
  auto opened = std::make_unique<Target>(std::move(clock), options, target);
  // The reset happens at most once per opening, here rather than at the
  // first scenario run, so that the ledger starts empty.
  if (options.reset_database) opened->PrepareChannel(channel);
  return opened;
}

}  // namespace orc::python
