#include "sim/digest.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/timestamp.pb.h>
#include <openssl/evp.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace orc::sim {
namespace {

namespace pb = ::orchestrator;
namespace gp = google::protobuf;

constexpr std::uint32_t kPageSize = 1000;

// Replaces every timestamp set in `message`, at any depth, by the same fixed
// value: whether a date is set stays part of the state, its value does not.
void NormalizeTimestamps(gp::Message& message) {
  const gp::Reflection* reflection = message.GetReflection();
  std::vector<const gp::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const gp::FieldDescriptor* field : fields) {
    if (field->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        NormalizeTimestamps(*reflection->MutableRepeatedMessage(&message, field, i));
      }
      continue;
    }
    gp::Message* child = reflection->MutableMessage(&message, field);
    if (field->message_type()->full_name() == gp::Timestamp::descriptor()->full_name()) {
      child->Clear();
      auto* timestamp = dynamic_cast<gp::Timestamp*>(child);
      if (timestamp != nullptr) timestamp->set_seconds(1);
      continue;
    }
    NormalizeTimestamps(*child);
  }
}

// Deterministic bytes of a message, after normalizing its timestamps in
// place.
std::string CanonicalBytes(gp::Message& message) {
  NormalizeTimestamps(message);
  std::string bytes;
  {
    gp::io::StringOutputStream stream(&bytes);
    gp::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

class Collector {
 public:
  // Adds one record under `kind`, normalizing the message's timestamps in
  // place. Records are sorted before hashing, so the order in which a
  // target lists them does not matter.
  void Add(const std::string& kind, gp::Message& message) {
    records_.push_back(kind + '\0' + CanonicalBytes(message));
    ++counts_[kind];
  }

  StateDigest Finish() {
    std::sort(records_.begin(), records_.end());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
    for (const std::string& record : records_) {
      // Length-prefixed, so that record boundaries are part of the hash.
      std::uint64_t size = record.size();
      EVP_DigestUpdate(context.get(), &size, sizeof size);
      EVP_DigestUpdate(context.get(), record.data(), record.size());
    }
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context.get(), hash, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    StateDigest digest;
    for (unsigned int i = 0; i < length; ++i) {
      digest.sha256 += kHex[hash[i] >> 4];
      digest.sha256 += kHex[hash[i] & 0xf];
    }
    digest.counts = counts_;
    return digest;
  }

 private:
  std::vector<std::string> records_;
  std::map<std::string, std::uint64_t> counts_;
};

// Calls `query` page after page until the last one; `add` takes each page.
template <class Param, class Query, class Add>
std::optional<Error> ReadAllPages(Param param, Query query, Add add) {
  param.set_page_size(kPageSize);
  while (true) {
    auto page = query(param);
    if (!page.ok()) return page.error();
    add(page.value());
    if (page->next_page_token().empty()) return std::nullopt;
    param.set_page_token(page->next_page_token());
  }
}

}  // namespace

Result<StateDigest> DigestState(Api& api, const RequestContext& context) {
  Collector collector;
  std::optional<Error> error;

  auto organizations = api.GetAllOrganizations(context, {});
  if (!organizations.ok()) return organizations.error();
  for (auto& organization : *organizations->mutable_organizations()) collector.Add("organizations", organization);

  error = ReadAllPages(
      pb::QueryFunctionsParam{}, [&](const auto& param) { return api.QueryFunctions(context, param); },
      [&](auto& page) {
        for (auto& function : *page.mutable_functions()) collector.Add("functions", function);
      });
  if (error) return *error;

  std::vector<std::string> data_manager_keys;
  error = ReadAllPages(
      pb::QueryDataManagersParam{}, [&](const auto& param) { return api.QueryDataManagers(context, param); },
      [&](auto& page) {
        for (auto& data_manager : *page.mutable_data_managers()) {
          collector.Add("data_managers", data_manager);
          data_manager_keys.push_back(data_manager.key());
        }
      });
  if (error) return *error;
  for (const std::string& key : data_manager_keys) {
    pb::GetDatasetParam param;
    param.set_key(key);
    auto dataset = api.GetDataset(context, param);
    if (!dataset.ok()) return dataset.error();
    collector.Add("datasets", dataset.value());
  }

  error = ReadAllPages(
      pb::QueryDataSamplesParam{}, [&](const auto& param) { return api.QueryDataSamples(context, param); },
      [&](auto& page) {
        for (auto& sample : *page.mutable_data_samples()) collector.Add("data_samples", sample);
      });
  if (error) return *error;

  error = ReadAllPages(
      pb::QueryPlansParam{}, [&](const auto& param) { return api.QueryPlans(context, param); },
      [&](auto& page) {
        for (auto& plan : *page.mutable_plans()) collector.Add("compute_plans", plan);
      });
  if (error) return *error;

  std::vector<std::pair<std::string, int>> tasks;  // key, status
  error = ReadAllPages(
      pb::QueryTasksParam{}, [&](const auto& param) { return api.QueryTasks(context, param); },
      [&](auto& page) {
        for (auto& task : *page.mutable_tasks()) {
          tasks.emplace_back(task.key(), task.status());
          collector.Add("compute_tasks", task);
        }
      });
  if (error) return *error;
  for (const auto& [key, status] : tasks) {
    pb::GetComputeTaskModelsParam param;
    param.set_compute_task_key(key);
    auto models = api.GetComputeTaskOutputModels(context, param);
    if (!models.ok()) return models.error();
    for (auto& model : *models->mutable_models()) collector.Add("models", model);
    if (status == pb::STATUS_FAILED) {
      pb::GetFailureReportParam report_param;
      report_param.set_compute_task_key(key);
      auto report = api.GetFailureReport(context, report_param);
      // A task can fail without a report: when it failed by ApplyTaskAction.
      if (report.ok()) {
        collector.Add("failure_reports", report.value());
      } else if (report.error().kind() != ErrorKind::kNotFound) {
        return report.error();
      }
    }
  }

  error = ReadAllPages(
      pb::QueryPerformancesParam{}, [&](const auto& param) { return api.QueryPerformances(context, param); },
      [&](auto& page) {
        for (auto& performance : *page.mutable_performances()) collector.Add("performances", performance);
      });
  if (error) return *error;

  error = ReadAllPages(
      pb::QueryEventsParam{}, [&](const auto& param) { return api.QueryEvents(context, param); },
      [&](auto& page) {
        for (pb::Event& event : *page.mutable_events()) {
          // Ids are random in 0.37 and positional in orc; the channel is the
          // run's. Neither is state.
          event.clear_id();
          event.clear_channel();
          collector.Add("events", event);
        }
      });
  if (error) return *error;

  return collector.Finish();
}

}  // namespace orc::sim
