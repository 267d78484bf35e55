#include "chaincode/world_state_store.h"

#include <algorithm>
#include <functional>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "core/error.h"
#include "core/records.h"

namespace orc::chaincode {

// ---------------------------------------------------------------------------
// Composite keys.

namespace {

constexpr char kMaxUnicodeRune[] = "\xF4\x8F\xBF\xBF";  // U+10FFFF in UTF-8
constexpr char kIndexValue[] = {'\0'};                  // value of every index entry

}  // namespace

std::string CompositeKey(std::string_view object_type, std::initializer_list<std::string_view> attributes) {
  std::string key(1, '\0');
  key.append(object_type);
  key.push_back('\0');
  for (std::string_view attribute : attributes) {
    key.append(attribute);
    key.push_back('\0');
  }
  return key;
}

std::string PrefixRangeEnd(std::string_view prefix) { return std::string(prefix) + kMaxUnicodeRune; }

std::vector<std::string> SplitCompositeKey(std::string_view key) {
  std::vector<std::string> parts;
  if (key.empty() || key.front() != '\0') return parts;
  std::size_t start = 1;
  bool object_type = true;
  for (std::size_t i = 1; i < key.size(); ++i) {
    if (key[i] != '\0') continue;
    if (!object_type) parts.emplace_back(key.substr(start, i - start));
    object_type = false;
    start = i + 1;
  }
  return parts;
}

namespace {

namespace pb = ::orchestrator;
using persistence::EventFilter;
using persistence::Page;
using persistence::PageRequest;
using persistence::TaskFilter;
using persistence::TransactionMode;

// Index object types. Each index entry's attributes end with the asset key.
constexpr std::string_view kOrganizationsByCreation = "organization~created~id";
constexpr std::string_view kFunctionsByCreation = "function~created~key";
constexpr std::string_view kDataManagersByCreation = "datamanager~created~key";
constexpr std::string_view kDataSamplesByCreation = "datasample~created~key";
constexpr std::string_view kDataSamplesByManager = "datasample~manager~created~key";
constexpr std::string_view kPlansByCreation = "computeplan~created~key";
constexpr std::string_view kPlansByOwner = "computeplan~owner~created~key";
constexpr std::string_view kFunctionsByPlan = "function~plan~created~key";
constexpr std::string_view kTasksByCreation = "computetask~created~key";
constexpr std::string_view kTasksByPlan = "computetask~plan~created~key";
constexpr std::string_view kTasksByPlanStatus = "computePlan~computePlanKey~status~task";
constexpr std::string_view kTasksByWorker = "computetask~worker~created~key";
constexpr std::string_view kTasksByFunction = "computetask~function~created~key";
constexpr std::string_view kTaskChildren = "computetask~parent~created~rank~child";
constexpr std::string_view kOutputAssets = "computetask~output~rank";
constexpr std::string_view kModelsByTask = "model~task~created~rank~key";
constexpr std::string_view kPerformancesByCreation = "performance~created~task~identifier";
constexpr std::string_view kPerformancesByTask = "performance~task~identifier";
constexpr std::string_view kEventsByTime = "event~time~transaction~rank";
constexpr std::string_view kEventsByAsset = "event~asset~time~transaction~rank";

// Formats a timestamp so that byte order is time order, negative times
// included: the value shifted by 2^62, as 20 decimal digits.
std::string SortableTime(Micros micros) {
  char buffer[24];
  const auto shifted = static_cast<unsigned long long>(micros + (Micros{1} << 62));
  std::snprintf(buffer, sizeof buffer, "%020llu", shifted);
  return buffer;
}

std::string SortableRank(std::uint64_t rank) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%010llu", static_cast<unsigned long long>(rank));
  return buffer;
}

// Returns the range of the composite keys that start with these attributes.
std::pair<std::string, std::string> PrefixRange(std::string_view object_type,
                                                std::initializer_list<std::string_view> attributes) {
  std::string start = CompositeKey(object_type, attributes);
  std::string end = PrefixRangeEnd(start);
  return {std::move(start), std::move(end)};
}

// Serialises a record with map entries in key order, so that every endorser
// writes the same bytes. The leading byte keeps the value non-empty (an empty
// value is a delete in Fabric) and leaves room for another format later.
constexpr char kFormatBinary = 'b';

std::string Encode(const google::protobuf::Message& message) {
  std::string out(1, kFormatBinary);
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

template <class Record>
std::shared_ptr<const Record> Decode(const std::string& key, const std::string& bytes) {
  auto record = std::make_shared<Record>();
  if (bytes.empty() || bytes.front() != kFormatBinary ||
      !record->ParseFromArray(bytes.data() + 1, static_cast<int>(bytes.size() - 1))) {
    Fail(ErrorKind::kByteArray, "world state value of \"" + key + "\" is not a valid " + Record::descriptor()->name());
  }
  return record;
}

std::string PerformanceKey(std::string_view task_key, std::string_view identifier) {
  return "performance:" + std::string(task_key) + "|" + std::string(identifier);
}

// Formats 128 bits as a UUID of version 8 (custom) with the RFC 4122 variant.
std::string FormatUuid(std::uint64_t high, std::uint64_t low) {
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000008000ULL;
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32), static_cast<unsigned long long>((high >> 16) & 0xffff),
                static_cast<unsigned long long>(high & 0xffff), static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return buffer;
}

// FNV-1a over `text` then `rank`, from a given offset basis.
std::uint64_t Fnv1a(std::uint64_t hash, std::string_view text, std::uint64_t rank) {
  constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  for (unsigned char c : text) hash = (hash ^ c) * kPrime;
  for (int i = 0; i < 8; ++i) hash = (hash ^ ((rank >> (8 * i)) & 0xff)) * kPrime;
  return hash;
}

// Event id of the `rank`-th event of a Fabric transaction: deterministic, so
// every endorser of the proposal returns the same id.
std::string EventId(const std::string& transaction_id, std::uint64_t rank) {
  const std::uint64_t high = Fnv1a(0xcbf29ce484222325ULL, transaction_id, rank);
  const std::uint64_t low = Fnv1a(0x84222325cbf29ce4ULL, transaction_id, rank ^ 0x5bd1e995ULL);
  return transaction_id + ":" + FormatUuid(high, low);
}

StoredEventPtr StoredEventFromProto(const pb::Event& event, std::uint64_t position) {
  auto stored = std::make_shared<StoredEvent>();
  stored->position = position;
  stored->id = event.id();
  stored->timestamp = ToMicros(event.timestamp());
  EventDraft& body = stored->body;
  body.event_kind = event.event_kind();
  body.asset_kind = event.asset_kind();
  body.asset_key = event.asset_key();
  for (const auto& [key, value] : event.metadata()) body.metadata.emplace(key, value);
  switch (event.asset_case()) {
    case pb::Event::kFunction: body.asset = std::make_shared<const pb::Function>(event.function()); break;
    case pb::Event::kComputePlan: body.asset = std::make_shared<const pb::ComputePlan>(event.compute_plan()); break;
    case pb::Event::kComputeTask: body.asset = std::make_shared<const pb::ComputeTask>(event.compute_task()); break;
    case pb::Event::kDataManager: body.asset = std::make_shared<const pb::DataManager>(event.data_manager()); break;
    case pb::Event::kDataSample: body.asset = std::make_shared<const pb::DataSample>(event.data_sample()); break;
    case pb::Event::kFailureReport:
      body.asset = std::make_shared<const pb::FailureReport>(event.failure_report());
      break;
    case pb::Event::kModel: body.asset = std::make_shared<const pb::Model>(event.model()); break;
    case pb::Event::kOrganization: body.asset = std::make_shared<const pb::Organization>(event.organization()); break;
    case pb::Event::kPerformance: body.asset = std::make_shared<const pb::Performance>(event.performance()); break;
    case pb::Event::kComputeTaskOutputAsset:
      body.asset = std::make_shared<const pb::ComputeTaskOutputAsset>(event.compute_task_output_asset());
      break;
    case pb::Event::ASSET_NOT_SET: break;
  }
  return stored;
}

// Collects one page from items offered in order: skips `offset` items, keeps
// `size`, and notes whether one more exists.
template <class Item>
class PageCollector {
 public:
  explicit PageCollector(PageRequest request) : request_(request) {}

  // Returns false once the page is complete and the caller may stop.
  bool Offer(Item item) {
    if (skipped_ < request_.offset) {
      ++skipped_;
      return true;
    }
    if (page_.items.size() < request_.size) {
      page_.items.push_back(std::move(item));
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

}  // namespace

// ---------------------------------------------------------------------------
// The transaction.

class WorldStateTransaction final : public persistence::Transaction {
 public:
  WorldStateTransaction(WorldStateStore& store, std::string channel, TransactionMode mode, Micros time)
      : store_(store), channel_(std::move(channel)), mode_(mode), time_(time), time_key_(SortableTime(time)) {}

  const std::string& channel() const override { return channel_; }
  Micros time() const override { return time_; }

  void Commit() override {
    if (committed_) Fail(ErrorKind::kInternal, "transaction committed twice");
    // std::map iterates in key order: the write set is the same on every endorser.
    for (const auto& [key, value] : writes_) {
      if (value) {
        store_.state_.PutState(key, *value);
      } else {
        store_.state_.DelState(key);
      }
    }
    committed_ = true;
    store_.committed_events_ = std::move(events_);
  }

  // Organizations.
  OrganizationPtr GetOrganization(std::string_view id) override {
    return GetRecord<pb::Organization>("organization:" + std::string(id));
  }

  std::vector<OrganizationPtr> GetAllOrganizations() override {
    std::vector<OrganizationPtr> organizations;
    ScanIndex(kOrganizationsByCreation, {}, [&](const std::vector<std::string>& attributes) {
      if (auto organization = GetOrganization(attributes.back())) organizations.push_back(std::move(organization));
      return true;
    });
    return organizations;
  }

  void AddOrganization(OrganizationPtr organization) override {
    const std::string& id = organization->id();
    AddRecord("organization:" + id, *organization, "AddOrganization");
    PutIndex(kOrganizationsByCreation, {CreatedKey(*organization), id});
  }

  // Functions.
  FunctionPtr GetFunction(std::string_view key) override { return GetRecord<pb::Function>("function:" + std::string(key)); }

  void AddFunction(FunctionPtr function) override {
    AddRecord("function:" + function->key(), *function, "AddFunction");
    PutIndex(kFunctionsByCreation, {CreatedKey(*function), function->key()});
  }

  void UpdateFunction(FunctionPtr function) override {
    UpdateRecord<pb::Function>("function:" + function->key(), *function, "UpdateFunction");
  }

  Page<FunctionPtr> QueryFunctions(PageRequest page, std::string_view compute_plan_key) override {
    PageCollector<FunctionPtr> collector(page);
    auto offer = [&](const std::vector<std::string>& attributes) {
      FunctionPtr function = GetFunction(attributes.back());
      return function == nullptr || collector.Offer(std::move(function));
    };
    if (compute_plan_key.empty()) {
      ScanIndex(kFunctionsByCreation, {}, offer);
    } else {
      ScanIndex(kFunctionsByPlan, {compute_plan_key}, offer);
    }
    return std::move(collector).Build();
  }

  // Data managers.
  DataManagerPtr GetDataManager(std::string_view key) override {
    return GetRecord<pb::DataManager>("datamanager:" + std::string(key));
  }

  void AddDataManager(DataManagerPtr data_manager) override {
    AddRecord("datamanager:" + data_manager->key(), *data_manager, "AddDataManager");
    PutIndex(kDataManagersByCreation, {CreatedKey(*data_manager), data_manager->key()});
  }

  void UpdateDataManager(DataManagerPtr data_manager) override {
    UpdateRecord<pb::DataManager>("datamanager:" + data_manager->key(), *data_manager, "UpdateDataManager");
  }

  Page<DataManagerPtr> QueryDataManagers(PageRequest page) override {
    return PageFromIndex<pb::DataManager>(kDataManagersByCreation, page, "datamanager:");
  }

  // Data samples.
  DataSamplePtr GetDataSample(std::string_view key) override {
    return GetRecord<pb::DataSample>("datasample:" + std::string(key));
  }

  void AddDataSample(DataSamplePtr data_sample) override {
    const std::string& key = data_sample->key();
    AddRecord("datasample:" + key, *data_sample, "AddDataSample");
    const std::string created = CreatedKey(*data_sample);
    PutIndex(kDataSamplesByCreation, {created, key});
    for (const std::string& manager_key : data_sample->data_manager_keys()) {
      PutIndex(kDataSamplesByManager, {manager_key, created, key});
    }
  }

  void UpdateDataSample(DataSamplePtr data_sample) override {
    const std::string& key = data_sample->key();
    DataSamplePtr stored = UpdateRecord<pb::DataSample>("datasample:" + key, *data_sample, "UpdateDataSample");
    const auto& stored_keys = stored->data_manager_keys();
    for (const std::string& manager_key : stored_keys) {
      if (std::find(data_sample->data_manager_keys().begin(), data_sample->data_manager_keys().end(), manager_key) ==
          data_sample->data_manager_keys().end()) {
        Fail(ErrorKind::kInternal, "UpdateDataSample: data sample \"" + key + "\" drops data manager \"" +
                                       manager_key + "\", but data_manager_keys may only grow");
      }
    }
    const std::string created = CreatedKey(*stored);
    for (const std::string& manager_key : data_sample->data_manager_keys()) {
      if (std::find(stored_keys.begin(), stored_keys.end(), manager_key) == stored_keys.end()) {
        PutIndex(kDataSamplesByManager, {manager_key, created, key});
      }
    }
  }

  Page<DataSamplePtr> QueryDataSamples(PageRequest page, std::span<const std::string> keys) override {
    if (keys.empty()) return PageFromIndex<pb::DataSample>(kDataSamplesByCreation, page, "datasample:");
    std::vector<DataSamplePtr> samples;
    for (const std::string& key : keys) {
      if (DataSamplePtr sample = GetDataSample(key)) samples.push_back(std::move(sample));
    }
    return PageFromUnsorted(std::move(samples), page);
  }

  std::vector<std::string> GetDataSampleKeysByManager(std::string_view data_manager_key) override {
    std::vector<std::string> keys;
    ScanIndex(kDataSamplesByManager, {data_manager_key}, [&](const std::vector<std::string>& attributes) {
      keys.push_back(attributes.back());
      return true;
    });
    return keys;
  }

  // Compute plans.
  ComputePlanPtr GetComputePlan(std::string_view key) override {
    return GetRecord<pb::ComputePlan>("computeplan:" + std::string(key));
  }

  void AddComputePlan(ComputePlanPtr plan) override {
    AddRecord("computeplan:" + plan->key(), *plan, "AddComputePlan");
    const std::string created = CreatedKey(*plan);
    PutIndex(kPlansByCreation, {created, plan->key()});
    PutIndex(kPlansByOwner, {plan->owner(), created, plan->key()});
  }

  void UpdateComputePlan(ComputePlanPtr plan) override {
    UpdateRecord<pb::ComputePlan>("computeplan:" + plan->key(), *plan, "UpdateComputePlan");
  }

  Page<ComputePlanPtr> QueryComputePlans(PageRequest page, std::string_view owner) override {
    if (owner.empty()) return PageFromIndex<pb::ComputePlan>(kPlansByCreation, page, "computeplan:");
    PageCollector<ComputePlanPtr> collector(page);
    ScanIndex(kPlansByOwner, {owner}, [&](const std::vector<std::string>& attributes) {
      ComputePlanPtr plan = GetComputePlan(attributes.back());
      return plan == nullptr || collector.Offer(std::move(plan));
    });
    return std::move(collector).Build();
  }

  bool IsPlanRunning(std::string_view plan_key) override {
    for (pb::ComputeTaskStatus status : {pb::STATUS_WAITING, pb::STATUS_TODO, pb::STATUS_DOING}) {
      bool found = false;
      ScanIndex(kTasksByPlanStatus, {plan_key, pb::ComputeTaskStatus_Name(status)},
                [&found](const std::vector<std::string>&) {
                  found = true;
                  return false;
                });
      if (found) return true;
    }
    return false;
  }

  // Compute tasks.
  ComputeTaskPtr GetComputeTask(std::string_view key) override {
    return GetRecord<pb::ComputeTask>("computetask:" + std::string(key));
  }

  void AddComputeTask(ComputeTaskPtr task, std::span<const std::string> parent_keys) override {
    const std::string& key = task->key();
    AddRecord("computetask:" + key, *task, "AddComputeTask");
    const std::string created = CreatedKey(*task);
    PutIndex(kTasksByCreation, {created, key});
    PutIndex(kTasksByPlan, {task->compute_plan_key(), created, key});
    PutIndex(kTasksByPlanStatus, {task->compute_plan_key(), pb::ComputeTaskStatus_Name(task->status()), key});
    PutIndex(kTasksByWorker, {task->worker(), created, key});
    PutIndex(kTasksByFunction, {task->function_key(), created, key});
    const std::string rank = SortableRank(next_rank_++);
    for (const std::string& parent_key : parent_keys) {
      PutIndex(kTaskChildren, {parent_key, time_key_, rank, key});
    }
    if (FunctionPtr function = GetFunction(task->function_key())) {
      PutIndex(kFunctionsByPlan, {task->compute_plan_key(), CreatedKey(*function), function->key()});
    }
  }

  void UpdateComputeTask(ComputeTaskPtr task) override {
    const std::string& key = task->key();
    ComputeTaskPtr stored = UpdateRecord<pb::ComputeTask>("computetask:" + key, *task, "UpdateComputeTask");
    if (stored->status() != task->status()) {
      Delete(CompositeKey(kTasksByPlanStatus,
                          {stored->compute_plan_key(), pb::ComputeTaskStatus_Name(stored->status()), key}));
      PutIndex(kTasksByPlanStatus, {task->compute_plan_key(), pb::ComputeTaskStatus_Name(task->status()), key});
    }
  }

  std::vector<ComputeTaskPtr> GetComputeTaskChildren(std::string_view key) override {
    std::vector<ComputeTaskPtr> children;
    ScanIndex(kTaskChildren, {key}, [&](const std::vector<std::string>& attributes) {
      if (ComputeTaskPtr child = GetComputeTask(attributes.back())) children.push_back(std::move(child));
      return true;
    });
    return children;
  }

  Page<ComputeTaskPtr> QueryComputeTasks(PageRequest page, const TaskFilter& filter) override {
    // Scan the index of the most selective filter field, then check the rest
    // on each task.
    std::string_view index = kTasksByCreation;
    std::string_view bucket;
    if (!filter.compute_plan_key.empty()) {
      index = kTasksByPlan;
      bucket = filter.compute_plan_key;
    } else if (!filter.worker.empty()) {
      index = kTasksByWorker;
      bucket = filter.worker;
    } else if (!filter.function_key.empty()) {
      index = kTasksByFunction;
      bucket = filter.function_key;
    }
    PageCollector<ComputeTaskPtr> collector(page);
    auto offer = [&](const std::vector<std::string>& attributes) {
      ComputeTaskPtr task = GetComputeTask(attributes.back());
      if (task == nullptr || !TaskMatches(*task, filter)) return true;
      return collector.Offer(std::move(task));
    };
    if (bucket.empty()) {
      ScanIndex(index, {}, offer);
    } else {
      ScanIndex(index, {bucket}, offer);
    }
    return std::move(collector).Build();
  }

  // Output assets.
  std::vector<OutputAssetRef> GetOutputAssets(std::string_view task_key, std::string_view identifier) override {
    std::vector<OutputAssetRef> assets;
    ScanValues(kOutputAssets, {task_key, identifier}, [&](const std::string& key, const std::string& value) {
      auto reference = Decode<pb::ComputeTaskOutputAsset>(key, value);
      assets.push_back(OutputAssetRef{reference->asset_kind(), reference->asset_key()});
      return true;
    });
    return assets;
  }

  void AddOutputAsset(std::string_view task_key, std::string_view identifier, const OutputAssetRef& asset) override {
    RequireWrite("AddOutputAsset");
    std::uint64_t count = 0;
    ScanValues(kOutputAssets, {task_key, identifier}, [&count](const std::string&, const std::string&) {
      ++count;
      return true;
    });
    pb::ComputeTaskOutputAsset reference;
    reference.set_compute_task_key(std::string(task_key));
    reference.set_compute_task_output_identifier(std::string(identifier));
    reference.set_asset_kind(asset.asset_kind);
    reference.set_asset_key(asset.asset_key);
    Put(CompositeKey(kOutputAssets, {task_key, identifier, SortableRank(count)}), Encode(reference));
  }

  // Models.
  ModelPtr GetModel(std::string_view key) override { return GetRecord<pb::Model>("model:" + std::string(key)); }

  void AddModel(ModelPtr model) override {
    AddRecord("model:" + model->key(), *model, "AddModel");
    PutIndex(kModelsByTask, {model->compute_task_key(), time_key_, SortableRank(next_rank_++), model->key()});
  }

  void UpdateModel(ModelPtr model) override {
    ModelPtr stored = UpdateRecord<pb::Model>("model:" + model->key(), *model, "UpdateModel");
    if (stored->compute_task_key() != model->compute_task_key()) {
      Fail(ErrorKind::kInternal, "UpdateModel: compute_task_key of model \"" + model->key() + "\" may not change");
    }
  }

  std::vector<ModelPtr> GetComputeTaskModels(std::string_view task_key) override {
    std::vector<ModelPtr> models;
    ScanIndex(kModelsByTask, {task_key}, [&](const std::vector<std::string>& attributes) {
      if (ModelPtr model = GetModel(attributes.back())) models.push_back(std::move(model));
      return true;
    });
    return models;
  }

  // Performances.
  PerformancePtr GetPerformance(std::string_view task_key, std::string_view identifier) override {
    return GetRecord<pb::Performance>(PerformanceKey(task_key, identifier));
  }

  void AddPerformance(PerformancePtr performance) override {
    const std::string& task_key = performance->compute_task_key();
    const std::string& identifier = performance->compute_task_output_identifier();
    AddRecord(PerformanceKey(task_key, identifier), *performance, "AddPerformance");
    PutIndex(kPerformancesByCreation, {CreatedKey(*performance), task_key, identifier});
    PutIndex(kPerformancesByTask, {task_key, identifier});
  }

  Page<PerformancePtr> QueryPerformances(PageRequest page, std::string_view task_key,
                                         std::string_view identifier) override {
    // Order: creation date ascending, task key descending, identifier
    // ascending. The index gives creation date then task key ascending, so
    // each group of one creation date is reordered before it is offered.
    std::vector<PerformancePtr> matches;
    auto keep = [&](const std::string& task, const std::string& output) {
      if (!identifier.empty() && output != identifier) return;
      if (PerformancePtr performance = GetPerformance(task, output)) matches.push_back(std::move(performance));
    };
    if (task_key.empty()) {
      ScanIndex(kPerformancesByCreation, {}, [&](const std::vector<std::string>& attributes) {
        keep(attributes[1], attributes[2]);
        return true;
      });
    } else {
      ScanIndex(kPerformancesByTask, {task_key}, [&](const std::vector<std::string>& attributes) {
        keep(attributes[0], attributes[1]);
        return true;
      });
    }
    std::stable_sort(matches.begin(), matches.end(), [](const PerformancePtr& left, const PerformancePtr& right) {
      const Micros left_time = ToMicros(left->creation_date());
      const Micros right_time = ToMicros(right->creation_date());
      if (left_time != right_time) return left_time < right_time;
      if (left->compute_task_key() != right->compute_task_key()) {
        return left->compute_task_key() > right->compute_task_key();
      }
      return left->compute_task_output_identifier() < right->compute_task_output_identifier();
    });
    PageCollector<PerformancePtr> collector(page);
    for (PerformancePtr& performance : matches) {
      if (!collector.Offer(std::move(performance))) break;
    }
    return std::move(collector).Build();
  }

  // Failure reports.
  FailureReportPtr GetFailureReport(std::string_view task_key) override {
    return GetRecord<pb::FailureReport>("failurereport:" + std::string(task_key));
  }

  void AddFailureReport(FailureReportPtr report) override {
    AddRecord("failurereport:" + report->compute_task_key(), *report, "AddFailureReport");
  }

  // Events.
  void AddEvent(EventDraft draft) override {
    RequireWrite("AddEvent");
    const std::uint64_t rank = events_.size();
    StoredEvent stored{rank, EventId(store_.transaction_id_, rank), time_, std::move(draft)};
    pb::Event event;
    FillProto(stored, std::string(), &event);
    Put("event:" + event.id(), Encode(event));
    PutIndex(kEventsByTime, {time_key_, store_.transaction_id_, SortableRank(rank)}, event.id());
    PutIndex(kEventsByAsset, {event.asset_key(), time_key_, store_.transaction_id_, SortableRank(rank)}, event.id());
    event.set_channel(channel_);
    events_.push_back(std::move(event));
  }

  Page<StoredEventPtr> QueryEvents(PageRequest page, const EventFilter& filter) override {
    // Events of one asset have their own index; the others are scanned by
    // time. Either way the entries are in (time, transaction, rank) order.
    const bool by_asset = !filter.asset_key.empty();
    const std::string_view index = by_asset ? kEventsByAsset : kEventsByTime;
    auto bounded = [&](std::optional<Micros> time) {
      if (by_asset) {
        return time ? CompositeKey(index, {filter.asset_key, SortableTime(*time)}) : CompositeKey(index, {filter.asset_key});
      }
      return time ? CompositeKey(index, {SortableTime(*time)}) : CompositeKey(index, {});
    };
    std::string start = bounded(filter.start);
    std::string end = PrefixRangeEnd(bounded(filter.end));

    std::vector<StoredEventPtr> matches;
    std::uint64_t position = 0;
    Scan(start, end, [&](const std::string&, const std::string& event_id) {
      ++position;
      const std::string key = "event:" + event_id;
      const std::string bytes = Get(key);
      if (bytes.empty()) return true;
      auto event = Decode<pb::Event>(key, bytes);
      if (EventMatches(*event, filter)) matches.push_back(StoredEventFromProto(*event, position));
      return true;
    });
    if (filter.descending) std::reverse(matches.begin(), matches.end());
    PageCollector<StoredEventPtr> collector(page);
    for (StoredEventPtr& event : matches) {
      if (!collector.Offer(std::move(event))) break;
    }
    return std::move(collector).Build();
  }

  std::vector<StoredEventPtr> ReadEventsAfter(std::uint64_t, std::size_t) override {
    Fail(ErrorKind::kUnimplemented, "event replay is not served by the chaincode: Fabric delivers chaincode events");
  }

  std::optional<std::uint64_t> FindEventPosition(std::string_view) override {
    Fail(ErrorKind::kUnimplemented, "event replay is not served by the chaincode: Fabric delivers chaincode events");
  }

 private:
  // --- Raw access with the overlay of this transaction's writes.

  std::string Get(const std::string& key) {
    if (auto written = writes_.find(key); written != writes_.end()) return written->second.value_or(std::string());
    if (auto cached = reads_.find(key); cached != reads_.end()) return cached->second;
    std::string value = store_.state_.GetState(key);
    reads_.emplace(key, value);
    return value;
  }

  void Put(const std::string& key, std::string value) { writes_[key] = std::move(value); }
  void Delete(const std::string& key) { writes_[key] = std::nullopt; }

  // Visits the keys of [start, end) in order, the committed state merged with
  // this transaction's writes, until `visit` returns false.
  void Scan(const std::string& start, const std::string& end, const StateAccess::Visitor& visit) {
    auto pending = writes_.lower_bound(start);
    auto pending_end = writes_.lower_bound(end);
    bool stopped = false;
    // Offers the pending writes below `limit` (all of them when null).
    auto flush_pending = [&](const std::string* limit) {
      while (!stopped && pending != pending_end && (limit == nullptr || pending->first < *limit)) {
        if (pending->second && !visit(pending->first, *pending->second)) stopped = true;
        ++pending;
      }
    };
    store_.state_.ScanRange(start, end, [&](const std::string& key, const std::string& value) {
      flush_pending(&key);
      if (stopped) return false;
      if (pending != pending_end && pending->first == key) {
        // This transaction overwrote or deleted the committed value.
        const bool keep_going = !pending->second || visit(key, *pending->second);
        ++pending;
        if (!keep_going) stopped = true;
        return keep_going;
      }
      if (!visit(key, value)) stopped = true;
      return !stopped;
    });
    flush_pending(nullptr);
  }

  // Visits the index entries under a prefix, with their attributes.
  void ScanIndex(std::string_view object_type, std::initializer_list<std::string_view> prefix,
                 const std::function<bool(const std::vector<std::string>&)>& visit) {
    auto [start, end] = PrefixRange(object_type, prefix);
    Scan(start, end, [&](const std::string& key, const std::string&) { return visit(SplitCompositeKey(key)); });
  }

  void ScanValues(std::string_view object_type, std::initializer_list<std::string_view> prefix,
                  const StateAccess::Visitor& visit) {
    auto [start, end] = PrefixRange(object_type, prefix);
    Scan(start, end, visit);
  }

  void PutIndex(std::string_view object_type, std::initializer_list<std::string_view> attributes,
                std::string value = std::string(kIndexValue, 1)) {
    RequireWrite(object_type);
    Put(CompositeKey(object_type, attributes), std::move(value));
  }

  // --- Records.

  template <class Record>
  std::shared_ptr<const Record> GetRecord(const std::string& key) {
    const std::string bytes = Get(key);
    if (bytes.empty()) return nullptr;
    return Decode<Record>(key, bytes);
  }

  void AddRecord(const std::string& key, const google::protobuf::Message& record, std::string_view operation) {
    RequireWrite(operation);
    if (!Get(key).empty()) Fail(ErrorKind::kInternal, std::string(operation) + ": \"" + key + "\" already exists");
    Put(key, Encode(record));
  }

  // Replaces a stored record and returns the previous version.
  template <class Record>
  std::shared_ptr<const Record> UpdateRecord(const std::string& key, const Record& record,
                                             std::string_view operation) {
    RequireWrite(operation);
    auto stored = GetRecord<Record>(key);
    if (stored == nullptr) Fail(ErrorKind::kInternal, std::string(operation) + ": \"" + key + "\" not found");
    Put(key, Encode(record));
    return stored;
  }

  void RequireWrite(std::string_view operation) const {
    if (mode_ == TransactionMode::kReadOnly) {
      Fail(ErrorKind::kInternal, std::string(operation) + " in a read-only transaction");
    }
    if (committed_) Fail(ErrorKind::kInternal, std::string(operation) + " after commit");
  }

  template <class Record>
  static std::string CreatedKey(const Record& record) {
    return SortableTime(ToMicros(record.creation_date()));
  }

  template <class Record>
  Page<std::shared_ptr<const Record>> PageFromIndex(std::string_view object_type, PageRequest page,
                                                    const std::string& resource_prefix) {
    PageCollector<std::shared_ptr<const Record>> collector(page);
    ScanIndex(object_type, {}, [&](const std::vector<std::string>& attributes) {
      auto record = GetRecord<Record>(resource_prefix + attributes.back());
      return record == nullptr || collector.Offer(std::move(record));
    });
    return std::move(collector).Build();
  }

  template <class Ptr>
  static Page<Ptr> PageFromUnsorted(std::vector<Ptr> records, PageRequest page) {
    std::stable_sort(records.begin(), records.end(), [](const Ptr& left, const Ptr& right) {
      const Micros left_time = ToMicros(left->creation_date());
      const Micros right_time = ToMicros(right->creation_date());
      if (left_time != right_time) return left_time < right_time;
      return left->key() < right->key();
    });
    PageCollector<Ptr> collector(page);
    for (Ptr& record : records) {
      if (!collector.Offer(std::move(record))) break;
    }
    return std::move(collector).Build();
  }

  static bool TaskMatches(const pb::ComputeTask& task, const TaskFilter& filter) {
    if (!filter.worker.empty() && task.worker() != filter.worker) return false;
    if (filter.status != pb::STATUS_UNKNOWN && task.status() != filter.status) return false;
    if (!filter.compute_plan_key.empty() && task.compute_plan_key() != filter.compute_plan_key) return false;
    if (!filter.function_key.empty() && task.function_key() != filter.function_key) return false;
    return true;
  }

  static bool EventMatches(const pb::Event& event, const EventFilter& filter) {
    if (!filter.asset_key.empty() && event.asset_key() != filter.asset_key) return false;
    if (filter.asset_kind != pb::ASSET_UNKNOWN && event.asset_kind() != filter.asset_kind) return false;
    if (filter.event_kind != pb::EVENT_UNKNOWN && event.event_kind() != filter.event_kind) return false;
    for (const auto& [key, value] : filter.metadata) {
      auto found = event.metadata().find(key);
      if (found == event.metadata().end() || found->second != value) return false;
    }
    return true;
  }

  WorldStateStore& store_;
  std::string channel_;
  TransactionMode mode_;
  Micros time_;
  std::string time_key_;
  bool committed_ = false;
  // Rank of the next ordered index entry written by this transaction.
  std::uint64_t next_rank_ = 0;
  // Pending writes in key order; nullopt is a delete.
  std::map<std::string, std::optional<std::string>> writes_;
  // Committed values already read, so each key costs one round trip.
  std::map<std::string, std::string> reads_;
  std::vector<pb::Event> events_;
};

WorldStateStore::WorldStateStore(StateAccess& state, std::string transaction_id)
    : state_(state), transaction_id_(std::move(transaction_id)) {}

std::unique_ptr<persistence::Transaction> WorldStateStore::Begin(std::string_view channel, TransactionMode mode,
                                                                 Micros time) {
  if (begun_) Fail(ErrorKind::kInternal, "a chaincode transaction runs one request only");
  begun_ = true;
  return std::make_unique<WorldStateTransaction>(*this, std::string(channel), mode, time);
}

}  // namespace orc::chaincode
