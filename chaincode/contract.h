// The chaincode's contract: the functions of the 0.37 orchestrator chaincode,
// each running one core request over the world state.
//
// Function names are "orchestrator.<contract>:<Method>", with the contract
// named after the gRPC service (organization, function, datamanager,
// datasample, dataset, computeplan, computetask, model, performance,
// failurereport, event, info) and Method the RPC name. The one argument is
// the JSON object {"msg": "<request as protobuf JSON>", "request_id": "<id>"}.
// A successful call returns the same wrapper around the response's protobuf
// JSON, or an empty payload for RPCs whose response message has no field.
// A failed call returns status 500 and the core's error text, which starts
// with the 0.37 error code ("OE0002: ...").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chaincode/state.h"
#include "core/clock.h"

namespace orc::chaincode {

// Name of the one chaincode event a transaction emits; its payload is the
// JSON array of the orchestrator events of the transaction.
inline constexpr char kEventName[] = "chaincode-updates";

// One proposal as the contract sees it.
struct Invocation {
  std::string channel;
  std::string transaction_id;
  // MSP ID of the proposal's creator.
  std::string requester;
  // Timestamp of the proposal's channel header: the transaction time.
  Micros time = 0;
  // Function name, then its arguments.
  std::vector<std::string> args;
};

struct ContractResult {
  // 200 for success, 500 for an error, as Fabric's contract APIs return.
  int status = 200;
  std::string message;
  std::string payload;
  // Payload of the chaincode event, when the transaction emitted events.
  std::optional<std::string> event_payload;
};

struct ContractOptions {
  // Version returned by QueryVersion.
  std::string version = "dev";
};

// Runs one function. Errors of the peer's state calls become status 500
// results too, so this only throws std::bad_alloc.
ContractResult Invoke(const Invocation& invocation, StateAccess& state, const ContractOptions& options);

// Returns the function names the contract serves, sorted.
std::vector<std::string> FunctionNames();

}  // namespace orc::chaincode
