"""Wire compatibility from a second language.

A Python client, generated from the repository's proto/ with grpcio-tools,
drives a running orchestrator server: reflection, health, a two-task plan
driven to DONE, events, and error statuses.

Usage: python_client.py ADDRESS GENERATED_DIR
"""

import sys
import unittest
import uuid

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

ADDRESS = sys.argv[1]
sys.path.insert(0, sys.argv[2])

import common_pb2  # noqa: E402
import computeplan_pb2  # noqa: E402
import computeplan_pb2_grpc  # noqa: E402
import computetask_pb2  # noqa: E402
import computetask_pb2_grpc  # noqa: E402
import datamanager_pb2  # noqa: E402
import datamanager_pb2_grpc  # noqa: E402
import datasample_pb2  # noqa: E402
import datasample_pb2_grpc  # noqa: E402
import event_pb2  # noqa: E402
import event_pb2_grpc  # noqa: E402
import function_pb2  # noqa: E402
import function_pb2_grpc  # noqa: E402
import model_pb2  # noqa: E402
import model_pb2_grpc  # noqa: E402
import organization_pb2  # noqa: E402
import organization_pb2_grpc  # noqa: E402

CHECKSUM = "a3f9c0d1e2b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8"
ORG1 = "MyOrg1MSP"
ORG2 = "MyOrg2MSP"

API_SERVICES = {
    "orchestrator." + name
    for name in (
        "OrganizationService", "FunctionService", "DataManagerService", "DataSampleService",
        "DatasetService", "ComputePlanService", "ComputeTaskService", "ModelService",
        "PerformanceService", "FailureReportService", "EventService", "InfoService",
    )
}


def addressable(kind, key):
    return common_pb2.Addressable(checksum=CHECKSUM, storage_address=f"http://somewhere.local/{kind}/{key}")


def public():
    return common_pb2.NewPermissions(public=True)


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rpc = grpc.insecure_channel(ADDRESS)
        # Every test gets a channel of its own on the shared server.
        cls.run_id = uuid.uuid4().hex[:8]

    def headers(self, org, channel=None):
        return (("mspid", org), ("channel", channel or f"python-{self.run_id}-{self._testMethodName}"))

    def test_reflection_lists_services(self):
        stub = reflection_pb2_grpc.ServerReflectionStub(self.rpc)
        responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = {service.name for response in responses for service in response.list_services_response.service}
        self.assertTrue(API_SERVICES <= names, f"missing: {sorted(API_SERVICES - names)}")
        self.assertIn("grpc.health.v1.Health", names)

    def test_health_is_serving(self):
        stub = health_pb2_grpc.HealthStub(self.rpc)
        response = stub.Check(health_pb2.HealthCheckRequest(service=""))
        self.assertEqual(response.status, health_pb2.HealthCheckResponse.SERVING)

    def test_missing_mspid_is_failed_precondition(self):
        stub = organization_pb2_grpc.OrganizationServiceStub(self.rpc)
        with self.assertRaises(grpc.RpcError) as raised:
            stub.GetAllOrganizations(organization_pb2.GetAllOrganizationsParam(), metadata=(("channel", "c"),))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn("OE0003", raised.exception.details())

    def test_unknown_task_is_not_found(self):
        stub = computetask_pb2_grpc.ComputeTaskServiceStub(self.rpc)
        key = str(uuid.uuid4())
        with self.assertRaises(grpc.RpcError) as raised:
            stub.GetTask(computetask_pb2.GetTaskParam(key=key), metadata=self.headers(ORG1))
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertTrue(raised.exception.details().startswith("OE0002: "), raised.exception.details())
        self.assertIn(key, raised.exception.details())

    def test_plan_runs_to_done(self):
        organizations = organization_pb2_grpc.OrganizationServiceStub(self.rpc)
        functions = function_pb2_grpc.FunctionServiceStub(self.rpc)
        data_managers = datamanager_pb2_grpc.DataManagerServiceStub(self.rpc)
        data_samples = datasample_pb2_grpc.DataSampleServiceStub(self.rpc)
        plans = computeplan_pb2_grpc.ComputePlanServiceStub(self.rpc)
        tasks = computetask_pb2_grpc.ComputeTaskServiceStub(self.rpc)
        models = model_pb2_grpc.ModelServiceStub(self.rpc)
        events = event_pb2_grpc.EventServiceStub(self.rpc)
        as_org1 = self.headers(ORG1)
        as_org2 = self.headers(ORG2)

        for headers in (as_org1, as_org2):
            organizations.RegisterOrganization(organization_pb2.RegisterOrganizationParam(), metadata=headers)
        registered = organizations.GetAllOrganizations(organization_pb2.GetAllOrganizationsParam(), metadata=as_org1)
        self.assertEqual([o.id for o in registered.organizations], [ORG1, ORG2])

        function_key = str(uuid.uuid4())
        function = functions.RegisterFunction(
            function_pb2.NewFunction(
                key=function_key,
                name="train",
                description=addressable("description", function_key),
                function=addressable("function", function_key),
                new_permissions=public(),
                inputs={
                    "opener": function_pb2.FunctionInput(kind=common_pb2.ASSET_DATA_MANAGER),
                    "datasamples": function_pb2.FunctionInput(kind=common_pb2.ASSET_DATA_SAMPLE, multiple=True),
                    "model": function_pb2.FunctionInput(kind=common_pb2.ASSET_MODEL, multiple=True, optional=True),
                },
                outputs={"model": function_pb2.FunctionOutput(kind=common_pb2.ASSET_MODEL)},
            ),
            metadata=as_org1,
        )
        self.assertEqual(function.owner, ORG1)

        manager_key = str(uuid.uuid4())
        data_managers.RegisterDataManager(
            datamanager_pb2.NewDataManager(
                key=manager_key,
                name="mnist",
                new_permissions=public(),
                description=addressable("description", manager_key),
                opener=addressable("opener", manager_key),
                type="test",
                logs_permission=public(),
            ),
            metadata=as_org2,
        )
        sample_key = str(uuid.uuid4())
        data_samples.RegisterDataSamples(
            datasample_pb2.RegisterDataSamplesParam(
                samples=[datasample_pb2.NewDataSample(key=sample_key, data_manager_keys=[manager_key], checksum=CHECKSUM)]
            ),
            metadata=as_org2,
        )

        plan_key = str(uuid.uuid4())
        plans.RegisterPlan(computeplan_pb2.NewComputePlan(key=plan_key, name="python plan"), metadata=as_org1)

        def train_task(key, parent=None):
            inputs = [
                computetask_pb2.ComputeTaskInput(identifier="opener", asset_key=manager_key),
                computetask_pb2.ComputeTaskInput(identifier="datasamples", asset_key=sample_key),
            ]
            if parent:
                inputs.append(
                    computetask_pb2.ComputeTaskInput(
                        identifier="model",
                        parent_task_output=computetask_pb2.ParentTaskOutputRef(
                            parent_task_key=parent, output_identifier="model"
                        ),
                    )
                )
            return computetask_pb2.NewComputeTask(
                key=key,
                function_key=function_key,
                compute_plan_key=plan_key,
                inputs=inputs,
                outputs={"model": computetask_pb2.NewComputeTaskOutput(permissions=public())},
            )

        first, second = str(uuid.uuid4()), str(uuid.uuid4())
        response = tasks.RegisterTasks(
            computetask_pb2.RegisterTasksParam(tasks=[train_task(first), train_task(second, parent=first)]),
            metadata=as_org1,
        )
        statuses = {task.key: task.status for task in response.tasks}
        self.assertEqual(statuses[first], computetask_pb2.STATUS_TODO)
        self.assertEqual(statuses[second], computetask_pb2.STATUS_WAITING)
        self.assertEqual({task.worker for task in response.tasks}, {ORG2})

        for key in (first, second):
            tasks.ApplyTaskAction(
                computetask_pb2.ApplyTaskActionParam(compute_task_key=key, action=computetask_pb2.TASK_ACTION_DOING),
                metadata=as_org2,
            )
            model_key = str(uuid.uuid4())
            models.RegisterModel(
                model_pb2.NewModel(
                    key=model_key,
                    compute_task_key=key,
                    compute_task_output_identifier="model",
                    address=addressable("model", model_key),
                ),
                metadata=as_org2,
            )
            tasks.ApplyTaskAction(
                computetask_pb2.ApplyTaskActionParam(compute_task_key=key, action=computetask_pb2.TASK_ACTION_DONE),
                metadata=as_org2,
            )

        for key in (first, second):
            task = tasks.GetTask(computetask_pb2.GetTaskParam(key=key), metadata=as_org1)
            self.assertEqual(task.status, computetask_pb2.STATUS_DONE, key)
        plan = plans.GetPlan(computeplan_pb2.GetComputePlanParam(key=plan_key), metadata=as_org1)
        self.assertEqual(plan.key, plan_key)
        running = plans.IsPlanRunning(computeplan_pb2.IsPlanRunningParam(key=plan_key), metadata=as_org1)
        self.assertFalse(running.is_running)

        # A start of a finished task is a clean OE0003.
        with self.assertRaises(grpc.RpcError) as raised:
            tasks.ApplyTaskAction(
                computetask_pb2.ApplyTaskActionParam(compute_task_key=first, action=computetask_pb2.TASK_ACTION_DOING),
                metadata=as_org2,
            )
        self.assertEqual(raised.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn("OE0003", raised.exception.details())

        # Events: QueryEvents pages, and the subscription replays the same
        # events in emission order.
        task_events = events.QueryEvents(
            event_pb2.QueryEventsParam(
                page_size=100, filter=event_pb2.EventQueryFilter(asset_key=first, asset_kind=common_pb2.ASSET_COMPUTE_TASK)
            ),
            metadata=as_org1,
        )
        kinds = [event.event_kind for event in task_events.events]
        self.assertEqual(kinds, [event_pb2.EVENT_ASSET_CREATED, event_pb2.EVENT_ASSET_UPDATED, event_pb2.EVENT_ASSET_UPDATED])
        self.assertEqual(task_events.events[-1].compute_task.status, computetask_pb2.STATUS_DONE)

        every_event = []
        page_token = ""
        while True:
            page = events.QueryEvents(event_pb2.QueryEventsParam(page_size=5, page_token=page_token), metadata=as_org1)
            every_event.extend(page.events)
            page_token = page.next_page_token
            if not page_token:
                break
        # 2 organisations, function, data manager, sample, plan, 2 tasks
        # created, then per task: DOING, model, output asset, DONE, plus the
        # second task's WAITING -> TODO.
        self.assertEqual(len(every_event), 8 + 2 * 4 + 1)

        stream = events.SubscribeToEvents(event_pb2.SubscribeToEventsParam(), metadata=as_org2)
        streamed = []
        for event in stream:
            streamed.append(event)
            if len(streamed) == len(every_event):
                stream.cancel()
                break
        self.assertEqual(sorted(e.id for e in streamed), sorted(e.id for e in every_event))
        self.assertTrue(all(event.channel == as_org1[1][1] for event in streamed))
        self.assertEqual(streamed[0].organization.id, ORG1)
        created = [event.asset_key for event in streamed if event.asset_kind == common_pb2.ASSET_COMPUTE_TASK
                   and event.event_kind == event_pb2.EVENT_ASSET_CREATED]
        self.assertEqual(created, [first, second])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
