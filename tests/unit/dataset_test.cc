#include <string>
#include <vector>

#include "unit/test_helpers.h"

namespace orc::test {
namespace {

using DatasetTest = TwoOrgsTest;

pb::GetDatasetParam ByKey(const std::string& key) {
  pb::GetDatasetParam request;
  request.set_key(key);
  return request;
}

std::vector<std::string> SampleKeys(const pb::Dataset& dataset) {
  return {dataset.data_sample_keys().begin(), dataset.data_sample_keys().end()};
}

TEST_F(DatasetTest, GetDatasetReturnsManagerAndSampleKeys) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataSample first = RegisterDataSample({data_manager.key()});
  pb::DataSample second = RegisterDataSample({data_manager.key()});

  pb::Dataset dataset = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(data_manager.key())));

  EXPECT_TRUE(ProtoEquals(data_manager, dataset.data_manager()));
  EXPECT_EQ(SampleKeys(dataset), (std::vector<std::string>{first.key(), second.key()}));
}

TEST_F(DatasetTest, GetDatasetReturnsEmptyKeysWithoutSamples) {
  pb::DataManager data_manager = RegisterDataManager();

  pb::Dataset dataset = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(data_manager.key())));

  EXPECT_TRUE(ProtoEquals(data_manager, dataset.data_manager()));
  EXPECT_EQ(dataset.data_sample_keys_size(), 0);
}

TEST_F(DatasetTest, GetDatasetListsEarlierRequestsFirst) {
  pb::DataManager data_manager = RegisterDataManager();
  std::string late_key = "ffffffff-0000-4000-8000-000000000000";
  std::string early_key = "00000000-0000-4000-8000-00000000000a";
  RegisterDataSamples({NewDataSampleRequest(late_key, {data_manager.key()})});
  RegisterDataSamples({NewDataSampleRequest(early_key, {data_manager.key()})});

  pb::Dataset dataset = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(data_manager.key())));

  EXPECT_EQ(SampleKeys(dataset), (std::vector<std::string>{late_key, early_key}));
}

TEST_F(DatasetTest, GetDatasetOrdersOneRequestByKey) {
  pb::DataManager data_manager = RegisterDataManager();
  std::string low_key = "00000000-0000-4000-8000-00000000000a";
  std::string high_key = "00000000-0000-4000-8000-00000000000b";
  RegisterDataSamples({NewDataSampleRequest(high_key, {data_manager.key()}),
                       NewDataSampleRequest(low_key, {data_manager.key()})});

  pb::Dataset dataset = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(data_manager.key())));

  EXPECT_EQ(SampleKeys(dataset), (std::vector<std::string>{low_key, high_key}));
}

TEST_F(DatasetTest, GetDatasetExcludesSamplesOfOtherManagers) {
  pb::DataManager data_manager = RegisterDataManager();
  pb::DataManager other_manager = RegisterDataManager();
  pb::DataSample own = RegisterDataSample({data_manager.key()});
  RegisterDataSample({other_manager.key()});
  RegisterDataSample({});

  pb::Dataset dataset = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(data_manager.key())));

  EXPECT_EQ(SampleKeys(dataset), (std::vector<std::string>{own.key()}));
}

TEST_F(DatasetTest, GetDatasetIncludesSampleAttachedToSeveralManagers) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample shared = RegisterDataSample({first_manager.key(), second_manager.key()});

  pb::Dataset first = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(first_manager.key())));
  pb::Dataset second = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(second_manager.key())));

  EXPECT_EQ(SampleKeys(first), (std::vector<std::string>{shared.key()}));
  EXPECT_EQ(SampleKeys(second), (std::vector<std::string>{shared.key()}));
}

TEST_F(DatasetTest, GetDatasetIncludesSamplesAttachedByUpdate) {
  pb::DataManager first_manager = RegisterDataManager();
  pb::DataManager second_manager = RegisterDataManager();
  pb::DataSample sample = RegisterDataSample({first_manager.key()});
  pb::UpdateDataSamplesParam update;
  update.add_keys(sample.key());
  update.add_data_manager_keys(second_manager.key());
  Ok(orchestrator_.UpdateDataSamples(As(kOrg1), update));

  pb::Dataset dataset = Ok(orchestrator_.GetDataset(As(kOrg1), ByKey(second_manager.key())));

  EXPECT_EQ(SampleKeys(dataset), (std::vector<std::string>{sample.key()}));
}

TEST_F(DatasetTest, GetDatasetNeedsNoPermission) {
  pb::NewDataManager request = NewDataManagerRequest(NewKey());
  *request.mutable_new_permissions() = MakeNewPermissions(false, {});
  pb::DataManager private_manager = Ok(orchestrator_.RegisterDataManager(As(kOrg1), request));
  pb::DataSample sample = RegisterDataSample({private_manager.key()});

  pb::Dataset dataset = Ok(orchestrator_.GetDataset(As(kOrg2), ByKey(private_manager.key())));

  EXPECT_EQ(SampleKeys(dataset), (std::vector<std::string>{sample.key()}));
}

TEST_F(DatasetTest, GetDatasetRejectsUnknownManager) {
  std::string key = NewKey();

  auto result = orchestrator_.GetDataset(As(kOrg1), ByKey(key));

  ExpectError(result, ErrorKind::kNotFound, "datamanager with key \"" + key + "\" not found");
}

TEST_F(DatasetTest, GetDatasetIsScopedToChannel) {
  pb::DataManager data_manager = RegisterDataManager();

  auto result = orchestrator_.GetDataset(As(kOrg1, kOtherChannel), ByKey(data_manager.key()));

  ExpectError(result, ErrorKind::kNotFound, data_manager.key());
}

}  // namespace
}  // namespace orc::test
