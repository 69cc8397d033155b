"""Every notebook runs headless, top to bottom, against the test server; any cell error fails.

Each notebook generates a small county, loads and scans it itself, so the database is emptied
before each one: a notebook that only works after another has run would fail here. The
kernel is the venv's own python (jupyter_client starts a kernelspec whose argv is
``python`` with ``sys.executable``); the server is named through NEO4J_* variables, which
the kernel inherits.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import server_environment

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_four_notebooks():
    assert {path.name for path in NOTEBOOKS} >= {
        "explore_official.ipynb", "tune_threshold.ipynb", "unit_portrait.ipynb",
        "follow_the_money.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs(path, db, neo4j_settings, monkeypatch, tmp_path):
    for name, value in server_environment(neo4j_settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.output_type == "error"]
    assert not errors
    pictures = [output for cell in notebook.cells if cell.cell_type == "code"
                for output in cell.get("outputs", []) if "image/png" in output.get("data", {})]
    assert pictures, f"{path.name} drew no matplotlib picture"
    assert os.environ["NEO4J_URI"]
