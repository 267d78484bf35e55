"""Ledgers on an orchestrator server (grpc://) and on PostgreSQL
(postgres://): the same calls, errors and scenario runs as in memory.

The server tests start the `orchestrator` binary ($ORC_ORCHESTRATOR, or
build/default/server/orchestrator) on a free loopback port. The PostgreSQL
tests need $ORC_TEST_POSTGRES_URL (scripts/test starts a private cluster and
sets it) and create a database of their own there."""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

import orc
from conftest import REPOSITORY, SCENARIOS, Federation, address, new_key

# How long the server may take to write its ready file. A start-up wait,
# not a measurement: a slow machine only makes it wait longer.
SERVER_START_TIMEOUT = 60


def unique_channel() -> str:
    return "channel-" + uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start an orchestrator on 127.0.0.1 with a memory store and return
    its grpc:// target; stop it with SIGTERM afterwards."""
    binary = os.environ.get("ORC_ORCHESTRATOR") or str(REPOSITORY / "build" / "default" / "server" / "orchestrator")
    if not os.access(binary, os.X_OK):
        if os.environ.get("ORC_ORCHESTRATOR"):
            pytest.fail(f"ORC_ORCHESTRATOR={binary} is not an executable")
        pytest.skip(f"orchestrator not built at {binary}: build the default preset or set ORC_ORCHESTRATOR")

    folder = tmp_path_factory.mktemp("server")
    ready_file = folder / "ready"
    log = (folder / "log").open("w")
    process = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--ready-file", str(ready_file), "--log-level", "warn"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not ready_file.exists():
            if process.poll() is not None:
                pytest.fail(f"orchestrator exited with {process.returncode}: {(folder / 'log').read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"orchestrator wrote no ready file within {SERVER_START_TIMEOUT} s")
            time.sleep(0.05)
        yield "grpc://" + ready_file.read_text().strip()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            log.close()
    assert returncode == 0, (folder / "log").read_text()


def drive_task_to_done(federation: Federation) -> dict:
    """Register one train task and take it through DOING to DONE with a
    model and a performance; return the finished task."""
    (task,) = federation.register_chain(1)
    org2 = federation.org2
    org2.apply_task_action(compute_task_key=task["key"], action="TASK_ACTION_DOING")
    org2.register_model(key=new_key(), compute_task_key=task["key"], compute_task_output_identifier="model",
                        address=address("model"))
    org2.register_performance(compute_task_key=task["key"], compute_task_output_identifier="score",
                              performance_value=0.5)
    org2.apply_task_action(compute_task_key=task["key"], action="TASK_ACTION_DONE")
    return org2.get_task(key=task["key"])


def check_federation_calls(ledger: orc.Ledger) -> None:
    """Register a federation on `ledger`, finish a task, read the events
    and check that core errors arrive as their Python exceptions."""
    federation = Federation(ledger)
    organizations = federation.org1.get_all_organizations()["organizations"]
    assert sorted(o["id"] for o in organizations) == ["MyOrg1MSP", "MyOrg2MSP", "MyOrg3MSP"]

    task = drive_task_to_done(federation)
    assert task["status"] == "STATUS_DONE"
    assert federation.org1.is_plan_running(key=federation.plan["key"]) == {"is_running": False}
    performances = federation.org1.query_performances(filter={"compute_task_key": task["key"]})["Performances"]
    assert [p["performance_value"] for p in performances] == [0.5]

    events = list(federation.org1.events(page_size=4))
    kinds = [(e["asset_kind"], e["event_kind"]) for e in events]
    # 3 organisations, the function, the data manager, 2 samples, the plan.
    assert len([k for k in kinds if k[1] == "EVENT_ASSET_CREATED"]) >= 8
    task_updates = [e for e in events if e["asset_kind"] == "ASSET_COMPUTE_TASK"]
    assert task_updates[0]["event_kind"] == "EVENT_ASSET_CREATED"
    assert task_updates[-1]["compute_task"]["status"] == "STATUS_DONE"
    assert [e["id"] for e in federation.org1.read_events(after=events[1]["id"], limit=2)["events"]] == [
        e["id"] for e in events[2:4]]

    with pytest.raises(orc.NotFoundError, match="OE0002"):
        federation.org1.get_task(key=new_key())
    with pytest.raises(orc.NotFoundError):
        federation.org1.read_events(after=new_key())
    with pytest.raises(orc.PermissionDeniedError):
        federation.org3.apply_task_action(compute_task_key=task["key"], action="TASK_ACTION_CANCELED")


def test_grpc_calls_errors_and_events(server: str) -> None:
    ledger = orc.open(server, channel=unique_channel())
    assert ledger.target == server
    assert ledger.clock == "remote"
    check_federation_calls(ledger)


def test_grpc_channels_are_separate(server: str) -> None:
    first = orc.open(server, channel=unique_channel())
    first.as_org("MyOrg1MSP").register_organization(address="http://org1.test")
    second = orc.open(server, channel=unique_channel())
    assert second.as_org("MyOrg1MSP").get_all_organizations()["organizations"] == []
    assert len(first.as_org("MyOrg2MSP").get_all_organizations()["organizations"]) == 1


def test_grpc_clock_is_remote(server: str) -> None:
    with pytest.raises(ValueError, match=r'clock="manual" needs an in-process target'):
        orc.open(server, clock="manual")
    ledger = orc.open(server)
    with pytest.raises(ValueError, match="keeps its own time"):
        ledger.time()
    with pytest.raises(ValueError, match="keeps its own time"):
        ledger.set_time("2024-01-01T00:00:00Z")
    with pytest.raises(ValueError, match="not manual"):
        ledger.advance(1)


def test_grpc_scenario_trace_equals_memory(server: str) -> None:
    path = SCENARIOS / "mnist-fedavg.yaml"
    in_memory = orc.run_scenario(path)
    ledger = orc.open(server)
    channel = unique_channel()
    remote = ledger.run_scenario(path, channel=channel)
    assert remote.trace_hash == in_memory.trace_hash
    assert remote.plan_status == in_memory.plan_status == "done"
    assert remote.expectations_met, remote.unmet_expectations
    # The run's assets stay on the server, in the run's channel only.
    assert len(ledger.as_org("MyOrg1MSP", channel=channel).get_all_organizations()["organizations"]) == 3
    assert ledger.as_org("MyOrg1MSP").get_all_organizations()["organizations"] == []


def test_grpc_unreachable_server_raises_unavailable() -> None:
    # A bound socket that does not listen: connections to it are refused.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        ledger = orc.open(f"grpc://127.0.0.1:{port}")
        with pytest.raises(orc.UnavailableError):
            ledger.as_org("MyOrg1MSP").get_all_organizations()


def test_target_option_errors(tmp_path: Path) -> None:
    for target in ("grpc://", "grpc://127.0.0.1", "grpc://127.0.0.1:9000/path"):
        with pytest.raises(orc.TargetError, match="expected grpc://HOST:PORT"):
            orc.open(target)
    with pytest.raises(orc.TargetError, match="cannot read"):
        orc.open("grpc://127.0.0.1:9000", tls_ca=str(tmp_path / "missing-ca.pem"))
    with pytest.raises(ValueError, match="tls_ca applies to grpc:// targets only"):
        orc.open("memory", tls_ca="ca.pem")
    with pytest.raises(ValueError, match="tls_server_name applies to grpc:// targets only"):
        orc.open("postgres://localhost/orc", tls_server_name="orchestrator")
    with pytest.raises(ValueError, match="reset_database applies to postgres://"):
        orc.open("grpc://127.0.0.1:9000", reset_database=True)
    with pytest.raises(ValueError, match="reset_database applies to postgres://"):
        orc.open("memory", reset_database=True)


def test_unreachable_database_raises_target_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        with pytest.raises(orc.TargetError):
            orc.open(f"postgresql://orc@127.0.0.1:{port}/orc")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, empty database in the cluster of
    $ORC_TEST_POSTGRES_URL, dropped afterwards."""
    base = os.environ.get("ORC_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("ORC_TEST_POSTGRES_URL is not set: scripts/test sets it to a private PostgreSQL cluster")
    psql = shutil.which("psql")
    if psql is None:
        pytest.fail("ORC_TEST_POSTGRES_URL is set but psql is not installed")
    name = "orc_python_" + uuid.uuid4().hex[:12]
    subprocess.run([psql, base, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    parts = urlsplit(base)
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        subprocess.run([psql, base, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"DROP DATABASE {name} WITH (FORCE)"],
                       check=True)


def test_postgres_calls_errors_and_events(postgres_url: str) -> None:
    ledger = orc.open(postgres_url, clock="manual")
    assert ledger.clock == "manual"
    check_federation_calls(ledger)
    # Transactions are stamped with the ledger's manual time.
    ledger.set_time("2024-05-01T12:00:00Z")
    organization = ledger.as_org("MyOrg4MSP").register_organization(address="http://org4.test")
    assert organization["creation_date"] == datetime.datetime(2024, 5, 1, 12, tzinfo=datetime.timezone.utc)


def test_postgres_keeps_data_until_reset(postgres_url: str) -> None:
    first = orc.open(postgres_url)
    first.as_org("MyOrg1MSP").register_organization(address="http://org1.test")
    del first

    reopened = orc.open(postgres_url)
    assert [o["id"] for o in reopened.as_org("MyOrg2MSP").get_all_organizations()["organizations"]] == ["MyOrg1MSP"]
    with pytest.raises(orc.TargetError, match=r'already contains data of channel "mychannel".*reset_database=True'):
        reopened.run_scenario(SCENARIOS / "mnist-fedavg.yaml")
    del reopened

    reset = orc.open(postgres_url, reset_database=True)
    assert reset.as_org("MyOrg1MSP").get_all_organizations()["organizations"] == []


def test_postgres_scenario_trace_equals_memory(postgres_url: str) -> None:
    path = SCENARIOS / "mnist-fedavg.yaml"
    in_memory = orc.run_scenario(path)
    ledger = orc.open(postgres_url)
    result = ledger.run_scenario(path)
    assert result.trace_hash == in_memory.trace_hash
    assert result.expectations_met, result.unmet_expectations
    assert len(ledger.as_org("MyOrg1MSP").get_all_organizations()["organizations"]) == 3
