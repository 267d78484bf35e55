#include "bindings/python/cpp/errors.h"

#include <array>
#include <string>

namespace orc::python {
namespace {

namespace py = pybind11;

constexpr std::array kAllKinds = {
    ErrorKind::kByteArray,          ErrorKind::kNotFound,
    ErrorKind::kBadRequest,         ErrorKind::kConflict,
    ErrorKind::kInternal,           ErrorKind::kUnimplemented,
    ErrorKind::kInvalidAsset,       ErrorKind::kPermissionDenied,
    ErrorKind::kIncompatibleTaskStatus, ErrorKind::kCannotDisableModel,
    ErrorKind::kMissingTaskOutput,  ErrorKind::kIncompatibleKind,
    ErrorKind::kCannotDisableOutput, ErrorKind::kTerminatedComputePlan,
    ErrorKind::kUnavailable,
};

// Kind name ("ErrNotFound") -> Python exception class, set at import.
py::dict& ErrorClasses() {
  static auto* classes = new py::dict();  // never freed: outlives interpreter teardown ordering
  return *classes;
}

void RaiseAsPython(const Error& error) {
  py::str kind(std::string(ErrorKindName(error.kind())));
  py::dict& classes = ErrorClasses();
  if (!classes.contains(kind)) {
    PyErr_SetString(PyExc_RuntimeError, error.message().c_str());
    return;
  }
  py::object cls = classes[kind];
  py::object instance = cls(error.message());
  PyErr_SetObject(cls.ptr(), instance.ptr());
}

}  // namespace

void BindErrors(py::module_& module) {
  module.def(
      "error_kinds",
      [] {
        py::list kinds;
        for (ErrorKind kind : kAllKinds) {
          py::dict row;
          row["kind"] = std::string(ErrorKindName(kind));
          row["code"] = std::string(ErrorCode(kind));
          row["grpc_status"] = GrpcStatusCode(kind);
          kinds.append(row);
        }
        return kinds;
      },
      "Return every error kind of the core: its 0.37.0 name, its code and its gRPC status number.");

  module.def(
      "_register_error_classes", [](const py::dict& classes) { ErrorClasses() = classes; },
      "Set the exception class raised for each kind name. Called by the orc package at import.");

  module.def(
      "_raise_core_error",
      [](const std::string& kind_name, const std::string& detail) {
        for (ErrorKind kind : kAllKinds) {
          if (ErrorKindName(kind) == kind_name) throw CoreError(Error(kind, detail));
        }
        throw py::value_error("unknown error kind \"" + kind_name + "\"");
      },
      "Raise the exception of a core error of the given kind. For tests of kinds the core cannot reach.");

  py::register_exception_translator([](std::exception_ptr pointer) {
    if (!pointer) return;
    try {
      std::rethrow_exception(pointer);
    } catch (const CoreError& error) {
      RaiseAsPython(error.error());
    }
  });
}

}  // namespace orc::python
