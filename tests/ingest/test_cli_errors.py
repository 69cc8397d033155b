"""Every mistake a user can make with the ingest commands ends in one line and exit status 1.

The CLI runs as a subprocess, as a user runs it, against the test server; stderr must be a
single ``error: …`` line (no traceback) that says what to do.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from builders import id_number, small_dataset, write_table
from conftest import ROOT, server_environment
from ingest.loader import load_dataset

GOOD = id_number(1)


def run(neo4j_settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **server_environment(neo4j_settings), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "lianjian.cli", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def assert_one_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def persons(folder: Path, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "persons.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


def profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["id_number", "name"])
    book.active.append([GOOD, "张三"])
    book.save(path)
    return path


def file_in(folder: Path, name: str, content: str | bytes) -> Path:
    """``folder/name`` written with ``content``; returns the file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def two_sources_for_persons(tmp_path: Path) -> Path:
    folder = persons(tmp_path / "ds", f"id_number\n{GOOD}\n")
    _workbook(folder / "人员.xlsx")
    return folder


CASES = {
    "missing key column": (lambda t: ["load", persons(t / "ds", "name,phone\n张三,1\n")],
                           ["persons.csv", "id_number", "map suggest"]),
    "empty file": (lambda t: ["load", persons(t / "ds", "")], ["persons.csv", "empty"]),
    "binary file": (lambda t: ["load", persons(t / "ds", bytes(range(256)) * 4)],
                    ["persons.csv", "NUL bytes"]),
    "UTF-16": (lambda t: ["load", persons(t / "ds", "id_number,name\n".encode("utf-16"))],
               ["UTF-16", "CSV UTF-8"]),
    "NUL byte in text": (lambda t: ["load", persons(t / "ds", f"id_number,name\n{GOOD},张\x00三\n")],
                         ["persons.csv", "NUL"]),
    "not GB18030 either": (lambda t: ["load", persons(t / "ds", b"id_number,name\n1,\x80\xff\n")],
                           ["neither UTF-8 nor GB18030"]),
    "duplicate header": (lambda t: ["load", persons(t / "ds", "id_number,身份证号\n1,2\n")],
                         ["both name column id_number"]),
    "bad --as-of": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--as-of", "2024-13-01"],
                    ["--as-of", "YYYY-MM-DD"]),
    "bad --priority": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--priority", "high"],
                       ["--priority", "--help"]),
    "bad --table-priority": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--table-priority",
                                        "people=3"], ["TABLE=NUMBER"]),
    "profile not YAML": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--profile",
                                    profile(t, "persons:\n  columns: {a: b\n")],
                         ["profile.yaml", "not valid YAML", "line"]),
    "profile unknown column": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--profile",
                                          profile(t, "persons:\n  columns: {姓名: nom}\n")],
                               ["unknown column 'nom'"]),
    "profile unknown table": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--profile",
                                         profile(t, "people:\n  file: a.csv\n")],
                              ["unknown table 'people'"]),
    "profile table not a mapping": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--profile",
                                               profile(t, "persons: [a, b]\n")],
                                    ["expected settings"]),
    "profile missing": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--profile",
                                   t / "nope.yaml"], ["no such profile"]),
    "missing folder": (lambda t: ["load", t / "nowhere"], ["no such folder"]),
    "folder is a file": (lambda t: ["load", persons(t / "ds", "id_number\n") / "persons.csv"],
                         ["is a file"]),
    "no table in folder": (lambda t: ["load", file_in(t / "ds", "readme.txt", "hi").parent],
                           ["no table of the input format", "readme.txt"]),
    "report dir is a file": (lambda t: ["load", small_dataset(t / "ds", 5, 5), "--report-dir",
                                        persons(t / "r", "x") / "persons.csv"],
                             ["cannot write the load report", "--report-dir"]),
    "corrupt workbook": (lambda t: ["load", file_in(t / "ds", "persons.xlsx", "not a zip").parent],
                         ["persons.xlsx", "not a readable .xlsx"]),
    "old Excel": (lambda t: ["load", file_in(t / "ds", "persons.xls", b"\xd0\xcf").parent],
                  ["persons.xls", ".xlsx"]),
    "two files for one table": (lambda t: ["load", two_sources_for_persons(t)],
                                ["table persons is in both"]),
    "import unknown kind": (lambda t: ["import", "csv", persons(t / "ds", "x")],
                            ["unknown kind 'csv'"]),
    "import ftm of a CSV": (lambda t: ["import", "ftm", persons(t / "ds", "id_number\n1\n")
                                       / "persons.csv"], ["not FollowTheMoney", "invalid JSON"]),
    "import ftm of JSON that is no entity": (
        lambda t: ["import", "ftm", file_in(t, "x.json", json.dumps({"a": 1}))],
        ["not FollowTheMoney"]),
    "import ocds of non-OCDS JSON": (
        lambda t: ["import", "ocds", file_in(t, "x.json", json.dumps({"a": 1}))],
        ["not Open Contracting", "no ocid"]),
    "import ftm of a folder": (lambda t: ["import", "ftm", persons(t / "ds", "x")], ["is a folder"]),
    "import missing file": (lambda t: ["import", "ocds", t / "none.json"], ["no such file"]),
    "map suggest missing file": (lambda t: ["map", "suggest", t / "none.csv"], ["no such file"]),
    "unknown option": (lambda t: ["load", t, "--stricter"], ["No such option", "--help"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_user_mistake_is_one_line(db, neo4j_settings, tmp_path, case):
    build, fragments = CASES[case]
    assert_one_line(run(neo4j_settings, *build(tmp_path)), *fragments)
    assert db.read("MATCH (n) WHERE NOT n:SchemaVersion RETURN count(n) AS n") == [{"n": 0}], \
        "nothing is written when the input is wrong"


def test_another_folder_with_the_same_name_is_one_line(db, neo4j_settings, tmp_path):
    load_dataset(db, small_dataset(tmp_path / "a" / "data", 5, 5))
    line = assert_one_line(run(neo4j_settings, "load", small_dataset(tmp_path / "b" / "data", 5, 5),
                               "--quiet"), "--dataset data", "another folder")
    assert "newer extract" in line


def test_report_dir_that_does_not_exist_is_created_and_holds_the_report(db, neo4j_settings, tmp_path):
    folder = small_dataset(tmp_path / "ds", 5, 5)
    with (folder / "persons.csv").open("a", encoding="utf-8") as stream:
        stream.write("12345,坏号,,,\n")
    reports = tmp_path / "reports" / "2024"
    result = run(neo4j_settings, "load", folder, "--quiet", "--report-dir", reports)
    assert result.returncode == 0, result.stderr
    [report] = reports.glob("load-report-*.csv")
    assert "persons.csv,7,id_number,12345" in report.read_text(encoding="utf-8-sig")
    assert str(report) in " ".join(result.stderr.split())


def test_a_row_error_is_reported_not_raised_and_a_table_error_stops_before_writing(
        db, neo4j_settings, tmp_path):
    folder = small_dataset(tmp_path / "ds", 5, 5)
    write_table(folder, "accounts", ["bank", "holder_id_number"], [["农业银行", GOOD]])
    assert_one_line(run(neo4j_settings, "load", folder, "--quiet"), "accounts.csv", "account_no")
    assert db.read("MATCH (n:Person) RETURN count(n) AS n") == [{"n": 0}]
