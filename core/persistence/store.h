// The persistence interface of the core.
//
// A Store hands out transactions. Every request of the API runs inside exactly
// one transaction bound to one channel: its reads see its own writes, and its
// writes (assets and events alike) become visible all at once on Commit(), or
// never. A transaction destroyed without Commit() leaves no trace.
//
// Getters return nullptr (or an empty list) for an absent asset: the services
// decide which error that is. Every read and write is scoped to the channel of
// the transaction. Stores throw OrcError(kUnavailable) for a storage failure
// the caller may retry, TransactionConflict when a concurrent transaction
// forced an abort (the Orchestrator then reruns the request), and
// OrcError(kInternal) for anything else.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/records.h"

namespace orc::persistence {

// A window into an ordered result set. `size` is at least 1.
struct PageRequest {
  std::uint64_t offset = 0;
  std::uint32_t size = 50;
};

template <class T>
struct Page {
  std::vector<T> items;
  // True when at least one more item exists after this window.
  bool has_more = false;
};

enum class TransactionMode { kReadOnly, kReadWrite };

// Query filters. An empty field matches everything.
struct TaskFilter {
  std::string worker;
  pb::ComputeTaskStatus status = pb::STATUS_UNKNOWN;
  std::string compute_plan_key;
  std::string function_key;
};

struct EventFilter {
  std::string asset_key;
  pb::AssetKind asset_kind = pb::ASSET_UNKNOWN;
  pb::EventKind event_kind = pb::EVENT_UNKNOWN;
  std::map<std::string, std::string> metadata;
  std::optional<Micros> start;  // inclusive
  std::optional<Micros> end;    // inclusive
  bool descending = false;
};

class Transaction {
 public:
  virtual ~Transaction() = default;

  virtual const std::string& channel() const = 0;
  // Transaction time: the timestamp of every record and event it writes.
  virtual Micros time() const = 0;
  // Makes every write permanent. Throws OrcError on failure, after which
  // nothing of the transaction remains. Callers call it at most once. Other
  // transactions may see the writes only after this one is destroyed: the
  // memory store keeps its lock until then.
  virtual void Commit() = 0;

  // Organizations, in registration order.
  virtual OrganizationPtr GetOrganization(std::string_view id) = 0;
  virtual std::vector<OrganizationPtr> GetAllOrganizations() = 0;
  virtual void AddOrganization(OrganizationPtr organization) = 0;

  // Functions, ordered by (creation_date, key).
  virtual FunctionPtr GetFunction(std::string_view key) = 0;
  virtual void AddFunction(FunctionPtr function) = 0;
  // Replaces a stored function; only `name` may differ.
  virtual void UpdateFunction(FunctionPtr function) = 0;
  // With a non-empty plan key: only functions used by a task of that plan.
  virtual Page<FunctionPtr> QueryFunctions(PageRequest page, std::string_view compute_plan_key) = 0;

  // Data managers, ordered by (creation_date, key).
  virtual DataManagerPtr GetDataManager(std::string_view key) = 0;
  virtual void AddDataManager(DataManagerPtr data_manager) = 0;
  // Replaces a stored data manager; only `name` may differ.
  virtual void UpdateDataManager(DataManagerPtr data_manager) = 0;
  virtual Page<DataManagerPtr> QueryDataManagers(PageRequest page) = 0;

  // Data samples, ordered by (creation_date, key).
  virtual DataSamplePtr GetDataSample(std::string_view key) = 0;
  virtual void AddDataSample(DataSamplePtr data_sample) = 0;
  // Replaces a stored sample; only `data_manager_keys` may differ (grow).
  virtual void UpdateDataSample(DataSamplePtr data_sample) = 0;
  // With non-empty `keys`: only those samples.
  virtual Page<DataSamplePtr> QueryDataSamples(PageRequest page, std::span<const std::string> keys) = 0;
  // Keys of the samples attached to a data manager, by (creation_date, key).
  virtual std::vector<std::string> GetDataSampleKeysByManager(std::string_view data_manager_key) = 0;

  // Compute plans, ordered by (creation_date, key).
  virtual ComputePlanPtr GetComputePlan(std::string_view key) = 0;
  virtual void AddComputePlan(ComputePlanPtr plan) = 0;
  // Replaces a stored plan (name, cancelation_date, failure_date may differ).
  virtual void UpdateComputePlan(ComputePlanPtr plan) = 0;
  virtual Page<ComputePlanPtr> QueryComputePlans(PageRequest page, std::string_view owner) = 0;
  // True when a task of the plan is WAITING, TODO or DOING.
  virtual bool IsPlanRunning(std::string_view plan_key) = 0;

  // Compute tasks, ordered by (creation_date, key).
  virtual ComputeTaskPtr GetComputeTask(std::string_view key) = 0;
  // Adds a task and its links to its parents (distinct keys, in order).
  virtual void AddComputeTask(ComputeTaskPtr task, std::span<const std::string> parent_keys) = 0;
  // Replaces a stored task; only `status` may differ.
  virtual void UpdateComputeTask(ComputeTaskPtr task) = 0;
  // Tasks that have `key` among their parents, in registration order.
  virtual std::vector<ComputeTaskPtr> GetComputeTaskChildren(std::string_view key) = 0;
  virtual Page<ComputeTaskPtr> QueryComputeTasks(PageRequest page, const TaskFilter& filter) = 0;

  // Assets registered under a task output, in registration order.
  virtual std::vector<OutputAssetRef> GetOutputAssets(std::string_view task_key,
                                                      std::string_view identifier) = 0;
  virtual void AddOutputAsset(std::string_view task_key, std::string_view identifier,
                              const OutputAssetRef& asset) = 0;

  // Models, with the models of one task in registration order.
  virtual ModelPtr GetModel(std::string_view key) = 0;
  virtual void AddModel(ModelPtr model) = 0;
  // Replaces a stored model; only `address` may differ (be cleared).
  virtual void UpdateModel(ModelPtr model) = 0;
  virtual std::vector<ModelPtr> GetComputeTaskModels(std::string_view task_key) = 0;

  // Performances, ordered by (creation_date ascending, compute_task_key
  // descending, compute_task_output_identifier ascending).
  virtual PerformancePtr GetPerformance(std::string_view task_key, std::string_view identifier) = 0;
  virtual void AddPerformance(PerformancePtr performance) = 0;
  virtual Page<PerformancePtr> QueryPerformances(PageRequest page, std::string_view task_key,
                                                 std::string_view identifier) = 0;

  // Failure reports, one per task, keyed by task key.
  virtual FailureReportPtr GetFailureReport(std::string_view task_key) = 0;
  virtual void AddFailureReport(FailureReportPtr report) = 0;

  // Events. AddEvent assigns the position, the id and the timestamp.
  virtual void AddEvent(EventDraft event) = 0;
  // Ordered by (timestamp, position), reversed when `filter.descending`.
  virtual Page<StoredEventPtr> QueryEvents(PageRequest page, const EventFilter& filter) = 0;
  // Events of the channel with a position above `after_position`, in
  // position order, at most `limit` of them.
  virtual std::vector<StoredEventPtr> ReadEventsAfter(std::uint64_t after_position,
                                                      std::size_t limit) = 0;
  // Position of an event of the channel, or nullopt when unknown.
  virtual std::optional<std::uint64_t> FindEventPosition(std::string_view event_id) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Opens a transaction on `channel` with transaction time `time`.
  virtual std::unique_ptr<Transaction> Begin(std::string_view channel, TransactionMode mode,
                                             Micros time) = 0;

  // Called after attempt number `failed_attempts` (1 for the first) of a
  // request ended with TransactionConflict, once its transaction is gone.
  // Returns true to have the request run again, after waiting as long as the
  // store's backoff wants, or false to give up. Stores whose transactions
  // never conflict keep this default, which gives up at once.
  virtual bool WaitBeforeRetry(int failed_attempts) {
    (void)failed_attempts;
    return false;
  }
};

}  // namespace orc::persistence
