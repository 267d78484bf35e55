// The setup the core benchmarks share: request builders and a one-plan
// federation on any store.
#pragma once

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/orchestrator.h"
#include "core/persistence/store.h"

namespace orc::bench {

namespace pb = ::orchestrator;
using orc::RequestContext;

inline constexpr const char* kChecksum = "1d4f5a3c2b6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";

inline std::string Uuid(std::uint64_t group, std::uint64_t index) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(group & 0xffffffffULL),
                static_cast<unsigned long long>(index & 0xffffffffffffULL));
  return buffer;
}

template <class T>
T Check(orc::Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.error().message());
  return std::move(result).value();
}

inline pb::Addressable Address(const std::string& path) {
  pb::Addressable address;
  address.set_checksum(kChecksum);
  address.set_storage_address("http://bench.local/" + path);
  return address;
}

// A channel with one organisation, a data manager with one sample, a
// training function and one plan, on the given store: the shape of a train
// task in FedAvg.
class Federation {
 public:
  explicit Federation(std::unique_ptr<orc::persistence::Store> store)
      : store_(std::move(store)), orchestrator_(*store_, clock_) {
    Check(orchestrator_.RegisterOrganization(context_, {}));

    pb::NewFunction function;
    function.set_key(Uuid(1, 1));
    function.set_name("train");
    *function.mutable_description() = Address("function/description");
    *function.mutable_function() = Address("function/archive");
    function.mutable_new_permissions()->set_public_(true);
    (*function.mutable_inputs())["opener"].set_kind(pb::ASSET_DATA_MANAGER);
    auto& samples = (*function.mutable_inputs())["datasamples"];
    samples.set_kind(pb::ASSET_DATA_SAMPLE);
    samples.set_multiple(true);
    (*function.mutable_outputs())["model"].set_kind(pb::ASSET_MODEL);
    Check(orchestrator_.RegisterFunction(context_, function));

    pb::NewDataManager manager;
    manager.set_key(Uuid(2, 1));
    manager.set_name("data");
    manager.set_type("csv");
    *manager.mutable_description() = Address("manager/description");
    *manager.mutable_opener() = Address("manager/opener");
    manager.mutable_new_permissions()->set_public_(true);
    manager.mutable_logs_permission()->set_public_(true);
    Check(orchestrator_.RegisterDataManager(context_, manager));

    pb::RegisterDataSamplesParam sample_request;
    pb::NewDataSample* sample = sample_request.add_samples();
    sample->set_key(Uuid(3, 1));
    sample->add_data_manager_keys(Uuid(2, 1));
    sample->set_checksum(kChecksum);
    Check(orchestrator_.RegisterDataSamples(context_, sample_request));

    pb::NewComputePlan plan;
    plan.set_key(Uuid(4, 1));
    plan.set_name("bench");
    Check(orchestrator_.RegisterPlan(context_, plan));
  }

  // Registers `count` independent train tasks in one request; returns nothing.
  void RegisterTrainTasks(std::size_t count) { Check(orchestrator_.RegisterTasks(context_, TrainBatch(count))); }

  pb::RegisterTasksParam TrainBatch(std::size_t count) {
    pb::RegisterTasksParam request;
    for (std::size_t i = 0; i < count; ++i) {
      pb::NewComputeTask* task = request.add_tasks();
      task->set_key(Uuid(5, next_task_++));
      task->set_function_key(Uuid(1, 1));
      task->set_compute_plan_key(Uuid(4, 1));
      pb::ComputeTaskInput* opener = task->add_inputs();
      opener->set_identifier("opener");
      opener->set_asset_key(Uuid(2, 1));
      pb::ComputeTaskInput* data = task->add_inputs();
      data->set_identifier("datasamples");
      data->set_asset_key(Uuid(3, 1));
      (*task->mutable_outputs())["model"].mutable_permissions()->set_public_(true);
    }
    return request;
  }

  std::string TaskKey(std::uint64_t index) const { return Uuid(5, index); }
  std::uint64_t task_count() const { return next_task_; }
  orc::Orchestrator& api() { return orchestrator_; }
  const RequestContext& context() const { return context_; }

 private:
  std::unique_ptr<orc::persistence::Store> store_;
  orc::ManualClock clock_{1'700'000'000'000'000, 1};
  orc::Orchestrator orchestrator_;
  RequestContext context_{"MyOrg1MSP", "mychannel"};
  std::uint64_t next_task_ = 0;
};

}  // namespace orc::bench
