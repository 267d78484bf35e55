#include "sim/faults.h"

#include <algorithm>
#include <cstdio>

namespace orc::sim {

namespace {

// Separates the fault generator's sequence from the run's main generator,
// which is seeded with the same seed.
constexpr std::uint64_t kFaultStream = 0x6661756c74730000ULL;  // "faults"

}  // namespace

FaultInjector::FaultInjector(Api& target, const FaultSpec& spec, std::uint64_t seed, FaultHooks hooks)
    : target_(&target), spec_(spec), rng_(seed ^ kFaultStream), hooks_(std::move(hooks)) {}

Micros FaultInjector::Draw(const Distribution& distribution) {
  double seconds = distribution.a;
  switch (distribution.kind) {
    case Distribution::Kind::kFixed: break;
    case Distribution::Kind::kUniform: seconds = rng_.Uniform(distribution.a, distribution.b); break;
    case Distribution::Kind::kNormal: seconds = rng_.Normal(distribution.a, distribution.b); break;
  }
  return static_cast<Micros>(std::max(seconds, 0.0) * 1e6 + 0.5);
}

std::string FaultInjector::Seconds(Micros time) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%06lld", static_cast<long long>(time / 1'000'000),
                static_cast<long long>(time % 1'000'000));
  return buffer;
}

Micros FaultInjector::DrawRestartDelay() { return Draw(spec_.agent_restart_delay); }

Error FaultInjector::Unavailable(const std::string& what) const {
  return Error(ErrorKind::kUnavailable, "simulated fault: " + what);
}

}  // namespace orc::sim
