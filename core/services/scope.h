// What one service call works with: the requester, the open transaction and
// its time. Services read and write only through it.
#pragma once

#include <string>

#include "core/persistence/store.h"
#include "core/test_faults.h"
#include "core/records.h"

namespace orc::service {

struct Scope {
  const std::string& requester;
  persistence::Transaction& tx;
  // Build version of the orchestrator, as QueryVersion reports it.
  std::string_view version;
  // Deliberate bugs for tests of the test suites; all off outside them.
  TestFaults faults{};

  const std::string& channel() const { return tx.channel(); }
  Micros now() const { return tx.time(); }

  // Records an event in the transaction.
  void Emit(pb::EventKind event_kind, pb::AssetKind asset_kind, std::string asset_key,
            EventAsset asset, std::map<std::string, std::string> metadata = {}) {
    tx.AddEvent(EventDraft{event_kind, asset_kind, std::move(asset_key), std::move(asset),
                           std::move(metadata)});
  }
};

}  // namespace orc::service
