// The orchestrator API inside orc: one method per RPC of the gRPC API of
// Substra orchestrator 0.37.0, taking the RPC's request message and
// returning its response message or an Error.
//
// Every implementation behaves the same way: the in-process core, a client of
// a remote server, the Fabric facade. The simulator and the bindings only
// talk to this interface.
#pragma once

#include <string>

#include "common.pb.h"
#include "computeplan.pb.h"
#include "computetask.pb.h"
#include "datamanager.pb.h"
#include "datasample.pb.h"
#include "dataset.pb.h"
#include "event.pb.h"
#include "failure_report.pb.h"
#include "function.pb.h"
#include "info.pb.h"
#include "model.pb.h"
#include "organization.pb.h"
#include "performance.pb.h"
#include "core/result.h"

namespace orc {

// Caller of a request: the MSP ID of the requesting organisation and the
// channel the request operates in. Every call requires both.
struct RequestContext {
  std::string requester;
  std::string channel;
};

// ORC_FOR_EACH_RPC(X) calls X(Service, Method, Request, Response, ReadOnly) for
// every unary RPC. Service is the gRPC service name without the package,
// ReadOnly is true for the RPCs 0.37 runs in read-only transactions.
// SubscribeToEvents is a server stream and is not part of the list: see
// Api::ReadEvents.
#define ORC_FOR_EACH_RPC(X)                                                                            \
  X(OrganizationService, RegisterOrganization, RegisterOrganizationParam, Organization, false)          \
  X(OrganizationService, GetAllOrganizations, GetAllOrganizationsParam, GetAllOrganizationsResponse,   \
    true)                                                                                              \
  X(FunctionService, RegisterFunction, NewFunction, Function, false)                                   \
  X(FunctionService, GetFunction, GetFunctionParam, Function, true)                                    \
  X(FunctionService, QueryFunctions, QueryFunctionsParam, QueryFunctionsResponse, true)                \
  X(FunctionService, UpdateFunction, UpdateFunctionParam, UpdateFunctionResponse, false)               \
  X(DataManagerService, RegisterDataManager, NewDataManager, DataManager, false)                       \
  X(DataManagerService, GetDataManager, GetDataManagerParam, DataManager, true)                        \
  X(DataManagerService, QueryDataManagers, QueryDataManagersParam, QueryDataManagersResponse, true)    \
  X(DataManagerService, UpdateDataManager, UpdateDataManagerParam, UpdateDataManagerResponse, false)   \
  X(DataSampleService, RegisterDataSamples, RegisterDataSamplesParam, RegisterDataSamplesResponse,     \
    false)                                                                                             \
  X(DataSampleService, UpdateDataSamples, UpdateDataSamplesParam, UpdateDataSamplesResponse, false)    \
  X(DataSampleService, QueryDataSamples, QueryDataSamplesParam, QueryDataSamplesResponse, true)        \
  X(DataSampleService, GetDataSample, GetDataSampleParam, DataSample, true)                            \
  X(DatasetService, GetDataset, GetDatasetParam, Dataset, true)                                        \
  X(ComputePlanService, RegisterPlan, NewComputePlan, ComputePlan, false)                              \
  X(ComputePlanService, GetPlan, GetComputePlanParam, ComputePlan, true)                               \
  X(ComputePlanService, ApplyPlanAction, ApplyPlanActionParam, ApplyPlanActionResponse, false)         \
  X(ComputePlanService, QueryPlans, QueryPlansParam, QueryPlansResponse, true)                         \
  X(ComputePlanService, UpdatePlan, UpdateComputePlanParam, UpdateComputePlanResponse, false)          \
  X(ComputePlanService, IsPlanRunning, IsPlanRunningParam, IsPlanRunningResponse, true)                \
  X(ComputeTaskService, RegisterTasks, RegisterTasksParam, RegisterTasksResponse, false)               \
  X(ComputeTaskService, QueryTasks, QueryTasksParam, QueryTasksResponse, true)                         \
  X(ComputeTaskService, GetTask, GetTaskParam, ComputeTask, true)                                      \
  X(ComputeTaskService, ApplyTaskAction, ApplyTaskActionParam, ApplyTaskActionResponse, false)         \
  X(ComputeTaskService, GetTaskInputAssets, GetTaskInputAssetsParam, GetTaskInputAssetsResponse, true) \
  X(ComputeTaskService, DisableOutput, DisableOutputParam, DisableOutputResponse, false)               \
  X(ModelService, RegisterModel, NewModel, Model, false)                                               \
  X(ModelService, RegisterModels, RegisterModelsParam, RegisterModelsResponse, false)                  \
  X(ModelService, GetModel, GetModelParam, Model, true)                                                \
  X(ModelService, GetComputeTaskOutputModels, GetComputeTaskModelsParam, GetComputeTaskModelsResponse, \
    true)                                                                                              \
  X(PerformanceService, RegisterPerformance, NewPerformance, Performance, false)                       \
  X(PerformanceService, QueryPerformances, QueryPerformancesParam, QueryPerformancesResponse, true)    \
  X(FailureReportService, RegisterFailureReport, NewFailureReport, FailureReport, false)               \
  X(FailureReportService, GetFailureReport, GetFailureReportParam, FailureReport, true)                \
  X(EventService, QueryEvents, QueryEventsParam, QueryEventsResponse, true)                            \
  X(InfoService, QueryVersion, QueryVersionParam, QueryVersionResponse, true)

// A batch of events read from a position, as SubscribeToEvents replays them.
struct EventBatch {
  std::vector<::orchestrator::Event> events;
  // Id of the last event of the batch, or the requested start id when empty:
  // pass it as the next start id to continue.
  std::string last_event_id;
};

class Api {
 public:
  virtual ~Api() = default;

#define ORC_DECLARE_RPC(Service, Method, Request, Response, ReadOnly)                   \
  virtual Result<::orchestrator::Response> Method(const RequestContext& context,         \
                                                  const ::orchestrator::Request& request) = 0;
  ORC_FOR_EACH_RPC(ORC_DECLARE_RPC)
#undef ORC_DECLARE_RPC

  // Reads up to `limit` events of the channel that come after the event
  // `start_event_id` (exclusive), or from the first event when it is empty.
  // This is the replay part of SubscribeToEvents; following the stream live
  // is reading again from the last id. Unknown start id: NotFound.
  virtual Result<EventBatch> ReadEvents(const RequestContext& context,
                                        const std::string& start_event_id, std::size_t limit) = 0;
};

}  // namespace orc
