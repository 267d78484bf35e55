#include "core/error.h"

namespace orc {

std::string_view ErrorCode(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kByteArray: return "OE0001";
    case ErrorKind::kNotFound: return "OE0002";
    case ErrorKind::kBadRequest: return "OE0003";
    case ErrorKind::kConflict: return "OE0006";
    case ErrorKind::kInternal: return "OE0007";
    case ErrorKind::kUnimplemented: return "OE0010";
    case ErrorKind::kInvalidAsset: return "OE0101";
    case ErrorKind::kPermissionDenied: return "OE0102";
    case ErrorKind::kIncompatibleTaskStatus: return "OE0104";
    case ErrorKind::kCannotDisableModel: return "OE0105";
    case ErrorKind::kMissingTaskOutput: return "OE0106";
    case ErrorKind::kIncompatibleKind: return "OE0107";
    case ErrorKind::kCannotDisableOutput: return "OE0108";
    case ErrorKind::kTerminatedComputePlan: return "OE0109";
    case ErrorKind::kUnavailable: return "OE0900";
  }
  return "OE0007";
}

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kByteArray: return "ErrByteArray";
    case ErrorKind::kNotFound: return "ErrNotFound";
    case ErrorKind::kBadRequest: return "ErrBadRequest";
    case ErrorKind::kConflict: return "ErrConflict";
    case ErrorKind::kInternal: return "ErrInternal";
    case ErrorKind::kUnimplemented: return "ErrUnimplemented";
    case ErrorKind::kInvalidAsset: return "ErrInvalidAsset";
    case ErrorKind::kPermissionDenied: return "ErrPermissionDenied";
    case ErrorKind::kIncompatibleTaskStatus: return "ErrIncompatibleTaskStatus";
    case ErrorKind::kCannotDisableModel: return "ErrCannotDisableModel";
    case ErrorKind::kMissingTaskOutput: return "ErrMissingTaskOutput";
    case ErrorKind::kIncompatibleKind: return "ErrIncompatibleKind";
    case ErrorKind::kCannotDisableOutput: return "ErrCannotDisableOutput";
    case ErrorKind::kTerminatedComputePlan: return "ErrTerminatedComputePlan";
    case ErrorKind::kUnavailable: return "ErrUnavailable";
  }
  return "ErrInternal";
}

int GrpcStatusCode(ErrorKind kind) {
  // Numeric values of grpc::StatusCode, spelled out so that the core does not
  // depend on gRPC.
  constexpr int kUnknown = 2;
  constexpr int kInvalidArgument = 3;
  constexpr int kNotFound = 5;
  constexpr int kAlreadyExists = 6;
  constexpr int kPermissionDenied = 7;
  constexpr int kFailedPrecondition = 9;
  constexpr int kUnimplemented = 12;
  constexpr int kInternal = 13;
  constexpr int kUnavailable = 14;
  switch (kind) {
    case ErrorKind::kByteArray: return kUnknown;
    case ErrorKind::kNotFound: return kNotFound;
    case ErrorKind::kBadRequest: return kFailedPrecondition;
    case ErrorKind::kConflict: return kAlreadyExists;
    case ErrorKind::kInternal: return kInternal;
    case ErrorKind::kUnimplemented: return kUnimplemented;
    case ErrorKind::kInvalidAsset: return kInvalidArgument;
    case ErrorKind::kPermissionDenied: return kPermissionDenied;
    case ErrorKind::kIncompatibleTaskStatus: return kInvalidArgument;
    case ErrorKind::kCannotDisableModel: return kInvalidArgument;
    case ErrorKind::kMissingTaskOutput: return kInvalidArgument;
    case ErrorKind::kIncompatibleKind: return kInvalidArgument;
    // 0.37 has no mapping for these two and returns UNKNOWN; both describe a
    // request that does not fit the current state, so orc returns
    // FAILED_PRECONDITION. The message keeps the code for clients.
    case ErrorKind::kCannotDisableOutput: return kFailedPrecondition;
    case ErrorKind::kTerminatedComputePlan: return kFailedPrecondition;
    case ErrorKind::kUnavailable: return kUnavailable;
  }
  return kInternal;
}

Error::Error(ErrorKind kind, std::string_view detail) : kind_(kind) {
  std::string_view code = ErrorCode(kind);
  message_.reserve(code.size() + 2 + detail.size());
  message_.append(code).append(": ").append(detail);
}

void Fail(ErrorKind kind, std::string_view detail) { throw OrcError(kind, detail); }

}  // namespace orc
