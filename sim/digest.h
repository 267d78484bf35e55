// The state digest of a channel: one hash of every asset and event the
// channel holds, read through the API only, with timestamps and event ids
// left out so that targets with real clocks and their own event ids compare
// with in-process runs.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/api.h"

namespace orc::sim {

struct StateDigest {
  std::string sha256;  // 64 hex digits
  // Assets read per kind ("organizations", "tasks", "events", ...).
  std::map<std::string, std::uint64_t> counts;
};

// Reads the whole channel of `context` and digests it. Returns the first
// error of a read, if any.
Result<StateDigest> DigestState(Api& api, const RequestContext& context);

}  // namespace orc::sim
