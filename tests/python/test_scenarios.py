"""Scenario runs from Python: the same seed semantics and trace hash as
`orcsim run`, dict and YAML scenarios, runs against a ledger, Ctrl-C."""

from __future__ import annotations

import _thread
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Dict, List

import pandas
import pytest

import orc
from conftest import SCENARIOS


def orcsim_run(orcsim: str, scenario: Path, *extra: str) -> Dict[str, str]:
    """Run orcsim and return the fields of its summary ("trace hash", ...)."""
    completed = subprocess.run([orcsim, "run", str(scenario), "--quiet", *extra], capture_output=True, text=True,
                               check=False)
    assert completed.returncode in (0, 1), completed.stderr
    fields = {}
    for line in completed.stdout.splitlines():
        if line[:1].isalpha() and "  " in line:
            name, value = line.split("  ", 1)
            fields[name.strip()] = value.strip()
    return fields


@pytest.mark.parametrize("name", ["mnist-fedavg", "cyclic", "composite", "failure-cascade", "cancel-plan"])
def test_trace_hash_matches_orcsim(orcsim: str, name: str) -> None:
    path = SCENARIOS / f"{name}.yaml"
    result = orc.run_scenario(path)
    assert orcsim_run(orcsim, path)["trace hash"] == result.trace_hash
    assert result.expectations_met, result.unmet_expectations


@pytest.mark.parametrize("seed", [0, 7, 2**63 - 1])
def test_seed_overrides_like_orcsim(orcsim: str, seed: int) -> None:
    path = SCENARIOS / "failure-cascade.yaml"
    result = orc.run_scenario(str(path), seed=seed)
    assert result.seed == seed
    assert orcsim_run(orcsim, path, "--seed", str(seed))["trace hash"] == result.trace_hash


def test_trace_file_equals_orcsim_trace(orcsim: str, tmp_path: Path) -> None:
    path = SCENARIOS / "cancel-plan.yaml"
    orcsim_run(orcsim, path, "--trace", str(tmp_path / "orcsim.trace"))
    lines: List[str] = []
    orc.run_scenario(path, trace=tmp_path / "python.trace")
    orc.run_scenario(path, trace=lines.append)
    expected = (tmp_path / "orcsim.trace").read_text()
    assert (tmp_path / "python.trace").read_text() == expected
    assert "\n".join(lines) + "\n" == expected


def test_summary_matches_orcsim(orcsim: str) -> None:
    path = SCENARIOS / "mnist-fedavg.yaml"
    completed = subprocess.run([orcsim, "run", str(path), "--quiet"], capture_output=True, text=True, check=True)
    assert orc.run_scenario(path).summary() == completed.stdout


def test_result_fields() -> None:
    result = orc.run_scenario(SCENARIOS / "mnist-fedavg.yaml")
    assert result.plan_status == "done"
    assert result.tasks_by_status == {"done": 35}
    assert result.task_count == 35
    assert result.plan_running is False
    assert result.stop_reason is None
    assert result.api_calls > 0
    assert result.failed_calls == 0
    assert result.virtual_duration > 0
    assert len(result.trace_hash) == 16
    summary = json.loads(result.summary_json())
    assert summary["trace_hash"] == result.trace_hash

    frame = pandas.DataFrame(result.performances)
    assert list(frame.columns) == ["round", "organization", "function", "identifier", "task_label", "value"]
    table = frame.pivot(index="round", columns="organization", values="value")
    assert list(table.index) == [1, 2, 3, 4, 5]
    assert list(table.columns) == ["MyOrg2MSP", "MyOrg3MSP"]
    assert table.loc[5, "MyOrg2MSP"] > table.loc[1, "MyOrg2MSP"]


def small_fedavg(rounds: int = 2) -> Dict[str, object]:
    return {
        "name": "small",
        "seed": 3,
        "organizations": [
            {"id": "AggregatorMSP", "roles": ["aggregator"]},
            {"id": "HospitalAMSP", "roles": ["data"]},
            {"id": "HospitalBMSP", "roles": ["data"]},
        ],
        "data": [{"organization": "HospitalAMSP", "samples": 2}, {"organization": "HospitalBMSP", "samples": 1}],
        "plan": {"strategy": "fedavg", "rounds": rounds},
        "expect": {"plan_status": "done"},
    }


def test_dict_and_yaml_give_the_same_run(orcsim: str, tmp_path: Path) -> None:
    scenario = orc.Scenario.from_dict(small_fedavg())
    assert scenario.name == "small"
    assert scenario.organizations == ["AggregatorMSP", "HospitalAMSP", "HospitalBMSP"]
    from_dict = orc.run_scenario(small_fedavg())
    assert from_dict.plan_status == "done"
    # JSON is YAML: the same text as a file gives the same run in orcsim.
    path = tmp_path / "small.yaml"
    path.write_text(json.dumps(small_fedavg()))
    assert orc.run_scenario(orc.Scenario.from_yaml(path.read_text())).trace_hash == from_dict.trace_hash
    assert orcsim_run(orcsim, path)["trace hash"] == from_dict.trace_hash


def test_scenario_errors(tmp_path: Path) -> None:
    broken = small_fedavg()
    broken["plan"] = {"strategy": "fedavg", "rounds": "many"}
    with pytest.raises(orc.ScenarioError, match=r"<dict>:\d+:\d+: plan.rounds"):
        orc.Scenario.from_dict(broken)
    with pytest.raises(orc.ScenarioError, match="missing.yaml"):
        orc.load_scenario(tmp_path / "missing.yaml")
    assert issubclass(orc.ScenarioError, ValueError)
    with pytest.raises(TypeError, match="expected an orc.Scenario, a path or a dict, got int"):
        orc.run_scenario(3)
    with pytest.raises(ValueError, match="invalid seed -1"):
        orc.run_scenario(small_fedavg(), seed=-1)
    with pytest.raises(ValueError, match="invalid seed"):
        orc.run_scenario(small_fedavg(), seed=2**63)
    with pytest.raises(FileNotFoundError):
        orc.run_scenario(small_fedavg(), trace=tmp_path / "no" / "such" / "dir" / "trace")


def test_run_against_ledger_keeps_assets(orcsim: str) -> None:
    path = SCENARIOS / "mnist-fedavg.yaml"
    ledger = orc.open("memory", clock="manual")
    result = ledger.run_scenario(path)
    assert result.trace_hash == orcsim_run(orcsim, path)["trace hash"]
    org1 = ledger.as_org("MyOrg1MSP")
    tasks = org1.query_tasks(page_size=100)["tasks"]
    assert len(tasks) == 35
    assert {task["status"] for task in tasks} == {"STATUS_DONE"}
    assert len(list(org1.events())) == result.events
    # Manual time continues from the end of the run.
    assert ledger.time() >= max(task["creation_date"] for task in tasks)


def test_progress_callback_and_report(tmp_path: Path) -> None:
    calls = []
    result = orc.run_scenario(small_fedavg(), progress=lambda finished, total, now: calls.append((finished, total)))
    assert calls
    assert calls[0][1] == result.task_count
    result.write_report(tmp_path / "report")
    assert (tmp_path / "report" / "performance.png").stat().st_size > 0
    assert json.loads((tmp_path / "report" / "summary.json").read_text())["trace_hash"] == result.trace_hash


def test_interrupt_stops_a_run() -> None:
    def interrupt(finished: int, total: int, now: float) -> None:
        _thread.interrupt_main()

    with pytest.raises(KeyboardInterrupt):
        orc.run_scenario(SCENARIOS / "large-fedavg.yaml", progress=interrupt)


def test_sigint_stops_a_run() -> None:
    def send_sigint(finished: int, total: int, now: float) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    ledger = orc.open()
    with pytest.raises(KeyboardInterrupt):
        ledger.run_scenario(SCENARIOS / "large-fedavg.yaml", progress=send_sigint)
    # The ledger stays usable after the interrupted run.
    assert ledger.as_org("MyOrg1MSP").query_version()["orchestrator"] == orc.__version__


def test_progress_exception_propagates() -> None:
    def fail(finished: int, total: int, now: float) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        orc.run_scenario(small_fedavg(), progress=fail)
