// A Store over the Fabric world state, so that the unchanged core runs inside
// the chaincode.
//
// One WorldStateStore serves one Fabric transaction: Begin() opens the single
// core transaction of the request on the transaction's channel. Reads go to
// the peer through StateAccess, and an overlay of the transaction's own writes
// is merged into point reads and range scans, because the peer does not show a
// transaction its own writes. Commit() sends the writes to the peer in key
// order. Nothing is sent for a transaction that fails, and the peer discards
// the writes of a transaction whose response is an error anyway.
//
// Layout (keys are UTF-8, values binary protobuf with deterministic map order):
//   <resource>:<key>              one asset, resource as in 0.37's chaincode
//                                 (organization, function, datamanager,
//                                 datasample, computeplan, computetask, model,
//                                 performance with key "<task>|<identifier>",
//                                 failurereport, event)
//   composite keys (see world_state_store.cc) for creation order, filters,
//   task parents and children, plan task statuses, models of a task, output
//   assets and event time order. Their value is one 0x00 byte.
//
// Event ids are "<Fabric transaction ID>:<UUID>", the UUID derived from the
// transaction ID and the event's rank in the transaction, so every endorser
// computes the same id. Event positions are ranks inside the transaction;
// replay by position (ReadEventsAfter, FindEventPosition) is not offered
// because Fabric delivers events to subscribers itself.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "chaincode/state.h"
#include "core/persistence/store.h"
#include "event.pb.h"

namespace orc::chaincode {

class WorldStateStore final : public persistence::Store {
 public:
  // `state` must outlive the store and its transaction.
  WorldStateStore(StateAccess& state, std::string transaction_id);

  // Opens the transaction. Only one may be open at a time, and only one may
  // be opened in the store's life, because the peer runs one transaction per
  // proposal.
  std::unique_ptr<persistence::Transaction> Begin(std::string_view channel, persistence::TransactionMode mode,
                                                  Micros time) override;

  // Events of the committed transaction, in emission order, with ids and
  // timestamps. Empty before a commit.
  const std::vector<::orchestrator::Event>& committed_events() const { return committed_events_; }

 private:
  friend class WorldStateTransaction;

  StateAccess& state_;
  std::string transaction_id_;
  bool begun_ = false;
  std::vector<::orchestrator::Event> committed_events_;
};

}  // namespace orc::chaincode
