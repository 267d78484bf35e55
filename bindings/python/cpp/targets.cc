#include "bindings/python/cpp/targets.h"

#include <chrono>
#include <stdexcept>

#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"

namespace orc::python {
namespace {

class MemoryTarget final : public Target {
 public:
  MemoryTarget(std::string name, const TargetOptions& options)
      : name_(std::move(name)), core_(store_, clock_, OrchestratorOptions{ORC_PYTHON_VERSION}) {
    if (options.clock == "manual") {
      clock_.SetManual(sim::kVirtualEpoch);
    } else if (options.clock != "system") {
      throw std::invalid_argument("invalid clock \"" + options.clock + "\": expected \"system\" or \"manual\"");
    }
  }

  Api& api() override { return core_; }
  LedgerClock* clock() override { return &clock_; }
  const std::string& name() const override { return name_; }

 private:
  std::string name_;
  persistence::MemoryStore store_;
  LedgerClock clock_;
  Orchestrator core_;
};

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
      {"memory",
       [](const std::string& target, const TargetOptions& options) -> std::unique_ptr<Target> {
         return std::make_unique<MemoryTarget>(target, options);
       }},
  };
  return schemes;
}

std::unique_ptr<Target> OpenTarget(const std::string& target, const TargetOptions& options) {
  std::string supported;
  for (const TargetScheme& scheme : TargetSchemes()) {
    bool prefix = scheme.pattern.ends_with("://");
    if (prefix ? target.starts_with(scheme.pattern) : target == scheme.pattern) return scheme.open(target, options);
    supported += (supported.empty() ? "" : ", ") + ("\"" + scheme.pattern + (prefix ? "...\"" : "\""));
  }
  throw std::invalid_argument("unsupported target \"" + target + "\": this build of orc opens " + supported);
}

}  // namespace orc::python
