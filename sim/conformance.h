// `orcsim conformance`: runs every scenario of a folder against a target and
// compares each run's state digest with the golden digest of the repository.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "sim/target.h"

namespace orc::sim {

struct ConformanceOptions {
  std::string scenario_directory = "scenarios";
  // File of golden digests; defaults to SCENARIO_DIRECTORY/golden-digests.txt.
  std::string golden_path;
  std::string target = "memory";
  TargetOptions target_options;
  // Rewrite the golden file with the digests of this run instead of
  // comparing.
  bool update = false;
  // Runs only the scenarios whose file name contains this text.
  std::string filter;
  // Skips the scenarios whose file name contains one of these texts.
  std::vector<std::string> exclude;
};

// Golden file format: one `FILE_NAME SHA256` pair per line; blank lines and
// lines starting with '#' are ignored. Throws std::runtime_error naming the
// file and line of a malformed entry.
std::map<std::string, std::string> LoadGoldenDigests(const std::string& path);

// Returns 0 when every digest matches (or the golden file was written), 1
// when one differs or a run fails, 2 for unusable input. Prints one line per
// scenario to `out` and problems to `err`.
int RunConformance(const ConformanceOptions& options, std::ostream& out, std::ostream& err);

}  // namespace orc::sim
