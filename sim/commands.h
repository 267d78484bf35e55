// The fault-finding subcommands of orcsim, one file each: explore
// (sim/explore.cc), shrink (sim/shrink.cc) and replay (sim/replay.cc).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "core/test_faults.h"

namespace orc::sim {

// Set by a subcommand's callback when the command line selects it; returns
// orcsim's exit code.
using CommandAction = std::function<int()>;

void AddExploreCommand(CLI::App& app, CommandAction* action);
void AddShrinkCommand(CLI::App& app, CommandAction* action);
void AddReplayCommand(CLI::App& app, CommandAction* action);

// Adds the hidden --test-fault option to `command`.
void AddTestFaultOption(CLI::App& command, std::string* name);

// Turns on the test fault `name` (empty: none). Prints the problem and
// returns false for an unknown name.
bool ParseTestFault(const std::string& name, TestFaults& faults);

// Exit codes shared by the subcommands.
inline constexpr int kExitClean = 0;      // no failure found, or trace reproduced
inline constexpr int kExitFailures = 1;   // a run broke an invariant or an expectation
inline constexpr int kExitUnusable = 2;   // bad command line, scenario or file
inline constexpr int kExitDiverged = 3;   // replay: the run differs from the trace

}  // namespace orc::sim
