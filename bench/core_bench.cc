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

#include "bench/federation.h"
#include "core/persistence/memory_store.h"

namespace {

namespace pb = ::orchestrator;

using orc::bench::Check;
using orc::bench::Uuid;

// A federation on a new memory store.
class MemoryFederation : public orc::bench::Federation {
 public:
  MemoryFederation() : Federation(std::make_unique<orc::persistence::MemoryStore>()) {}
};

void BM_RegisterTasksBatch(benchmark::State& state) {
  MemoryFederation federation;
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
  MemoryFederation federation;
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
  MemoryFederation federation;
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
  MemoryFederation federation;
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
