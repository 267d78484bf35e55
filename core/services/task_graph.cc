#include "core/services/task_graph.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "core/error.h"

namespace orc::service {

std::vector<std::string> ParentKeys(
    const google::protobuf::RepeatedPtrField<::orchestrator::ComputeTaskInput>& inputs) {
  std::vector<std::string> keys;
  for (const auto& input : inputs) {
    if (input.ref_case() != ::orchestrator::ComputeTaskInput::kParentTaskOutput) continue;
    const std::string& key = input.parent_task_output().parent_task_key();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  return keys;
}

std::vector<int> SortTasks(const ::orchestrator::RegisterTasksParam& request,
                           const std::vector<std::vector<std::string>>& parent_keys,
                           const std::function<bool(const std::string&)>& is_stored) {
  const int count = request.tasks_size();
  std::vector<int> missing(count, 0);
  // Parent key -> batch tasks waiting for it, in request order, which is also
  // the order in which 0.37 scans its pending list.
  std::unordered_map<std::string, std::vector<int>> dependents;
  std::deque<int> ready;
  for (int i = 0; i < count; ++i) {
    for (const std::string& parent : parent_keys[i]) {
      if (is_stored(parent)) continue;
      ++missing[i];
      dependents[parent].push_back(i);
    }
    if (missing[i] == 0) ready.push_back(i);
  }

  std::vector<int> order;
  order.reserve(count);
  while (!ready.empty()) {
    int index = ready.front();
    ready.pop_front();
    order.push_back(index);
    auto it = dependents.find(request.tasks(index).key());
    if (it == dependents.end()) continue;
    for (int child : it->second) {
      if (--missing[child] == 0) ready.push_back(child);
    }
  }

  if (static_cast<int>(order.size()) != count) {
    Fail(ErrorKind::kInvalidAsset,
         "cyclic dependency in compute plan graph or unknown task parent, unsorted_tasks_count: " +
             std::to_string(count - static_cast<int>(order.size())));
  }
  return order;
}

}  // namespace orc::service
