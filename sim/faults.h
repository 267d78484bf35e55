// Fault injection between the simulated organisations and the target. The
// injector is an Api that forwards every call to the target. Drawing from
// its own seeded generator, it loses responses, delivers requests twice or
// late, cuts an organisation off for a while, and restarts the server.
//
// The client sees every fault as an OE0900 (Unavailable) error, the way a
// gRPC client sees a deadline or a broken connection; whether the server
// applied the request is for the client to find out. ReadEvents, the event
// stream, passes through untouched.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/api.h"
#include "core/clock.h"
#include "sim/random.h"
#include "sim/scenario.h"

namespace orc::sim {

// Callbacks into the simulation.
struct FaultHooks {
  // Current virtual time, in microseconds since the start of the run.
  std::function<Micros()> now;
  // Runs `action` at virtual time `at`.
  std::function<void(Micros at, std::function<void()> action)> schedule;
  // Records one fault in the trace: organisation, method and what happened.
  std::function<void(const std::string& org, const std::string& method, const std::string& what)> note;
  // Re-creates the server and returns the new target, or null when the
  // target cannot restart (then a server restart is a no-op).
  std::function<Api*()> restart_server;
};

class FaultInjector final : public Api {
 public:
  FaultInjector(Api& target, const FaultSpec& spec, std::uint64_t seed, FaultHooks hooks);

  // Partitions start only once enabled, so that the initial registration is
  // not cut off.
  void EnablePartitions() { partitions_enabled_ = true; }

  // Draws whether an agent crashes before its next action.
  bool DrawAgentCrash() {
    bool crash = rng_.Bernoulli(spec_.agent_crash);
    if (crash) ++injected_;
    return crash;
  }
  Micros DrawRestartDelay();

  std::uint64_t injected() const { return injected_; }

#define ORC_FAULTY_RPC(Service, Method, Request, Response, ReadOnly)                                    \
  Result<::orchestrator::Response> Method(const RequestContext& context,                               \
                                          const ::orchestrator::Request& request) override {           \
    return Deliver<::orchestrator::Response>(                                                           \
        #Method, context, request,                                                                      \
        [](Api& api, const RequestContext& c, const ::orchestrator::Request& r) { return api.Method(c, r); }); \
  }
  ORC_FOR_EACH_RPC(ORC_FAULTY_RPC)
#undef ORC_FAULTY_RPC

  Result<EventBatch> ReadEvents(const RequestContext& context, const std::string& start_event_id,
                                std::size_t limit) override {
    return target_->ReadEvents(context, start_event_id, limit);
  }

 private:
  Micros Draw(const Distribution& distribution);
  // Virtual time as seconds with microseconds, as in the trace.
  static std::string Seconds(Micros time);
  Error Unavailable(const std::string& what) const;

  template <class Response, class Request, class Call>
  Result<Response> Deliver(const char* method, const RequestContext& context, const Request& request, Call call) {
    const Micros now = hooks_.now();
    auto partition = partitioned_until_.find(context.requester);
    if (partition != partitioned_until_.end() && partition->second > now) {
      return Unavailable("organization " + context.requester + " cannot reach the server");
    }
    if (partitions_enabled_ && rng_.Bernoulli(spec_.partition)) {
      ++injected_;
      Micros until = now + Draw(spec_.partition_duration);
      partitioned_until_[context.requester] = until;
      hooks_.note(context.requester, method, "partition until " + Seconds(until));
      return Unavailable("organization " + context.requester + " cannot reach the server");
    }
    if (rng_.Bernoulli(spec_.server_restart)) {
      ++injected_;
      Api* restarted = hooks_.restart_server ? hooks_.restart_server() : nullptr;
      if (restarted != nullptr) target_ = restarted;
      hooks_.note(context.requester, method, restarted != nullptr ? "server restart" : "server restart (no-op)");
    }
    if (rng_.Bernoulli(spec_.slow_response)) {
      ++injected_;
      Micros at = now + Draw(spec_.slow_delay);
      std::string org = context.requester;
      hooks_.note(org, method, "slow, delivered at " + Seconds(at));
      hooks_.schedule(at, [this, method, context, request, call, org] {
        Result<Response> late = call(*target_, context, request);
        hooks_.note(org, method, std::string("late delivery ") + (late.ok() ? "OK" : late.error().message().substr(0, 6)));
      });
      return Unavailable("deadline exceeded");
    }
    Result<Response> result = call(*target_, context, request);
    if (rng_.Bernoulli(spec_.duplicate_request)) {
      ++injected_;
      Result<Response> second = call(*target_, context, request);
      hooks_.note(context.requester, method,
                  std::string("duplicate ") + (second.ok() ? "OK" : second.error().message().substr(0, 6)));
    }
    if (rng_.Bernoulli(spec_.lost_response)) {
      ++injected_;
      hooks_.note(context.requester, method, "response lost");
      return Unavailable("response lost");
    }
    return result;
  }

  Api* target_;
  FaultSpec spec_;
  Rng rng_;
  FaultHooks hooks_;
  bool partitions_enabled_ = false;
  std::map<std::string, Micros> partitioned_until_;
  std::uint64_t injected_ = 0;
};

}  // namespace orc::sim
