#include "core/records.h"

#include <type_traits>

namespace orc {

namespace {

constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr std::uint64_t kEventPositionMask = 0xffffffffffffULL;

// SplitMix64 finaliser: a bijection on 64-bit values, so distinct positions
// give distinct ids.
std::uint64_t Mix(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

// Writes the low `digits` hex digits of `value`, lower case, to `out`.
void WriteHex(std::uint64_t value, int digits, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kDigits[value & 0xf];
    value >>= 4;
  }
}

}  // namespace

void SetTimestamp(Micros micros, google::protobuf::Timestamp* out) {
  Micros seconds = micros / kMicrosPerSecond;
  Micros rest = micros % kMicrosPerSecond;
  if (rest < 0) {
    seconds -= 1;
    rest += kMicrosPerSecond;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<std::int32_t>(rest * 1000));
}

Micros ToMicros(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() * kMicrosPerSecond + timestamp.nanos() / 1000;
}

std::string EventIdForPosition(std::uint64_t position) {
  // The last 12 hex digits carry the position itself (below 2^48), so that
  // PositionFromEventId is a parse, not a search. The rest is mixed from the
  // position so that ids do not look sequential.
  std::uint64_t high = Mix(position);
  std::uint64_t low = Mix(position ^ 0x5bd1e9955bd1e995ULL);
  // Version 8 (custom) and RFC 4122 variant bits, so the id is a valid UUID.
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000008000ULL;
  std::uint64_t clock_sequence = ((low >> 48) & 0x3fffULL) | 0x8000ULL;
  // Hand-written formatting: this runs once per event, on the hot path.
  std::string id(36, '-');
  WriteHex(high >> 32, 8, &id[0]);
  WriteHex(high >> 16, 4, &id[9]);
  WriteHex(high, 4, &id[14]);
  WriteHex(clock_sequence, 4, &id[19]);
  WriteHex(position & kEventPositionMask, 12, &id[24]);
  return id;
}

std::optional<std::uint64_t> PositionFromEventId(std::string_view event_id) {
  if (event_id.size() != 36) return std::nullopt;
  std::uint64_t position = 0;
  for (char c : event_id.substr(24)) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    position = position * 16 + static_cast<std::uint64_t>(digit);
  }
  if (position == 0 || EventIdForPosition(position) != event_id) return std::nullopt;
  return position;
}

void FillProto(const StoredEvent& event, const std::string& channel, pb::Event* out) {
  out->set_id(event.id);
  out->set_asset_key(event.body.asset_key);
  out->set_asset_kind(event.body.asset_kind);
  out->set_event_kind(event.body.event_kind);
  out->set_channel(channel);
  SetTimestamp(event.timestamp, out->mutable_timestamp());
  for (const auto& [key, value] : event.body.metadata) (*out->mutable_metadata())[key] = value;

  std::visit(
      [out](const auto& asset) {
        using T = std::decay_t<decltype(*asset)>;
        if (!asset) return;
        if constexpr (std::is_same_v<T, pb::Organization>) out->mutable_organization()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::Function>) out->mutable_function()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::DataManager>) out->mutable_data_manager()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::DataSample>) out->mutable_data_sample()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::ComputePlan>) out->mutable_compute_plan()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::ComputeTask>) out->mutable_compute_task()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::Model>) out->mutable_model()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::Performance>) out->mutable_performance()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::FailureReport>) out->mutable_failure_report()->CopyFrom(*asset);
        else if constexpr (std::is_same_v<T, pb::ComputeTaskOutputAsset>)
          out->mutable_compute_task_output_asset()->CopyFrom(*asset);
      },
      event.body.asset);
}

pb::Event ToProto(const StoredEvent& event, const std::string& channel) {
  pb::Event out;
  FillProto(event, channel, &out);
  return out;
}

}  // namespace orc
