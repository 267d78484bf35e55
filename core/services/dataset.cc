// DatasetService: a data manager together with the keys of the samples
// attached to it. Reading a dataset needs no permission.
#include "core/services/services.h"

namespace orc::service {

pb::Dataset GetDataset(Scope& scope, const pb::GetDatasetParam& request) {
  DataManagerPtr data_manager = GetDataManagerOrFail(scope, request.key());

  pb::Dataset dataset;
  *dataset.mutable_data_manager() = *data_manager;
  for (std::string& key : scope.tx.GetDataSampleKeysByManager(data_manager->key())) {
    dataset.add_data_sample_keys(std::move(key));
  }
  return dataset;
}

}  // namespace orc::service
