"""Core errors become orc.OrcError subclasses with the kind, the code and the
message; bad Python values become TypeError or ValueError naming the field."""

from __future__ import annotations

import datetime

import pytest

import orc
from conftest import Federation, address, new_key


def test_error_classes_match_core_kinds() -> None:
    kinds = orc.error_kinds()
    assert len(kinds) == 15
    for kind in kinds:
        cls = orc._errors.ERROR_CLASSES[kind["kind"]]
        assert issubclass(cls, orc.OrcError)
        assert (cls.code, cls.grpc_status) == (kind["code"], kind["grpc_status"])
    assert len(orc._errors.ERROR_CLASSES) == len(kinds)


@pytest.mark.parametrize("kind", [kind["kind"] for kind in orc.error_kinds()])
def test_every_kind_raises_its_class(kind: str) -> None:
    cls = orc._errors.ERROR_CLASSES[kind]
    with pytest.raises(cls) as raised:
        orc._orc._raise_core_error(kind, "detail of the error")
    error = raised.value
    assert error.kind == kind
    assert error.message == f"{cls.code}: detail of the error"
    assert str(error) == error.message
    assert isinstance(error, orc.OrcError)


def expect(cls: type, code: str, text: str, call, *args, **kwargs) -> orc.OrcError:
    with pytest.raises(cls) as raised:
        call(*args, **kwargs)
    error = raised.value
    assert error.code == code
    assert error.message.startswith(code + ": ")
    assert text in error.message
    return error


def test_not_found(ledger: orc.Ledger) -> None:
    key = new_key()
    error = expect(orc.NotFoundError, "OE0002", key, ledger.as_org("MyOrg1MSP").get_task, key=key)
    assert error.kind == "ErrNotFound"
    assert error.grpc_status == 5


def test_conflict(ledger: orc.Ledger) -> None:
    org1 = ledger.as_org("MyOrg1MSP")
    org1.register_organization()
    expect(orc.ConflictError, "OE0006", "MyOrg1MSP", org1.register_organization)


def test_invalid_asset_names_field(federation: Federation) -> None:
    expect(orc.InvalidAssetError, "OE0101", "checksum", federation.org1.register_function,
           key=new_key(), name="bad", description={"checksum": "xyz", "storage_address": "http://a.test/d"},
           function=address("f"), new_permissions={"public": True})


def test_permission_denied_names_organization(federation: Federation) -> None:
    (task,) = federation.register_chain(1)
    expect(orc.PermissionDeniedError, "OE0102", "MyOrg3MSP", federation.org3.apply_task_action,
           compute_task_key=task["key"], action="TASK_ACTION_DOING")


def test_bad_request_on_invalid_transition(federation: Federation) -> None:
    (task,) = federation.register_chain(1)
    expect(orc.BadRequestError, "OE0003", "STATUS_TODO", federation.org2.apply_task_action,
           compute_task_key=task["key"], action="TASK_ACTION_DONE")


def test_incompatible_task_status(federation: Federation) -> None:
    (task,) = federation.register_chain(1)
    federation.org2.apply_task_action(compute_task_key=task["key"], action="TASK_ACTION_CANCELED")
    child = federation.task_request(parent=str(task["key"]))
    expect(orc.IncompatibleTaskStatusError, "OE0104", "STATUS_CANCELED", federation.org1.register_tasks,
           tasks=[child])


def test_missing_output_and_incompatible_kind(federation: Federation) -> None:
    (task,) = federation.register_chain(1)
    org2 = federation.org2
    org2.apply_task_action(compute_task_key=task["key"], action="TASK_ACTION_DOING")
    expect(orc.MissingTaskOutputError, "OE0106", "nothing", org2.register_models, models=[{
        "key": new_key(), "compute_task_key": task["key"], "compute_task_output_identifier": "nothing",
        "address": address("m")}])
    expect(orc.IncompatibleKindError, "OE0107", "score", org2.register_models, models=[{
        "key": new_key(), "compute_task_key": task["key"], "compute_task_output_identifier": "score",
        "address": address("m")}])


def test_cannot_disable_output(federation: Federation) -> None:
    (task,) = federation.register_chain(1)
    expect(orc.CannotDisableOutputError, "OE0108", "not in final state", federation.org2.disable_output,
           compute_task_key=task["key"], identifier="model")


def test_unimplemented_and_terminated_plan(federation: Federation) -> None:
    plan_key = federation.plan["key"]
    expect(orc.UnimplementedError, "OE0010", "PLAN_ACTION_UNKNOWN", federation.org1.apply_plan_action,
           key=plan_key, action="PLAN_ACTION_UNKNOWN")
    federation.org1.apply_plan_action(key=plan_key, action="PLAN_ACTION_CANCELED")
    expect(orc.TerminatedComputePlanError, "OE0109", plan_key, federation.org1.apply_plan_action,
           key=plan_key, action="PLAN_ACTION_CANCELED")


def test_failed_call_changes_nothing(federation: Federation) -> None:
    events = len(list(federation.org1.events()))
    with pytest.raises(orc.InvalidAssetError):
        federation.org1.register_tasks(tasks=[federation.task_request(), {"key": "not a uuid"}])
    assert federation.org1.query_tasks()["tasks"] == []
    assert len(list(federation.org1.events())) == events


def test_unknown_field_is_value_error(ledger: orc.Ledger) -> None:
    session = ledger.as_org("MyOrg1MSP")
    with pytest.raises(ValueError, match=r'GetTask request: orchestrator.GetTaskParam has no field "kee" \(fields: key\)'):
        session.get_task(kee="x")
    with pytest.raises(ValueError, match=r'RegisterTasks request field tasks\[0\]: .* has no field "nope"'):
        session.register_tasks(tasks=[{"nope": 1}])


def test_wrong_types_are_type_errors(ledger: orc.Ledger) -> None:
    session = ledger.as_org("MyOrg1MSP")
    with pytest.raises(TypeError, match="GetTask request field key: expected str, got int"):
        session.get_task(key=3)
    with pytest.raises(TypeError, match=r"QueryTasks request field page_size: expected int, got str"):
        session.query_tasks(page_size="10")
    with pytest.raises(TypeError, match=r"RegisterTasks request field tasks: expected list, got dict"):
        session.register_tasks(tasks={})
    with pytest.raises(TypeError, match=r"RegisterFunction request field new_permissions.public: expected bool, got str"):
        session.register_function(new_permissions={"public": "yes"})
    with pytest.raises(TypeError, match=r"get_task\(\): pass the request as a dict or as keyword arguments, not both"):
        session.get_task({"key": "a"}, key="b")


def test_out_of_range_and_enum_errors(ledger: orc.Ledger) -> None:
    session = ledger.as_org("MyOrg1MSP")
    with pytest.raises(ValueError, match=r"page_size: -1 is out of range \[0, 4294967295\]"):
        session.query_tasks(page_size=-1)
    with pytest.raises(ValueError, match=r'"TASK_ACTION_GO" is not a value of orchestrator.ComputeTaskAction'):
        session.apply_task_action(compute_task_key=new_key(), action="TASK_ACTION_GO")
    with pytest.raises(ValueError, match=r"99 is not a value of orchestrator.ComputeTaskAction"):
        session.apply_task_action(compute_task_key=new_key(), action=99)


def test_unsupported_targets_and_options() -> None:
    supported = '"memory", "postgres://...", "postgresql://...", "grpc://..."'
    for target in ("memory://", "", "http://127.0.0.1:9000", "GRPC://127.0.0.1:9000"):
        with pytest.raises(ValueError, match=f'unsupported target "{target}": this build of orc opens {supported}'):
            orc.open(target)
    with pytest.raises(ValueError, match='invalid clock "wall"'):
        orc.open("memory", clock="wall")
    with pytest.raises(ValueError, match="channel must not be empty"):
        orc.open("memory", channel="")
    with pytest.raises(ValueError, match="requester MSP ID must not be empty"):
        orc.open().as_org("")


def test_clock_errors(ledger: orc.Ledger) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        ledger.set_time(datetime.datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="not an RFC 3339 time"):
        ledger.set_time("yesterday")
    with pytest.raises(ValueError, match="not be negative"):
        ledger.advance(-1)
    with pytest.raises(ValueError, match="not manual"):
        orc.open().advance(1)


def test_unknown_rpc_name(ledger: orc.Ledger) -> None:
    with pytest.raises(ValueError, match='unknown RPC "GetTasks"'):
        ledger.as_org("MyOrg1MSP").call("GetTasks")
