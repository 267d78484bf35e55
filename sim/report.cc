#include "sim/report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "sim/plot.h"

namespace orc::sim {

namespace {

// Column name of a performance in the table: the organisation, followed by
// the function and output when the run has several kinds of performance.
std::string ColumnName(const PerformanceRow& row, bool several_kinds) {
  if (!several_kinds) return row.organization;
  return row.organization + " " + row.function + "." + row.identifier;
}

bool HasSeveralKinds(const RunResult& result) {
  std::set<std::string> kinds;
  for (const PerformanceRow& row : result.performances) kinds.insert(row.function + "." + row.identifier);
  return kinds.size() > 1;
}

std::string FormatValue(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", value);
  return buffer;
}

void PrintPerformanceTable(std::ostream& out, const RunResult& result) {
  if (result.performances.empty()) {
    out << "performances   none\n";
    return;
  }
  bool several = HasSeveralKinds(result);
  std::vector<std::string> columns;
  std::map<int, std::map<std::string, double>> table;  // round -> column -> value
  for (const PerformanceRow& row : result.performances) {
    std::string column = ColumnName(row, several);
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
    table[row.round][column] = row.value;
  }
  std::sort(columns.begin(), columns.end());

  constexpr std::size_t kMaxColumns = 8;  // wider tables are cut, the JSON has every value
  std::size_t shown = std::min(columns.size(), kMaxColumns);
  out << "performances   (round by organisation)\n";
  std::string header = "  round";
  for (std::size_t i = 0; i < shown; ++i) {
    std::string name = columns[i];
    header += "  " + name + std::string(name.size() < 10 ? 10 - name.size() : 0, ' ');
  }
  if (shown < columns.size()) header += "  (+" + std::to_string(columns.size() - shown) + " more)";
  out << header << "\n";
  for (const auto& [round, values] : table) {
    std::string line = "  " + std::to_string(round);
    line += std::string(line.size() < 7 ? 7 - line.size() : 0, ' ');
    for (std::size_t i = 0; i < shown; ++i) {
      std::string cell = values.contains(columns[i]) ? FormatValue(values.at(columns[i])) : "-";
      std::size_t width = std::max<std::size_t>(columns[i].size(), 10);
      line += "  " + cell + std::string(width > cell.size() ? width - cell.size() : 0, ' ');
    }
    out << line << "\n";
  }
}

}  // namespace

std::string FormatDuration(Micros micros) {
  char buffer[48];
  long long seconds = micros / 1'000'000;
  if (seconds < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", static_cast<double>(micros) / 1e6);
  } else if (seconds < 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldm %02llds", seconds / 60, seconds % 60);
  } else if (seconds < 86400) {
    std::snprintf(buffer, sizeof buffer, "%lldh %02lldm %02llds", seconds / 3600, seconds / 60 % 60, seconds % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldd %02lldh %02lldm", seconds / 86400, seconds / 3600 % 24,
                  seconds / 60 % 60);
  }
  return buffer;
}

void PrintSummary(std::ostream& out, const Scenario& scenario, std::uint64_t seed, const RunResult& result) {
  out << "scenario       " << scenario.name << " (" << scenario.path << ", seed " << seed << ")\n";
  out << "plan status    " << result.plan_status << (result.plan_running ? " (IsPlanRunning: true)" : "") << "\n";
  out << "tasks          " << result.task_count;
  std::string separator = ": ";
  for (const auto& [status, count] : result.tasks_by_status) {
    out << separator << count << " " << status;
    separator = ", ";
  }
  out << "\n";
  PrintPerformanceTable(out, result);
  out << "events         " << result.events << "\n";
  out << "virtual time   " << FormatDuration(result.virtual_duration) << "\n";
  if (!result.stop_reason.empty()) out << "run            " << result.stop_reason << "\n";
  out << "API calls      " << result.api_calls << " (" << result.failed_calls << " returned an error)\n";
  out << "trace hash     " << result.trace_hash << "\n";
  if (result.unmet_expectations.empty()) {
    out << "expectations   met\n";
  } else {
    out << "expectations   NOT MET:\n";
    for (const std::string& message : result.unmet_expectations) out << "  - " << message << "\n";
  }
}

std::string SummaryJson(const Scenario& scenario, std::uint64_t seed, const RunResult& result) {
  nlohmann::ordered_json json;
  json["scenario"] = scenario.name;
  json["path"] = scenario.path;
  json["seed"] = seed;
  json["plan_status"] = result.plan_status;
  json["plan_running"] = result.plan_running;
  json["task_count"] = result.task_count;
  json["tasks_by_status"] = result.tasks_by_status;
  nlohmann::ordered_json performances = nlohmann::ordered_json::array();
  for (const PerformanceRow& row : result.performances) {
    performances.push_back({{"round", row.round},
                            {"organization", row.organization},
                            {"function", row.function},
                            {"identifier", row.identifier},
                            {"task", row.task_label},
                            {"value", row.value}});
  }
  json["performances"] = performances;
  json["events"] = result.events;
  json["api_calls"] = result.api_calls;
  json["failed_calls"] = result.failed_calls;
  json["virtual_duration_seconds"] = static_cast<double>(result.virtual_duration) / 1e6;
  json["trace_hash"] = result.trace_hash;
  json["stop_reason"] = result.stop_reason;
  json["expectations_met"] = result.unmet_expectations.empty();
  json["unmet_expectations"] = result.unmet_expectations;
  return json.dump(2) + "\n";
}

bool WriteReport(const std::string& directory, const Scenario& scenario, std::uint64_t seed,
                 const RunResult& result, std::string* error) {
  std::error_code code;
  std::filesystem::create_directories(directory, code);
  if (code) {
    *error = "cannot create report folder " + directory + ": " + code.message();
    return false;
  }
  std::string json_path = directory + "/summary.json";
  std::ofstream json(json_path);
  json << SummaryJson(scenario, seed, result);
  if (!json) {
    *error = "cannot write " + json_path;
    return false;
  }

  bool several = HasSeveralKinds(result);
  std::map<std::string, PlotSeries> series;
  for (const PerformanceRow& row : result.performances) {
    PlotSeries& line = series[ColumnName(row, several)];
    line.name = ColumnName(row, several);
    line.points.emplace_back(row.round, row.value);
  }
  std::vector<PlotSeries> lines;
  for (auto& [name, line] : series) {
    std::sort(line.points.begin(), line.points.end());
    lines.push_back(std::move(line));
  }
  PlotOptions options;
  options.title = "Performance per round: " + scenario.name;
  options.x_label = "round";
  options.y_label = "performance";
  return WriteLinePlotPng(directory + "/performance.png", lines, options, error);
}

}  // namespace orc::sim
