#include "sim/invariants.h"

#include <algorithm>

namespace orc::sim {

namespace pb = ::orchestrator;

namespace {

constexpr std::size_t kEventBatch = 1000;
constexpr std::uint32_t kPageSize = 1000;
// Attempts of one read that fails with OE0900 (a server restarting under a
// grpc:// target). Reads change nothing, so retrying them is safe.
constexpr int kReadAttempts = 20;

std::string StatusText(int status) { return pb::ComputeTaskStatus_Name(static_cast<pb::ComputeTaskStatus>(status)); }

bool IsActive(int status) {
  return status == pb::STATUS_WAITING || status == pb::STATUS_TODO || status == pb::STATUS_DOING;
}

// The transitions of the 0.37 task state machine.
bool TransitionAllowed(int from, int to) {
  switch (to) {
    case pb::STATUS_TODO: return from == pb::STATUS_WAITING;
    case pb::STATUS_DOING: return from == pb::STATUS_TODO;
    case pb::STATUS_DONE: return from == pb::STATUS_DOING;
    case pb::STATUS_CANCELED:
    case pb::STATUS_FAILED: return IsActive(from);
    default: return false;
  }
}

std::string TaskName(const pb::ComputeTask& task) {
  auto label = task.metadata().find("orcsim.task");
  return "task " + (label == task.metadata().end() ? task.key() : label->second);
}

// Task a model, performance, output asset or failure report belongs to.
std::string OwningTask(const pb::Event& event) {
  if (event.has_model()) return event.model().compute_task_key();
  if (event.has_performance()) return event.performance().compute_task_key();
  if (event.has_compute_task_output_asset()) return event.compute_task_output_asset().compute_task_key();
  if (event.has_failure_report()) return event.failure_report().compute_task_key();
  return "";
}

}  // namespace

template <class ReadFn>
auto InvariantChecker::ReadWithRetries(ReadFn read) -> decltype(read()) {
  auto result = read();
  for (int attempt = 1; attempt < kReadAttempts && !result.ok() && result.error().kind() == ErrorKind::kUnavailable;
       ++attempt) {
    ++retried_reads_;
    result = read();
  }
  return result;
}

void InvariantChecker::ReadNewEvents(std::vector<std::string>& violations) {
  while (true) {
    auto batch = ReadWithRetries([&] { return target_->ReadEvents(reader_, cursor_, kEventBatch); });
    if (!batch.ok()) {
      violations.push_back("ReadEvents failed: " + batch.error().message());
      return;
    }
    for (const pb::Event& event : batch->events) {
      const std::string subject = pb::AssetKind_Name(event.asset_kind()) + " " + event.asset_key();
      if (event.event_kind() == pb::EVENT_ASSET_CREATED && event.asset_kind() != pb::ASSET_COMPUTE_TASK_OUTPUT_ASSET &&
          !created_.insert({event.asset_kind(), event.asset_key()}).second) {
        violations.push_back(subject + " created twice");
      }
      if (event.asset_kind() == pb::ASSET_COMPUTE_TASK) {
        const pb::ComputeTask& task = event.compute_task();
        auto [state, inserted] = tasks_.try_emplace(task.key());
        if (event.event_kind() == pb::EVENT_ASSET_CREATED) {
          state->second.status = task.status();
          state->second.function_key = task.function_key();
          if (task.status() != pb::STATUS_WAITING && task.status() != pb::STATUS_TODO) {
            violations.push_back(TaskName(task) + " created as " + StatusText(task.status()));
          }
        } else if (event.event_kind() == pb::EVENT_ASSET_UPDATED) {
          if (inserted) violations.push_back(TaskName(task) + " updated before it was created");
          if (!TransitionAllowed(state->second.status, task.status())) {
            violations.push_back(TaskName(task) + ": event reports " + StatusText(state->second.status) + " -> " +
                                 StatusText(task.status()) + ", not a transition of the state machine");
          }
          state->second.status = task.status();
        }
        continue;
      }
      std::string task_key = OwningTask(event);
      if (task_key.empty() || event.event_kind() != pb::EVENT_ASSET_CREATED) continue;
      auto state = tasks_.find(task_key);
      if (state == tasks_.end()) {
        violations.push_back(subject + " created for unknown task " + task_key);
        continue;
      }
      bool output = event.asset_kind() != pb::ASSET_FAILURE_REPORT;
      if (output && state->second.status != pb::STATUS_DOING) {
        violations.push_back(subject + " registered for task " + task_key + " in status " +
                             StatusText(state->second.status) + ", outside DOING");
      }
      if (event.has_compute_task_output_asset()) {
        const std::string& identifier = event.compute_task_output_asset().compute_task_output_identifier();
        if (++state->second.output_assets[identifier] > 1) {
          bool multiple = false;
          if (const pb::Function* function = LoadFunction(state->second.function_key)) {
            auto declared = function->outputs().find(identifier);
            multiple = declared != function->outputs().end() && declared->second.multiple();
          }
          if (!multiple) {
            violations.push_back("output " + identifier + " of task " + task_key + " has " +
                                 std::to_string(state->second.output_assets[identifier]) + " assets");
          }
        }
      }
    }
    cursor_ = batch->last_event_id;
    if (batch->events.size() < kEventBatch) return;
  }
}

std::vector<pb::ComputeTask> InvariantChecker::QueryPlanTasks(const std::string& plan_key,
                                                              std::vector<std::string>& violations) {
  std::vector<pb::ComputeTask> tasks;
  pb::QueryTasksParam query;
  query.set_page_size(kPageSize);
  query.mutable_filter()->set_compute_plan_key(plan_key);
  while (true) {
    auto page = ReadWithRetries([&] { return target_->QueryTasks(reader_, query); });
    if (!page.ok()) {
      violations.push_back("QueryTasks failed: " + page.error().message());
      break;
    }
    tasks.insert(tasks.end(), page->tasks().begin(), page->tasks().end());
    if (page->next_page_token().empty()) break;
    query.set_page_token(page->next_page_token());
  }
  return tasks;
}

const pb::Function* InvariantChecker::LoadFunction(const std::string& key) {
  auto cached = functions_.find(key);
  if (cached != functions_.end()) return &cached->second;
  pb::GetFunctionParam request;
  request.set_key(key);
  auto function = ReadWithRetries([&] { return target_->GetFunction(reader_, request); });
  if (!function.ok()) return nullptr;
  return &functions_.emplace(key, std::move(function).value()).first->second;
}

std::vector<std::string> InvariantChecker::Check(const std::string& plan_key) {
  std::vector<std::string> violations;
  ReadNewEvents(violations);
  if (plan_key.empty()) return violations;

  std::vector<pb::ComputeTask> tasks = QueryPlanTasks(plan_key, violations);
  std::map<std::string, const pb::ComputeTask*> by_key;
  for (const pb::ComputeTask& task : tasks) by_key[task.key()] = &task;

  bool any_active = false;
  for (const pb::ComputeTask& task : tasks) {
    any_active = any_active || IsActive(task.status());
    auto state = tasks_.find(task.key());
    if (state == tasks_.end()) {
      violations.push_back(TaskName(task) + " exists without a creation event");
    } else if (state->second.status != task.status()) {
      violations.push_back(TaskName(task) + " is " + StatusText(task.status()) + " but its events end at " +
                           StatusText(state->second.status));
    }

    int rank = 0;
    bool all_parents_done = true;
    std::set<std::string> parents;
    for (const pb::ComputeTaskInput& input : task.inputs()) {
      if (input.ref_case() == pb::ComputeTaskInput::kParentTaskOutput) parents.insert(input.parent_task_output().parent_task_key());
    }
    for (const std::string& parent_key : parents) {
      auto parent = by_key.find(parent_key);
      if (parent == by_key.end()) {
        violations.push_back(TaskName(task) + " has parent " + parent_key + " outside its plan");
        continue;
      }
      rank = std::max(rank, parent->second->rank() + 1);
      all_parents_done = all_parents_done && parent->second->status() == pb::STATUS_DONE;
    }
    if (task.rank() != rank) {
      violations.push_back(TaskName(task) + " has rank " + std::to_string(task.rank()) + ", expected " +
                           std::to_string(rank) + " (max parent rank + 1)");
    }
    if (task.status() == pb::STATUS_TODO && !all_parents_done) {
      violations.push_back(TaskName(task) + " is TODO while a parent is not DONE");
    }
    if (task.status() == pb::STATUS_WAITING && !parents.empty() && all_parents_done) {
      violations.push_back(TaskName(task) + " is WAITING although every parent is DONE");
    }
  }

  pb::IsPlanRunningParam running;
  running.set_key(plan_key);
  auto is_running = ReadWithRetries([&] { return target_->IsPlanRunning(reader_, running); });
  if (!is_running.ok()) {
    violations.push_back("IsPlanRunning failed: " + is_running.error().message());
  } else if (is_running->is_running() != any_active) {
    violations.push_back(std::string("IsPlanRunning returns ") + (is_running->is_running() ? "true" : "false") +
                         " but " + (any_active ? "a task is" : "no task is") + " WAITING, TODO or DOING");
  }
  return violations;
}

std::vector<std::string> InvariantChecker::CheckEnd(const std::string& plan_key, bool expect_finished) {
  std::vector<std::string> violations = Check(plan_key);
  for (const pb::ComputeTask& task : QueryPlanTasks(plan_key, violations)) {
    if (expect_finished && task.status() != pb::STATUS_DONE) {
      violations.push_back("liveness: " + TaskName(task) + " ended " + StatusText(task.status()) +
                           " although nothing could fail or cancel it");
    }
    if (task.status() != pb::STATUS_DONE) continue;
    const pb::Function* function = LoadFunction(task.function_key());
    if (function == nullptr) continue;
    const TaskState& state = tasks_[task.key()];
    for (const auto& [identifier, output] : function->outputs()) {
      auto count = state.output_assets.find(identifier);
      if (count == state.output_assets.end() || count->second == 0) {
        violations.push_back(TaskName(task) + " is DONE without an asset for output " + identifier);
      }
    }
  }
  return violations;
}

std::size_t InvariantChecker::CreatedCount(pb::AssetKind kind) const {
  return static_cast<std::size_t>(std::count_if(created_.begin(), created_.end(),
                                                [kind](const auto& asset) { return asset.first == kind; }));
}

}  // namespace orc::sim
