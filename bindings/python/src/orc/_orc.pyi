"""Type stubs of the extension module orc._orc."""

import datetime
import os
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

__version__: str

PathLike = Union[str, "os.PathLike[str]"]
ScenarioLike = Union["Scenario", PathLike, Mapping[str, Any]]
TraceSink = Union[None, PathLike, Callable[[str], None]]
ProgressCallback = Optional[Callable[[int, int, float], None]]

class ScenarioError(ValueError): ...
class TargetError(ValueError): ...

def open(
    target: str = "memory", *, channel: str = "mychannel", clock: str = "system", tls_ca: str = "",
    tls_client_dir: str = "", tls_server_name: str = "", reset_database: bool = False
) -> Ledger: ...
def error_kinds() -> List[Dict[str, Any]]: ...
def rpc_methods() -> List[Dict[str, Any]]: ...
def load_scenario(path: PathLike) -> Scenario: ...
def run_scenario(
    scenario: ScenarioLike, *, seed: Optional[int] = None, trace: TraceSink = None, progress: ProgressCallback = None
) -> RunResult: ...
def _register_error_classes(classes: Dict[str, type]) -> None: ...
def _raise_core_error(kind_name: str, detail: str) -> None: ...
def _time_cpp_call(session: Session, method: str, request: Optional[Mapping[str, Any]], iterations: int) -> float: ...

class Ledger:
    @property
    def target(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def clock(self) -> str: ...
    def as_org(self, requester: str, channel: Optional[str] = None) -> Session: ...
    def time(self) -> datetime.datetime: ...
    def set_time(self, when: Union[datetime.datetime, str]) -> None: ...
    def advance(self, seconds: float) -> None: ...
    def run_scenario(
        self, scenario: ScenarioLike, *, seed: Optional[int] = None, trace: TraceSink = None,
        progress: ProgressCallback = None, channel: Optional[str] = None
    ) -> RunResult: ...

class EventIterator(Iterator[Dict[str, Any]]):
    def __iter__(self) -> EventIterator: ...
    def __next__(self) -> Dict[str, Any]: ...
    @property
    def last_event_id(self) -> str: ...

class Session:
    @property
    def requester(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def ledger(self) -> Ledger: ...
    def call(self, method: str, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]: ...
    def read_events(self, after: str = "", limit: int = 1000) -> Dict[str, Any]: ...
    def events(self, after: str = "", page_size: int = 1000) -> EventIterator: ...
    def register_organization(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """OrganizationService.RegisterOrganization: orchestrator.RegisterOrganizationParam -> orchestrator.Organization."""
    def get_all_organizations(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """OrganizationService.GetAllOrganizations: orchestrator.GetAllOrganizationsParam -> orchestrator.GetAllOrganizationsResponse."""
    def register_function(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """FunctionService.RegisterFunction: orchestrator.NewFunction -> orchestrator.Function."""
    def get_function(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """FunctionService.GetFunction: orchestrator.GetFunctionParam -> orchestrator.Function."""
    def query_functions(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """FunctionService.QueryFunctions: orchestrator.QueryFunctionsParam -> orchestrator.QueryFunctionsResponse."""
    def update_function(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """FunctionService.UpdateFunction: orchestrator.UpdateFunctionParam -> orchestrator.UpdateFunctionResponse."""
    def register_data_manager(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataManagerService.RegisterDataManager: orchestrator.NewDataManager -> orchestrator.DataManager."""
    def get_data_manager(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataManagerService.GetDataManager: orchestrator.GetDataManagerParam -> orchestrator.DataManager."""
    def query_data_managers(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataManagerService.QueryDataManagers: orchestrator.QueryDataManagersParam -> orchestrator.QueryDataManagersResponse."""
    def update_data_manager(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataManagerService.UpdateDataManager: orchestrator.UpdateDataManagerParam -> orchestrator.UpdateDataManagerResponse."""
    def register_data_samples(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataSampleService.RegisterDataSamples: orchestrator.RegisterDataSamplesParam -> orchestrator.RegisterDataSamplesResponse."""
    def update_data_samples(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataSampleService.UpdateDataSamples: orchestrator.UpdateDataSamplesParam -> orchestrator.UpdateDataSamplesResponse."""
    def query_data_samples(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataSampleService.QueryDataSamples: orchestrator.QueryDataSamplesParam -> orchestrator.QueryDataSamplesResponse."""
    def get_data_sample(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DataSampleService.GetDataSample: orchestrator.GetDataSampleParam -> orchestrator.DataSample."""
    def get_dataset(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """DatasetService.GetDataset: orchestrator.GetDatasetParam -> orchestrator.Dataset."""
    def register_plan(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputePlanService.RegisterPlan: orchestrator.NewComputePlan -> orchestrator.ComputePlan."""
    def get_plan(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputePlanService.GetPlan: orchestrator.GetComputePlanParam -> orchestrator.ComputePlan."""
    def apply_plan_action(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputePlanService.ApplyPlanAction: orchestrator.ApplyPlanActionParam -> orchestrator.ApplyPlanActionResponse."""
    def query_plans(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputePlanService.QueryPlans: orchestrator.QueryPlansParam -> orchestrator.QueryPlansResponse."""
    def update_plan(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputePlanService.UpdatePlan: orchestrator.UpdateComputePlanParam -> orchestrator.UpdateComputePlanResponse."""
    def is_plan_running(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputePlanService.IsPlanRunning: orchestrator.IsPlanRunningParam -> orchestrator.IsPlanRunningResponse."""
    def register_tasks(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputeTaskService.RegisterTasks: orchestrator.RegisterTasksParam -> orchestrator.RegisterTasksResponse."""
    def query_tasks(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputeTaskService.QueryTasks: orchestrator.QueryTasksParam -> orchestrator.QueryTasksResponse."""
    def get_task(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputeTaskService.GetTask: orchestrator.GetTaskParam -> orchestrator.ComputeTask."""
    def apply_task_action(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputeTaskService.ApplyTaskAction: orchestrator.ApplyTaskActionParam -> orchestrator.ApplyTaskActionResponse."""
    def get_task_input_assets(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputeTaskService.GetTaskInputAssets: orchestrator.GetTaskInputAssetsParam -> orchestrator.GetTaskInputAssetsResponse."""
    def disable_output(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ComputeTaskService.DisableOutput: orchestrator.DisableOutputParam -> orchestrator.DisableOutputResponse."""
    def register_model(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ModelService.RegisterModel: orchestrator.NewModel -> orchestrator.Model."""
    def register_models(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ModelService.RegisterModels: orchestrator.RegisterModelsParam -> orchestrator.RegisterModelsResponse."""
    def get_model(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ModelService.GetModel: orchestrator.GetModelParam -> orchestrator.Model."""
    def get_compute_task_output_models(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """ModelService.GetComputeTaskOutputModels: orchestrator.GetComputeTaskModelsParam -> orchestrator.GetComputeTaskModelsResponse."""
    def register_performance(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """PerformanceService.RegisterPerformance: orchestrator.NewPerformance -> orchestrator.Performance."""
    def query_performances(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """PerformanceService.QueryPerformances: orchestrator.QueryPerformancesParam -> orchestrator.QueryPerformancesResponse."""
    def register_failure_report(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """FailureReportService.RegisterFailureReport: orchestrator.NewFailureReport -> orchestrator.FailureReport."""
    def get_failure_report(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """FailureReportService.GetFailureReport: orchestrator.GetFailureReportParam -> orchestrator.FailureReport."""
    def query_events(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """EventService.QueryEvents: orchestrator.QueryEventsParam -> orchestrator.QueryEventsResponse."""
    def query_version(self, request: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
        """InfoService.QueryVersion: orchestrator.QueryVersionParam -> orchestrator.QueryVersionResponse."""

class Scenario:
    name: str
    description: str
    seed: int
    channel: str
    path: str
    @property
    def organizations(self) -> List[str]: ...
    @staticmethod
    def load(path: PathLike) -> Scenario: ...
    @staticmethod
    def from_yaml(text: str, source: str = "<string>") -> Scenario: ...
    @staticmethod
    def from_dict(fields: Mapping[str, Any]) -> Scenario: ...

class RunResult:
    @property
    def scenario(self) -> Scenario: ...
    seed: int
    @property
    def plan_status(self) -> str: ...
    @property
    def tasks_by_status(self) -> Dict[str, int]: ...
    @property
    def task_count(self) -> int: ...
    @property
    def plan_running(self) -> bool: ...
    @property
    def performances(self) -> List[Dict[str, Any]]: ...
    @property
    def events(self) -> int: ...
    @property
    def api_calls(self) -> int: ...
    @property
    def failed_calls(self) -> int: ...
    @property
    def virtual_duration(self) -> float: ...
    @property
    def stop_reason(self) -> Optional[str]: ...
    @property
    def trace_hash(self) -> str: ...
    @property
    def unmet_expectations(self) -> List[str]: ...
    @property
    def expectations_met(self) -> bool: ...
    def summary(self) -> str: ...
    def summary_json(self) -> str: ...
    def write_report(self, directory: PathLike) -> None: ...
