// Writes a scenario back as YAML that ParseScenario reads into the same
// scenario: what `orcsim shrink` saves and traces embed.
#pragma once

#include <string>

#include "sim/scenario.h"

namespace orc::sim {

// Returns `scenario` as a scenario file, `comment` first as YAML comment
// lines. Every field is written out; expectations are left out when
// `with_expectations` is false. Only explicit task graphs and strategies
// with their parameters are supported, which is every scenario.
std::string WriteScenario(const Scenario& scenario, const std::string& comment, bool with_expectations);

// Turns a strategy plan into the equivalent explicit task graph: the tasks
// BuildPlan generates, with their labels as ids, and injected failures
// that name those ids.
Scenario ToExplicitGraph(const Scenario& scenario);

}  // namespace orc::sim
