// DataSampleService. A data sample belongs to its owner and is attached to
// data managers of that same owner. Attachments can be added, never removed.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/services/pagination.h"
#include "core/services/services.h"
#include "core/services/validation.h"

namespace orc::service {

namespace {

constexpr std::size_t kChecksumBytes = 64;

// Checks each element as 0.37 does, so an empty element passes here and
// fails later at lookup.
void ValidateUuidList(Validator& validator, const google::protobuf::RepeatedPtrField<std::string>& keys,
                      std::string_view field) {
  for (int i = 0; i < keys.size(); ++i) {
    validator.Uuid(keys[i], std::string(field) + "[" + std::to_string(i) + "]");
  }
}

void ValidateNewDataSample(const pb::NewDataSample& sample) {
  Validator validator("datasample");
  validator.RequiredUuid(sample.key(), "key");
  ValidateUuidList(validator, sample.data_manager_keys(), "data_manager_keys");
  validator.Required(sample.checksum(), "checksum");
  if (!sample.checksum().empty()) {
    validator.Check(sample.checksum().size() == kChecksumBytes, "checksum", "the length must be exactly 64");
    validator.Check(IsHexadecimal(sample.checksum()), "checksum", "must contain hexadecimal characters only");
  }
  validator.Finish();
}

// Fails unless every data manager exists and belongs to the requester.
void RequireOwnedDataManagers(Scope& scope, const google::protobuf::RepeatedPtrField<std::string>& keys) {
  for (const std::string& key : keys) {
    DataManagerPtr data_manager = GetDataManagerOrFail(scope, key);
    if (data_manager->owner() != scope.requester) {
      Fail(ErrorKind::kPermissionDenied, "requester does not own the datamanager \"" + key +
                                             "\": it belongs to organization \"" + data_manager->owner() + "\"");
    }
  }
}

// Builds the record of a new sample. `test_only` stays false, as in 0.37,
// whatever the request says.
DataSamplePtr BuildDataSample(const Scope& scope, const pb::NewDataSample& new_sample) {
  pb::DataSample sample;
  sample.set_key(new_sample.key());
  *sample.mutable_data_manager_keys() = new_sample.data_manager_keys();
  sample.set_owner(scope.requester);
  sample.set_checksum(new_sample.checksum());
  SetTimestamp(scope.now(), sample.mutable_creation_date());
  return std::make_shared<const pb::DataSample>(std::move(sample));
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

pb::RegisterDataSamplesResponse RegisterDataSamples(Scope& scope, const pb::RegisterDataSamplesParam& request) {
  std::vector<DataSamplePtr> samples;
  std::set<std::string> batch_keys;
  for (const pb::NewDataSample& new_sample : request.samples()) {
    ValidateNewDataSample(new_sample);
    RequireOwnedDataManagers(scope, new_sample.data_manager_keys());
    // 0.37 does not detect a key repeated inside the batch, and its standalone
    // server then fails on a unique constraint. orc reports a conflict, as
    // for a stored key.
    bool repeated = !batch_keys.insert(new_sample.key()).second;
    if (repeated || scope.tx.GetDataSample(new_sample.key()) != nullptr) {
      Fail(ErrorKind::kConflict, "datasample with key \"" + new_sample.key() + "\" already exists");
    }

    samples.push_back(BuildDataSample(scope, new_sample));
  }

  // An empty batch writes nothing, so it does not need a registered requester.
  if (!samples.empty()) RequireRegisteredRequester(scope);

  pb::RegisterDataSamplesResponse response;
  for (const DataSamplePtr& sample : samples) {
    scope.tx.AddDataSample(sample);
    scope.Emit(pb::EVENT_ASSET_CREATED, pb::ASSET_DATA_SAMPLE, sample->key(), sample);
    *response.add_data_samples() = *sample;
  }
  return response;
}

pb::UpdateDataSamplesResponse UpdateDataSamples(Scope& scope, const pb::UpdateDataSamplesParam& request) {
  Validator validator("datasample");
  validator.Check(!request.keys().empty(), "keys", "cannot be blank");
  ValidateUuidList(validator, request.keys(), "keys");
  ValidateUuidList(validator, request.data_manager_keys(), "data_manager_keys");
  validator.Finish();

  RequireOwnedDataManagers(scope, request.data_manager_keys());

  for (const std::string& key : request.keys()) {
    DataSamplePtr sample = GetDataSampleOrFail(scope, key);
    if (sample->owner() != scope.requester) {
      Fail(ErrorKind::kPermissionDenied, "requester does not own the datasample: organization \"" +
                                             scope.requester + "\" does not own data sample \"" + key + "\"");
    }

    // Checking against the growing list also skips a data manager key that
    // the request repeats.
    auto updated = std::make_shared<pb::DataSample>(*sample);
    for (const std::string& data_manager_key : request.data_manager_keys()) {
      if (!Contains(updated->data_manager_keys(), data_manager_key)) {
        updated->add_data_manager_keys(data_manager_key);
      }
    }
    DataSamplePtr stored = std::move(updated);

    scope.tx.UpdateDataSample(stored);
    scope.Emit(pb::EVENT_ASSET_UPDATED, pb::ASSET_DATA_SAMPLE, stored->key(), stored);
  }
  return {};
}

pb::QueryDataSamplesResponse QueryDataSamples(Scope& scope, const pb::QueryDataSamplesParam& request) {
  persistence::PageRequest page = ParsePage(request.page_token(), request.page_size());
  std::vector<std::string> keys(request.filter().keys().begin(), request.filter().keys().end());
  auto result = scope.tx.QueryDataSamples(page, keys);

  pb::QueryDataSamplesResponse response;
  for (const DataSamplePtr& sample : result.items) *response.add_data_samples() = *sample;
  response.set_next_page_token(NextPageToken(page, result));
  return response;
}

pb::DataSample GetDataSample(Scope& scope, const pb::GetDataSampleParam& request) {
  return *GetDataSampleOrFail(scope, request.key());
}

}  // namespace orc::service
