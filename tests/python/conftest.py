"""Shared fixtures of the orc Python tests: a ledger on a manual clock and a
small federation registered through the API."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Dict, List

import pytest

import orc

REPOSITORY = Path(__file__).resolve().parents[2]
SCENARIOS = REPOSITORY / "scenarios"
CHECKSUM = "a" * 64


def new_key() -> str:
    return str(uuid.uuid4())


def address(name: str) -> Dict[str, str]:
    return {"checksum": CHECKSUM, "storage_address": f"http://storage.test/{name}"}


class Federation:
    """Three organisations: MyOrg1MSP owns the function and the plan,
    MyOrg2MSP has a data manager with two samples and trains."""

    def __init__(self, ledger: orc.Ledger) -> None:
        self.ledger = ledger
        self.org1 = ledger.as_org("MyOrg1MSP")
        self.org2 = ledger.as_org("MyOrg2MSP")
        self.org3 = ledger.as_org("MyOrg3MSP")
        for session in (self.org1, self.org2, self.org3):
            session.register_organization(address=f"http://{session.requester.lower()}.test")

        self.function = self.org1.register_function(
            key=new_key(),
            name="train",
            description=address("description"),
            function=address("archive"),
            new_permissions={"public": True},
            inputs={
                "opener": {"kind": "ASSET_DATA_MANAGER"},
                "datasamples": {"kind": "ASSET_DATA_SAMPLE", "multiple": True},
                "model": {"kind": "ASSET_MODEL", "optional": True},
            },
            outputs={"model": {"kind": "ASSET_MODEL"}, "score": {"kind": "ASSET_PERFORMANCE"}},
        )
        self.data_manager = self.org2.register_data_manager(
            key=new_key(),
            name="data of MyOrg2MSP",
            type="csv",
            description=address("dm-description"),
            opener=address("opener"),
            new_permissions={"public": True},
            logs_permission={"public": True},
        )
        self.samples = self.org2.register_data_samples(
            samples=[
                {"key": new_key(), "data_manager_keys": [self.data_manager["key"]], "checksum": CHECKSUM}
                for _ in range(2)
            ]
        )["data_samples"]
        self.plan = self.org1.register_plan(key=new_key(), name="plan", tag="test", metadata={"purpose": "tests"})

    def task_request(self, parent: str = "") -> Dict[str, object]:
        inputs: List[Dict[str, object]] = [{"identifier": "opener", "asset_key": self.data_manager["key"]}]
        inputs += [{"identifier": "datasamples", "asset_key": sample["key"]} for sample in self.samples]
        if parent:
            inputs.append(
                {"identifier": "model", "parent_task_output": {"parent_task_key": parent, "output_identifier": "model"}}
            )
        return {
            "key": new_key(),
            "function_key": self.function["key"],
            "compute_plan_key": self.plan["key"],
            "worker": "MyOrg2MSP",
            "inputs": inputs,
            "outputs": {
                "model": {"permissions": {"public": True}, "transient": True},
                "score": {"permissions": {"public": True}},
            },
        }

    def register_chain(self, length: int) -> List[Dict[str, object]]:
        """Register `length` train tasks, each one using the previous model."""
        tasks: List[Dict[str, object]] = []
        parent = ""
        for _ in range(length):
            request = self.task_request(parent)
            tasks.append(request)
            parent = str(request["key"])
        return self.org1.register_tasks(tasks=tasks)["tasks"]


@pytest.fixture
def ledger() -> orc.Ledger:
    return orc.open("memory", clock="manual")


@pytest.fixture
def federation(ledger: orc.Ledger) -> Federation:
    return Federation(ledger)


@pytest.fixture(scope="session")
def orcsim() -> str:
    """Path of the orcsim binary: $ORC_ORCSIM, or build/default/sim/orcsim."""
    path = os.environ.get("ORC_ORCSIM") or str(REPOSITORY / "build" / "default" / "sim" / "orcsim")
    if not os.access(path, os.X_OK):
        if os.environ.get("ORC_ORCSIM"):
            pytest.fail(f"ORC_ORCSIM={path} is not an executable")
        pytest.skip(f"orcsim not built at {path}: build the default preset or set ORC_ORCSIM")
    return path
