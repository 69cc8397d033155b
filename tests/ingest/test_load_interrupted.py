"""A load killed at about half way, then re-run, ends in the same graph as one clean load."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from builders import small_dataset
from conftest import ROOT, server_environment
from ingest.loader import load_dataset
from test_loader import snapshot

TRANSACTIONS = 30_000


def _transactions(db) -> int:
    return db.read("MATCH (t:Transaction) RETURN count(t) AS n")[0]["n"]


def test_killed_load_resumes_to_the_same_graph(db, tmp_path, neo4j_settings):
    folder = small_dataset(tmp_path / "ds", persons=500, transactions=TRANSACTIONS)
    process = subprocess.Popen(
        [sys.executable, "-m", "lianjian.cli", "load", str(folder), "--quiet",
         "--report-dir", str(tmp_path)],
        cwd=ROOT, env={**os.environ, **server_environment(neo4j_settings)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _transactions(db) < TRANSACTIONS // 2 and process.poll() is None:
        assert time.monotonic() < deadline, "load made no progress"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    partial = _transactions(db)
    assert 0 < partial < TRANSACTIONS, f"killed too late: {partial} transactions"
    assert db.read("MATCH (r:LoadRun) RETURN r.status AS s") == [{"s": "running"}]

    resumed = load_dataset(db, folder, report_dir=tmp_path)
    assert resumed.counts["transactions"].unchanged >= partial - 2000  # whole batches survived
    after_resume = snapshot(db)

    db.delete_all_data()
    load_dataset(db, folder, report_dir=tmp_path)
    clean = snapshot(db)
    assert set(after_resume[1]) - set(clean[1]) == set() and set(clean[1]) - set(after_resume[1]) == set()
    assert after_resume == clean
