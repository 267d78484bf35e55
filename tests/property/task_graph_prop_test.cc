// Properties of generated task graphs: random DAGs of train, aggregate,
// composite and evaluate tasks with several parents each, registered in one
// shuffled RegisterTasks batch (after the same batch with one bad task
// inserted anywhere has failed whole), then executed by their workers in a random
// order with random failures and cancelations. After every step, read
// through the API:
//   - rank = max(parent ranks) + 1, and 0 without parents;
//   - a task is TODO only when every parent is DONE, and WAITING only when
//     one is not;
//   - no output can be registered on a task that is not DOING;
//   - events match the state changes one to one;
// and at the end, when nothing failed or was canceled, every task is DONE
// and the plan is not running (liveness).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "property/prop_world.h"

namespace orc::prop {
namespace {

// At most this many tasks per graph, to keep 1,000 cases fast.
constexpr std::size_t kMaxTasks = 14;

// A generated task before normalisation: any values are valid, so that
// RapidCheck can shrink freely. Graph::From makes them a DAG.
struct RawTask {
  int kind = 0;
  bool on_worker = false;
  std::vector<unsigned> parents;
};

struct GraphTask {
  TaskKind kind = TaskKind::kTrain;
  std::string worker;
  std::vector<ParentRef> parents;
};

struct Graph {
  std::vector<GraphTask> tasks;
  std::vector<int> registration_order;  // a permutation of the task indices

  // Builds a DAG from raw draws: parents only among earlier tasks that have a
  // model output, at most three per task, at most two for composite tasks
  // (shared and local) and one for evaluate tasks.
  static Graph From(const std::vector<RawTask>& raw, const std::vector<unsigned>& shuffle) {
    Graph graph;
    std::size_t count = std::min(raw.size(), kMaxTasks);
    for (std::size_t i = 0; i < count; ++i) {
      GraphTask task;
      task.kind = static_cast<TaskKind>(raw[i].kind);
      task.worker = raw[i].on_worker ? kWorker : kOwner;
      std::vector<int> candidates;
      for (std::size_t j = 0; j < i; ++j) {
        if (HasModelOutput(graph.tasks[j].kind)) candidates.push_back(static_cast<int>(j));
      }
      std::vector<std::string> inputs;
      switch (task.kind) {
        case TaskKind::kTrain:
        case TaskKind::kAggregate: inputs = {"model", "model", "model"}; break;
        case TaskKind::kComposite: inputs = {"shared", "local"}; break;
        case TaskKind::kEvaluate: inputs = {"model"}; break;
      }
      std::set<std::pair<int, std::string>> seen;
      for (std::size_t k = 0; k < raw[i].parents.size() && k < inputs.size() && !candidates.empty(); ++k) {
        unsigned draw = raw[i].parents[k];
        int parent = candidates[draw % candidates.size()];
        std::vector<std::string> outputs = OutputsOf(graph.tasks[parent].kind);
        std::string output = outputs[(draw / candidates.size()) % outputs.size()];
        if (!seen.insert({parent, output}).second) continue;
        task.parents.push_back(ParentRef{parent, output, inputs[k]});
      }
      graph.tasks.push_back(task);
    }
    graph.registration_order.resize(count);
    std::iota(graph.registration_order.begin(), graph.registration_order.end(), 0);
    auto key = [&shuffle](int index) { return shuffle.empty() ? 0u : shuffle[index % shuffle.size()]; };
    std::stable_sort(graph.registration_order.begin(), graph.registration_order.end(),
                     [&key](int a, int b) { return key(a) < key(b); });
    return graph;
  }

  std::vector<int> ParentTasks(int index) const {
    std::vector<int> parents;
    for (const ParentRef& parent : tasks[index].parents) {
      if (std::find(parents.begin(), parents.end(), parent.task) == parents.end()) parents.push_back(parent.task);
    }
    return parents;
  }
};

void showValue(const Graph& graph, std::ostream& out) {
  out << graph.tasks.size() << " tasks, registered in order [";
  for (int index : graph.registration_order) out << " " << index;
  out << " ]\n";
  for (std::size_t i = 0; i < graph.tasks.size(); ++i) {
    const GraphTask& task = graph.tasks[i];
    out << "  task " << i << ": " << TaskKindName(task.kind) << " on " << task.worker;
    for (const ParentRef& parent : task.parents) out << ", " << parent.input << " <- task " << parent.task << "." << parent.output;
    out << "\n";
  }
}

rc::Gen<Graph> GenGraph() {
  auto raw_task = rc::gen::build<RawTask>(
      rc::gen::set(&RawTask::kind, rc::gen::inRange(0, 4)), rc::gen::set(&RawTask::on_worker),
      rc::gen::set(&RawTask::parents, rc::gen::container<std::vector<unsigned>>(rc::gen::arbitrary<unsigned>())));
  return rc::gen::map(rc::gen::pair(rc::gen::container<std::vector<RawTask>>(raw_task),
                                    rc::gen::arbitrary<std::vector<unsigned>>()),
                      [](const std::pair<std::vector<RawTask>, std::vector<unsigned>>& draws) {
                        return Graph::From(draws.first, draws.second);
                      });
}

// What the test does at one step: advance a task (TODO -> DOING, or
// DOING -> outputs and DONE), fail it, or cancel it as the plan owner.
struct Step {
  enum class Kind { kAdvance, kFail, kCancel } kind = Kind::kAdvance;
  unsigned pick = 0;  // which active task, modulo their number
};

void showValue(const Step& step, std::ostream& out) {
  const char* names[] = {"advance", "fail", "cancel"};
  out << names[static_cast<int>(step.kind)] << " #" << step.pick;
}

rc::Gen<std::vector<Step>> GenSteps() {
  auto step = rc::gen::build<Step>(
      rc::gen::set(&Step::kind, rc::gen::weightedElement<Step::Kind>(
                                    {{18, Step::Kind::kAdvance}, {1, Step::Kind::kFail}, {1, Step::Kind::kCancel}})),
      rc::gen::set(&Step::pick, rc::gen::inRange(0u, 64u)));
  return rc::gen::container<std::vector<Step>>(step);
}

struct Snapshot {
  std::vector<pb::ComputeTask> tasks;
};

Snapshot ReadTasks(World& world, std::size_t count) {
  Snapshot snapshot;
  for (std::size_t i = 0; i < count; ++i) {
    pb::GetTaskParam request;
    request.set_key(TaskKey(static_cast<int>(i)));
    snapshot.tasks.push_back(Must(world.core().GetTask(As(kOwner), request), "GetTask"));
  }
  return snapshot;
}

int IndexOfKey(const std::string& key, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (TaskKey(static_cast<int>(i)) == key) return static_cast<int>(i);
  }
  return -1;
}

// Checks rank and readiness of every task of `now`.
void CheckGraphInvariants(const Graph& graph, const Snapshot& now) {
  for (std::size_t i = 0; i < graph.tasks.size(); ++i) {
    int rank = 0;
    bool all_parents_done = true;
    for (int parent : graph.ParentTasks(static_cast<int>(i))) {
      rank = std::max(rank, now.tasks[parent].rank() + 1);
      all_parents_done = all_parents_done && now.tasks[parent].status() == pb::STATUS_DONE;
    }
    const pb::ComputeTask& task = now.tasks[i];
    RC_LOG() << "task " << i << " is " << pb::ComputeTaskStatus_Name(task.status()) << " with rank " << task.rank()
             << "\n";
    RC_ASSERT(task.rank() == rank);
    if (task.status() == pb::STATUS_TODO) RC_ASSERT(all_parents_done);
    if (task.status() == pb::STATUS_WAITING) RC_ASSERT(!all_parents_done);
  }
}

// Checks that `events` are exactly one UPDATED event per task whose status
// changed from `before` to `after`, carrying the new status, plus creations
// of models, performances, output assets and failure reports only for tasks
// that were DOING before the step.
void CheckEvents(const std::vector<pb::Event>& events, const Snapshot& before, const Snapshot& after) {
  std::size_t count = after.tasks.size();
  std::multiset<std::pair<int, int>> updates;  // (task, status)
  for (const pb::Event& event : events) {
    if (event.asset_kind() == pb::ASSET_COMPUTE_TASK) {
      RC_ASSERT(event.event_kind() == pb::EVENT_ASSET_UPDATED);
      updates.insert({IndexOfKey(event.asset_key(), count), event.compute_task().status()});
      continue;
    }
    std::string task_key;
    if (event.has_model()) task_key = event.model().compute_task_key();
    if (event.has_performance()) task_key = event.performance().compute_task_key();
    if (event.has_compute_task_output_asset()) task_key = event.compute_task_output_asset().compute_task_key();
    if (event.has_failure_report()) task_key = event.failure_report().compute_task_key();
    if (task_key.empty()) continue;  // the plan's cancelation
    int index = IndexOfKey(task_key, count);
    RC_ASSERT(index >= 0);
    RC_LOG() << "output or report event for task " << index << "\n";
    RC_ASSERT(before.tasks[index].status() == pb::STATUS_DOING);
  }
  std::multiset<std::pair<int, int>> changes;
  for (std::size_t i = 0; i < count; ++i) {
    if (before.tasks[i].status() != after.tasks[i].status()) {
      changes.insert({static_cast<int>(i), after.tasks[i].status()});
    }
  }
  RC_ASSERT(updates == changes);
}

bool IsActive(pb::ComputeTaskStatus status) {
  return status == pb::STATUS_WAITING || status == pb::STATUS_TODO || status == pb::STATUS_DOING;
}

template <class T>
void Require(const Result<T>& result, const char* what) {
  if (!result.ok()) RC_LOG() << what << " failed: " << result.error().message() << "\n";
  RC_ASSERT(result.ok());
}

// Applies one step to the task at `index` of the given snapshot.
void RunStep(World& world, const Graph& graph, const pb::ComputeTask& task, int index, Step::Kind kind) {
  Orchestrator& core = world.core();
  pb::ApplyTaskActionParam action;
  action.set_compute_task_key(task.key());
  if (kind == Step::Kind::kCancel) {
    action.set_action(pb::TASK_ACTION_CANCELED);
    Require(core.ApplyTaskAction(As(kOwner), action), "cancel");
    return;
  }
  if (kind == Step::Kind::kFail) {
    action.set_action(pb::TASK_ACTION_FAILED);
    Require(core.ApplyTaskAction(As(task.worker()), action), "fail");
    return;
  }
  if (task.status() == pb::STATUS_TODO) {
    action.set_action(pb::TASK_ACTION_DOING);
    Require(core.ApplyTaskAction(As(task.worker()), action), "start");
    return;
  }
  for (const std::string& identifier : OutputsOf(graph.tasks[index].kind)) {
    if (graph.tasks[index].kind == TaskKind::kEvaluate) {
      pb::NewPerformance performance;
      performance.set_compute_task_key(task.key());
      performance.set_compute_task_output_identifier(identifier);
      performance.set_performance_value(0.75f);
      Require(core.RegisterPerformance(As(task.worker()), performance), "RegisterPerformance");
      continue;
    }
    pb::NewModel model;
    model.set_key(world.NewKey());
    model.set_compute_task_key(task.key());
    model.set_compute_task_output_identifier(identifier);
    *model.mutable_address() = Address("model", model.key());
    Require(core.RegisterModel(As(task.worker()), model), "RegisterModel");
  }
  action.set_action(pb::TASK_ACTION_DONE);
  Require(core.ApplyTaskAction(As(task.worker()), action), "finish");
}

// Tries to register a model on a task that is not DOING: it must fail.
void TryOutputOutsideDoing(World& world, const pb::ComputeTask& task) {
  pb::NewModel model;
  model.set_key(world.NewKey());
  model.set_compute_task_key(task.key());
  model.set_compute_task_output_identifier(task.outputs().begin()->first);
  *model.mutable_address() = Address("model", model.key());
  auto result = world.core().RegisterModel(As(task.worker()), model);
  RC_LOG() << "RegisterModel on " << pb::ComputeTaskStatus_Name(task.status()) << " task: "
           << (result.ok() ? "OK" : result.error().message()) << "\n";
  RC_ASSERT(!result.ok());
}

void PlayGraph(const OrchestratorOptions& options, const Graph& graph, const std::vector<Step>& steps,
               unsigned bad_position) {
  World world(options);
  std::size_t count = graph.tasks.size();
  if (count == 0) return;

  pb::RegisterTasksParam request;
  for (int index : graph.registration_order) {
    *request.add_tasks() = world.NewTask(index, graph.tasks[index].kind, graph.tasks[index].worker,
                                         graph.tasks[index].parents);
  }
  // The same batch with one bad task inserted fails whole: no task, no event.
  pb::RegisterTasksParam spoiled = request;
  pb::NewComputeTask bad = world.NewTask(static_cast<int>(count), TaskKind::kAggregate, kOwner, {});
  bad.set_function_key(KeyNumber(0xdead, 1));  // not a registered function
  int position = static_cast<int>(bad_position % (count + 1));
  spoiled.mutable_tasks()->Add(std::move(bad));
  for (int i = spoiled.tasks_size() - 1; i > position; --i) spoiled.mutable_tasks()->SwapElements(i, i - 1);
  auto rejected = world.core().RegisterTasks(As(kOwner), spoiled);
  RC_LOG() << "batch with a bad task at " << position << ": "
           << (rejected.ok() ? "OK" : rejected.error().message()) << "\n";
  RC_ASSERT(!rejected.ok());
  RC_ASSERT(world.NewEvents().empty());
  for (std::size_t i = 0; i <= count; ++i) {
    pb::GetTaskParam get;
    get.set_key(TaskKey(static_cast<int>(i)));
    RC_ASSERT(!world.core().GetTask(As(kOwner), get).ok());
  }

  Require(world.core().RegisterTasks(As(kOwner), request), "RegisterTasks");
  std::vector<pb::Event> created = world.NewEvents();
  RC_ASSERT(created.size() == count);
  Snapshot now = ReadTasks(world, count);
  CheckGraphInvariants(graph, now);

  bool interrupted = false;  // a task failed or was canceled
  // Each step acts on one active task; past the generated steps, the first
  // TODO or DOING task advances until none is left.
  for (std::size_t s = 0;; ++s) {
    std::vector<int> runnable;
    std::vector<int> active;
    for (std::size_t i = 0; i < count; ++i) {
      pb::ComputeTaskStatus status = now.tasks[i].status();
      if (status == pb::STATUS_TODO || status == pb::STATUS_DOING) runnable.push_back(static_cast<int>(i));
      if (IsActive(status)) active.push_back(static_cast<int>(i));
    }
    if (runnable.empty()) break;
    Step step = s < steps.size() ? steps[s] : Step{};
    int index = 0;
    if (step.kind == Step::Kind::kAdvance) {
      index = runnable[step.pick % runnable.size()];
    } else {
      index = active[step.pick % active.size()];
      interrupted = true;
    }
    RC_LOG() << "step " << s << ": " << (step.kind == Step::Kind::kAdvance ? "advance" : "fail or cancel")
             << " task " << index << "\n";
    RunStep(world, graph, now.tasks[index], index, step.kind);

    for (std::size_t i = 0; i < count; ++i) {
      if (now.tasks[i].status() != pb::STATUS_DOING && static_cast<int>(i) != index) {
        TryOutputOutsideDoing(world, now.tasks[i]);
        break;
      }
    }
    Snapshot next = ReadTasks(world, count);
    CheckEvents(world.NewEvents(), now, next);
    CheckGraphInvariants(graph, next);
    now = std::move(next);
  }

  pb::IsPlanRunningParam running;
  running.set_key(world.plan_key());
  bool is_running = Must(world.core().IsPlanRunning(As(kOwner), running), "IsPlanRunning").is_running();
  if (!interrupted) {
    for (std::size_t i = 0; i < count; ++i) RC_ASSERT(now.tasks[i].status() == pb::STATUS_DONE);
    RC_ASSERT(!is_running);
  }
  bool any_active = std::any_of(now.tasks.begin(), now.tasks.end(),
                                [](const pb::ComputeTask& task) { return IsActive(task.status()); });
  RC_ASSERT(is_running == any_active);
}

bool CheckTaskGraphs(const OrchestratorOptions& options) {
  return rc::check("generated task graphs keep their invariants", [&options] {
    Graph graph = *GenGraph();
    std::vector<Step> steps = *GenSteps();
    unsigned bad_position = *rc::gen::arbitrary<unsigned>();
    PlayGraph(options, graph, steps, bad_position);
  });
}

TEST(TaskGraphProperty, KeepsInvariants) { EXPECT_TRUE(CheckTaskGraphs({})); }

// With the planted promotion bug on, the property must fail.
TEST(TaskGraphProperty, CatchesEarlyPromotion) {
  EXPECT_FALSE(CheckTaskGraphs(OptionsWithFault("promote_on_any_parent_done")));
}

}  // namespace
}  // namespace orc::prop
