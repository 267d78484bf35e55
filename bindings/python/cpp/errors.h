// Core errors as Python exceptions. The exception classes are defined in
// Python (orc/_errors.py, one subclass of orc.OrcError per error kind) and
// registered here when the package is imported.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>

#include "core/error.h"

namespace orc::python {

// Carries a core Error out of a binding function; the registered translator
// raises the matching Python exception.
class CoreError : public std::exception {
 public:
  explicit CoreError(Error error) : error_(std::move(error)) {}
  const Error& error() const { return error_; }
  const char* what() const noexcept override { return error_.message().c_str(); }

 private:
  Error error_;
};

// Adds error_kinds(), _register_error_classes() and _raise_core_error() to
// `module`, and the translator from CoreError.
void BindErrors(pybind11::module_& module);

}  // namespace orc::python
