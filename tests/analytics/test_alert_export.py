"""`lianjian alerts export` for Excel on Chinese Windows: a BOM, or GB18030."""
from __future__ import annotations

import csv
import io

import pytest
from fixtures import World, cli_env  # noqa: F401 - cli_env is a fixture
from typer.testing import CliRunner

from analytics.scan import run_scan
from lianjian.commands.analytics import app


@pytest.fixture
def scanned(cli_env, tmp_path):
    """One relative_supplier alert whose summary is Chinese text."""
    world = World().county()
    official = world.official("张伟", "U1", start="2015-01-01")
    spouse = world.person("李娜")
    world.kin(official, spouse, "spouse")
    world.contract("U1", world.company("宏达建筑", legal_rep=spouse), 800_000, "2020-06-01")
    world.load(cli_env, tmp_path / "county")
    run_scan(cli_env, ["relative_supplier"])
    return cli_env


def _rows(data: bytes, encoding: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding))))


@pytest.mark.parametrize("options, encoding, bom", [
    ([], "utf-8", b""),
    (["--excel"], "utf-8-sig", b"\xef\xbb\xbf"),
    (["--encoding", "gb18030"], "gb18030", b""),
])
def test_export_writes_the_encoding_excel_reads(scanned, tmp_path, options, encoding, bom):
    target = tmp_path / "alerts.csv"
    result = CliRunner().invoke(app, ["alerts", "export", "--out", str(target), *options])
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(bom) and not data[len(bom):].startswith(b"\xef\xbb\xbf")
    (row,) = _rows(data, encoding)
    assert row["rule_id"] == "relative_supplier" and "张伟" in row["summary"]
    assert "李娜" in row["summary"] and "宏达建筑" in row["summary"]


def test_export_to_stdout_keeps_the_bytes(scanned):
    result = CliRunner().invoke(app, ["alerts", "export", "--excel"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    assert "张伟" in _rows(result.stdout_bytes, "utf-8-sig")[0]["summary"]


@pytest.mark.parametrize("options, message", [
    (["--encoding", "latin-1"], "use --encoding utf-8, utf-8-sig, gb18030"),
    (["--excel", "--format", "json"], "--excel writes CSV"),
])
def test_export_rejects_what_excel_cannot_use(cli_env, options, message):
    result = CliRunner().invoke(app, ["alerts", "export", *options])
    assert result.exit_code == 2 and message in result.output
