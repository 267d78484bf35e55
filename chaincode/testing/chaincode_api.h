// orc::Api over the chaincode: each call becomes one chaincode function call
// sent through a TestPeer, the way the 0.37 gRPC facade calls the chaincode in
// distributed mode. Read-only RPCs are executed only (evaluate); the others
// are committed when they succeed (submit). Events come from the chaincode
// events of committed transactions, as Fabric delivers them, and ReadEvents
// replays that log.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "chaincode/testing/test_peer.h"
#include "core/api.h"
#include "core/clock.h"

namespace orc::chaincode::testing {

class ChaincodeApi final : public Api {
 public:
  // Transaction times come from `clock`; both must outlive the object.
  ChaincodeApi(TestPeer& peer, Clock& clock) : peer_(peer), clock_(clock) {}

#define ORC_CHAINCODE_API_RPC(Service, Method, Request, Response, ReadOnly)             \
  Result<::orchestrator::Response> Method(const RequestContext& context,                 \
                                          const ::orchestrator::Request& request) override;
  ORC_FOR_EACH_RPC(ORC_CHAINCODE_API_RPC)
#undef ORC_CHAINCODE_API_RPC

  Result<EventBatch> ReadEvents(const RequestContext& context, const std::string& start_event_id,
                                std::size_t limit) override;

  // Sends one function call and returns the chaincode's outcome as it is.
  Outcome Call(const RequestContext& context, const std::string& function, const std::string& request_json,
               bool submit);

  // Number of transactions sent so far.
  std::uint64_t transaction_count() const { return transaction_count_; }
  // Number of state calls the chaincode made so far, all types together.
  std::uint64_t state_call_count() const { return state_call_count_; }

 private:
  template <class Request, class Response>
  Result<Response> Forward(const RequestContext& context, const char* service, const char* method,
                           const Request& request, bool read_only);

  TestPeer& peer_;
  Clock& clock_;
  std::mutex mutex_;
  std::uint64_t transaction_count_ = 0;
  std::uint64_t state_call_count_ = 0;
  // Events of committed transactions per channel, in commit order.
  std::map<std::string, std::vector<::orchestrator::Event>> events_;
};

// Rebuilds the core error from a chaincode error text "OEnnnn: detail".
// Texts without a known code become kInternal.
Error ErrorFromMessage(const std::string& message);

}  // namespace orc::chaincode::testing
