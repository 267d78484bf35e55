#include "core/persistence/memory_store.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/records.h"

namespace orc::persistence {
namespace memory_store_internal {

// ---------------------------------------------------------------------------
// Containers and indexes.
//
// Every record lives in one primary map node per channel. Nodes of
// std::unordered_map and std::map never move while they exist, so indexes hold
// pointers to the handle inside the node and views of the node's key. An
// update replaces the handle in place, so every index returns the new handle.

// String hash that accepts std::string_view, so lookups need no copy.
//
// NOTE: operator() is deliberately not noexcept. libstdc++ (GCC 12) skips
// storing each node's hash when the hasher is noexcept and counted as fast,
// which every user-defined hasher is. Without a stored hash, every rehash and
// every bucket walk would hash the keys again.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view value) const {
    return std::hash<std::string_view>{}(value);
  }
};

template <class Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

// Creation order of a record: creation date in microseconds, then key. The key
// views the key of the record's primary map node.
using CreationKey = std::pair<Micros, std::string_view>;

// Entries sorted by key in a vector, so a page starts at its offset in O(1)
// and iteration reads contiguous memory. Keys are creation dates or event
// timestamps, which are transaction times and mostly increase, so an insertion
// usually appends.
// NOTE: a key below the last one is inserted in place and moves every later
// entry. That costs O(n) per insertion if the clock steps back, and O(batch)
// for the tasks of one request, which share a creation date.
template <class Key, class Value>
class SortedIndex {
 public:
  struct Entry {
    Key key;
    Value value;
  };

  // Adds an entry. Does nothing when `key` is already present.
  void Insert(const Key& key, Value value) {
    if (entries_.empty() || entries_.back().key < key) {
      entries_.push_back(Entry{key, value});
      return;
    }
    auto position = LowerBound(key);
    if (position != entries_.end() && position->key == key) return;
    entries_.insert(position, Entry{key, value});
  }

  // Removes the entry of `key` and returns whether there was one.
  bool Erase(const Key& key) noexcept {
    auto position = LowerBound(key);
    if (position == entries_.end() || position->key != key) return false;
    entries_.erase(position);
    return true;
  }

  // Returns the offset of the first entry whose key is not below `key`.
  std::size_t LowerOffset(const Key& key) const noexcept {
    return static_cast<std::size_t>(std::lower_bound(entries_.begin(), entries_.end(), key, KeyBelow) -
                                    entries_.begin());
  }

  // Returns the offset of the first entry whose key is above `key`.
  std::size_t UpperOffset(const Key& key) const noexcept {
    return static_cast<std::size_t>(std::upper_bound(entries_.begin(), entries_.end(), key, KeyAbove) -
                                    entries_.begin());
  }

  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }
  const Entry& operator[](std::size_t offset) const noexcept { return entries_[offset]; }
  auto begin() const noexcept { return entries_.begin(); }
  auto end() const noexcept { return entries_.end(); }

 private:
  static bool KeyBelow(const Entry& entry, const Key& key) noexcept { return entry.key < key; }
  static bool KeyAbove(const Key& key, const Entry& entry) noexcept { return key < entry.key; }

  typename std::vector<Entry>::iterator LowerBound(const Key& key) noexcept {
    return std::lower_bound(entries_.begin(), entries_.end(), key, KeyBelow);
  }

  std::vector<Entry> entries_;
};

// Records in creation order, as pointers to their handles in the primary map.
template <class Record>
using CreationIndex = SortedIndex<CreationKey, const std::shared_ptr<const Record>*>;

template <class Record>
CreationKey CreationKeyOf(const Record& record, std::string_view key) {
  return {ToMicros(record.creation_date()), key};
}

// Records of one kind in one channel: handles by key, and their creation order.
template <class Record>
struct AssetTable {
  using Ptr = std::shared_ptr<const Record>;
  using Entry = std::pair<const std::string, Ptr>;

  StringMap<Ptr> records;
  CreationIndex<Record> by_creation;

  Entry* FindEntry(std::string_view key) {
    auto it = records.find(key);
    return it == records.end() ? nullptr : &*it;
  }

  Ptr Find(std::string_view key) const {
    auto it = records.find(key);
    return it == records.end() ? nullptr : it->second;
  }

  // Stores a record whose key is absent and returns its node.
  Entry& Insert(Ptr record) {
    std::string key = record->key();
    Entry& entry = *records.emplace(std::move(key), std::move(record)).first;
    by_creation.Insert(CreationKeyOf(*entry.second, entry.first), &entry.second);
    return entry;
  }

  // Erases a record and its creation index entry. Does nothing when absent.
  void Erase(std::string_view key) noexcept {
    auto it = records.find(key);
    if (it == records.end()) return;
    by_creation.Erase(CreationKeyOf(*it->second, it->first));
    records.erase(it);
  }
};

// Returns the value stored under `key`, inserting a default one if absent.
template <class Value>
Value& BucketFor(StringMap<Value>& map, std::string_view key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::string(key), Value{}).first;
  return it->second;
}

// Returns the value stored under `key`, or null when absent.
template <class Map>
const typename Map::mapped_type* FindBucket(const Map& map, std::string_view key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

template <class Record>
void IndexInsert(StringMap<CreationIndex<Record>>& index, std::string_view bucket, CreationKey key,
                 const std::shared_ptr<const Record>* slot) {
  BucketFor(index, bucket).Insert(key, slot);
}

// Removes one entry and drops its bucket once empty. Does nothing when absent.
template <class Record>
void IndexErase(StringMap<CreationIndex<Record>>& index, std::string_view bucket,
                CreationKey key) noexcept {
  auto it = index.find(bucket);
  if (it == index.end()) return;
  it->second.Erase(key);
  if (it->second.empty()) index.erase(it);
}

template <class Item>
void Truncate(std::vector<Item>& items, std::size_t size) noexcept {
  if (items.size() > size) items.erase(items.begin() + static_cast<std::ptrdiff_t>(size), items.end());
}

// Tasks of one compute plan.
struct PlanTasks {
  CreationIndex<pb::ComputeTask> tasks;
  // Number of tasks whose status is WAITING, TODO or DOING.
  std::size_t active_count = 0;
  // Number of tasks per function key, for QueryFunctions by plan.
  StringMap<std::size_t> task_count_by_function;
};

// Performance order: creation date ascending, then task key descending, then
// output identifier ascending. Both views point into the performance maps.
struct PerformanceKey {
  Micros micros;
  std::string_view task_key;
  std::string_view identifier;
};

struct PerformanceOrder {
  bool operator()(const PerformanceKey& left, const PerformanceKey& right) const noexcept {
    if (left.micros != right.micros) return left.micros < right.micros;
    if (left.task_key != right.task_key) return left.task_key > right.task_key;
    return left.identifier < right.identifier;
  }
};

// Events of one channel.
struct EventLog {
  // Sorted by position.
  std::vector<StoredEventPtr> events;
  // Indexes into `events`, ascending, per asset key. Each key views the asset
  // key of the bucket's first event, which saves a copy per new key. Events
  // are removed newest first, so that event leaves with the bucket's last entry.
  std::unordered_map<std::string_view, std::vector<std::size_t>, StringHash, std::equal_to<>>
      indexes_by_asset_key;
  // Indexes into `events`, by (timestamp, position).
  SortedIndex<std::pair<Micros, std::uint64_t>, std::size_t> by_time;

  // Adds an event whose position is above every stored one.
  void Append(StoredEventPtr event) {
    const std::size_t index = events.size();
    events.push_back(std::move(event));
    const StoredEvent& added = *events.back();
    indexes_by_asset_key[added.body.asset_key].push_back(index);
    by_time.Insert(std::pair{added.timestamp, added.position}, index);
  }

  // Removes the event at `position` if it is the last one, with its index
  // entries. Also cleans up after an Append() that threw half-way.
  void RemoveLast(std::uint64_t position) noexcept {
    if (events.empty() || events.back()->position != position) return;
    const std::size_t index = events.size() - 1;
    const StoredEvent& last = *events.back();
    by_time.Erase(std::pair{last.timestamp, last.position});
    auto bucket = indexes_by_asset_key.find(last.body.asset_key);
    if (bucket != indexes_by_asset_key.end()) {
      if (!bucket->second.empty() && bucket->second.back() == index) bucket->second.pop_back();
      if (bucket->second.empty()) indexes_by_asset_key.erase(bucket);
    }
    events.pop_back();
  }
};

// Records and indexes of one channel.
struct ChannelState {
  std::vector<OrganizationPtr> organizations;  // registration order
  StringMap<std::size_t> organization_index_by_id;

  AssetTable<pb::Function> functions;
  AssetTable<pb::DataManager> data_managers;

  AssetTable<pb::DataSample> data_samples;
  StringMap<CreationIndex<pb::DataSample>> samples_by_manager;

  AssetTable<pb::ComputePlan> plans;
  StringMap<CreationIndex<pb::ComputePlan>> plans_by_owner;

  AssetTable<pb::ComputeTask> tasks;
  StringMap<PlanTasks> tasks_by_plan;
  StringMap<CreationIndex<pb::ComputeTask>> tasks_by_worker;
  StringMap<CreationIndex<pb::ComputeTask>> tasks_by_function;
  // Children of each parent task, in registration order.
  StringMap<std::vector<const ComputeTaskPtr*>> children_by_parent;

  // Task key, then output identifier, then assets in registration order.
  StringMap<StringMap<std::vector<OutputAssetRef>>> output_assets;

  StringMap<ModelPtr> models;
  StringMap<std::vector<const ModelPtr*>> models_by_task;  // registration order

  // Task key, then output identifier.
  StringMap<std::map<std::string, PerformancePtr, std::less<>>> performances;
  std::map<PerformanceKey, const PerformancePtr*, PerformanceOrder> performance_order;

  StringMap<FailureReportPtr> failure_reports;  // by task key

  EventLog events;
};

struct StoreState {
  std::shared_mutex mutex;
  StringMap<ChannelState> channels;
  // Position of the last event added in any channel, 0 before the first.
  std::uint64_t last_position = 0;
};

// ---------------------------------------------------------------------------
// Index maintenance. The Remove* functions undo the matching Insert* and
// tolerate an insertion that threw half-way, so they can run from the undo log.

bool IsActive(pb::ComputeTaskStatus status) {
  return status == pb::STATUS_WAITING || status == pb::STATUS_TODO || status == pb::STATUS_DOING;
}

void IndexTask(ChannelState& state, const AssetTable<pb::ComputeTask>::Entry& entry,
               std::span<const std::string> parent_keys) {
  const pb::ComputeTask& task = *entry.second;
  const CreationKey order = CreationKeyOf(task, entry.first);

  PlanTasks& plan = BucketFor(state.tasks_by_plan, task.compute_plan_key());
  std::size_t& function_uses = BucketFor(plan.task_count_by_function, task.function_key());
  plan.tasks.Insert(order, &entry.second);
  // The counts change only after the plan index contains the task, so that
  // RemoveTask() can tell from that index whether to decrement them.
  ++function_uses;
  if (IsActive(task.status())) ++plan.active_count;

  IndexInsert(state.tasks_by_worker, task.worker(), order, &entry.second);
  IndexInsert(state.tasks_by_function, task.function_key(), order, &entry.second);
  for (const std::string& parent_key : parent_keys) {
    BucketFor(state.children_by_parent, parent_key).push_back(&entry.second);
  }
}

void UnindexTaskFromPlan(ChannelState& state, const pb::ComputeTask& task, CreationKey order) noexcept {
  auto plan_it = state.tasks_by_plan.find(task.compute_plan_key());
  if (plan_it == state.tasks_by_plan.end()) return;
  PlanTasks& plan = plan_it->second;

  auto uses = plan.task_count_by_function.find(task.function_key());
  if (plan.tasks.Erase(order)) {
    if (IsActive(task.status())) --plan.active_count;
    if (uses != plan.task_count_by_function.end()) --uses->second;
  }
  if (uses != plan.task_count_by_function.end() && uses->second == 0) {
    plan.task_count_by_function.erase(uses);
  }
  if (plan.tasks.empty()) state.tasks_by_plan.erase(plan_it);
}

void RemoveTask(ChannelState& state, std::string_view key,
                const std::vector<std::string>& parent_keys) noexcept {
  AssetTable<pb::ComputeTask>::Entry* entry = state.tasks.FindEntry(key);
  if (entry == nullptr) return;
  const pb::ComputeTask& task = *entry->second;
  const CreationKey order = CreationKeyOf(task, entry->first);

  for (auto parent = parent_keys.rbegin(); parent != parent_keys.rend(); ++parent) {
    auto children = state.children_by_parent.find(*parent);
    if (children == state.children_by_parent.end()) continue;
    if (!children->second.empty() && children->second.back() == &entry->second) children->second.pop_back();
    if (children->second.empty()) state.children_by_parent.erase(children);
  }
  IndexErase(state.tasks_by_function, task.function_key(), order);
  IndexErase(state.tasks_by_worker, task.worker(), order);
  UnindexTaskFromPlan(state, task, order);
  state.tasks.Erase(key);
}

// Replaces a task handle and moves the task between the active and inactive
// counts of its plan when its status changes.
void SwapTaskHandle(ChannelState& state, ComputeTaskPtr* slot, ComputeTaskPtr replacement) noexcept {
  const bool was_active = IsActive((*slot)->status());
  const bool is_active = IsActive(replacement->status());
  if (was_active != is_active) {
    auto plan = state.tasks_by_plan.find(replacement->compute_plan_key());
    if (plan != state.tasks_by_plan.end()) {
      if (is_active) {
        ++plan->second.active_count;
      } else {
        --plan->second.active_count;
      }
    }
  }
  *slot = std::move(replacement);
}

template <class Keys>
void IndexSampleManagers(ChannelState& state, const AssetTable<pb::DataSample>::Entry& entry,
                         const Keys& manager_keys) {
  const CreationKey order = CreationKeyOf(*entry.second, entry.first);
  for (const std::string& manager_key : manager_keys) {
    IndexInsert(state.samples_by_manager, manager_key, order, &entry.second);
  }
}

template <class Keys>
void UnindexSampleManagers(ChannelState& state, const pb::DataSample& sample,
                           const Keys& manager_keys) noexcept {
  const CreationKey order = CreationKeyOf(sample, sample.key());
  for (const std::string& manager_key : manager_keys) {
    IndexErase(state.samples_by_manager, manager_key, order);
  }
}

void RemoveDataSample(ChannelState& state, std::string_view key) noexcept {
  DataSamplePtr sample = state.data_samples.Find(key);
  if (sample == nullptr) return;
  UnindexSampleManagers(state, *sample, sample->data_manager_keys());
  state.data_samples.Erase(key);
}

void RemovePlan(ChannelState& state, std::string_view key) noexcept {
  ComputePlanPtr plan = state.plans.Find(key);
  if (plan == nullptr) return;
  IndexErase(state.plans_by_owner, plan->owner(), CreationKeyOf(*plan, plan->key()));
  state.plans.Erase(key);
}

void RemoveOrganization(ChannelState& state, const std::string& id, std::size_t size) noexcept {
  state.organization_index_by_id.erase(id);
  Truncate(state.organizations, size);
}

void TruncateOutputAssets(ChannelState& state, const std::string& task_key,
                          const std::string& identifier, std::size_t size) noexcept {
  auto by_identifier = state.output_assets.find(task_key);
  if (by_identifier == state.output_assets.end()) return;
  auto assets = by_identifier->second.find(identifier);
  if (assets != by_identifier->second.end()) {
    Truncate(assets->second, size);
    if (assets->second.empty()) by_identifier->second.erase(assets);
  }
  if (by_identifier->second.empty()) state.output_assets.erase(by_identifier);
}

void RemoveModel(ChannelState& state, const std::string& key, const std::string& task_key) noexcept {
  auto model = state.models.find(key);
  if (model == state.models.end()) return;
  auto models = state.models_by_task.find(task_key);
  if (models != state.models_by_task.end()) {
    if (!models->second.empty() && models->second.back() == &model->second) models->second.pop_back();
    if (models->second.empty()) state.models_by_task.erase(models);
  }
  state.models.erase(model);
}

void InsertPerformance(ChannelState& state, PerformancePtr performance) {
  auto by_identifier = state.performances.try_emplace(performance->compute_task_key()).first;
  const Micros micros = ToMicros(performance->creation_date());
  std::string identifier = performance->compute_task_output_identifier();
  auto& entry = *by_identifier->second.emplace(std::move(identifier), std::move(performance)).first;
  state.performance_order.emplace(PerformanceKey{micros, by_identifier->first, entry.first}, &entry.second);
}

void RemovePerformance(ChannelState& state, const std::string& task_key,
                       const std::string& identifier) noexcept {
  auto by_identifier = state.performances.find(task_key);
  if (by_identifier == state.performances.end()) return;
  auto performance = by_identifier->second.find(identifier);
  if (performance != by_identifier->second.end()) {
    const Micros micros = ToMicros(performance->second->creation_date());
    state.performance_order.erase(PerformanceKey{micros, task_key, identifier});
    by_identifier->second.erase(performance);
  }
  if (by_identifier->second.empty()) state.performances.erase(by_identifier);
}

// ---------------------------------------------------------------------------
// Queries.

// Builds one page from matching items offered in result order.
template <class Item>
class PageBuilder {
 public:
  explicit PageBuilder(PageRequest request) : request_(request) {}

  // Offers the next matching item. Returns false once the page is full and
  // one more item was offered, because has_more is then known.
  bool Offer(const Item& item) {
    if (skipped_ < request_.offset) {
      ++skipped_;
      return true;
    }
    if (page_.items.size() < request_.size) {
      page_.items.push_back(item);
      return true;
    }
    page_.has_more = true;
    return false;
  }

  Page<Item> Build() && { return std::move(page_); }

 private:
  PageRequest request_;
  std::uint64_t skipped_ = 0;
  Page<Item> page_;
};

// Builds a page of `count` ordered items that all match, reading the item at
// offset i with `item_at(i)`. Costs O(size).
template <class Item, class ItemAt>
Page<Item> SlicePage(std::size_t count, PageRequest request, ItemAt item_at) {
  Page<Item> page;
  if (request.offset >= count) return page;
  const auto first = static_cast<std::size_t>(request.offset);
  const std::size_t last = first + std::min<std::size_t>(request.size, count - first);
  page.items.reserve(last - first);
  for (std::size_t offset = first; offset < last; ++offset) page.items.push_back(item_at(offset));
  page.has_more = last < count;
  return page;
}

template <class Record>
Page<std::shared_ptr<const Record>> PageFromIndex(const CreationIndex<Record>& index, PageRequest request) {
  return SlicePage<std::shared_ptr<const Record>>(index.size(), request,
                                                  [&index](std::size_t offset) { return *index[offset].value; });
}

// Pages through an index, keeping the records `matches` accepts. Costs
// O(offset + size) steps when every record matches.
template <class Record, class Predicate>
Page<std::shared_ptr<const Record>> PageFromIndex(const CreationIndex<Record>& index,
                                                  PageRequest request, Predicate matches) {
  PageBuilder<std::shared_ptr<const Record>> builder(request);
  for (const auto& entry : index) {
    const std::shared_ptr<const Record>& record = *entry.value;
    if (matches(*record) && !builder.Offer(record)) break;
  }
  return std::move(builder).Build();
}

// Sorts records by (creation_date, key), drops repeated keys and pages them.
template <class Record>
Page<std::shared_ptr<const Record>> PageFromUnsorted(std::vector<std::shared_ptr<const Record>> records,
                                                     PageRequest request) {
  auto order = [](const auto& record) { return CreationKeyOf(*record, record->key()); };
  std::sort(records.begin(), records.end(),
            [&order](const auto& left, const auto& right) { return order(left) < order(right); });
  auto repeated = std::unique(records.begin(), records.end(), [](const auto& left, const auto& right) {
    return left->key() == right->key();
  });
  records.erase(repeated, records.end());

  PageBuilder<std::shared_ptr<const Record>> builder(request);
  for (const auto& record : records) {
    if (!builder.Offer(record)) break;
  }
  return std::move(builder).Build();
}

// Returns the smallest task index that a filter field selects, and clears that
// field in `filter` because every task of the index matches it. Returns null
// when a selected index does not exist, so no task matches.
const CreationIndex<pb::ComputeTask>* SelectTaskIndex(const ChannelState& state, TaskFilter& filter) {
  using Index = CreationIndex<pb::ComputeTask>;
  const PlanTasks* plan = FindBucket(state.tasks_by_plan, filter.compute_plan_key);
  const std::pair<const Index*, std::string*> candidates[] = {
      {plan == nullptr ? nullptr : &plan->tasks, &filter.compute_plan_key},
      {FindBucket(state.tasks_by_worker, filter.worker), &filter.worker},
      {FindBucket(state.tasks_by_function, filter.function_key), &filter.function_key},
  };

  const Index* selected = &state.tasks.by_creation;
  std::string* implied_field = nullptr;
  for (const auto& [index, field] : candidates) {
    if (field->empty()) continue;
    if (index == nullptr) return nullptr;
    if (index->size() <= selected->size()) {
      selected = index;
      implied_field = field;
    }
  }
  if (implied_field != nullptr) implied_field->clear();
  return selected;
}

bool IsEmpty(const TaskFilter& filter) {
  return filter.worker.empty() && filter.status == pb::STATUS_UNKNOWN && filter.compute_plan_key.empty() &&
         filter.function_key.empty();
}

bool TaskMatches(const pb::ComputeTask& task, const TaskFilter& filter) {
  if (filter.status != pb::STATUS_UNKNOWN && task.status() != filter.status) return false;
  if (!filter.worker.empty() && task.worker() != filter.worker) return false;
  if (!filter.compute_plan_key.empty() && task.compute_plan_key() != filter.compute_plan_key) return false;
  return filter.function_key.empty() || task.function_key() == filter.function_key;
}

// Returns whether the filter restricts kinds or metadata, which only a scan
// can check.
bool HasKindOrMetadataFilter(const EventFilter& filter) {
  return filter.asset_kind != pb::ASSET_UNKNOWN || filter.event_kind != pb::EVENT_UNKNOWN ||
         !filter.metadata.empty();
}

bool InTimeRange(const StoredEvent& event, const EventFilter& filter) {
  return (!filter.start || event.timestamp >= *filter.start) && (!filter.end || event.timestamp <= *filter.end);
}

// Checks the kinds and metadata of an event. The time bounds and the asset key
// select the scan instead.
bool EventMatches(const StoredEvent& event, const EventFilter& filter) {
  if (filter.asset_kind != pb::ASSET_UNKNOWN && event.body.asset_kind != filter.asset_kind) return false;
  if (filter.event_kind != pb::EVENT_UNKNOWN && event.body.event_kind != filter.event_kind) return false;
  for (const auto& [key, value] : filter.metadata) {
    auto found = event.body.metadata.find(key);
    if (found == event.body.metadata.end() || found->second != value) return false;
  }
  return true;
}

// Pages through the events of one asset. An asset has a handful of events, so
// sorting a copy of them is cheap.
Page<StoredEventPtr> QueryAssetEvents(const EventLog& log, PageRequest request, const EventFilter& filter) {
  const std::vector<std::size_t>* indexes = FindBucket(log.indexes_by_asset_key, filter.asset_key);
  if (indexes == nullptr) return {};
  std::vector<StoredEventPtr> matches;
  for (std::size_t index : *indexes) {
    const StoredEventPtr& event = log.events[index];
    if (InTimeRange(*event, filter) && EventMatches(*event, filter)) matches.push_back(event);
  }
  // `matches` is in position order, so a stable sort by timestamp yields
  // (timestamp, position) order.
  std::stable_sort(matches.begin(), matches.end(),
                   [](const StoredEventPtr& left, const StoredEventPtr& right) {
                     return left->timestamp < right->timestamp;
                   });
  if (filter.descending) std::reverse(matches.begin(), matches.end());

  PageBuilder<StoredEventPtr> builder(request);
  for (const StoredEventPtr& event : matches) {
    if (!builder.Offer(event)) break;
  }
  return std::move(builder).Build();
}

// Pages through the time index between the start and end bounds, which binary
// searches find. Without kind or metadata filters, the page is a direct slice.
Page<StoredEventPtr> QueryEventsByTime(const EventLog& log, PageRequest request, const EventFilter& filter) {
  constexpr std::uint64_t kMaxPosition = std::numeric_limits<std::uint64_t>::max();
  const std::size_t first = filter.start ? log.by_time.LowerOffset({*filter.start, 0}) : 0;
  const std::size_t last = filter.end ? log.by_time.UpperOffset({*filter.end, kMaxPosition}) : log.by_time.size();
  if (first >= last) return {};

  const std::size_t count = last - first;
  // Result offset i, counted in the requested direction, read from the index.
  auto event_at = [&](std::size_t offset) -> const StoredEventPtr& {
    const std::size_t entry = filter.descending ? last - 1 - offset : first + offset;
    return log.events[log.by_time[entry].value];
  };
  if (!HasKindOrMetadataFilter(filter)) return SlicePage<StoredEventPtr>(count, request, event_at);

  PageBuilder<StoredEventPtr> builder(request);
  for (std::size_t offset = 0; offset < count; ++offset) {
    const StoredEventPtr& event = event_at(offset);
    if (EventMatches(*event, filter) && !builder.Offer(event)) break;
  }
  return std::move(builder).Build();
}

const ChannelState& EmptyChannel() {
  static const ChannelState empty;
  return empty;
}

}  // namespace memory_store_internal

namespace {

using namespace memory_store_internal;

// ---------------------------------------------------------------------------
// Transaction.

class MemoryTransaction final : public Transaction {
 public:
  MemoryTransaction(StoreState& store, std::string_view channel, TransactionMode mode, Micros time);
  ~MemoryTransaction() override;

  MemoryTransaction(const MemoryTransaction&) = delete;
  MemoryTransaction& operator=(const MemoryTransaction&) = delete;

  const std::string& channel() const override { return channel_; }
  Micros time() const override { return time_; }
  void Commit() override;

  OrganizationPtr GetOrganization(std::string_view id) override;
  std::vector<OrganizationPtr> GetAllOrganizations() override;
  void AddOrganization(OrganizationPtr organization) override;

  FunctionPtr GetFunction(std::string_view key) override;
  void AddFunction(FunctionPtr function) override;
  void UpdateFunction(FunctionPtr function) override;
  Page<FunctionPtr> QueryFunctions(PageRequest page, std::string_view compute_plan_key) override;

  DataManagerPtr GetDataManager(std::string_view key) override;
  void AddDataManager(DataManagerPtr data_manager) override;
  void UpdateDataManager(DataManagerPtr data_manager) override;
  Page<DataManagerPtr> QueryDataManagers(PageRequest page) override;

  DataSamplePtr GetDataSample(std::string_view key) override;
  void AddDataSample(DataSamplePtr data_sample) override;
  void UpdateDataSample(DataSamplePtr data_sample) override;
  Page<DataSamplePtr> QueryDataSamples(PageRequest page, std::span<const std::string> keys) override;
  std::vector<std::string> GetDataSampleKeysByManager(std::string_view data_manager_key) override;

  ComputePlanPtr GetComputePlan(std::string_view key) override;
  void AddComputePlan(ComputePlanPtr plan) override;
  void UpdateComputePlan(ComputePlanPtr plan) override;
  Page<ComputePlanPtr> QueryComputePlans(PageRequest page, std::string_view owner) override;
  bool IsPlanRunning(std::string_view plan_key) override;

  ComputeTaskPtr GetComputeTask(std::string_view key) override;
  void AddComputeTask(ComputeTaskPtr task, std::span<const std::string> parent_keys) override;
  void UpdateComputeTask(ComputeTaskPtr task) override;
  std::vector<ComputeTaskPtr> GetComputeTaskChildren(std::string_view key) override;
  Page<ComputeTaskPtr> QueryComputeTasks(PageRequest page, const TaskFilter& filter) override;

  std::vector<OutputAssetRef> GetOutputAssets(std::string_view task_key, std::string_view identifier) override;
  void AddOutputAsset(std::string_view task_key, std::string_view identifier,
                      const OutputAssetRef& asset) override;

  ModelPtr GetModel(std::string_view key) override;
  void AddModel(ModelPtr model) override;
  void UpdateModel(ModelPtr model) override;
  std::vector<ModelPtr> GetComputeTaskModels(std::string_view task_key) override;

  PerformancePtr GetPerformance(std::string_view task_key, std::string_view identifier) override;
  void AddPerformance(PerformancePtr performance) override;
  Page<PerformancePtr> QueryPerformances(PageRequest page, std::string_view task_key,
                                         std::string_view identifier) override;

  FailureReportPtr GetFailureReport(std::string_view task_key) override;
  void AddFailureReport(FailureReportPtr report) override;

  void AddEvent(EventDraft event) override;
  Page<StoredEventPtr> QueryEvents(PageRequest page, const EventFilter& filter) override;
  std::vector<StoredEventPtr> ReadEventsAfter(std::uint64_t after_position, std::size_t limit) override;
  std::optional<std::uint64_t> FindEventPosition(std::string_view event_id) override;

 private:
  // Checks that the transaction may write and returns its channel, creating
  // the channel on the first write. Throws OrcError(kInternal) in a read-only
  // transaction.
  ChannelState& PrepareWrite(std::string_view operation);

  // Records how to undo the write that follows. An undo step must not throw,
  // and must also work when the write threw half-way or never started.
  template <class Undo>
  void LogUndo(Undo undo) {
    undo_log_.emplace_back(std::move(undo));
  }

  void Rollback() noexcept;

  // Throws OrcError(kInternal) for a write that breaks a contract of store.h.
  [[noreturn]] void FailWrite(std::string_view operation, std::string_view detail) const;

  template <class Record>
  void AddToTable(AssetTable<Record>& table, std::shared_ptr<const Record> record,
                  std::string_view operation, std::string_view noun);

  // Returns the stored node that `record` replaces, after checking that it
  // exists and keeps its creation date.
  template <class Record>
  typename AssetTable<Record>::Entry& StoredEntry(AssetTable<Record>& table, const Record& record,
                                                  std::string_view operation, std::string_view noun);

  template <class Record>
  void ReplaceHandle(std::shared_ptr<const Record>* slot, std::shared_ptr<const Record> record);

  // Checks that an update keeps a field the store indexes.
  void RequireSameField(std::string_view operation, std::string_view field, const std::string& stored,
                        const std::string& replacement) const;

  StoreState& store_;
  std::string channel_;
  Micros time_;
  std::shared_lock<std::shared_mutex> shared_lock_;
  std::unique_lock<std::shared_mutex> exclusive_lock_;
  // The channel read from. It is EmptyChannel() until the first write when
  // the channel does not exist yet.
  const ChannelState* reads_ = nullptr;
  // The channel written to, null until the first write.
  ChannelState* writes_ = nullptr;
  std::vector<std::function<void()>> undo_log_;
  bool committed_ = false;
};

std::string Quoted(std::string_view noun, std::string_view key) {
  std::string text(noun);
  text.append(" \"").append(key).append("\"");
  return text;
}

MemoryTransaction::MemoryTransaction(StoreState& store, std::string_view channel, TransactionMode mode,
                                     Micros time)
    : store_(store), channel_(channel), time_(time) {
  if (mode == TransactionMode::kReadOnly) {
    shared_lock_ = std::shared_lock(store.mutex);
  } else {
    exclusive_lock_ = std::unique_lock(store.mutex);
  }
  auto found = store.channels.find(channel_);
  reads_ = found == store.channels.end() ? &EmptyChannel() : &found->second;
  if (mode == TransactionMode::kReadWrite && found != store.channels.end()) writes_ = &found->second;
}

MemoryTransaction::~MemoryTransaction() {
  if (!committed_) Rollback();
}

void MemoryTransaction::Commit() {
  assert(!committed_ && "Commit() called twice on one transaction");
  committed_ = true;
  undo_log_.clear();
}

void MemoryTransaction::Rollback() noexcept {
  for (auto undo = undo_log_.rbegin(); undo != undo_log_.rend(); ++undo) (*undo)();
  undo_log_.clear();
}

ChannelState& MemoryTransaction::PrepareWrite(std::string_view operation) {
  assert(!committed_ && "write after Commit()");
  if (!exclusive_lock_.owns_lock()) {
    Fail(ErrorKind::kInternal, std::string(operation) + " failed: the transaction on channel \"" + channel_ +
                                   "\" is read-only, so open a read-write transaction to write");
  }
  if (writes_ == nullptr) {
    LogUndo([&channels = store_.channels, name = channel_] { channels.erase(name); });
    writes_ = &store_.channels.try_emplace(channel_).first->second;
    reads_ = writes_;
  }
  return *writes_;
}

void MemoryTransaction::FailWrite(std::string_view operation, std::string_view detail) const {
  Fail(ErrorKind::kInternal,
       std::string(operation) + " failed on channel \"" + channel_ + "\": " + std::string(detail));
}

void MemoryTransaction::RequireSameField(std::string_view operation, std::string_view field,
                                         const std::string& stored, const std::string& replacement) const {
  if (stored == replacement) return;
  FailWrite(operation, std::string(field) + " changes from \"" + stored + "\" to \"" + replacement +
                           "\", but the store indexes it and never updates it");
}

template <class Record>
void MemoryTransaction::AddToTable(AssetTable<Record>& table, std::shared_ptr<const Record> record,
                                   std::string_view operation, std::string_view noun) {
  if (table.records.contains(record->key())) {
    FailWrite(operation, Quoted(noun, record->key()) + " already exists");
  }
  LogUndo([&table, key = record->key()] { table.Erase(key); });
  table.Insert(std::move(record));
}

template <class Record>
typename AssetTable<Record>::Entry& MemoryTransaction::StoredEntry(AssetTable<Record>& table,
                                                                   const Record& record,
                                                                   std::string_view operation,
                                                                   std::string_view noun) {
  typename AssetTable<Record>::Entry* entry = table.FindEntry(record.key());
  if (entry == nullptr) FailWrite(operation, Quoted(noun, record.key()) + " not found");
  if (ToMicros(entry->second->creation_date()) != ToMicros(record.creation_date())) {
    FailWrite(operation, Quoted(noun, record.key()) +
                             " changes creation_date, but the store orders by it and never updates it");
  }
  return *entry;
}

template <class Record>
void MemoryTransaction::ReplaceHandle(std::shared_ptr<const Record>* slot, std::shared_ptr<const Record> record) {
  LogUndo([slot, previous = *slot] { *slot = previous; });
  *slot = std::move(record);
}

// ---------------------------------------------------------------------------
// Organizations.

OrganizationPtr MemoryTransaction::GetOrganization(std::string_view id) {
  const std::size_t* index = FindBucket(reads_->organization_index_by_id, id);
  return index == nullptr ? nullptr : reads_->organizations[*index];
}

std::vector<OrganizationPtr> MemoryTransaction::GetAllOrganizations() { return reads_->organizations; }

void MemoryTransaction::AddOrganization(OrganizationPtr organization) {
  ChannelState& state = PrepareWrite("AddOrganization");
  const std::string& id = organization->id();
  if (state.organization_index_by_id.contains(id)) {
    FailWrite("AddOrganization", Quoted("organization", id) + " already exists");
  }
  LogUndo([&state, id, size = state.organizations.size()] { RemoveOrganization(state, id, size); });
  state.organization_index_by_id.emplace(id, state.organizations.size());
  state.organizations.push_back(std::move(organization));
}

// ---------------------------------------------------------------------------
// Functions.

FunctionPtr MemoryTransaction::GetFunction(std::string_view key) { return reads_->functions.Find(key); }

void MemoryTransaction::AddFunction(FunctionPtr function) {
  AddToTable(PrepareWrite("AddFunction").functions, std::move(function), "AddFunction", "function");
}

void MemoryTransaction::UpdateFunction(FunctionPtr function) {
  ChannelState& state = PrepareWrite("UpdateFunction");
  auto& entry = StoredEntry(state.functions, *function, "UpdateFunction", "function");
  ReplaceHandle(&entry.second, std::move(function));
}

Page<FunctionPtr> MemoryTransaction::QueryFunctions(PageRequest page, std::string_view compute_plan_key) {
  if (compute_plan_key.empty()) return PageFromIndex(reads_->functions.by_creation, page);

  const PlanTasks* plan = FindBucket(reads_->tasks_by_plan, compute_plan_key);
  if (plan == nullptr) return {};
  std::vector<FunctionPtr> functions;
  for (const auto& entry : plan->task_count_by_function) {
    if (FunctionPtr function = reads_->functions.Find(entry.first)) functions.push_back(std::move(function));
  }
  return PageFromUnsorted(std::move(functions), page);
}

// ---------------------------------------------------------------------------
// Data managers.

DataManagerPtr MemoryTransaction::GetDataManager(std::string_view key) { return reads_->data_managers.Find(key); }

void MemoryTransaction::AddDataManager(DataManagerPtr data_manager) {
  AddToTable(PrepareWrite("AddDataManager").data_managers, std::move(data_manager), "AddDataManager",
             "data manager");
}

void MemoryTransaction::UpdateDataManager(DataManagerPtr data_manager) {
  ChannelState& state = PrepareWrite("UpdateDataManager");
  auto& entry = StoredEntry(state.data_managers, *data_manager, "UpdateDataManager", "data manager");
  ReplaceHandle(&entry.second, std::move(data_manager));
}

Page<DataManagerPtr> MemoryTransaction::QueryDataManagers(PageRequest page) {
  return PageFromIndex(reads_->data_managers.by_creation, page);
}

// ---------------------------------------------------------------------------
// Data samples.

DataSamplePtr MemoryTransaction::GetDataSample(std::string_view key) { return reads_->data_samples.Find(key); }

void MemoryTransaction::AddDataSample(DataSamplePtr data_sample) {
  ChannelState& state = PrepareWrite("AddDataSample");
  const std::string& key = data_sample->key();
  if (state.data_samples.records.contains(key)) {
    FailWrite("AddDataSample", Quoted("data sample", key) + " already exists");
  }
  LogUndo([&state, key] { RemoveDataSample(state, key); });
  const auto& entry = state.data_samples.Insert(std::move(data_sample));
  IndexSampleManagers(state, entry, entry.second->data_manager_keys());
}

void MemoryTransaction::UpdateDataSample(DataSamplePtr data_sample) {
  ChannelState& state = PrepareWrite("UpdateDataSample");
  auto& entry = StoredEntry(state.data_samples, *data_sample, "UpdateDataSample", "data sample");
  const auto& stored_keys = entry.second->data_manager_keys();
  const auto& new_keys = data_sample->data_manager_keys();
  for (const std::string& stored_key : stored_keys) {
    if (std::find(new_keys.begin(), new_keys.end(), stored_key) == new_keys.end()) {
      FailWrite("UpdateDataSample", Quoted("data sample", data_sample->key()) + " drops data manager \"" +
                                        stored_key + "\", but data_manager_keys may only grow");
    }
  }
  std::vector<std::string> added_keys;
  for (const std::string& new_key : new_keys) {
    if (std::find(stored_keys.begin(), stored_keys.end(), new_key) == stored_keys.end()) {
      added_keys.push_back(new_key);
    }
  }

  LogUndo([&state, slot = &entry.second, previous = entry.second, added_keys] {
    UnindexSampleManagers(state, *previous, added_keys);
    *slot = previous;
  });
  entry.second = std::move(data_sample);
  IndexSampleManagers(state, entry, added_keys);
}

Page<DataSamplePtr> MemoryTransaction::QueryDataSamples(PageRequest page, std::span<const std::string> keys) {
  if (keys.empty()) return PageFromIndex(reads_->data_samples.by_creation, page);

  std::vector<DataSamplePtr> samples;
  for (const std::string& key : keys) {
    if (DataSamplePtr sample = reads_->data_samples.Find(key)) samples.push_back(std::move(sample));
  }
  return PageFromUnsorted(std::move(samples), page);
}

std::vector<std::string> MemoryTransaction::GetDataSampleKeysByManager(std::string_view data_manager_key) {
  std::vector<std::string> keys;
  const CreationIndex<pb::DataSample>* samples = FindBucket(reads_->samples_by_manager, data_manager_key);
  if (samples == nullptr) return keys;
  keys.reserve(samples->size());
  for (const auto& entry : *samples) keys.emplace_back(entry.key.second);
  return keys;
}

// ---------------------------------------------------------------------------
// Compute plans.

ComputePlanPtr MemoryTransaction::GetComputePlan(std::string_view key) { return reads_->plans.Find(key); }

void MemoryTransaction::AddComputePlan(ComputePlanPtr plan) {
  ChannelState& state = PrepareWrite("AddComputePlan");
  const std::string& key = plan->key();
  if (state.plans.records.contains(key)) {
    FailWrite("AddComputePlan", Quoted("compute plan", key) + " already exists");
  }
  LogUndo([&state, key] { RemovePlan(state, key); });
  const auto& entry = state.plans.Insert(std::move(plan));
  IndexInsert(state.plans_by_owner, entry.second->owner(), CreationKeyOf(*entry.second, entry.first),
              &entry.second);
}

void MemoryTransaction::UpdateComputePlan(ComputePlanPtr plan) {
  ChannelState& state = PrepareWrite("UpdateComputePlan");
  auto& entry = StoredEntry(state.plans, *plan, "UpdateComputePlan", "compute plan");
  RequireSameField("UpdateComputePlan", "owner", entry.second->owner(), plan->owner());
  ReplaceHandle(&entry.second, std::move(plan));
}

Page<ComputePlanPtr> MemoryTransaction::QueryComputePlans(PageRequest page, std::string_view owner) {
  if (owner.empty()) return PageFromIndex(reads_->plans.by_creation, page);
  const CreationIndex<pb::ComputePlan>* plans = FindBucket(reads_->plans_by_owner, owner);
  return plans == nullptr ? Page<ComputePlanPtr>{} : PageFromIndex(*plans, page);
}

bool MemoryTransaction::IsPlanRunning(std::string_view plan_key) {
  const PlanTasks* plan = FindBucket(reads_->tasks_by_plan, plan_key);
  return plan != nullptr && plan->active_count > 0;
}

// ---------------------------------------------------------------------------
// Compute tasks.

ComputeTaskPtr MemoryTransaction::GetComputeTask(std::string_view key) { return reads_->tasks.Find(key); }

void MemoryTransaction::AddComputeTask(ComputeTaskPtr task, std::span<const std::string> parent_keys) {
  ChannelState& state = PrepareWrite("AddComputeTask");
  const std::string& key = task->key();
  if (state.tasks.records.contains(key)) {
    FailWrite("AddComputeTask", Quoted("compute task", key) + " already exists");
  }
  LogUndo([&state, key, parents = std::vector<std::string>(parent_keys.begin(), parent_keys.end())] {
    RemoveTask(state, key, parents);
  });
  const auto& entry = state.tasks.Insert(std::move(task));
  IndexTask(state, entry, parent_keys);
}

void MemoryTransaction::UpdateComputeTask(ComputeTaskPtr task) {
  ChannelState& state = PrepareWrite("UpdateComputeTask");
  auto& entry = StoredEntry(state.tasks, *task, "UpdateComputeTask", "compute task");
  const pb::ComputeTask& stored = *entry.second;
  RequireSameField("UpdateComputeTask", "compute_plan_key", stored.compute_plan_key(), task->compute_plan_key());
  RequireSameField("UpdateComputeTask", "worker", stored.worker(), task->worker());
  RequireSameField("UpdateComputeTask", "function_key", stored.function_key(), task->function_key());

  LogUndo([&state, slot = &entry.second, previous = entry.second] { SwapTaskHandle(state, slot, previous); });
  SwapTaskHandle(state, &entry.second, std::move(task));
}

std::vector<ComputeTaskPtr> MemoryTransaction::GetComputeTaskChildren(std::string_view key) {
  std::vector<ComputeTaskPtr> children;
  const std::vector<const ComputeTaskPtr*>* slots = FindBucket(reads_->children_by_parent, key);
  if (slots == nullptr) return children;
  children.reserve(slots->size());
  for (const ComputeTaskPtr* slot : *slots) children.push_back(*slot);
  return children;
}

Page<ComputeTaskPtr> MemoryTransaction::QueryComputeTasks(PageRequest page, const TaskFilter& filter) {
  // Scan the smallest index that a filter field selects, and check the other
  // fields on each task. With no other field, the page is a direct slice.
  TaskFilter rest = filter;
  const CreationIndex<pb::ComputeTask>* index = SelectTaskIndex(*reads_, rest);
  if (index == nullptr) return {};
  if (IsEmpty(rest)) return PageFromIndex(*index, page);
  return PageFromIndex(*index, page, [&rest](const pb::ComputeTask& task) { return TaskMatches(task, rest); });
}

// ---------------------------------------------------------------------------
// Output assets.

std::vector<OutputAssetRef> MemoryTransaction::GetOutputAssets(std::string_view task_key,
                                                               std::string_view identifier) {
  const auto* by_identifier = FindBucket(reads_->output_assets, task_key);
  if (by_identifier == nullptr) return {};
  const std::vector<OutputAssetRef>* assets = FindBucket(*by_identifier, identifier);
  return assets == nullptr ? std::vector<OutputAssetRef>{} : *assets;
}

void MemoryTransaction::AddOutputAsset(std::string_view task_key, std::string_view identifier,
                                       const OutputAssetRef& asset) {
  ChannelState& state = PrepareWrite("AddOutputAsset");
  std::size_t size = 0;
  if (const auto* by_identifier = FindBucket(state.output_assets, task_key)) {
    if (const auto* assets = FindBucket(*by_identifier, identifier)) size = assets->size();
  }
  LogUndo([&state, task = std::string(task_key), output = std::string(identifier), size] {
    TruncateOutputAssets(state, task, output, size);
  });
  BucketFor(BucketFor(state.output_assets, task_key), identifier).push_back(asset);
}

// ---------------------------------------------------------------------------
// Models.

ModelPtr MemoryTransaction::GetModel(std::string_view key) {
  const ModelPtr* model = FindBucket(reads_->models, key);
  return model == nullptr ? nullptr : *model;
}

void MemoryTransaction::AddModel(ModelPtr model) {
  ChannelState& state = PrepareWrite("AddModel");
  const std::string& key = model->key();
  if (state.models.contains(key)) FailWrite("AddModel", Quoted("model", key) + " already exists");
  LogUndo([&state, key, task = model->compute_task_key()] { RemoveModel(state, key, task); });
  auto& entry = *state.models.emplace(key, model).first;
  BucketFor(state.models_by_task, model->compute_task_key()).push_back(&entry.second);
}

void MemoryTransaction::UpdateModel(ModelPtr model) {
  ChannelState& state = PrepareWrite("UpdateModel");
  auto stored = state.models.find(model->key());
  if (stored == state.models.end()) FailWrite("UpdateModel", Quoted("model", model->key()) + " not found");
  RequireSameField("UpdateModel", "compute_task_key", stored->second->compute_task_key(),
                   model->compute_task_key());
  ReplaceHandle(&stored->second, std::move(model));
}

std::vector<ModelPtr> MemoryTransaction::GetComputeTaskModels(std::string_view task_key) {
  std::vector<ModelPtr> models;
  const std::vector<const ModelPtr*>* slots = FindBucket(reads_->models_by_task, task_key);
  if (slots == nullptr) return models;
  models.reserve(slots->size());
  for (const ModelPtr* slot : *slots) models.push_back(*slot);
  return models;
}

// ---------------------------------------------------------------------------
// Performances.

PerformancePtr MemoryTransaction::GetPerformance(std::string_view task_key, std::string_view identifier) {
  const auto* by_identifier = FindBucket(reads_->performances, task_key);
  if (by_identifier == nullptr) return nullptr;
  auto found = by_identifier->find(identifier);
  return found == by_identifier->end() ? nullptr : found->second;
}

void MemoryTransaction::AddPerformance(PerformancePtr performance) {
  ChannelState& state = PrepareWrite("AddPerformance");
  const std::string& task_key = performance->compute_task_key();
  const std::string& identifier = performance->compute_task_output_identifier();
  if (GetPerformance(task_key, identifier) != nullptr) {
    FailWrite("AddPerformance", "performance of compute task \"" + task_key + "\" output \"" + identifier +
                                    "\" already exists");
  }
  LogUndo([&state, task_key, identifier] { RemovePerformance(state, task_key, identifier); });
  InsertPerformance(state, std::move(performance));
}

Page<PerformancePtr> MemoryTransaction::QueryPerformances(PageRequest page, std::string_view task_key,
                                                          std::string_view identifier) {
  PageBuilder<PerformancePtr> builder(page);
  if (task_key.empty()) {
    for (const auto& entry : reads_->performance_order) {
      if (!identifier.empty() && entry.first.identifier != identifier) continue;
      if (!builder.Offer(*entry.second)) break;
    }
    return std::move(builder).Build();
  }

  // One task has one performance per output at most, so sort them here. They
  // share the task key, so the order is (creation date, identifier).
  const auto* by_identifier = FindBucket(reads_->performances, task_key);
  if (by_identifier == nullptr) return {};
  std::vector<PerformancePtr> matches;
  for (const auto& [output, performance] : *by_identifier) {
    if (identifier.empty() || output == identifier) matches.push_back(performance);
  }
  std::stable_sort(matches.begin(), matches.end(), [](const PerformancePtr& left, const PerformancePtr& right) {
    return ToMicros(left->creation_date()) < ToMicros(right->creation_date());
  });
  for (const PerformancePtr& performance : matches) {
    if (!builder.Offer(performance)) break;
  }
  return std::move(builder).Build();
}

// ---------------------------------------------------------------------------
// Failure reports.

FailureReportPtr MemoryTransaction::GetFailureReport(std::string_view task_key) {
  const FailureReportPtr* report = FindBucket(reads_->failure_reports, task_key);
  return report == nullptr ? nullptr : *report;
}

void MemoryTransaction::AddFailureReport(FailureReportPtr report) {
  ChannelState& state = PrepareWrite("AddFailureReport");
  const std::string& task_key = report->compute_task_key();
  if (state.failure_reports.contains(task_key)) {
    FailWrite("AddFailureReport", "failure report of compute task \"" + task_key + "\" already exists");
  }
  LogUndo([&state, task_key] { state.failure_reports.erase(task_key); });
  state.failure_reports.emplace(task_key, std::move(report));
}

// ---------------------------------------------------------------------------
// Events.

void MemoryTransaction::AddEvent(EventDraft event) {
  ChannelState& state = PrepareWrite("AddEvent");
  const std::uint64_t position = store_.last_position + 1;
  auto stored = std::make_shared<const StoredEvent>(
      StoredEvent{position, EventIdForPosition(position), time_, std::move(event)});

  LogUndo([&state, &last_position = store_.last_position, position] {
    state.events.RemoveLast(position);
    last_position = position - 1;
  });
  state.events.Append(std::move(stored));
  store_.last_position = position;
}

Page<StoredEventPtr> MemoryTransaction::QueryEvents(PageRequest page, const EventFilter& filter) {
  if (!filter.asset_key.empty()) return QueryAssetEvents(reads_->events, page, filter);
  return QueryEventsByTime(reads_->events, page, filter);
}

std::vector<StoredEventPtr> MemoryTransaction::ReadEventsAfter(std::uint64_t after_position, std::size_t limit) {
  const std::vector<StoredEventPtr>& events = reads_->events.events;
  auto first = std::upper_bound(events.begin(), events.end(), after_position,
                                [](std::uint64_t position, const StoredEventPtr& event) {
                                  return position < event->position;
                                });
  const std::size_t count = std::min(limit, static_cast<std::size_t>(events.end() - first));
  return {first, first + static_cast<std::ptrdiff_t>(count)};
}

// Event ids encode their position (see PositionFromEventId), so the lookup
// is a binary search in the channel's events, which also rejects an id of
// another channel.
std::optional<std::uint64_t> MemoryTransaction::FindEventPosition(std::string_view event_id) {
  std::optional<std::uint64_t> position = PositionFromEventId(event_id);
  if (!position) return std::nullopt;
  const std::vector<StoredEventPtr>& events = reads_->events.events;
  auto found = std::lower_bound(events.begin(), events.end(), *position,
                                [](const StoredEventPtr& event, std::uint64_t wanted) {
                                  return event->position < wanted;
                                });
  if (found == events.end() || (*found)->position != *position) return std::nullopt;
  return *position;
}

}  // namespace

// ---------------------------------------------------------------------------
// Store.

MemoryStore::MemoryStore() : state_(std::make_unique<memory_store_internal::StoreState>()) {}

MemoryStore::~MemoryStore() = default;

std::unique_ptr<Transaction> MemoryStore::Begin(std::string_view channel, TransactionMode mode, Micros time) {
  return std::make_unique<MemoryTransaction>(*state_, channel, mode, time);
}

}  // namespace orc::persistence
