// State-machine property of compute tasks and their plan. Random sequences of
// RegisterTasks, ApplyTaskAction, RegisterModel, RegisterPerformance,
// RegisterFailureReport, DisableOutput, GetTaskInputAssets and
// ApplyPlanAction are played on the core and on a small reference model.
// The senders are the plan owner, the task's worker, another organisation or
// an unregistered one. After each command the outcome, the events and every
// task, plan and IsPlanRunning response must match the model, and the graph
// invariants must hold when read through the API.
#include <gtest/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>
#include <variant>

#include "property/prop_world.h"

namespace orc::prop {
namespace {

using Status = pb::ComputeTaskStatus;

struct TaskModel {
  TaskKind kind = TaskKind::kTrain;
  std::string worker;
  std::vector<int> parents;  // distinct, in input order
  std::vector<ParentRef> parent_inputs;  // every parent input, in input order
  int rank = 0;
  Status status = pb::STATUS_WAITING;
  bool transient = false;                    // every output, except a performance
  std::map<std::string, int> output_assets;  // identifier -> assets registered
  std::map<std::string, std::set<pb::AssetKind>> asset_kinds;  // identifier -> kinds of its assets
  std::set<std::string> performances;        // identifiers with a performance
  std::set<std::string> disabled;            // outputs whose models are disabled

  bool HasDisabledModel() const { return !disabled.empty(); }
};

struct Model {
  std::vector<TaskModel> tasks;
  bool canceled = false;
  bool failed = false;

  bool Terminated() const { return canceled || failed; }
};

// One expected event, with the asset reduced to the fields the model tracks.
struct EventShape {
  pb::EventKind kind;
  pb::AssetKind asset;
  std::string subject;  // "task 3", "plan", "model of task 3", ...
  Status status = pb::STATUS_UNKNOWN;

  auto Tie() const { return std::tie(kind, asset, subject, status); }
  bool operator<(const EventShape& other) const { return Tie() < other.Tie(); }
  bool operator==(const EventShape& other) const { return Tie() == other.Tie(); }
};

std::ostream& operator<<(std::ostream& out, const EventShape& event) {
  out << pb::EventKind_Name(event.kind) << " " << pb::AssetKind_Name(event.asset) << " " << event.subject;
  if (event.status != pb::STATUS_UNKNOWN) out << " " << pb::ComputeTaskStatus_Name(event.status);
  return out;
}

std::string TaskSubject(int index) { return "task " + std::to_string(index); }

// The model's prediction for one command.
struct Prediction {
  Model next;
  std::optional<ErrorKind> error;
  std::vector<EventShape> events;
};

bool IsActive(Status status) {
  return status == pb::STATUS_WAITING || status == pb::STATUS_TODO || status == pb::STATUS_DOING;
}

bool TransitionAllowed(Status from, Status to) {
  switch (to) {
    case pb::STATUS_DOING: return from == pb::STATUS_TODO;
    case pb::STATUS_DONE: return from == pb::STATUS_DOING;
    case pb::STATUS_CANCELED:
    case pb::STATUS_FAILED: return IsActive(from);
    default: return false;
  }
}

Status TargetOf(pb::ComputeTaskAction action) {
  switch (action) {
    case pb::TASK_ACTION_DOING: return pb::STATUS_DOING;
    case pb::TASK_ACTION_DONE: return pb::STATUS_DONE;
    case pb::TASK_ACTION_CANCELED: return pb::STATUS_CANCELED;
    default: return pb::STATUS_FAILED;
  }
}

std::string Resolve(Sender sender, const std::string& worker) {
  switch (sender) {
    case Sender::kPlanOwner: return kOwner;
    case Sender::kTaskWorker: return worker.empty() ? kWorker : worker;
    case Sender::kOtherOrg: return kOther;
    case Sender::kUnregistered: return kGhost;
  }
  return kGhost;
}

// Moves task `index` to `status` in the model with its event, then applies
// the effects 0.37 attaches to DONE (promotion) and FAILED (plan failure).
void ApplyTransition(Prediction& prediction, int index, Status status) {
  Model& model = prediction.next;
  model.tasks[index].status = status;
  prediction.events.push_back({pb::EVENT_ASSET_UPDATED, pb::ASSET_COMPUTE_TASK, TaskSubject(index), status});
  if (status == pb::STATUS_FAILED && !model.Terminated()) model.failed = true;
  if (status != pb::STATUS_DONE) return;
  for (std::size_t child = 0; child < model.tasks.size(); ++child) {
    TaskModel& task = model.tasks[child];
    if (task.status != pb::STATUS_WAITING) continue;
    if (std::find(task.parents.begin(), task.parents.end(), index) == task.parents.end()) continue;
    bool ready = std::all_of(task.parents.begin(), task.parents.end(),
                             [&model](int parent) { return model.tasks[parent].status == pb::STATUS_DONE; });
    if (!ready) continue;
    task.status = pb::STATUS_TODO;
    prediction.events.push_back(
        {pb::EVENT_ASSET_UPDATED, pb::ASSET_COMPUTE_TASK, TaskSubject(static_cast<int>(child)), pb::STATUS_TODO});
  }
}

// ---- System under test ----

struct Sut {
  explicit Sut(const OrchestratorOptions& options) : world(options) {}

  World world;
  std::map<std::string, int> task_index;  // key -> model index
};

// Reduces a core event to the model's terms.
EventShape ShapeOf(const pb::Event& event, const Sut& sut) {
  auto task_name = [&sut](const std::string& key) {
    auto it = sut.task_index.find(key);
    return it == sut.task_index.end() ? "unknown task " + key : TaskSubject(it->second);
  };
  EventShape shape{event.event_kind(), event.asset_kind(), event.asset_key()};
  switch (event.asset_kind()) {
    case pb::ASSET_COMPUTE_TASK:
      shape.subject = task_name(event.asset_key());
      shape.status = event.compute_task().status();
      break;
    case pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET:
    case pb::ASSET_FAILURE_REPORT:
      shape.subject = task_name(event.asset_key());
      break;
    case pb::ASSET_MODEL:
      shape.subject = "model of " + task_name(event.model().compute_task_key());
      break;
    case pb::ASSET_PERFORMANCE:
      shape.subject = "performance of " + task_name(event.performance().compute_task_key());
      break;
    case pb::ASSET_COMPUTE_PLAN:
      shape.subject = "plan";
      break;
    default:
      break;
  }
  return shape;
}

// Checks the core's state against the model and the graph invariants,
// reading everything through the API.
void CheckState(const Model& model, Sut& sut) {
  Orchestrator& core = sut.world.core();
  std::vector<pb::ComputeTask> tasks;
  for (std::size_t i = 0; i < model.tasks.size(); ++i) {
    pb::GetTaskParam request;
    request.set_key(TaskKey(static_cast<int>(i)));
    auto task = core.GetTask(As(kOwner), request);
    RC_ASSERT(task.ok());
    tasks.push_back(*task);
  }
  for (std::size_t i = 0; i < model.tasks.size(); ++i) {
    const TaskModel& expected = model.tasks[i];
    const pb::ComputeTask& task = tasks[i];
    RC_LOG() << "task " << i << ": core " << pb::ComputeTaskStatus_Name(task.status()) << " rank " << task.rank()
             << ", model " << pb::ComputeTaskStatus_Name(expected.status) << " rank " << expected.rank << "\n";
    RC_ASSERT(task.status() == expected.status);

    // Invariants, from the core's responses alone.
    int rank = 0;
    bool all_parents_done = true;
    for (int parent : expected.parents) {
      rank = std::max(rank, tasks[parent].rank() + 1);
      all_parents_done = all_parents_done && tasks[parent].status() == pb::STATUS_DONE;
    }
    RC_ASSERT(task.rank() == rank);
    if (task.status() == pb::STATUS_TODO) RC_ASSERT(all_parents_done);
    if (task.status() == pb::STATUS_WAITING) RC_ASSERT(!all_parents_done);
  }

  pb::GetComputePlanParam get_plan;
  get_plan.set_key(sut.world.plan_key());
  pb::ComputePlan plan = Must(core.GetPlan(As(kOwner), get_plan), "GetPlan");
  RC_ASSERT(plan.has_cancelation_date() == model.canceled);
  RC_ASSERT(plan.has_failure_date() == model.failed);

  pb::IsPlanRunningParam running;
  running.set_key(sut.world.plan_key());
  bool expected_running =
      std::any_of(model.tasks.begin(), model.tasks.end(), [](const TaskModel& task) { return IsActive(task.status); });
  RC_ASSERT(Must(core.IsPlanRunning(As(kOwner), running), "IsPlanRunning").is_running() == expected_running);
}

// Compares the outcome and the events of a command with the prediction,
// then the whole state.
template <class T>
void CheckOutcome(const Prediction& prediction, const Result<T>& result, Sut& sut) {
  std::optional<ErrorKind> actual = ErrorOf(result);
  RC_LOG() << "outcome: core " << (result.ok() ? std::string("OK") : result.error().message()) << ", model "
           << OutcomeName(prediction.error) << "\n";
  RC_ASSERT(OutcomeName(actual) == OutcomeName(prediction.error));

  std::vector<EventShape> events;
  for (const pb::Event& event : sut.world.NewEvents()) events.push_back(ShapeOf(event, sut));
  std::vector<EventShape> expected = prediction.events;
  std::sort(events.begin(), events.end());
  std::sort(expected.begin(), expected.end());
  for (const EventShape& event : events) RC_LOG() << "core event: " << event << "\n";
  for (const EventShape& event : expected) RC_LOG() << "model event: " << event << "\n";
  RC_ASSERT(events == expected);
  CheckState(prediction.next, sut);
}

using Command = rc::state::Command<Model, Sut>;

// ---- Commands ----

struct RegisterTask : Command {
  TaskKind kind;
  Sender sender;
  std::string worker;
  std::vector<ParentRef> parents;
  bool transient = false;

  explicit RegisterTask(const Model& model) {
    kind = *rc::gen::element(TaskKind::kTrain, TaskKind::kAggregate, TaskKind::kComposite, TaskKind::kEvaluate);
    transient = kind != TaskKind::kEvaluate && *rc::gen::arbitrary<bool>();
    sender = *rc::gen::weightedElement<Sender>(
        {{12, Sender::kPlanOwner}, {1, Sender::kTaskWorker}, {1, Sender::kOtherOrg}, {1, Sender::kUnregistered}});
    worker = kind == TaskKind::kAggregate
                 ? *rc::gen::weightedElement<std::string>({{4, kOwner}, {4, kWorker}, {1, kOther}, {1, kGhost}})
                 : *rc::gen::element<std::string>(kOwner, kWorker);
    std::vector<int> candidates;
    for (std::size_t i = 0; i < model.tasks.size(); ++i) {
      if (HasModelOutput(model.tasks[i].kind)) candidates.push_back(static_cast<int>(i));
    }
    if (candidates.empty()) return;
    auto pick = [&]() {
      int task = *rc::gen::elementOf(candidates);
      return ParentRef{task, *rc::gen::elementOf(OutputsOf(model.tasks[task].kind)), ""};
    };
    switch (kind) {
      case TaskKind::kTrain:
      case TaskKind::kAggregate: {
        int count = *rc::gen::inRange(0, 4);
        std::set<std::pair<int, std::string>> seen;
        for (int i = 0; i < count; ++i) {
          ParentRef parent = pick();
          parent.input = "model";
          if (seen.insert({parent.task, parent.output}).second) parents.push_back(parent);
        }
        break;
      }
      case TaskKind::kComposite:
        for (const char* input : {"shared", "local"}) {
          if (!*rc::gen::arbitrary<bool>()) continue;
          ParentRef parent = pick();
          parent.input = input;
          parents.push_back(parent);
        }
        break;
      case TaskKind::kEvaluate:
        if (*rc::gen::arbitrary<bool>()) {
          ParentRef parent = pick();
          parent.input = "model";
          parents.push_back(parent);
        }
        break;
    }
  }

  void checkPreconditions(const Model& model) const override {
    for (const ParentRef& parent : parents) RC_PRE(parent.task < static_cast<int>(model.tasks.size()));
  }

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    std::vector<int> parent_tasks;
    for (const ParentRef& parent : parents) {
      if (std::find(parent_tasks.begin(), parent_tasks.end(), parent.task) == parent_tasks.end()) {
        parent_tasks.push_back(parent.task);
      }
    }
    if (Resolve(sender, worker) != kOwner) {
      prediction.error = ErrorKind::kPermissionDenied;
      return prediction;
    }
    bool all_done = true;
    int rank = 0;
    for (int parent : parent_tasks) {
      Status status = model.tasks[parent].status;
      if (status == pb::STATUS_FAILED || status == pb::STATUS_CANCELED) {
        prediction.error = ErrorKind::kIncompatibleTaskStatus;
        return prediction;
      }
      all_done = all_done && status == pb::STATUS_DONE;
      rank = std::max(rank, model.tasks[parent].rank + 1);
    }
    for (int parent : parent_tasks) {
      if (model.tasks[parent].status == pb::STATUS_DONE && model.tasks[parent].HasDisabledModel()) {
        prediction.error = ErrorKind::kInvalidAsset;
        return prediction;
      }
    }
    if (worker == kGhost) {
      prediction.error = ErrorKind::kNotFound;
      return prediction;
    }
    TaskModel task;
    task.kind = kind;
    task.worker = worker;
    task.parents = parent_tasks;
    task.parent_inputs = parents;
    task.rank = rank;
    task.transient = transient;
    task.status = all_done ? pb::STATUS_TODO : pb::STATUS_WAITING;
    int index = static_cast<int>(model.tasks.size());
    prediction.next.tasks.push_back(task);
    prediction.events.push_back({pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK, TaskSubject(index), task.status});
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    int index = static_cast<int>(model.tasks.size());
    pb::RegisterTasksParam request;
    *request.add_tasks() = sut.world.NewTask(index, kind, worker, parents, nullptr, transient);
    sut.task_index[TaskKey(index)] = index;
    auto result = sut.world.core().RegisterTasks(As(Resolve(sender, worker)), request);
    CheckOutcome(Predict(model), result, sut);
  }

  void show(std::ostream& out) const override {
    out << "RegisterTasks " << TaskKindName(kind) << " worker " << worker << " parents [";
    for (const ParentRef& parent : parents) out << " task " << parent.task << "." << parent.output << "->" << parent.input;
    out << " ]" << (transient ? " transient" : "") << " as " << SenderName(sender);
  }
};

// One of the outputs of `kind`, or, one time in six, an identifier the task
// does not have.
std::string PickOutput(TaskKind kind) {
  if (*rc::gen::inRange(0, 6) == 0) return "missing";
  return *rc::gen::elementOf(OutputsOf(kind));
}

// Base of the commands that act on one existing task.
struct TaskCommand : Command {
  int task = 0;
  Sender sender = Sender::kTaskWorker;

  // Picks any task, or, three times in four, one of the tasks in a status
  // of `preferred` when there is one, so that long valid sequences (start,
  // outputs, finish, disable) are common enough.
  explicit TaskCommand(const Model& model, std::initializer_list<Status> preferred = {}) {
    RC_PRE(!model.tasks.empty());
    std::vector<int> candidates;
    for (std::size_t i = 0; i < model.tasks.size(); ++i) {
      Status status = model.tasks[i].status;
      if (std::find(preferred.begin(), preferred.end(), status) != preferred.end()) {
        candidates.push_back(static_cast<int>(i));
      }
    }
    if (!candidates.empty() && *rc::gen::inRange(0, 4) != 0) {
      task = *rc::gen::elementOf(candidates);
    } else {
      task = *rc::gen::inRange<int>(0, static_cast<int>(model.tasks.size()));
    }
    sender = *GenSender();
  }

  void checkPreconditions(const Model& model) const override { RC_PRE(task < static_cast<int>(model.tasks.size())); }

  std::string Requester(const Model& model) const { return Resolve(sender, model.tasks[task].worker); }
};

struct ApplyAction : TaskCommand {
  pb::ComputeTaskAction action;

  explicit ApplyAction(const Model& model) : TaskCommand(model, {pb::STATUS_TODO, pb::STATUS_DOING}) {
    // Mostly the action that moves the task forward.
    Status status = model.tasks[task].status;
    if (*rc::gen::inRange(0, 3) != 0 && (status == pb::STATUS_TODO || status == pb::STATUS_DOING)) {
      action = status == pb::STATUS_TODO ? pb::TASK_ACTION_DOING : pb::TASK_ACTION_DONE;
      return;
    }
    action = *rc::gen::weightedElement<pb::ComputeTaskAction>({{4, pb::TASK_ACTION_DOING},
                                                               {4, pb::TASK_ACTION_DONE},
                                                               {1, pb::TASK_ACTION_CANCELED},
                                                               {1, pb::TASK_ACTION_FAILED}});
  }

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    const TaskModel& target = model.tasks[task];
    std::string requester = Requester(model);
    bool allowed = requester == target.worker || (action == pb::TASK_ACTION_CANCELED && requester == kOwner);
    if (!allowed) {
      prediction.error = ErrorKind::kPermissionDenied;
    } else if (!TransitionAllowed(target.status, TargetOf(action))) {
      prediction.error = ErrorKind::kBadRequest;
    } else {
      ApplyTransition(prediction, task, TargetOf(action));
    }
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    pb::ApplyTaskActionParam request;
    request.set_compute_task_key(TaskKey(task));
    request.set_action(action);
    CheckOutcome(Predict(model), sut.world.core().ApplyTaskAction(As(Requester(model)), request), sut);
  }

  void show(std::ostream& out) const override {
    out << "ApplyTaskAction " << pb::ComputeTaskAction_Name(action) << " on task " << task << " as "
        << SenderName(sender);
  }
};

struct RegisterModel : TaskCommand {
  std::string identifier;

  explicit RegisterModel(const Model& model) : TaskCommand(model, {pb::STATUS_DOING}) {
    identifier = PickOutput(model.tasks[task].kind);
  }

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    const TaskModel& target = model.tasks[task];
    std::vector<std::string> outputs = OutputsOf(target.kind);
    if (Requester(model) != target.worker) {
      prediction.error = ErrorKind::kPermissionDenied;
    } else if (target.status != pb::STATUS_DOING) {
      prediction.error = ErrorKind::kBadRequest;
    } else if (std::find(outputs.begin(), outputs.end(), identifier) == outputs.end()) {
      prediction.error = ErrorKind::kMissingTaskOutput;
    } else if (target.kind == TaskKind::kEvaluate) {
      prediction.error = ErrorKind::kIncompatibleKind;
    } else if (target.output_assets.count(identifier) && target.output_assets.at(identifier) >= 1) {
      prediction.error = ErrorKind::kConflict;
    } else {
      ++prediction.next.tasks[task].output_assets[identifier];
      prediction.next.tasks[task].asset_kinds[identifier].insert(pb::ASSET_MODEL);
      prediction.events.push_back({pb::EVENT_ASSET_CREATED, pb::ASSET_MODEL, "model of " + TaskSubject(task)});
      prediction.events.push_back({pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET, TaskSubject(task)});
    }
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    pb::NewModel request;
    request.set_key(sut.world.NewKey());
    request.set_compute_task_key(TaskKey(task));
    request.set_compute_task_output_identifier(identifier);
    *request.mutable_address() = Address("model", request.key());
    Status before = model.tasks[task].status;
    auto result = sut.world.core().RegisterModel(As(Requester(model)), request);
    if (result.ok()) RC_ASSERT(before == pb::STATUS_DOING);  // no output outside DOING
    CheckOutcome(Predict(model), result, sut);
  }

  void show(std::ostream& out) const override {
    out << "RegisterModel " << identifier << " of task " << task << " as " << SenderName(sender);
  }
};

struct RegisterPerformance : TaskCommand {
  std::string identifier;

  explicit RegisterPerformance(const Model& model) : TaskCommand(model, {pb::STATUS_DOING}) {
    identifier = PickOutput(model.tasks[task].kind);
  }

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    const TaskModel& target = model.tasks[task];
    std::vector<std::string> outputs = OutputsOf(target.kind);
    if (Requester(model) != target.worker) {
      prediction.error = ErrorKind::kPermissionDenied;
    } else if (target.status != pb::STATUS_DOING) {
      prediction.error = ErrorKind::kBadRequest;
    } else if (std::find(outputs.begin(), outputs.end(), identifier) == outputs.end()) {
      prediction.error = ErrorKind::kMissingTaskOutput;
    } else if (target.performances.contains(identifier)) {
      prediction.error = ErrorKind::kConflict;
    } else {
      // 0.37 does not check the output's kind: a performance may go under a
      // MODEL output.
      prediction.next.tasks[task].performances.insert(identifier);
      ++prediction.next.tasks[task].output_assets[identifier];
      prediction.next.tasks[task].asset_kinds[identifier].insert(pb::ASSET_PERFORMANCE);
      prediction.events.push_back(
          {pb::EVENT_ASSET_CREATED, pb::ASSET_PERFORMANCE, "performance of " + TaskSubject(task)});
      prediction.events.push_back({pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET, TaskSubject(task)});
    }
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    pb::NewPerformance request;
    request.set_compute_task_key(TaskKey(task));
    request.set_compute_task_output_identifier(identifier);
    request.set_performance_value(0.5f);
    Status before = model.tasks[task].status;
    auto result = sut.world.core().RegisterPerformance(As(Requester(model)), request);
    if (result.ok()) RC_ASSERT(before == pb::STATUS_DOING);  // no output outside DOING
    CheckOutcome(Predict(model), result, sut);
  }

  void show(std::ostream& out) const override {
    out << "RegisterPerformance " << identifier << " of task " << task << " as " << SenderName(sender);
  }
};

struct RegisterFailureReport : TaskCommand {
  using TaskCommand::TaskCommand;

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    const TaskModel& target = model.tasks[task];
    if (Requester(model) != target.worker) {
      prediction.error = ErrorKind::kPermissionDenied;
    } else if (target.status != pb::STATUS_DOING) {
      prediction.error = ErrorKind::kBadRequest;
    } else {
      ApplyTransition(prediction, task, pb::STATUS_FAILED);
      prediction.events.push_back({pb::EVENT_ASSET_CREATED, pb::ASSET_FAILURE_REPORT, TaskSubject(task)});
    }
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    pb::NewFailureReport request;
    request.set_compute_task_key(TaskKey(task));
    request.set_error_type(pb::ERROR_TYPE_EXECUTION);
    *request.mutable_logs_address() = Address("logs", TaskKey(task));
    CheckOutcome(Predict(model), sut.world.core().RegisterFailureReport(As(Requester(model)), request), sut);
  }

  void show(std::ostream& out) const override {
    out << "RegisterFailureReport on task " << task << " as " << SenderName(sender);
  }
};

// The worker runs a TODO task through: DOING, one asset per output, DONE.
// One command for a sequence that random commands rarely produce in order.
struct RunTask : TaskCommand {
  explicit RunTask(const Model& model) : TaskCommand(model, {pb::STATUS_TODO}) {}

  void checkPreconditions(const Model& model) const override {
    TaskCommand::checkPreconditions(model);
    RC_PRE(model.tasks[task].status == pb::STATUS_TODO);
  }

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    ApplyTransition(prediction, task, pb::STATUS_DOING);
    TaskModel& target = prediction.next.tasks[task];
    for (const std::string& identifier : OutputsOf(target.kind)) {
      bool performance = target.kind == TaskKind::kEvaluate;
      pb::AssetKind kind = performance ? pb::ASSET_PERFORMANCE : pb::ASSET_MODEL;
      ++target.output_assets[identifier];
      target.asset_kinds[identifier].insert(kind);
      if (performance) target.performances.insert(identifier);
      prediction.events.push_back(
          {pb::EVENT_ASSET_CREATED, kind, (performance ? "performance of " : "model of ") + TaskSubject(task)});
      prediction.events.push_back({pb::EVENT_ASSET_CREATED, pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET, TaskSubject(task)});
    }
    ApplyTransition(prediction, task, pb::STATUS_DONE);
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    const TaskModel& target = model.tasks[task];
    Orchestrator& core = sut.world.core();
    const RequestContext worker = As(target.worker);
    pb::ApplyTaskActionParam action;
    action.set_compute_task_key(TaskKey(task));
    action.set_action(pb::TASK_ACTION_DOING);
    auto started = core.ApplyTaskAction(worker, action);
    RC_LOG() << "DOING: " << (started.ok() ? "OK" : started.error().message()) << "\n";
    RC_ASSERT(started.ok());
    for (const std::string& identifier : OutputsOf(target.kind)) {
      if (target.kind == TaskKind::kEvaluate) {
        pb::NewPerformance performance;
        performance.set_compute_task_key(TaskKey(task));
        performance.set_compute_task_output_identifier(identifier);
        performance.set_performance_value(0.25f);
        auto registered = core.RegisterPerformance(worker, performance);
        RC_LOG() << "RegisterPerformance: " << (registered.ok() ? "OK" : registered.error().message()) << "\n";
        RC_ASSERT(registered.ok());
        continue;
      }
      pb::NewModel request;
      request.set_key(sut.world.NewKey());
      request.set_compute_task_key(TaskKey(task));
      request.set_compute_task_output_identifier(identifier);
      *request.mutable_address() = Address("model", request.key());
      auto registered = core.RegisterModel(worker, request);
      RC_LOG() << "RegisterModel: " << (registered.ok() ? "OK" : registered.error().message()) << "\n";
      RC_ASSERT(registered.ok());
    }
    action.set_action(pb::TASK_ACTION_DONE);
    CheckOutcome(Predict(model), core.ApplyTaskAction(worker, action), sut);
  }

  void show(std::ostream& out) const override { out << "RunTask " << task << " (DOING, outputs, DONE) as worker"; }
};

struct DisableOutput : TaskCommand {
  std::string identifier;

  explicit DisableOutput(const Model& model)
      : TaskCommand(model, {pb::STATUS_DONE, pb::STATUS_FAILED, pb::STATUS_CANCELED}) {
    identifier = PickOutput(model.tasks[task].kind);
  }

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    const TaskModel& target = model.tasks[task];
    std::vector<std::string> outputs = OutputsOf(target.kind);
    auto fail = [&prediction](ErrorKind kind) {
      prediction.error = kind;
      return prediction;
    };
    if (Requester(model) != target.worker) return fail(ErrorKind::kPermissionDenied);
    if (IsActive(target.status)) return fail(ErrorKind::kCannotDisableOutput);
    if (std::find(outputs.begin(), outputs.end(), identifier) == outputs.end()) {
      return fail(ErrorKind::kCannotDisableOutput);
    }
    if (!target.transient || target.kind == TaskKind::kEvaluate) return fail(ErrorKind::kCannotDisableOutput);
    auto kinds = target.asset_kinds.find(identifier);
    if (kinds == target.asset_kinds.end()) return fail(ErrorKind::kCannotDisableOutput);
    // Any non-model asset, even after a model: a performance may be
    // registered under a MODEL output.
    if (kinds->second != std::set<pb::AssetKind>{pb::ASSET_MODEL}) return fail(ErrorKind::kCannotDisableOutput);
    bool has_children = false;
    for (const TaskModel& child : model.tasks) {
      if (std::find(child.parents.begin(), child.parents.end(), task) == child.parents.end()) continue;
      has_children = true;
      if (IsActive(child.status)) return fail(ErrorKind::kCannotDisableOutput);
    }
    if (!has_children) return fail(ErrorKind::kCannotDisableOutput);
    if (target.disabled.contains(identifier)) return fail(ErrorKind::kCannotDisableOutput);
    prediction.next.tasks[task].disabled.insert(identifier);
    for (int i = 0; i < target.output_assets.at(identifier); ++i) {
      prediction.events.push_back({pb::EVENT_ASSET_DISABLED, pb::ASSET_MODEL, "model of " + TaskSubject(task)});
    }
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    pb::DisableOutputParam request;
    request.set_compute_task_key(TaskKey(task));
    request.set_identifier(identifier);
    Prediction prediction = Predict(model);
    if (!prediction.error) RC_TAG("an output was disabled");
    CheckOutcome(prediction, sut.world.core().DisableOutput(As(Requester(model)), request), sut);
  }

  void show(std::ostream& out) const override {
    out << "DisableOutput " << identifier << " of task " << task << " as " << SenderName(sender);
  }
};

// GetTaskInputAssets by any organisation: no permission check, and the
// assets of each input in input order, a parent output giving one asset per
// registered model.
struct ReadInputs : TaskCommand {
  explicit ReadInputs(const Model& model) : TaskCommand(model, {pb::STATUS_TODO, pb::STATUS_DOING}) {}

  // The expected identifiers, or the expected error.
  std::variant<std::vector<std::string>, ErrorKind> Expect(const Model& model) const {
    const TaskModel& target = model.tasks[task];
    if (target.status != pb::STATUS_TODO && target.status != pb::STATUS_DOING &&
        target.status != pb::STATUS_FAILED) {
      return ErrorKind::kBadRequest;
    }
    std::vector<std::string> identifiers;
    if (target.kind != TaskKind::kAggregate) identifiers = {"opener", "datasamples"};
    for (const ParentRef& input : target.parent_inputs) {
      const TaskModel& parent = model.tasks[input.task];
      auto kinds = parent.asset_kinds.find(input.output);
      if (kinds == parent.asset_kinds.end()) continue;
      if (kinds->second.contains(pb::ASSET_PERFORMANCE)) return ErrorKind::kUnimplemented;
      for (int i = 0; i < parent.output_assets.at(input.output); ++i) identifiers.push_back(input.input);
    }
    return identifiers;
  }

  void run(const Model& model, Sut& sut) const override {
    pb::GetTaskInputAssetsParam request;
    request.set_compute_task_key(TaskKey(task));
    auto result = sut.world.core().GetTaskInputAssets(As(Requester(model)), request);
    auto expected = Expect(model);
    RC_LOG() << "GetTaskInputAssets: " << (result.ok() ? std::string("OK") : result.error().message()) << "\n";
    if (std::holds_alternative<ErrorKind>(expected)) {
      RC_ASSERT(OutcomeName(ErrorOf(result)) == OutcomeName(std::get<ErrorKind>(expected)));
    } else {
      RC_ASSERT(result.ok());
      std::vector<std::string> identifiers;
      for (const pb::ComputeTaskInputAsset& asset : result->assets()) identifiers.push_back(asset.identifier());
      RC_ASSERT(identifiers == std::get<std::vector<std::string>>(expected));
    }
    RC_ASSERT(sut.world.NewEvents().empty());
  }

  void show(std::ostream& out) const override {
    out << "GetTaskInputAssets of task " << task << " as " << SenderName(sender);
  }
};

struct CancelPlan : Command {
  Sender sender = *rc::gen::weightedElement<Sender>(
      {{6, Sender::kPlanOwner}, {1, Sender::kTaskWorker}, {1, Sender::kOtherOrg}, {1, Sender::kUnregistered}});

  Prediction Predict(const Model& model) const {
    Prediction prediction{model, std::nullopt, {}};
    if (Resolve(sender, "") != kOwner) {
      prediction.error = ErrorKind::kPermissionDenied;
    } else if (model.Terminated()) {
      prediction.error = ErrorKind::kTerminatedComputePlan;
    } else {
      prediction.next.canceled = true;
      prediction.events.push_back({pb::EVENT_ASSET_UPDATED, pb::ASSET_COMPUTE_PLAN, "plan"});
    }
    return prediction;
  }

  void apply(Model& model) const override { model = Predict(model).next; }

  void run(const Model& model, Sut& sut) const override {
    pb::ApplyPlanActionParam request;
    request.set_key(sut.world.plan_key());
    request.set_action(pb::PLAN_ACTION_CANCELED);
    CheckOutcome(Predict(model), sut.world.core().ApplyPlanAction(As(Resolve(sender, "")), request), sut);
  }

  void show(std::ostream& out) const override { out << "ApplyPlanAction CANCELED as " << SenderName(sender); }
};

// Runs the state-machine property on a core built with `options`. Returns
// whether every case passed; RapidCheck prints the shrunk counterexample.
bool CheckTaskStateMachine(const OrchestratorOptions& options) {
  return rc::check("compute tasks follow the reference model", [&options] {
    Sut sut(options);
    rc::state::check(Model{}, sut,
                     rc::state::gen::execOneOfWithArgs<
                         RegisterTask, RegisterTask, ApplyAction, ApplyAction, ApplyAction, RunTask, RegisterModel, RegisterModel,
                         RegisterPerformance, RegisterFailureReport, DisableOutput, DisableOutput, ReadInputs, CancelPlan>());
  });
}

// Every action by every kind of sender from every status, on a task whose
// worker is not the plan owner: the outcome, the new status and the events.
// 1,000 cases cover the 6 x 4 x 4 combinations with near certainty.
TEST(ComputeTaskProperty, EveryActionFromEveryStatus) {
  EXPECT_TRUE(rc::check("every action from every status, by every sender", [] {
    const Status from = *rc::gen::element(pb::STATUS_WAITING, pb::STATUS_TODO, pb::STATUS_DOING, pb::STATUS_DONE,
                                          pb::STATUS_FAILED, pb::STATUS_CANCELED);
    const pb::ComputeTaskAction action = *rc::gen::element(pb::TASK_ACTION_DOING, pb::TASK_ACTION_DONE,
                                                           pb::TASK_ACTION_CANCELED, pb::TASK_ACTION_FAILED);
    const Sender sender = *rc::gen::element(Sender::kPlanOwner, Sender::kTaskWorker, Sender::kOtherOrg,
                                            Sender::kUnregistered);
    RC_TAG(pb::ComputeTaskStatus_Name(from), pb::ComputeTaskAction_Name(action), SenderName(sender));

    // Task 1 runs on WorkerMSP's data; task 0 is its parent, kept TODO for a
    // WAITING task 1.
    World world;
    Orchestrator& core = world.core();
    pb::RegisterTasksParam request;
    *request.add_tasks() = world.NewTask(0, TaskKind::kTrain, kWorker, {});
    *request.add_tasks() = world.NewTask(1, TaskKind::kTrain, kWorker, {}, nullptr, false);
    if (from == pb::STATUS_WAITING) *request.mutable_tasks(1) = world.NewTask(1, TaskKind::kTrain, kWorker, {ParentRef{0, "model", "model"}});
    Must(core.RegisterTasks(As(kOwner), request), "RegisterTasks");
    auto act = [&core](const std::string& requester, pb::ComputeTaskAction step) {
      pb::ApplyTaskActionParam param;
      param.set_compute_task_key(TaskKey(1));
      param.set_action(step);
      return core.ApplyTaskAction(As(requester), param);
    };
    switch (from) {
      case pb::STATUS_DOING: Must(act(kWorker, pb::TASK_ACTION_DOING), "DOING"); break;
      case pb::STATUS_DONE:
        Must(act(kWorker, pb::TASK_ACTION_DOING), "DOING");
        Must(act(kWorker, pb::TASK_ACTION_DONE), "DONE");
        break;
      case pb::STATUS_FAILED: Must(act(kWorker, pb::TASK_ACTION_FAILED), "FAILED"); break;
      case pb::STATUS_CANCELED: Must(act(kOwner, pb::TASK_ACTION_CANCELED), "CANCELED"); break;
      default: break;
    }
    world.SkipEvents();

    const std::string requester = Resolve(sender, kWorker);
    const bool allowed = requester == kWorker || (action == pb::TASK_ACTION_CANCELED && requester == kOwner);
    const Status to = TargetOf(action);
    std::optional<ErrorKind> expected;
    if (!allowed) {
      expected = ErrorKind::kPermissionDenied;
    } else if (!TransitionAllowed(from, to)) {
      expected = ErrorKind::kBadRequest;
    }
    auto result = act(requester, action);
    RC_LOG() << "outcome: " << (result.ok() ? std::string("OK") : result.error().message()) << "\n";
    RC_ASSERT(OutcomeName(ErrorOf(result)) == OutcomeName(expected));

    pb::GetTaskParam get;
    get.set_key(TaskKey(1));
    const Status now = Must(core.GetTask(As(kOwner), get), "GetTask").status();
    RC_ASSERT(now == (expected ? from : to));
    std::vector<pb::Event> events = world.NewEvents();
    RC_ASSERT(events.size() == (expected ? 0u : 1u));
    if (!expected) RC_ASSERT(events.front().compute_task().status() == to);

    pb::GetComputePlanParam get_plan;
    get_plan.set_key(world.plan_key());
    const bool failed = Must(core.GetPlan(As(kOwner), get_plan), "GetPlan").has_failure_date();
    RC_ASSERT(failed == (from == pb::STATUS_FAILED || (!expected && to == pb::STATUS_FAILED)));
  }));
}

TEST(ComputeTaskProperty, FollowsReferenceModel) { EXPECT_TRUE(CheckTaskStateMachine({})); }

// With the planted promotion bug on, the property must fail.
TEST(ComputeTaskProperty, CatchesEarlyPromotion) {
  EXPECT_FALSE(CheckTaskStateMachine(OptionsWithFault("promote_on_any_parent_done")));
}

}  // namespace
}  // namespace orc::prop
