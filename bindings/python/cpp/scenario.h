// Scenarios from Python: loading, building from a dict, and runs with the
// seed semantics and trace hash of `orcsim run`.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "bindings/python/cpp/ledger.h"

namespace orc::python {

// Adds Scenario, RunResult, ScenarioError, load_scenario() and
// run_scenario() to `module`, and run_scenario() to Ledger.
void BindScenarios(pybind11::module_& module, pybind11::class_<Ledger, std::shared_ptr<Ledger>>& ledger_class);

}  // namespace orc::python
