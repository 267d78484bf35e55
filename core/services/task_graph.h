// Task graph helpers: parent links and the order in which a batch of new
// tasks is built.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "computetask.pb.h"

namespace orc::service {

// Distinct parent task keys of a task's inputs (its parent_task_output
// references), in order of first appearance.
std::vector<std::string> ParentKeys(
    const google::protobuf::RepeatedPtrField<::orchestrator::ComputeTaskInput>& inputs);

// True for WAITING, TODO and DOING: a task that has not finished.
inline bool IsActive(::orchestrator::ComputeTaskStatus status) {
  return status == ::orchestrator::STATUS_WAITING || status == ::orchestrator::STATUS_TODO ||
         status == ::orchestrator::STATUS_DOING;
}

// Orders a batch so that every task comes after its parents from the batch
// (Kahn's algorithm, ready tasks in request order, as 0.37 does). Parents for
// which `is_stored` is true are already satisfied. Returns indexes into
// `request.tasks()`. A cycle or a parent that is neither stored nor in the
// batch fails with InvalidAsset.
std::vector<int> SortTasks(const ::orchestrator::RegisterTasksParam& request,
                           const std::vector<std::vector<std::string>>& parent_keys,
                           const std::function<bool(const std::string&)>& is_stored);

}  // namespace orc::service
