#include "bindings/python/cpp/scenario.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"
#include "sim/target.h"

namespace orc::python {
namespace {

namespace py = pybind11;

// Largest seed accepted, the bound of `orcsim run --seed` and of the
// scenario file's `seed`.
constexpr std::uint64_t kMaxSeed = 9'223'372'036'854'775'807ULL;

// Wall time between two checks for Ctrl-C (and calls of the progress
// callback) during a run. Each check takes the GIL.
constexpr auto kCheckInterval = std::chrono::milliseconds(50);

// A finished run with what its summary needs.
struct RunOutcome {
  sim::Scenario scenario;
  std::uint64_t seed = 0;
  sim::RunResult result;
};

// Returns a Scenario object, a path (str or os.PathLike) or a dict as a
// scenario. A dict has the layout of a scenario file; it is written as JSON,
// which the YAML parser reads, so errors name the field and the line of that
// text.
sim::Scenario ToScenario(py::handle value) {
  if (py::isinstance<sim::Scenario>(value)) return value.cast<sim::Scenario>();
  if (py::isinstance<py::dict>(value)) {
    std::string text = py::module_::import("json").attr("dumps")(value, py::arg("indent") = 2).cast<std::string>();
    return sim::ParseScenario(text, "<dict>");
  }
  if (py::isinstance<py::str>(value) || py::hasattr(value, "__fspath__")) {
    std::string path = py::module_::import("os").attr("fspath")(value).cast<std::string>();
    return sim::LoadScenario(path);
  }
  throw py::type_error(std::string("scenario: expected an orc.Scenario, a path or a dict, got ") +
                       Py_TYPE(value.ptr())->tp_name);
}

std::uint64_t EffectiveSeed(const sim::Scenario& scenario, const py::object& seed) {
  if (seed.is_none()) return scenario.seed;
  if (!PyLong_Check(seed.ptr()) || PyBool_Check(seed.ptr())) {
    throw py::type_error(std::string("seed: expected int, got ") + Py_TYPE(seed.ptr())->tp_name);
  }
  int overflow = 0;
  long long number = PyLong_AsLongLongAndOverflow(seed.ptr(), &overflow);
  if (overflow != 0 || number < 0) {
    throw py::value_error("seed: invalid seed " + py::str(seed).cast<std::string>() +
                          ": expected an integer from 0 to " + std::to_string(kMaxSeed));
  }
  return static_cast<std::uint64_t>(number);
}

// Runs `run` with the GIL released, wiring the trace, the progress callback
// and Ctrl-C. `trace` is None, a path, or a callable taking each line.
RunOutcome RunFromPython(sim::Scenario scenario, const py::object& seed, const py::object& trace,
                         const py::object& progress,
                         const std::function<sim::RunResult(const sim::Scenario&, const sim::RunOptions&)>& run) {
  RunOutcome outcome;
  outcome.seed = EffectiveSeed(scenario, seed);
  if (!progress.is_none() && !PyCallable_Check(progress.ptr())) {
    throw py::type_error(std::string("progress: expected a callable, got ") + Py_TYPE(progress.ptr())->tp_name);
  }

  sim::RunOptions options;
  options.seed = outcome.seed;
  std::ofstream trace_file;
  if (!trace.is_none()) {
    if (PyCallable_Check(trace.ptr()) != 0) {
      options.trace_sink = [&trace](const std::string& line) {
        py::gil_scoped_acquire gil;
        trace(line);
      };
    } else {
      std::string path = py::module_::import("os").attr("fspath")(trace).cast<std::string>();
      // Opened before the run so that a bad path fails at once.
      trace_file.open(path);
      if (!trace_file) {
        errno = errno == 0 ? EACCES : errno;
        PyErr_SetFromErrnoWithFilename(PyExc_OSError, path.c_str());
        throw py::error_already_set();
      }
      options.trace_sink = [&trace_file](const std::string& line) { trace_file << line << '\n'; };
    }
  }

  bool first_check = true;
  auto last_check = std::chrono::steady_clock::now();
  options.progress = [&](int finished, int total, Micros now) {
    auto wall = std::chrono::steady_clock::now();
    if (!first_check && wall - last_check < kCheckInterval) return;
    first_check = false;
    last_check = wall;
    py::gil_scoped_acquire gil;
    if (!progress.is_none()) progress(finished, total, static_cast<double>(now) / 1e6);
    // Raises KeyboardInterrupt after Ctrl-C; the exception unwinds the run.
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };

  {
    py::gil_scoped_release release;
    outcome.result = run(scenario, options);
  }
  if (trace_file.is_open()) trace_file.flush();
  outcome.scenario = std::move(scenario);
  return outcome;
}

py::list PerformanceRows(const sim::RunResult& result) {
  py::list rows;
  for (const sim::PerformanceRow& performance : result.performances) {
    py::dict row;
    row["round"] = performance.round;
    row["organization"] = performance.organization;
    row["function"] = performance.function;
    row["identifier"] = performance.identifier;
    row["task_label"] = performance.task_label;
    row["value"] = performance.value;
    rows.append(row);
  }
  return rows;
}

// Checks that a run may use `channel` of `target`, with the remedy worded
// for Python.
void PrepareChannel(Target& target, const std::string& channel) {
  try {
    py::gil_scoped_release release;
    target.PrepareChannel(channel);
  } catch (const sim::TargetError& error) {
    std::string message = error.what();
    // The message of a channel with data names orcsim's option.
    if (message.find("--reset-database") != std::string::npos) {
      message += " (from Python: orc.open(..., reset_database=True), or run_scenario(..., channel=...) with a "
                 "new channel)";
    }
    throw sim::TargetError(message);
  }
}

}  // namespace

void BindScenarios(py::module_& module, py::class_<Ledger, std::shared_ptr<Ledger>>& ledger_class) {
  py::register_exception<sim::ScenarioError>(module, "ScenarioError", PyExc_ValueError);

  py::class_<sim::Scenario>(module, "Scenario", R"doc(
A validated scenario: organisations, data, functions, the plan, durations,
failures, seed and expectations, as in an orcsim scenario file (see
docs/scenarios.md). Create it with Scenario.load(), Scenario.from_yaml() or
Scenario.from_dict().)doc")
      .def_static(
          "load", [](const py::object& path) { return ToScenario(path); }, py::arg("path"),
          "Read and validate a scenario file. Raises ScenarioError naming the file, line and field.")
      .def_static(
          "from_yaml", [](const std::string& text, const std::string& source) { return sim::ParseScenario(text, source); },
          py::arg("text"), py::arg("source") = "<string>",
          "Parse and validate scenario YAML; `source` names the text in errors.")
      .def_static(
          "from_dict", [](const py::dict& fields) { return ToScenario(fields); }, py::arg("fields"),
          "Validate a scenario given as a dict with the layout of a scenario file. Errors name the field and its "
          "line in the dict written as indented JSON.")
      .def_readonly("name", &sim::Scenario::name)
      .def_readonly("description", &sim::Scenario::description)
      .def_readonly("seed", &sim::Scenario::seed, "Seed of the scenario, used when a run gives none.")
      .def_readonly("channel", &sim::Scenario::channel)
      .def_readonly("path", &sim::Scenario::path, "File it was read from, or the source name.")
      .def_property_readonly(
          "organizations",
          [](const sim::Scenario& scenario) {
            std::vector<std::string> ids;
            for (const sim::Organization& organization : scenario.organizations) ids.push_back(organization.id);
            return ids;
          },
          "MSP IDs of the organisations.")
      .def("__repr__", [](const sim::Scenario& scenario) {
        return "<orc.Scenario name=" + scenario.name + " seed=" + std::to_string(scenario.seed) + ">";
      });

  py::class_<RunOutcome>(module, "RunResult", "Outcome of a scenario run, as orcsim summarises it.")
      .def_property_readonly("scenario", [](const RunOutcome& run) { return run.scenario; })
      .def_readonly("seed", &RunOutcome::seed, "Seed the run used.")
      .def_property_readonly(
          "plan_status", [](const RunOutcome& run) { return run.result.plan_status; },
          "\"done\", \"failed\", \"canceled\" or \"running\".")
      .def_property_readonly(
          "tasks_by_status", [](const RunOutcome& run) { return run.result.tasks_by_status; },
          "Number of tasks per status name (\"done\", \"waiting\", ...).")
      .def_property_readonly("task_count", [](const RunOutcome& run) { return run.result.task_count; })
      .def_property_readonly(
          "plan_running", [](const RunOutcome& run) { return run.result.plan_running; },
          "IsPlanRunning at the end of the run.")
      .def_property_readonly(
          "performances", [](const RunOutcome& run) { return PerformanceRows(run.result); },
          "Performances as a list of dicts (round, organization, function, identifier, task_label, value), by "
          "round then organisation: pandas.DataFrame() takes it as it is.")
      .def_property_readonly("events", [](const RunOutcome& run) { return run.result.events; },
                             "Number of events emitted.")
      .def_property_readonly("api_calls", [](const RunOutcome& run) { return run.result.api_calls; })
      .def_property_readonly("failed_calls", [](const RunOutcome& run) { return run.result.failed_calls; },
                             "API calls that returned an error.")
      .def_property_readonly(
          "virtual_duration",
          [](const RunOutcome& run) { return static_cast<double>(run.result.virtual_duration) / 1e6; },
          "Virtual seconds from the start to the last action, or to the limit when the run was stopped by it.")
      .def_property_readonly(
          "stop_reason",
          [](const RunOutcome& run) -> std::optional<std::string> {
            if (run.result.stop_reason.empty()) return std::nullopt;
            return run.result.stop_reason;
          },
          "Why the run stopped before every agent was idle, or None.")
      .def_property_readonly(
          "trace_hash", [](const RunOutcome& run) { return run.result.trace_hash; },
          "FNV-1a hash of the trace (16 hex digits): the run's identity, equal to orcsim's for the same "
          "scenario and seed.")
      .def_property_readonly(
          "unmet_expectations", [](const RunOutcome& run) { return run.result.unmet_expectations; },
          "The scenario's expectations that the run did not meet, one message each.")
      .def_property_readonly(
          "expectations_met", [](const RunOutcome& run) { return run.result.unmet_expectations.empty(); })
      .def(
          "summary",
          [](const RunOutcome& run) {
            std::ostringstream out;
            sim::PrintSummary(out, run.scenario, run.seed, run.result);
            return out.str();
          },
          "Return the summary text that orcsim run prints.")
      .def(
          "summary_json",
          [](const RunOutcome& run) { return sim::SummaryJson(run.scenario, run.seed, run.result); },
          "Return the summary as the JSON text of orcsim's summary.json.")
      .def(
          "write_report",
          [](const RunOutcome& run, const py::object& directory) {
            std::string path = py::module_::import("os").attr("fspath")(directory).cast<std::string>();
            std::string error;
            if (!sim::WriteReport(path, run.scenario, run.seed, run.result, &error)) throw py::value_error(error);
          },
          py::arg("directory"),
          "Write summary.json and performance.png into `directory` (created when missing), as orcsim --report.")
      .def("__repr__", [](const RunOutcome& run) {
        return "<orc.RunResult scenario=" + run.scenario.name + " plan_status=" + run.result.plan_status +
               " trace_hash=" + run.result.trace_hash + ">";
      });

  module.def(
      "load_scenario", [](const py::object& path) { return ToScenario(path); }, py::arg("path"),
      "Read and validate a scenario file, as Scenario.load().");

  const char* run_doc = R"doc(
Play a scenario, as `orcsim run`: the same scenario and seed give the same
trace and trace hash.

scenario: an orc.Scenario, a path to a scenario file or a dict.
seed: overrides the scenario's seed (0 to 2**63-1).
trace: None, a path to write the trace to (one line per API call), or a
callable that receives each line.
progress: called as progress(finished_tasks, total_tasks, virtual_seconds)
at most every 0.05 s of wall time.

The run releases the GIL. Ctrl-C stops it with KeyboardInterrupt.)doc";

  module.def(
      "run_scenario",
      [](const py::object& scenario, const py::object& seed, const py::object& trace, const py::object& progress) {
        return RunFromPython(ToScenario(scenario), seed, trace, progress,
                             [](const sim::Scenario& parsed, const sim::RunOptions& options) {
                               return sim::RunInMemory(parsed, options);
                             });
      },
      py::arg("scenario"), py::kw_only(), py::arg("seed") = py::none(), py::arg("trace") = py::none(),
      py::arg("progress") = py::none(), (std::string(run_doc) + "\n\nRuns on a new in-memory core.").c_str());

  ledger_class.def(
      "run_scenario",
      [](std::shared_ptr<Ledger> ledger, const py::object& scenario, const py::object& seed, const py::object& trace,
         const py::object& progress, const std::optional<std::string>& channel) {
        sim::Scenario parsed_scenario = ToScenario(scenario);
        if (channel.has_value()) {
          if (channel->empty()) throw py::value_error("run_scenario(): channel must not be empty");
          parsed_scenario.channel = *channel;
        }
        sim::VirtualClock virtual_clock;
        LedgerClock* clock = ledger->target().clock();
        auto lock = ledger->Lock();
        PrepareChannel(ledger->target(), parsed_scenario.channel);
        if (clock != nullptr) clock->UseVirtual(&virtual_clock);
        auto restore_clock = [&] {
          if (clock == nullptr) return;
          clock->UseVirtual(nullptr);
          // Manual time never goes back behind the run's last transaction.
          if (clock->manual()) clock->SetManual(std::max(clock->Now(), virtual_clock.Now()));
        };
        try {
          RunOutcome outcome = RunFromPython(
              std::move(parsed_scenario), seed, trace, progress,
              [&](const sim::Scenario& parsed, const sim::RunOptions& options) {
                return sim::RunScenario(parsed, ledger->target().api(), clock != nullptr ? &virtual_clock : nullptr,
                                        options);
              });
          restore_clock();
          return outcome;
        } catch (...) {
          restore_clock();
          throw;
        }
      },
      py::arg("scenario"), py::kw_only(), py::arg("seed") = py::none(), py::arg("trace") = py::none(),
      py::arg("progress") = py::none(), py::arg("channel") = py::none(),
      (std::string(run_doc) +
       "\n\nRuns against this ledger, whose assets and events stay for queries afterwards. On a fresh ledger, or "
       "a fresh channel of a server or database, the trace hash equals orcsim's. An in-process core is stamped "
       "with the run's virtual time.\n\nchannel: overrides the scenario's channel. On PostgreSQL a channel that "
       "already contains data raises TargetError.")
          .c_str());
}

}  // namespace orc::python
