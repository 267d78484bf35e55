// Conversion between protobuf messages and plain Python values, driven by
// the message descriptors so that one pair of functions serves every RPC.
//
// The mapping follows protobuf's JSON mapping with the proto field names:
//   message        <-> dict keyed by field name (snake_case)
//   repeated field <-> list
//   map field      <-> dict
//   enum           <-> value name ("STATUS_DONE"); an int is accepted too
//   int, uint      <-> int (64-bit values stay ints, not strings)
//   float, double  <-> float
//   bool, string   <-> bool, str
//   bytes          <-> bytes
//   google.protobuf.Timestamp <-> timezone-aware datetime in UTC; an RFC 3339
//                                 string is accepted too
// Output dicts contain every field, set or not, so that a list of them makes
// a table with the same columns: unset message fields are None. Members of
// a oneof appear only when set.
#pragma once

#include <pybind11/pybind11.h>

#include <google/protobuf/message.h>
#include <cstdint>
#include <string>

namespace orc::python {

// Returns `message` as a new dict (or a datetime for a Timestamp).
pybind11::object MessageToPython(const google::protobuf::Message& message);

// Fills `message` from the fields of `fields`, a dict or any mapping; None
// values leave a field unset. `context` starts error messages, for example
// "GetTask request". Raises TypeError or ValueError naming the field path.
void PythonToMessage(pybind11::handle fields, google::protobuf::Message* message, const std::string& context);

// Returns a time in microseconds since the Unix epoch as an aware datetime.
pybind11::object MicrosToDateTime(std::int64_t micros);

// Returns an aware datetime or an RFC 3339 string as microseconds since the
// Unix epoch. `context` names the argument in errors.
std::int64_t DateTimeToMicros(pybind11::handle value, const std::string& context);

// Imports the datetime C API. Call once while the module initialises.
void InitializeConversions();

}  // namespace orc::python
