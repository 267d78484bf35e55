#include "sim/conformance.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "sim/digest.h"
#include "sim/scenario.h"
#include "sim/simulator.h"

namespace orc::sim {
namespace {

namespace fs = std::filesystem;

// Suffix of the channels of one conformance run on a shared target: the
// wall time in milliseconds, so that a rerun against the same server starts
// on fresh channels. Channel names are not part of the digest.
std::string RunSuffix() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::ostringstream suffix;
  suffix << std::hex << now;
  return suffix.str();
}

// Returns `target` with the password of a URL (scheme://user:password@host)
// replaced by "***", for printing.
std::string RedactPassword(const std::string& target) {
  auto scheme_end = target.find("://");
  if (scheme_end == std::string::npos) return target;
  auto at = target.find('@', scheme_end + 3);
  auto colon = target.find(':', scheme_end + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return target;
  return target.substr(0, colon + 1) + "***" + target.substr(at);
}

std::vector<fs::path> ListScenarios(const std::string& directory, const std::string& filter,
                                    const std::vector<std::string>& exclude) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    const std::string name = entry.path().filename().string();
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    bool excluded = std::any_of(exclude.begin(), exclude.end(),
                                [&](const std::string& text) { return name.find(text) != std::string::npos; });
    if (!excluded) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void WriteGolden(const std::string& path, const std::map<std::string, std::string>& digests) {
  std::ofstream file(path);
  file << "# Golden state digests of the scenarios in this folder, each run with its own seed.\n"
          "# Written by `orcsim conformance --update`; checked by `orcsim conformance`.\n"
          "# A digest covers every asset and event of the run's channel, read through the API,\n"
          "# with timestamps and event ids left out.\n";
  for (const auto& [name, digest] : digests) file << name << ' ' << digest << '\n';
  if (!file) throw std::runtime_error("cannot write golden file " + path);
}

}  // namespace

std::map<std::string, std::string> LoadGoldenDigests(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read golden file " + path);
  std::map<std::string, std::string> digests;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    std::string digest;
    std::string extra;
    fields >> name >> digest;
    if (name.empty() || digest.size() != 64 || (fields >> extra)) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": expected `FILE_NAME SHA256`");
    }
    digests[name] = digest;
  }
  return digests;
}

int RunConformance(const ConformanceOptions& options, std::ostream& out, std::ostream& err) {
  const std::string golden_path =
      options.golden_path.empty() ? options.scenario_directory + "/golden-digests.txt" : options.golden_path;

  std::vector<fs::path> files;
  std::map<std::string, std::string> golden;
  try {
    files = ListScenarios(options.scenario_directory, options.filter, options.exclude);
    if (!options.update) golden = LoadGoldenDigests(golden_path);
  } catch (const std::exception& error) {
    err << "orcsim: " << error.what() << "\n";
    return 2;
  }
  if (files.empty()) {
    err << "orcsim: no scenario (*.yaml) in " << options.scenario_directory << "\n";
    return 2;
  }

  const std::string suffix = RunSuffix();
  std::map<std::string, std::string> digests;
  int failures = 0;
  out << std::left << std::setw(26) << "scenario" << std::setw(8) << "result" << std::setw(10) << "seconds"
      << "digest\n";
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    auto started = std::chrono::steady_clock::now();
    std::string verdict = "ERROR";
    std::string detail;
    std::string digest_text = "-";
    try {
      Scenario scenario = LoadScenario(file.string());
      std::unique_ptr<Target> target = OpenTarget(options.target, options.target_options);
      if (target->shared()) scenario.channel = "conformance-" + file.stem().string() + "-" + suffix;
      target->PrepareChannel(scenario.channel, scenario.organizations.front().id);

      RunResult run = RunScenario(scenario, target->api(), target->clock(), RunOptions{});
      RequestContext reader{scenario.organizations.front().id, scenario.channel};
      Result<StateDigest> digest = DigestState(target->api(), reader);
      if (!digest.ok()) {
        detail = "reading the final state failed: " + digest.error().message();
      } else {
        digest_text = digest->sha256;
        digests[name] = digest->sha256;
        if (options.update) {
          verdict = "WROTE";
        } else if (golden.count(name) == 0) {
          verdict = "MISSING";
          detail = "no golden digest for " + name + " in " + golden_path;
        } else if (golden[name] != digest->sha256) {
          verdict = "DIFFERS";
          detail = "expected " + golden[name] + "; this run: trace " + run.trace_hash + ", " +
                   std::to_string(run.api_calls) + " calls, " + std::to_string(run.failed_calls) + " errors";
          if (!run.stop_reason.empty()) detail += ", stopped: " + run.stop_reason;
        } else {
          verdict = "OK";
        }
      }
    } catch (const std::exception& error) {
      detail = error.what();
    }

    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out << std::setw(26) << name << std::setw(8) << verdict << std::setw(10) << std::fixed << std::setprecision(2)
        << seconds << digest_text << "\n" << std::flush;
    if (verdict != "OK" && verdict != "WROTE") {
      ++failures;
      err << "orcsim: " << name << ": " << detail << "\n";
    }
  }

  if (options.update) {
    try {
      WriteGolden(golden_path, digests);
    } catch (const std::exception& error) {
      err << "orcsim: " << error.what() << "\n";
      return 2;
    }
    out << "wrote " << digests.size() << " digests to " << golden_path << "\n";
    return failures == 0 ? 0 : 1;
  }
  out << (failures == 0 ? "conformance passed: " : "conformance FAILED: ") << files.size() - static_cast<std::size_t>(failures) << "/"
      << files.size() << " scenarios match on target " << RedactPassword(options.target) << "\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace orc::sim
