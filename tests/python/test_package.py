"""The package itself: type stubs that match the module, and a clean
install into a fresh virtual environment."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import orc
from conftest import REPOSITORY

STUB = REPOSITORY / "bindings" / "python" / "src" / "orc" / "_orc.pyi"


def stub_classes() -> dict:
    tree = ast.parse(STUB.read_text())
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            classes[node.name] = {item.name for item in node.body if isinstance(item, ast.FunctionDef)} | {
                item.target.id for item in node.body if isinstance(item, ast.AnnAssign)}
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return {"classes": classes, "functions": functions}


def test_stub_lists_every_rpc_method() -> None:
    session_methods = stub_classes()["classes"]["Session"]
    for method in orc.rpc_methods():
        assert method["python_name"] in session_methods


def test_stub_matches_module() -> None:
    stub = stub_classes()
    for name in dir(orc._orc):
        if name.startswith("__"):
            continue
        value = getattr(orc._orc, name)
        if isinstance(value, type) and not issubclass(value, BaseException):
            public = {member for member in dir(value) if not member.startswith("_")}
            assert public <= stub["classes"][name], f"{name}: {public - stub['classes'][name]} missing in the stub"
        elif callable(value) and not isinstance(value, type):
            assert name in stub["functions"], f"{name} missing in the stub"
    assert (STUB.parent / "py.typed").exists()


@pytest.mark.install
def test_fresh_venv_install(tmp_path: Path) -> None:
    """`pip install ./bindings/python` in a new virtual environment, then import."""
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "./bindings/python"],
                             cwd=REPOSITORY, capture_output=True, text=True, check=False,
                             env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    version = subprocess.run([str(python), "-c", "import orc; print(orc.__version__)"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == orc.__version__
    assert sys.prefix != str(environment)
