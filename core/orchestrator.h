// Orchestrator: the in-process core behind the Api interface.
//
// Each call opens one transaction on the store (read-only for the RPCs that
// only read), runs the service, and commits. Any error rolls the transaction
// back, so a failed request leaves no asset and no event behind. The
// transaction time comes from the injected clock, read once per attempt: when
// the store throws TransactionConflict, the call runs again from the start in
// a new transaction while Store::WaitBeforeRetry() returns true, and otherwise
// fails with kUnavailable.
//
// Thread safety: calls may come from several threads when the store allows
// it (the memory store serialises writers); the clock must then be thread-safe
// too.
#pragma once

#include <string>

#include "core/api.h"
#include "core/clock.h"
#include "core/test_faults.h"
#include "core/persistence/store.h"

namespace orc {

struct OrchestratorOptions {
  // Version returned by QueryVersion.
  std::string version = "dev";
  // TEST ONLY: deliberate bugs, all off by default. Never set in a server.
  TestFaults test_faults{};
};

class Orchestrator final : public Api {
 public:
  // `store` and `clock` must outlive the Orchestrator.
  Orchestrator(persistence::Store& store, Clock& clock, OrchestratorOptions options = {});

#define ORC_OVERRIDE_RPC(Service, Method, Request, Response, ReadOnly)                  \
  Result<::orchestrator::Response> Method(const RequestContext& context,                 \
                                          const ::orchestrator::Request& request) override;
  ORC_FOR_EACH_RPC(ORC_OVERRIDE_RPC)
#undef ORC_OVERRIDE_RPC

  Result<EventBatch> ReadEvents(const RequestContext& context, const std::string& start_event_id,
                                std::size_t limit) override;

 private:
  persistence::Store& store_;
  Clock& clock_;
  OrchestratorOptions options_;
};

}  // namespace orc
