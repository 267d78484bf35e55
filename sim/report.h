// What orcsim prints and writes at the end of a run: the summary text, the
// JSON summary and the performance plot.
#pragma once

#include <ostream>
#include <string>

#include "sim/scenario.h"
#include "sim/simulator.h"

namespace orc::sim {

// Human-readable duration, e.g. "2h 03m 07s" or "45.2s".
std::string FormatDuration(Micros micros);

// Writes the end-of-run summary: plan status, tasks by status, the
// performance table (rounds by organisation), events, virtual duration, API
// calls, trace hash and the expectations.
void PrintSummary(std::ostream& out, const Scenario& scenario, std::uint64_t seed, const RunResult& result);

// Returns the summary as a JSON document (pretty-printed).
std::string SummaryJson(const Scenario& scenario, std::uint64_t seed, const RunResult& result);

// Writes summary.json and performance.png into `directory` (created if
// missing). Returns false and sets `error` on failure.
bool WriteReport(const std::string& directory, const Scenario& scenario, std::uint64_t seed,
                 const RunResult& result, std::string* error);

}  // namespace orc::sim
