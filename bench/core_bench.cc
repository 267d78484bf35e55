// Benchmarks of the core's hot paths on the memory store:
//   - RegisterTasks: a batch of independent tasks in one request;
//   - ApplyTaskAction: one task transition with its event (TODO -> DOING, and
//     DOING -> DONE), each a full request with its own transaction;
//   - QueryTasks: one page of tasks of a plan.
// Run: build/default/bench/core_bench --benchmark_repetitions=5
//      --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"

namespace {

namespace pb = ::orchestrator;
using orc::RequestContext;

constexpr const char* kChecksum = "1d4f5a3c2b6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";

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

// A channel with one organisation, a data manager with one sample, a
// training function and one plan: the shape of a train task in FedAvg.
class Federation {
 public:
  Federation() : orchestrator_(store_, clock_) {
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

  // Registers `count` independent train tasks in one request; returns nothing.
  void RegisterTrainTasks(std::size_t count) { Check(orchestrator_.RegisterTasks(context_, TrainBatch(count))); }

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

  std::string TaskKey(std::uint64_t index) const { return Uuid(5, index); }
  std::uint64_t task_count() const { return next_task_; }
  orc::Orchestrator& api() { return orchestrator_; }
  const RequestContext& context() const { return context_; }

 private:
  orc::persistence::MemoryStore store_;
  orc::ManualClock clock_{1'700'000'000'000'000, 1};
  orc::Orchestrator orchestrator_;
  RequestContext context_{"MyOrg1MSP", "mychannel"};
  std::uint64_t next_task_ = 0;
};

void BM_RegisterTasksBatch(benchmark::State& state) {
  Federation federation;
  auto batch_size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    pb::RegisterTasksParam request = federation.TrainBatch(batch_size);
    state.ResumeTiming();
    benchmark::DoNotOptimize(Check(federation.api().RegisterTasks(federation.context(), request)));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["tasks_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RegisterTasksBatch)->Arg(1)->Arg(100)->Arg(1000);

// One TODO -> DOING transition per iteration, each with its update event.
void BM_ApplyTaskActionDoing(benchmark::State& state) {
  Federation federation;
  constexpr std::size_t kRefill = 10'000;
  federation.RegisterTrainTasks(kRefill);
  std::uint64_t next = 0;
  pb::ApplyTaskActionParam request;
  request.set_action(pb::TASK_ACTION_DOING);
  for (auto _ : state) {
    if (next == federation.task_count()) {
      state.PauseTiming();
      federation.RegisterTrainTasks(kRefill);
      state.ResumeTiming();
    }
    request.set_compute_task_key(federation.TaskKey(next++));
    benchmark::DoNotOptimize(Check(federation.api().ApplyTaskAction(federation.context(), request)));
  }
}
BENCHMARK(BM_ApplyTaskActionDoing);

// One DOING -> DONE transition per iteration (the task has no children).
void BM_ApplyTaskActionDone(benchmark::State& state) {
  Federation federation;
  constexpr std::size_t kRefill = 10'000;
  std::uint64_t next = 0;
  pb::ApplyTaskActionParam request;
  request.set_action(pb::TASK_ACTION_DONE);
  auto refill = [&] {
    std::uint64_t first = federation.task_count();
    federation.RegisterTrainTasks(kRefill);
    pb::ApplyTaskActionParam start;
    start.set_action(pb::TASK_ACTION_DOING);
    for (std::uint64_t i = first; i < federation.task_count(); ++i) {
      start.set_compute_task_key(federation.TaskKey(i));
      Check(federation.api().ApplyTaskAction(federation.context(), start));
    }
  };
  refill();
  for (auto _ : state) {
    if (next == federation.task_count()) {
      state.PauseTiming();
      refill();
      state.ResumeTiming();
    }
    request.set_compute_task_key(federation.TaskKey(next++));
    benchmark::DoNotOptimize(Check(federation.api().ApplyTaskAction(federation.context(), request)));
  }
}
BENCHMARK(BM_ApplyTaskActionDone);

// One page of 50 tasks out of 10,000 in a plan, from the middle.
void BM_QueryTasksPage(benchmark::State& state) {
  Federation federation;
  federation.RegisterTrainTasks(10'000);
  pb::QueryTasksParam request;
  request.set_page_size(static_cast<std::uint32_t>(state.range(0)));
  request.set_page_token(std::to_string(5'000));
  request.mutable_filter()->set_compute_plan_key(Uuid(4, 1));
  for (auto _ : state) {
    benchmark::DoNotOptimize(Check(federation.api().QueryTasks(federation.context(), request)));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_QueryTasksPage)->Arg(50);

}  // namespace

BENCHMARK_MAIN();
