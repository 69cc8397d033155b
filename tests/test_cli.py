"""The CLI answers at once and prints tables that read well.

Speed itself is measured outside the tests (the closing note of issue 10 gives the
figure); what is tested here is its cause: asking for help imports neither the Neo4j
driver nor pandas, networkx or scikit-learn.
"""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lianjian.cli import app

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("neo4j", "pandas", "networkx", "sklearn", "numpy", "synthetic", "analytics.paths",
         "weasyprint")
COMMANDS = [[], ["db"], ["db", "start"], ["load"], ["generate"], ["scan"], ["rules", "list"],
            ["alerts", "export"], ["evaluate"], ["paths"], ["profile"], ["portrait"],
            ["timeline"], ["import"], ["map", "suggest"], ["schedule"], ["report", "export"],
            ["report", "verify"]]

HELP_SCRIPT = """
import sys
from lianjian.cli import app
try:
    app({arguments!r} + ["--help"])
except SystemExit as stop:
    assert stop.code == 0, stop.code
print(sorted(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(words) or "lianjian")
def test_help_imports_no_driver_and_no_data_library(command):
    script = HELP_SCRIPT.format(arguments=command, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def test_generate_is_unchanged_and_prints_aligned_tables(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--scale", "town", "--seed", "2",
                                      "--out", str(tmp_path / "town")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "town" / "truth.csv").exists()
    with (tmp_path / "town" / "truth.csv").open(encoding="utf-8") as stream:
        planted = {row["pattern"] for row in csv.DictReader(stream)}
    assert len(planted) == 10
    rows = [line for line in result.output.splitlines() if line.startswith("│ persons ")]
    assert len(rows) == 1 and rows[0].rstrip().endswith("│")


def test_generate_rejects_an_unknown_scale(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--scale", "city", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--scale must be town, county or province-slice" in \
        result.output
    assert not any(tmp_path.iterdir())
