// orcsim: plays federated-learning scenarios against the orchestrator core.
//
//   orcsim run SCENARIO [--seed N] [--target T] [--channel C] [--reset-database]
//              [--wait-for-server SECONDS] [--trace FILE] [--report DIR]
//              [--check-invariants] [--digest] [--quiet]
//   orcsim check SCENARIO
//   orcsim conformance [--target T] [--update]
//   orcsim explore | shrink | replay ...  (sim/commands.h)
//
// Exit codes: 0 success (and expectations met), 1 expectations not met, an
// invariant broken (--check-invariants) or the final state unreadable
// (--digest), 2 unusable input (command line, scenario file, output files).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "sim/commands.h"
#include "sim/conformance.h"
#include "sim/digest.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/simulator.h"
#include "sim/target.h"

namespace {

constexpr int kExitMet = 0;
constexpr int kExitUnmet = 1;
constexpr int kExitUnusable = 2;

using orc::sim::Scenario;

// Redraws a one-line progress bar on stderr, at most every 100 ms of wall time.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}

  void Update(int finished, int total, orc::Micros now) {
    if (!enabled_) return;
    auto wall = std::chrono::steady_clock::now();
    if (finished != total && wall - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = wall;
    constexpr int kWidth = 30;
    int filled = total == 0 ? 0 : finished * kWidth / total;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r[%s] %d/%d tasks finished, virtual time %s   ", bar.c_str(), finished, total,
                 orc::sim::FormatDuration(now).c_str());
    drawn_ = true;
  }

  void Finish() {
    if (drawn_) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

// Largest seed accepted, the same bound as the scenario file's `seed`.
constexpr std::uint64_t kMaxSeed = 9'223'372'036'854'775'807ULL;

// Parses --seed: a decimal integer in [0, kMaxSeed]. Returns nullopt and
// prints the problem otherwise.
std::optional<std::uint64_t> ParseSeed(const std::string& text) {
  std::uint64_t seed = 0;
  const char* end = text.data() + text.size();
  auto [parsed_end, error] = std::from_chars(text.data(), end, seed);
  if (text.empty() || error != std::errc() || parsed_end != end || seed > kMaxSeed) {
    std::cerr << "orcsim: invalid --seed \"" << text << "\": expected an integer from 0 to " << kMaxSeed << "\n";
    return std::nullopt;
  }
  return seed;
}

// Options of `orcsim run` beyond the scenario file.
struct RunCommand {
  std::string seed;
  std::string trace_path;
  std::string report_directory;
  bool quiet = false;
  bool check_invariants = false;
  bool digest = false;
  std::string target = "memory";
  std::string channel;
  orc::sim::TargetOptions target_options;
};

int Run(const std::string& path, const RunCommand& command) {
  const std::string& seed_text = command.seed;
  const std::string& trace_path = command.trace_path;
  const std::string& report_directory = command.report_directory;
  Scenario scenario = orc::sim::LoadScenario(path);
  if (!command.channel.empty()) scenario.channel = command.channel;
  std::uint64_t effective_seed = scenario.seed;
  if (!seed_text.empty()) {
    std::optional<std::uint64_t> seed = ParseSeed(seed_text);
    if (!seed) return kExitUnusable;
    effective_seed = *seed;
  }

  // Output files are opened before the run so that a bad path fails at once.
  std::ofstream trace;
  if (!trace_path.empty()) {
    trace.open(trace_path);
    if (!trace) {
      std::cerr << "orcsim: cannot write trace file " << trace_path << ": " << std::strerror(errno) << "\n";
      return kExitUnusable;
    }
  }
  if (!report_directory.empty()) {
    std::error_code code;
    std::filesystem::create_directories(report_directory, code);
    if (code || !std::filesystem::is_directory(report_directory)) {
      std::cerr << "orcsim: cannot create report folder " << report_directory << ": "
                << (code ? code.message() : "not a folder") << "\n";
      return kExitUnusable;
    }
  }

  // Opened before the run so that a bad target string fails at once. The
  // digest reads the final state through the target, so it needs one even
  // in memory.
  std::unique_ptr<orc::sim::Target> target;
  if (command.target != "memory" || command.target_options.reset_database ||
      command.target_options.wait_for_server.count() > 0 || command.digest) {
    try {
      target = orc::sim::OpenTarget(command.target, command.target_options);
      target->PrepareChannel(scenario.channel, scenario.organizations.front().id);
    } catch (const orc::sim::TargetError& error) {
      std::cerr << "orcsim: " << error.what() << "\n";
      return kExitUnusable;
    }
  }

  ProgressBar progress(!command.quiet && isatty(STDERR_FILENO) != 0);
  orc::sim::RunOptions options;
  options.seed = effective_seed;
  options.check_invariants = command.check_invariants;
  if (trace.is_open()) options.trace_sink = [&trace](const std::string& line) { trace << line << '\n'; };
  options.progress = [&progress](int finished, int total, orc::Micros now) { progress.Update(finished, total, now); };

  orc::sim::RunResult result;
  if (target) {
    result = orc::sim::RunScenario(scenario, target->api(), target->clock(), options);
  } else {
    options.keep_store_after_run = true;  // orcsim exits right after the run
    result = orc::sim::RunInMemory(scenario, options);
  }
  progress.Finish();
  if (trace.is_open()) trace.flush();

  orc::sim::PrintSummary(std::cout, scenario, effective_seed, result);
  if (command.check_invariants) {
    std::cout << "invariants     " << (result.violations.empty() ? "hold" : "broken") << " ("
              << result.checker_retried_reads << " reads retried after OE0900)\n";
  }
  for (const std::string& violation : result.violations) std::cout << "invariant      " << violation << "\n";
  bool digest_failed = false;
  if (command.digest) {
    orc::RequestContext reader{scenario.organizations.front().id, scenario.channel};
    orc::Result<orc::sim::StateDigest> digest = orc::sim::DigestState(target->api(), reader);
    if (digest.ok()) {
      std::cout << "state digest   " << digest->sha256 << "\n";
    } else {
      std::cerr << "orcsim: reading the final state for the digest failed: " << digest.error().message() << "\n";
      digest_failed = true;
    }
  }
  if (!report_directory.empty()) {
    std::string error;
    if (!orc::sim::WriteReport(report_directory, scenario, effective_seed, result, &error)) {
      std::cerr << "orcsim: " << error << "\n";
      return kExitUnusable;
    }
    std::cout << "report         " << report_directory << "/summary.json, " << report_directory
              << "/performance.png\n";
  }
  bool met = result.unmet_expectations.empty() && result.violations.empty() && !digest_failed;
  return met ? kExitMet : kExitUnmet;
}

void AddTargetOptions(CLI::App& command, std::string& target, orc::sim::TargetOptions& options) {
  command.add_option("--target", target,
                     "Where to play: memory (in-process core), postgres://... (in-process core on a PostgreSQL "
                     "store) or grpc://HOST:PORT (a server)")
      ->capture_default_str();
  command.add_flag("--reset-database", options.reset_database,
                   "postgres:// targets: delete the rows of orc's tables (every channel) before playing");
  command.add_option("--tls-ca", options.tls_ca_path,
                     "grpc:// targets: PEM file of the CA of the server certificate; enables TLS");
  command.add_option("--tls-client-dir", options.tls_client_dir,
                     "grpc:// targets: folder of MSPID.pem and MSPID.key client certificates, one per "
                     "organisation, for mutual TLS");
  command.add_option("--tls-server-name", options.tls_server_name,
                     "grpc:// targets: host name to check the server certificate against");
  command
      .add_option_function<double>(
          "--wait-for-server",
          [&options](double seconds) {
            options.wait_for_server = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
          },
          "grpc:// targets: seconds each call waits for an unreachable server to come back, for runs across "
          "server restarts (default: 0, fail at once)")
      ->check(CLI::Range(0.0, 86'400.0));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orcsim: plays federated-learning scenarios against the Substra orchestrator core"};
  app.require_subcommand(1);

  std::string scenario_path;
  RunCommand run_command;

  CLI::App* run = app.add_subcommand("run", "Play a scenario and print its summary");
  run->add_option("scenario", scenario_path, "Scenario file (YAML)")->required();
  run->add_option("--seed", run_command.seed, "Seed of the run, 0 to 2^63-1 (default: the scenario's seed)");
  run->add_option("--trace", run_command.trace_path, "Write the trace, one line per API call, to this file");
  run->add_option("--report", run_command.report_directory,
                  "Write summary.json and performance.png into this folder");
  run->add_flag("--quiet,-q", run_command.quiet, "Do not draw the progress bar");
  run->add_flag("--check-invariants", run_command.check_invariants,
                "Check the invariants of the task state machine through the API after every action (slow on "
                "large plans)");
  run->add_flag("--digest", run_command.digest,
                "Print the state digest of the run's channel, read through the target after the run");
  AddTargetOptions(*run, run_command.target, run_command.target_options);
  run->add_option("--channel", run_command.channel,
                  "Channel of the run (default: the scenario's); a shared server needs a fresh one per run");

  orc::sim::ConformanceOptions conformance_options;
  CLI::App* conformance =
      app.add_subcommand("conformance", "Run every scenario of a folder and compare the state digests with the "
                                        "golden ones");
  conformance->add_option("--scenarios", conformance_options.scenario_directory, "Folder of scenario files")
      ->capture_default_str();
  conformance->add_option("--golden", conformance_options.golden_path,
                          "Golden digest file (default: SCENARIOS/golden-digests.txt)");
  conformance->add_option("--filter", conformance_options.filter, "Run only the files whose name contains this");
  conformance->add_option("--exclude", conformance_options.exclude,
                          "Skip the files whose name contains this (repeatable)");
  conformance->add_flag("--update", conformance_options.update,
                        "Write this run's digests to the golden file instead of comparing");
  AddTargetOptions(*conformance, conformance_options.target, conformance_options.target_options);

  CLI::App* check = app.add_subcommand("check", "Validate a scenario file without running it");
  check->add_option("scenario", scenario_path, "Scenario file (YAML)")->required();

  orc::sim::CommandAction fault_command;  // set when explore, shrink or replay is chosen
  orc::sim::AddExploreCommand(app, &fault_command);
  orc::sim::AddShrinkCommand(app, &fault_command);
  orc::sim::AddReplayCommand(app, &fault_command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : kExitUnusable;
  }

  try {
    if (fault_command) return fault_command();
    if (run->parsed()) return Run(scenario_path, run_command);
    if (conformance->parsed()) return orc::sim::RunConformance(conformance_options, std::cout, std::cerr);
    Scenario scenario = orc::sim::LoadScenario(scenario_path);
    std::cout << scenario_path << ": valid scenario \"" << scenario.name << "\"\n";
    return kExitMet;
  } catch (const orc::sim::ScenarioError& error) {
    std::cerr << "orcsim: " << error.what() << "\n";
    return kExitUnusable;
  }
}
