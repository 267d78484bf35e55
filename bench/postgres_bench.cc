// The core on PostgreSQL beside the memory store:
//   - RegisterTasks in batches of 100 independent train tasks (tasks/s);
//   - ApplyTaskAction TODO -> DOING, one request per transition, with the
//     p50 and p99 latency of the requests as counters.
// The PostgreSQL cases run only when ORC_BENCH_POSTGRES_URL is set; they use
// the schema orc_bench, which they drop and create again.
// Run: ORC_BENCH_POSTGRES_URL=$(scripts/pg-cluster start) build/default/bench/postgres_bench
// Times are wall-clock: with PostgreSQL most of a request is spent waiting for
// the server.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/federation.h"
#include "core/persistence/memory_store.h"
#include "core/persistence/postgres/postgres_store.h"

namespace {

namespace pb = ::orchestrator;

constexpr char kBenchSchema[] = "orc_bench";

using orc::bench::Check;
using orc::bench::Federation;

std::string PostgresUrl() {
  const char* url = std::getenv("ORC_BENCH_POSTGRES_URL");
  return url == nullptr ? std::string() : std::string(url);
}

enum class StoreKind { kMemory, kPostgres };

// A new store: a memory store, or a PostgreSQL store in a fresh orc_bench
// schema.
std::unique_ptr<orc::persistence::Store> MakeStore(StoreKind kind) {
  if (kind == StoreKind::kMemory) return std::make_unique<orc::persistence::MemoryStore>();
  const std::string url = PostgresUrl();
  {
    pqxx::connection connection(url);
    pqxx::nontransaction session(connection);
    session.exec(std::string("DROP SCHEMA IF EXISTS ") + kBenchSchema + " CASCADE");
  }
  orc::persistence::PostgresStoreOptions options;
  options.schema = kBenchSchema;
  return std::make_unique<orc::persistence::PostgresStore>(url, options);
}

void BM_RegisterTasksBatch100(benchmark::State& state, StoreKind kind) {
  Federation federation(MakeStore(kind));
  constexpr std::size_t kBatch = 100;
  for (auto _ : state) {
    state.PauseTiming();
    pb::RegisterTasksParam request = federation.TrainBatch(kBatch);
    state.ResumeTiming();
    benchmark::DoNotOptimize(Check(federation.api().RegisterTasks(federation.context(), request)));
  }
  state.counters["tasks_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kBatch), benchmark::Counter::kIsRate);
}

// One TODO -> DOING transition per iteration, timed one by one so that the
// p50 and p99 latencies can be reported.
void BM_ApplyTaskActionDoing(benchmark::State& state, StoreKind kind) {
  Federation federation(MakeStore(kind));
  constexpr std::size_t kRefill = 1'000;
  std::uint64_t next = 0;
  std::vector<double> latencies;
  pb::ApplyTaskActionParam request;
  request.set_action(pb::TASK_ACTION_DOING);
  for (auto _ : state) {
    if (next == federation.task_count()) federation.RegisterTrainTasks(kRefill);
    request.set_compute_task_key(federation.TaskKey(next++));
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(Check(federation.api().ApplyTaskAction(federation.context(), request)));
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    state.SetIterationTime(elapsed.count());
    latencies.push_back(elapsed.count() * 1e6);
  }
  if (latencies.empty()) return;
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&latencies](double fraction) {
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(latencies.size() - 1));
    return latencies[index];
  };
  state.counters["p50_us"] = percentile(0.50);
  state.counters["p99_us"] = percentile(0.99);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("RegisterTasksBatch100/memory", BM_RegisterTasksBatch100, StoreKind::kMemory)
      ->UseRealTime();
  benchmark::RegisterBenchmark("ApplyTaskActionDoing/memory", BM_ApplyTaskActionDoing, StoreKind::kMemory)
      ->UseManualTime();
  if (PostgresUrl().empty()) {
    std::cerr << "ORC_BENCH_POSTGRES_URL is not set, so the PostgreSQL benchmarks are skipped "
                 "(scripts/pg-cluster start prints a URL)\n";
  } else {
    benchmark::RegisterBenchmark("RegisterTasksBatch100/postgres", BM_RegisterTasksBatch100, StoreKind::kPostgres)
        ->UseRealTime();
    benchmark::RegisterBenchmark("ApplyTaskActionDoing/postgres", BM_ApplyTaskActionDoing, StoreKind::kPostgres)
        ->UseManualTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
