"""scenarios/notebooks/fedavg.ipynb runs headless without an error and shows
the performance table."""

from __future__ import annotations

import nbclient
import nbformat

from conftest import REPOSITORY

NOTEBOOK = REPOSITORY / "scenarios" / "notebooks" / "fedavg.ipynb"


def outputs_of(cell) -> str:
    texts = []
    for output in cell.get("outputs", []):
        texts.append(output.get("text", ""))
        texts.append(output.get("data", {}).get("text/plain", ""))
        texts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(texts)


def test_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


def test_notebook_runs_and_shows_performance_table(tmp_path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell

    tables = [cell for cell in notebook.cells if cell.cell_type == "code" and "pivot(" in cell.source]
    assert len(tables) == 1
    table = outputs_of(tables[0])
    assert "<table" in table
    assert "organization" in table
    assert "round" in table
    for hospital in ("HospitalAMSP", "HospitalBMSP", "HospitalCMSP"):
        assert hospital in table
    assert all(f"\n{round_number} " in tables[0].outputs[0]["data"]["text/plain"] for round_number in range(1, 6))

    images = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if "image/png" in output.get("data", {})]
    assert len(images) == 1
    everything = "\n".join(outputs_of(cell) for cell in notebook.cells)
    assert "STATUS_CANCELED" in everything
    assert "EVENT_ASSET_UPDATED" in everything
    assert "running: False" in everything
