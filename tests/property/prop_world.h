// The world the property tests run in: an Orchestrator over a MemoryStore and
// a ManualClock, with four organisations, four functions, data for two of
// them and one compute plan, plus the request builders and readers the
// properties share.
//
// Organisations: OwnerMSP owns the plan and the functions and has data,
// WorkerMSP has data, OtherMSP is registered without any asset, GhostMSP is
// never registered.
#pragma once

#include <cstdio>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <rapidcheck.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/orchestrator.h"
#include "core/persistence/memory_store.h"
#include "core/records.h"

namespace orc::prop {

namespace pb = ::orchestrator;

inline constexpr char kOwner[] = "OwnerMSP";
inline constexpr char kWorker[] = "WorkerMSP";
inline constexpr char kOther[] = "OtherMSP";
inline constexpr char kGhost[] = "GhostMSP";
inline constexpr char kChannel[] = "mychannel";
inline constexpr char kChecksum[] = "a3f9c0d1e2b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8";

// Who sends a request, relative to the asset it acts on. kTaskWorker is the
// task's worker, which may be OwnerMSP too.
enum class Sender { kPlanOwner, kTaskWorker, kOtherOrg, kUnregistered };

inline const char* SenderName(Sender sender) {
  switch (sender) {
    case Sender::kPlanOwner: return "owner";
    case Sender::kTaskWorker: return "worker";
    case Sender::kOtherOrg: return "other";
    case Sender::kUnregistered: return "unregistered";
  }
  return "?";
}

inline rc::Gen<Sender> GenSender() {
  return rc::gen::weightedElement<Sender>(
      {{3, Sender::kPlanOwner}, {6, Sender::kTaskWorker}, {1, Sender::kOtherOrg}, {1, Sender::kUnregistered}});
}

// Task kinds, one function each.
//   train:     opener, datasamples, model (MODEL, multiple, optional) -> model
//   aggregate: model (MODEL, multiple, optional) -> model; explicit worker
//   composite: opener, datasamples, shared, local (MODEL, optional) -> shared, local
//   evaluate:  opener, datasamples, model (MODEL, optional) -> performance
enum class TaskKind { kTrain, kAggregate, kComposite, kEvaluate };

inline const char* TaskKindName(TaskKind kind) {
  switch (kind) {
    case TaskKind::kTrain: return "train";
    case TaskKind::kAggregate: return "aggregate";
    case TaskKind::kComposite: return "composite";
    case TaskKind::kEvaluate: return "evaluate";
  }
  return "?";
}

// Output identifiers of a kind, in the order the function declares them.
inline std::vector<std::string> OutputsOf(TaskKind kind) {
  switch (kind) {
    case TaskKind::kTrain:
    case TaskKind::kAggregate: return {"model"};
    case TaskKind::kComposite: return {"shared", "local"};
    case TaskKind::kEvaluate: return {"performance"};
  }
  return {};
}

inline bool HasModelOutput(TaskKind kind) { return kind != TaskKind::kEvaluate; }

// One parent link of a new task: the parent (index of a task) and the output
// of it that the input reads.
struct ParentRef {
  int task = 0;
  std::string output;
  std::string input;  // input identifier of the child
};

// The n-th key of a deterministic UUID sequence, by namespace (`space`).
inline std::string KeyNumber(unsigned space, std::uint64_t n) {
  char buffer[37];
  std::snprintf(buffer, sizeof buffer, "%08x-0000-4000-8000-%012llx", space, static_cast<unsigned long long>(n));
  return buffer;
}

inline std::string TaskKey(int index) { return KeyNumber(0x7a5c, static_cast<std::uint64_t>(index)); }

inline RequestContext As(const std::string& organization) { return RequestContext{organization, kChannel}; }

inline pb::Addressable Address(const std::string& what, const std::string& key) {
  pb::Addressable address;
  address.set_checksum(kChecksum);
  address.set_storage_address("http://prop.local/" + what + "/" + key);
  return address;
}

inline pb::FunctionInput Input(pb::AssetKind kind, bool multiple, bool optional) {
  pb::FunctionInput input;
  input.set_kind(kind);
  input.set_multiple(multiple);
  input.set_optional(optional);
  return input;
}

inline pb::FunctionOutput Output(pb::AssetKind kind) {
  pb::FunctionOutput output;
  output.set_kind(kind);
  return output;
}

// Throws with the error message when `result` failed: the world's setup
// must not fail.
template <class T>
T Must(Result<T> result, const char* what) {
  if (!result.ok()) throw std::runtime_error(std::string(what) + " failed: " + result.error().message());
  return std::move(result).value();
}

class World {
 public:
  explicit World(OrchestratorOptions options = {})
      : clock_(1'700'000'000'000'000, 1'000'000), core_(store_, clock_, std::move(options)) {
    for (const char* org : {kOwner, kWorker, kOther}) {
      Must(core_.RegisterOrganization(As(org), pb::RegisterOrganizationParam()), "RegisterOrganization");
    }
    for (TaskKind kind : {TaskKind::kTrain, TaskKind::kAggregate, TaskKind::kComposite, TaskKind::kEvaluate}) {
      RegisterFunction(kind);
    }
    for (const char* org : {kOwner, kWorker}) RegisterData(org);
    pb::NewComputePlan plan;
    plan.set_key(plan_key_);
    plan.set_name("property plan");
    Must(core_.RegisterPlan(As(kOwner), plan), "RegisterPlan");
    SkipEvents();
  }

  Orchestrator& core() { return core_; }
  const std::string& plan_key() const { return plan_key_; }
  const std::string& function_key(TaskKind kind) const { return function_keys_.at(kind); }
  const std::string& data_manager_key(const std::string& org) const { return data_managers_.at(org); }
  const std::string& sample_key(const std::string& org) const { return samples_.at(org); }
  std::string NewKey() { return KeyNumber(0xa55e, ++key_count_); }

  // A task request of `kind` for worker `worker` (data owner, or explicit
  // worker of an aggregate) with the given parents. Outputs get `outputs`
  // as permissions (public when not given) and are transient when
  // `transient` is set, except a performance, which cannot be.
  pb::NewComputeTask NewTask(int index, TaskKind kind, const std::string& worker,
                             const std::vector<ParentRef>& parents,
                             const pb::NewPermissions* outputs = nullptr, bool transient = false) {
    pb::NewComputeTask task;
    task.set_key(TaskKey(index));
    task.set_compute_plan_key(plan_key_);
    task.set_function_key(function_key(kind));
    if (kind == TaskKind::kAggregate) {
      task.set_worker(worker);
    } else {
      pb::ComputeTaskInput* opener = task.add_inputs();
      opener->set_identifier("opener");
      opener->set_asset_key(data_managers_.count(worker) ? data_managers_.at(worker) : NewKey());
      pb::ComputeTaskInput* samples = task.add_inputs();
      samples->set_identifier("datasamples");
      samples->set_asset_key(samples_.count(worker) ? samples_.at(worker) : NewKey());
    }
    for (const ParentRef& parent : parents) {
      pb::ComputeTaskInput* input = task.add_inputs();
      input->set_identifier(parent.input);
      input->mutable_parent_task_output()->set_parent_task_key(TaskKey(parent.task));
      input->mutable_parent_task_output()->set_output_identifier(parent.output);
    }
    for (const std::string& identifier : OutputsOf(kind)) {
      (*task.mutable_outputs())[identifier].set_transient(transient && kind != TaskKind::kEvaluate);
      pb::NewPermissions& permissions = *(*task.mutable_outputs())[identifier].mutable_permissions();
      if (outputs != nullptr && kind != TaskKind::kEvaluate) {
        permissions = *outputs;
      } else {
        permissions.set_public_(true);
      }
    }
    return task;
  }

  // Every event emitted since the previous call.
  std::vector<pb::Event> NewEvents() {
    std::vector<pb::Event> events;
    while (true) {
      EventBatch batch = Must(core_.ReadEvents(As(kOwner), last_event_id_, 1000), "ReadEvents");
      events.insert(events.end(), batch.events.begin(), batch.events.end());
      last_event_id_ = batch.last_event_id;
      if (batch.events.size() < 1000) return events;
    }
  }
  void SkipEvents() { NewEvents(); }

 private:
  void RegisterFunction(TaskKind kind) {
    pb::NewFunction function;
    function.set_key(NewKey());
    function.set_name(TaskKindName(kind));
    *function.mutable_description() = Address("description", function.key());
    *function.mutable_function() = Address("archive", function.key());
    function.mutable_new_permissions()->set_public_(true);
    auto& inputs = *function.mutable_inputs();
    auto& outputs = *function.mutable_outputs();
    if (kind != TaskKind::kAggregate) {
      inputs["opener"] = Input(pb::ASSET_DATA_MANAGER, false, false);
      inputs["datasamples"] = Input(pb::ASSET_DATA_SAMPLE, true, false);
    }
    switch (kind) {
      case TaskKind::kTrain:
      case TaskKind::kAggregate:
        inputs["model"] = Input(pb::ASSET_MODEL, true, true);
        outputs["model"] = Output(pb::ASSET_MODEL);
        break;
      case TaskKind::kComposite:
        inputs["shared"] = Input(pb::ASSET_MODEL, false, true);
        inputs["local"] = Input(pb::ASSET_MODEL, false, true);
        outputs["shared"] = Output(pb::ASSET_MODEL);
        outputs["local"] = Output(pb::ASSET_MODEL);
        break;
      case TaskKind::kEvaluate:
        inputs["model"] = Input(pb::ASSET_MODEL, false, true);
        outputs["performance"] = Output(pb::ASSET_PERFORMANCE);
        break;
    }
    Must(core_.RegisterFunction(As(kOwner), function), "RegisterFunction");
    function_keys_[kind] = function.key();
  }

  void RegisterData(const std::string& org) {
    pb::NewDataManager manager;
    manager.set_key(NewKey());
    manager.set_name("data of " + org);
    manager.set_type("csv");
    *manager.mutable_description() = Address("description", manager.key());
    *manager.mutable_opener() = Address("opener", manager.key());
    manager.mutable_new_permissions()->set_public_(true);
    manager.mutable_logs_permission()->set_public_(true);
    Must(core_.RegisterDataManager(As(org), manager), "RegisterDataManager");
    data_managers_[org] = manager.key();

    pb::RegisterDataSamplesParam samples;
    pb::NewDataSample* sample = samples.add_samples();
    sample->set_key(NewKey());
    sample->add_data_manager_keys(manager.key());
    sample->set_checksum(kChecksum);
    Must(core_.RegisterDataSamples(As(org), samples), "RegisterDataSamples");
    samples_[org] = sample->key();
  }

  persistence::MemoryStore store_;
  ManualClock clock_;
  Orchestrator core_;
  std::string plan_key_ = KeyNumber(0x91a4, 1);
  std::map<TaskKind, std::string> function_keys_;
  std::map<std::string, std::string> data_managers_;
  std::map<std::string, std::string> samples_;
  std::uint64_t key_count_ = 0;
  std::string last_event_id_;
};

// Name of an error kind for messages: its code, or "OK".
inline std::string OutcomeName(const std::optional<ErrorKind>& error) {
  return error ? std::string(ErrorCode(*error)) : "OK";
}

template <class T>
std::optional<ErrorKind> ErrorOf(const Result<T>& result) {
  if (result.ok()) return std::nullopt;
  return result.error().kind();
}

// Options with the named test fault on, or the defaults for "".
inline OrchestratorOptions OptionsWithFault(const std::string& fault) {
  OrchestratorOptions options;
  if (!fault.empty() && !EnableTestFault(options.test_faults, fault)) {
    throw std::invalid_argument("unknown test fault " + fault);
  }
  return options;
}

}  // namespace orc::prop
