"""Every asset kind registered and read back through the bindings, with
plain Python values."""

from __future__ import annotations

import datetime

import pandas

import orc
from conftest import CHECKSUM, Federation, address, new_key


def test_version_and_rpc_list() -> None:
    assert orc.__version__.count(".") == 2
    methods = orc.rpc_methods()
    assert len(methods) == 37
    assert {"service": "ComputeTaskService", "method": "GetTask", "python_name": "get_task",
            "request": "orchestrator.GetTaskParam", "response": "orchestrator.ComputeTask",
            "read_only": True} in methods
    session = orc.open().as_org("MyOrg1MSP")
    for method in methods:
        assert callable(getattr(session, method["python_name"]))


def test_query_version(ledger: orc.Ledger) -> None:
    version = ledger.as_org("MyOrg1MSP").query_version()
    assert version == {"orchestrator": orc.__version__, "chaincode": ""}


def test_organizations(ledger: orc.Ledger) -> None:
    org1 = ledger.as_org("MyOrg1MSP")
    created = org1.register_organization({"address": "http://org1.test"})
    assert created["id"] == "MyOrg1MSP"
    assert created["address"] == "http://org1.test"
    assert created["creation_date"] == datetime.datetime(2023, 10, 18, tzinfo=datetime.timezone.utc)
    ledger.as_org("MyOrg2MSP").register_organization()
    listed = org1.get_all_organizations()["organizations"]
    assert [org["id"] for org in listed] == ["MyOrg1MSP", "MyOrg2MSP"]
    frame = pandas.DataFrame(listed)
    assert list(frame.columns) == ["id", "creation_date", "address"]


def test_manual_clock_stamps_assets(ledger: orc.Ledger) -> None:
    ledger.set_time("2024-01-02T03:04:05.000006Z")
    ledger.advance(60)
    created = ledger.as_org("MyOrg1MSP").register_organization()
    expected = datetime.datetime(2024, 1, 2, 3, 5, 5, 6, tzinfo=datetime.timezone.utc)
    assert created["creation_date"] == expected
    assert ledger.time() == expected
    assert ledger.clock == "manual"


def test_functions(federation: Federation) -> None:
    function = federation.org1.get_function(key=federation.function["key"])
    assert function == federation.function
    assert function["owner"] == "MyOrg1MSP"
    assert function["inputs"]["datasamples"] == {"kind": "ASSET_DATA_SAMPLE", "multiple": True, "optional": False}
    assert list(function["outputs"]) == ["model", "score"]
    federation.org1.update_function(key=function["key"], name="renamed")
    assert federation.org2.get_function(key=function["key"])["name"] == "renamed"
    queried = federation.org2.query_functions(filter={"compute_plan_key": ""})["Functions"]
    assert [item["key"] for item in queried] == [function["key"]]


def test_data_managers_samples_and_datasets(federation: Federation) -> None:
    key = federation.data_manager["key"]
    manager = federation.org2.get_data_manager(key=key)
    assert manager["owner"] == "MyOrg2MSP"
    assert manager["opener"] == address("opener")
    assert manager["permissions"]["process"] == {"public": True, "authorized_ids": ["MyOrg2MSP"]}
    federation.org2.update_data_manager(key=key, name="renamed")
    assert federation.org1.query_data_managers()["data_managers"][0]["name"] == "renamed"

    sample_keys = sorted(sample["key"] for sample in federation.samples)
    sample = federation.org2.get_data_sample(key=sample_keys[0])
    assert sample["data_manager_keys"] == [key]
    assert sample["checksum"] == CHECKSUM
    queried = federation.org1.query_data_samples(filter={"keys": sample_keys})["data_samples"]
    assert sorted(item["key"] for item in queried) == sample_keys

    other = federation.org2.register_data_manager(
        key=new_key(), name="second", type="csv", description=address("d2"), opener=address("o2"),
        new_permissions={"public": False, "authorized_ids": ["MyOrg1MSP"]}, logs_permission={"public": True})
    federation.org2.update_data_samples(keys=sample_keys, data_manager_keys=[other["key"]])
    dataset = federation.org2.get_dataset(key=other["key"])
    assert dataset["data_manager"]["key"] == other["key"]
    assert sorted(dataset["data_sample_keys"]) == sample_keys


def test_plans(federation: Federation) -> None:
    plan = federation.org1.get_plan(key=federation.plan["key"])
    assert plan["metadata"] == {"purpose": "tests"}
    assert plan["cancelation_date"] is None
    assert plan["failure_date"] is None
    federation.org1.update_plan(key=plan["key"], name="renamed")
    assert federation.org2.query_plans(filter={"owner": "MyOrg1MSP"})["plans"][0]["name"] == "renamed"
    assert federation.org1.is_plan_running(key=plan["key"]) == {"is_running": False}


def test_tasks_and_actions(federation: Federation) -> None:
    first, second = federation.register_chain(2)
    assert first["status"] == "STATUS_TODO"
    assert second["status"] == "STATUS_WAITING"
    assert second["inputs"][-1] == {
        "identifier": "model",
        "parent_task_output": {"parent_task_key": first["key"], "output_identifier": "model"},
    }
    assert "asset_key" not in second["inputs"][-1]

    org2 = federation.org2
    org2.apply_task_action(compute_task_key=first["key"], action="TASK_ACTION_DOING")
    assert org2.get_task(key=first["key"])["status"] == "STATUS_DOING"
    assert federation.org1.is_plan_running(key=federation.plan["key"]) == {"is_running": True}
    inputs = org2.get_task_input_assets(compute_task_key=first["key"])["assets"]
    assert [asset["identifier"] for asset in inputs] == ["opener", "datasamples", "datasamples"]
    assert "data_manager" in inputs[0]
    assert "data_sample" in inputs[1]

    todo = org2.query_tasks(filter={"status": "STATUS_DOING", "worker": "MyOrg2MSP"})["tasks"]
    assert [task["key"] for task in todo] == [first["key"]]
    frame = pandas.DataFrame(org2.query_tasks(page_size=10)["tasks"])
    assert len(frame) == 2
    assert set(frame["status"]) == {"STATUS_DOING", "STATUS_WAITING"}


def test_models_performances_and_outputs(federation: Federation) -> None:
    first, second = federation.register_chain(2)
    org2 = federation.org2
    org2.apply_task_action(compute_task_key=first["key"], action=1)  # TASK_ACTION_DOING by number
    model_key = new_key()
    models = org2.register_models(models=[{
        "key": model_key, "compute_task_key": first["key"], "compute_task_output_identifier": "model",
        "address": address("model")}])["models"]
    assert models[0]["key"] == model_key
    assert org2.get_model(key=model_key)["owner"] == "MyOrg2MSP"
    performance = org2.register_performance(
        compute_task_key=first["key"], compute_task_output_identifier="score", performance_value=0.75)
    assert performance["performance_value"] == 0.75
    org2.apply_task_action(compute_task_key=first["key"], action="TASK_ACTION_DONE")
    assert org2.get_task(key=second["key"])["status"] == "STATUS_TODO"
    assert [m["key"] for m in org2.get_compute_task_output_models(compute_task_key=first["key"])["models"]] == [
        model_key]
    performances = org2.query_performances(filter={"compute_task_key": first["key"]})["Performances"]
    assert [p["performance_value"] for p in performances] == [0.75]

    # The second task consumes the model; once it is done the model may be disabled.
    org2.apply_task_action(compute_task_key=second["key"], action="TASK_ACTION_DOING")
    org2.register_model(key=new_key(), compute_task_key=second["key"], compute_task_output_identifier="model",
                        address=address("model-2"))
    org2.apply_task_action(compute_task_key=second["key"], action="TASK_ACTION_DONE")
    org2.disable_output(compute_task_key=first["key"], identifier="model")
    disabled = org2.get_model(key=model_key)
    assert disabled["address"] is None


def test_failure_reports(federation: Federation) -> None:
    (task,) = federation.register_chain(1)
    org2 = federation.org2
    org2.apply_task_action(compute_task_key=task["key"], action="TASK_ACTION_DOING")
    report = org2.register_failure_report(
        compute_task_key=task["key"], error_type="ERROR_TYPE_EXECUTION", logs_address=address("logs"))
    assert report["owner"] == "MyOrg2MSP"
    assert org2.get_failure_report(compute_task_key=task["key"]) == report
    assert org2.get_task(key=task["key"])["status"] == "STATUS_FAILED"
    assert federation.org1.get_plan(key=federation.plan["key"])["failure_date"] is not None


def test_generic_call_matches_method(federation: Federation) -> None:
    key = federation.function["key"]
    assert federation.org1.call("GetFunction", {"key": key}) == federation.org1.get_function(key=key)
    assert federation.org1.call("get_function", key=key) == federation.org1.get_function({"key": key})


def test_channels_are_separate(ledger: orc.Ledger) -> None:
    ledger.as_org("MyOrg1MSP", channel="one").register_organization()
    assert ledger.as_org("MyOrg1MSP", channel="two").get_all_organizations() == {"organizations": []}
    session = ledger.as_org("MyOrg1MSP", channel="one")
    assert (session.requester, session.channel) == ("MyOrg1MSP", "one")
