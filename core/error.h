// Errors of the orchestrator core.
//
// Every business error carries one of the error kinds of Substra orchestrator
// 0.37.0 and a message that starts with that kind's code ("OE0002: ...") and
// names the field, key or organisation at fault. Clients match on the code.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace orc {

enum class ErrorKind {
  kByteArray,               // OE0001: stored bytes could not be decoded
  kNotFound,                // OE0002: asset absent
  kBadRequest,              // OE0003: request cannot be fulfilled in the current state
  kConflict,                // OE0006: asset already exists
  kInternal,                // OE0007: unexpected internal condition
  kUnimplemented,           // OE0010: unsupported action or kind
  kInvalidAsset,            // OE0101: validation failure
  kPermissionDenied,        // OE0102: requester not allowed
  kIncompatibleTaskStatus,  // OE0104: task cannot be created in that status
  kCannotDisableModel,      // OE0105: kept for completeness, never raised by 0.37
  kMissingTaskOutput,       // OE0106: task has no output with that identifier
  kIncompatibleKind,        // OE0107: output kind differs from the asset kind
  kCannotDisableOutput,     // OE0108: DisableOutput preconditions not met
  kTerminatedComputePlan,   // OE0109: compute plan already canceled or failed
  kUnavailable,             // OE0900: storage busy or unreachable, the request may be retried
};

// Returns the code string of a kind, for example "OE0002".
std::string_view ErrorCode(ErrorKind kind);

// Returns the Go identifier 0.37 uses for a kind, for example "ErrNotFound".
std::string_view ErrorKindName(ErrorKind kind);

// Returns the gRPC status code (as its numeric value) a kind maps to.
int GrpcStatusCode(ErrorKind kind);

// One error: a kind and the full message, code prefix included.
class Error {
 public:
  Error(ErrorKind kind, std::string_view detail);

  ErrorKind kind() const { return kind_; }
  // Full text, for example `OE0002: computetask with key "..." not found`.
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_;
  std::string message_;
};

// Exception used inside the core to abort a request. The public API converts
// it into an Error result: it never crosses the core's boundary.
class OrcError : public std::exception {
 public:
  OrcError(ErrorKind kind, std::string_view detail) : error_(kind, detail) {}
  explicit OrcError(Error error) : error_(std::move(error)) {}

  const Error& error() const { return error_; }
  const char* what() const noexcept override { return error_.message().c_str(); }

 private:
  Error error_;
};

// Thrown by a store when the database aborted the transaction because of a
// concurrent one (a serialization failure or a deadlock). Running the whole
// request again in a new transaction may succeed, so the Orchestrator retries
// it as long as Store::WaitBeforeRetry() allows, then returns kUnavailable.
class TransactionConflict : public OrcError {
 public:
  explicit TransactionConflict(std::string_view reason)
      : OrcError(ErrorKind::kUnavailable, reason), reason_(reason) {}

  // The database's description of the conflict, without the error code.
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

// Throws an OrcError of the given kind.
[[noreturn]] void Fail(ErrorKind kind, std::string_view detail);

}  // namespace orc
