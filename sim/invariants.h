// The simulator's invariant checker. After every simulated action it reads
// the target through the API only (ReadEvents, QueryTasks, IsPlanRunning,
// GetFunction) and checks:
//   - each task's rank is max(parent ranks) + 1, and 0 without parents;
//   - a task is TODO only when every parent is DONE, WAITING only when one
//     is not;
//   - every status change is an allowed transition and has exactly one
//     UPDATED event, and no event reports a change that did not happen;
//   - models, performances and output assets appear only while their task
//     is DOING, no asset is created twice, and no output gets two assets;
//   - IsPlanRunning is true exactly when a task is WAITING, TODO or DOING.
// At the end of a run it also checks that every DONE task has one asset per
// declared output and, when nothing could fail, that the plan finished
// (liveness).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/api.h"

namespace orc::sim {

// NOTE: Check reads every task of the plan after each action, so a checked
// run costs about tasks x actions reads: fine for scenarios of a few hundred
// tasks, far too slow for large-fedavg.yaml (29,800 tasks).
class InvariantChecker {
 public:
  // Reads as `reader`, the plan `plan_key` once it is set.
  InvariantChecker(Api& target, RequestContext reader) : target_(&target), reader_(std::move(reader)) {}

  // Reads from `target` from now on: after a server restart.
  void SetTarget(Api& target) { target_ = &target; }

  // Checks the state after one action. Returns the violations found, empty
  // when every invariant holds.
  std::vector<std::string> Check(const std::string& plan_key);

  // Checks the final state. `expect_finished`: nothing could fail or cancel
  // a task, so every task must be DONE and the plan not running.
  std::vector<std::string> CheckEnd(const std::string& plan_key, bool expect_finished);

  // Number of distinct assets of `kind` created so far.
  std::size_t CreatedCount(::orchestrator::AssetKind kind) const;

  // Reads that failed with OE0900 and were sent again.
  std::uint64_t retried_reads() const { return retried_reads_; }

 private:
  struct TaskState {
    int status = 0;
    std::string function_key;
    std::map<std::string, int> output_assets;  // identifier -> assets
  };

  void ReadNewEvents(std::vector<std::string>& violations);
  std::vector<::orchestrator::ComputeTask> QueryPlanTasks(const std::string& plan_key,
                                                          std::vector<std::string>& violations);
  const ::orchestrator::Function* LoadFunction(const std::string& key);
  template <class ReadFn>
  auto ReadWithRetries(ReadFn read) -> decltype(read());

  Api* target_;
  RequestContext reader_;
  std::string cursor_;  // id of the last event read
  std::map<std::string, TaskState> tasks_;  // by task key, from the events
  std::set<std::pair<int, std::string>> created_;  // (asset kind, key) of created assets
  std::map<std::string, ::orchestrator::Function> functions_;
  std::uint64_t retried_reads_ = 0;
};

}  // namespace orc::sim
