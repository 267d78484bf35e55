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

#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"
#include "core/persistence/postgres/postgres_store.h"

namespace {

namespace pb = ::orchestrator;
using orc::RequestContext;

constexpr const char* kChecksum = "1d4f5a3c2b6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
constexpr char kBenchSchema[] = "orc_bench";

std::string Uuid(std::uint64_t group, std::uint64_t index) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(group & 0xffffffffULL),
                static_cast<unsigned long long>(index & 0xffffffffffffULL));
  return buffer;
}

template <class T>
T Check(orc::Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.error().message());
  return std::move(result).value();
}

pb::Addressable Address(const std::string& path) {
  pb::Addressable address;
  address.set_checksum(kChecksum);
  address.set_storage_address("http://bench.local/" + path);
  return address;
}

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

// A channel with one organisation, a data manager with one sample, a training
// function and one plan: the shape of a train task in FedAvg. The same setup
// as core_bench, on any store.
class Federation {
 public:
  explicit Federation(StoreKind kind) : store_(MakeStore(kind)), orchestrator_(*store_, clock_) {
    Check(orchestrator_.RegisterOrganization(context_, {}));

    pb::NewFunction function;
    function.set_key(Uuid(1, 1));
    function.set_name("train");
    *function.mutable_description() = Address("function/description");
    *function.mutable_function() = Address("function/archive");
    function.mutable_new_permissions()->set_public_(true);
    (*function.mutable_inputs())["opener"].set_kind(pb::ASSET_DATA_MANAGER);
    auto& samples = (*function.mutable_inputs())["datasamples"];
    samples.set_kind(pb::ASSET_DATA_SAMPLE);
    samples.set_multiple(true);
    (*function.mutable_outputs())["model"].set_kind(pb::ASSET_MODEL);
    Check(orchestrator_.RegisterFunction(context_, function));

    pb::NewDataManager manager;
    manager.set_key(Uuid(2, 1));
    manager.set_name("data");
    manager.set_type("csv");
    *manager.mutable_description() = Address("manager/description");
    *manager.mutable_opener() = Address("manager/opener");
    manager.mutable_new_permissions()->set_public_(true);
    manager.mutable_logs_permission()->set_public_(true);
    Check(orchestrator_.RegisterDataManager(context_, manager));

    pb::RegisterDataSamplesParam sample_request;
    pb::NewDataSample* sample = sample_request.add_samples();
    sample->set_key(Uuid(3, 1));
    sample->add_data_manager_keys(Uuid(2, 1));
    sample->set_checksum(kChecksum);
    Check(orchestrator_.RegisterDataSamples(context_, sample_request));

    pb::NewComputePlan plan;
    plan.set_key(Uuid(4, 1));
    plan.set_name("bench");
    Check(orchestrator_.RegisterPlan(context_, plan));
  }

  pb::RegisterTasksParam TrainBatch(std::size_t count) {
    pb::RegisterTasksParam request;
    for (std::size_t i = 0; i < count; ++i) {
      pb::NewComputeTask* task = request.add_tasks();
      task->set_key(Uuid(5, next_task_++));
      task->set_function_key(Uuid(1, 1));
      task->set_compute_plan_key(Uuid(4, 1));
      pb::ComputeTaskInput* opener = task->add_inputs();
      opener->set_identifier("opener");
      opener->set_asset_key(Uuid(2, 1));
      pb::ComputeTaskInput* data = task->add_inputs();
      data->set_identifier("datasamples");
      data->set_asset_key(Uuid(3, 1));
      (*task->mutable_outputs())["model"].mutable_permissions()->set_public_(true);
    }
    return request;
  }

  void RegisterTrainTasks(std::size_t count) { Check(orchestrator_.RegisterTasks(context_, TrainBatch(count))); }

  std::string TaskKey(std::uint64_t index) const { return Uuid(5, index); }
  std::uint64_t task_count() const { return next_task_; }
  orc::Orchestrator& api() { return orchestrator_; }
  const RequestContext& context() const { return context_; }

 private:
  std::unique_ptr<orc::persistence::Store> store_;
  orc::ManualClock clock_{1'700'000'000'000'000, 1};
  orc::Orchestrator orchestrator_;
  RequestContext context_{"MyOrg1MSP", "mychannel"};
  std::uint64_t next_task_ = 0;
};

void BM_RegisterTasksBatch100(benchmark::State& state, StoreKind kind) {
  Federation federation(kind);
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
  Federation federation(kind);
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
