// Shared, immutable handles on the asset records the core reads and writes.
//
// Asset records are the generated protobuf types of the API, as in the Go
// original. A stored record is never modified in place: an update stores a new
// record, so a handle that was read stays valid and unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common.pb.h"
#include "computeplan.pb.h"
#include "computetask.pb.h"
#include "datamanager.pb.h"
#include "datasample.pb.h"
#include "event.pb.h"
#include "failure_report.pb.h"
#include "function.pb.h"
#include "model.pb.h"
#include "organization.pb.h"
#include "performance.pb.h"
#include "core/clock.h"

namespace orc {

namespace pb = ::orchestrator;

using OrganizationPtr = std::shared_ptr<const pb::Organization>;
using FunctionPtr = std::shared_ptr<const pb::Function>;
using DataManagerPtr = std::shared_ptr<const pb::DataManager>;
using DataSamplePtr = std::shared_ptr<const pb::DataSample>;
using ComputePlanPtr = std::shared_ptr<const pb::ComputePlan>;
using ComputeTaskPtr = std::shared_ptr<const pb::ComputeTask>;
using ModelPtr = std::shared_ptr<const pb::Model>;
using PerformancePtr = std::shared_ptr<const pb::Performance>;
using FailureReportPtr = std::shared_ptr<const pb::FailureReport>;
using OutputAssetPtr = std::shared_ptr<const pb::ComputeTaskOutputAsset>;

// The asset carried by an event: one of the record handles above.
using EventAsset = std::variant<OrganizationPtr, FunctionPtr, DataManagerPtr, DataSamplePtr,
                                ComputePlanPtr, ComputeTaskPtr, ModelPtr, PerformancePtr,
                                FailureReportPtr, OutputAssetPtr>;

// An event as the services emit it. The store gives it its id, position and
// timestamp (the transaction time) when it is added.
struct EventDraft {
  pb::EventKind event_kind = pb::EVENT_UNKNOWN;
  pb::AssetKind asset_kind = pb::ASSET_UNKNOWN;
  std::string asset_key;
  EventAsset asset;
  // Sorted by key; empty for most events, {"reason": ...} for task updates.
  std::map<std::string, std::string> metadata;
};

// An event as stored. `position` is global across channels, gap-free and
// strictly increasing in commit order, starting at 1.
struct StoredEvent {
  std::uint64_t position = 0;
  std::string id;
  Micros timestamp = 0;
  EventDraft body;
};
using StoredEventPtr = std::shared_ptr<const StoredEvent>;

// Builds the API form of a stored event, with `channel` filled in.
pb::Event ToProto(const StoredEvent& event, const std::string& channel);

// Fills `out` with the API form of a stored event.
void FillProto(const StoredEvent& event, const std::string& channel, pb::Event* out);

// Returns the id of the event at a global position: a UUID-shaped string
// derived from the position alone, so that replays produce the same ids.
// Positions must stay below 2^48.
std::string EventIdForPosition(std::uint64_t position);

// Returns the position an event id was made from, or nullopt when `event_id`
// is not an id that EventIdForPosition returns.
std::optional<std::uint64_t> PositionFromEventId(std::string_view event_id);

// One asset registered under a task output, in registration order.
struct OutputAssetRef {
  pb::AssetKind asset_kind = pb::ASSET_UNKNOWN;
  std::string asset_key;
};

// Timestamp conversions. Micros are exact: no rounding happens either way for
// timestamps with whole microseconds.
void SetTimestamp(Micros micros, google::protobuf::Timestamp* out);
Micros ToMicros(const google::protobuf::Timestamp& timestamp);

}  // namespace orc
