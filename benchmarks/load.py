"""Benchmark the first load three ways, each on a fresh store, in one run.

    .venv/bin/python benchmarks/load.py --data /tmp/county11 [--heap 512m --pagecache 512m]
    .venv/bin/python benchmarks/load.py --scales county province-slice --seed 7 --only loader

Every method gets a new server home (new store, same jars, same heap and page cache, the
same schema from ``graph.migrate`` before the load) and is measured alone:

- ``loader``: ``lianjian load`` in a child process (its CPU and peak RSS are its own), then
  an unchanged re-load on the same store;
- ``load-csv``: the best hand-written LOAD CSV (``benchmarks/load_csv_peer.py``: node
  passes, then relationship passes, no Eager, 10,000 rows per transaction);
- ``admin-import``: ``neo4j-admin database import full`` of the same rows (the offline
  physical limit), then the server's start and the schema's index population;
- ``bulk``: ``lianjian load --bulk`` in a child process on an empty store (validation,
  rows, import files, the server stopped, the import, the server started, the schema and
  its indexes, the load run's record), then an unchanged re-load on the same store. Its
  client CPU includes the import tool's (a child of the load), its client peak RSS is the
  larger of the loader's and the tool's, its server figures are the restarted server's.

For each: wall seconds, rows/s, client CPU s, server CPU s (from /proc, the server's
``utime + stime`` over the run), peak RSS of client and server, the machine's 1-minute load
average (mean and max, sampled every 2 s) and the nodes and relationships it built. Staging
files for LOAD CSV and the import tool is not timed (it only favours them).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.admin_import import import_command, stage_import_files  # noqa: E402
from benchmarks.load_csv_peer import (  # noqa: E402
    check_no_eager, load_with_load_csv, peer_statements, stage_plain_csv)
from graph.connection import connect  # noqa: E402
from graph.local_server import LocalServer  # noqa: E402
from graph.migrate import migrate  # noqa: E402
from graph.neo4j_install import install_server, server_lib  # noqa: E402
from graph.settings import Settings  # noqa: E402

ENTITY_LABELS = ("Unit", "Person", "Company", "Contract", "Tender", "Bid", "Account",
                 "Transaction", "SubsidyPayment", "Complaint")
TICKS = os.sysconf("SC_CLK_TCK")
# Runs a command and prints its wall seconds, CPU seconds and peak RSS (a fresh interpreter
# per measurement, so RUSAGE_CHILDREN is that command's alone).
MEASURE = ("import resource,subprocess,sys,time;t=time.perf_counter();"
           "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL);"
           "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
           "print(time.perf_counter()-t, u.ru_utime+u.ru_stime, u.ru_maxrss)")


class LoadSampler:
    """The machine's 1-minute load average every 2 s while a method runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(2.0):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> tuple[float, float]:
        return sum(self.samples) / len(self.samples), max(self.samples)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_home(work: Path, name: str, heap: str, pagecache: str) -> LocalServer:
    """A new server home with its own empty store and the shared jars."""
    jars = work / "jars"
    install_server(jars)
    home = work / name
    shutil.rmtree(home, ignore_errors=True)
    (home / "neo4j").mkdir(parents=True)
    (home / "neo4j" / "lib").symlink_to(server_lib(jars).resolve())
    return LocalServer(Settings(home=home, bolt_port=free_port(), heap=heap,
                                pagecache=pagecache))


def server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def server_peak_rss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


def measure(command: list[str], env: dict[str, str] | None = None,
            stderr: list[str] | None = None) -> tuple[float, float, int]:
    """Wall s, CPU s and peak RSS MB of a command; its stderr lines into ``stderr``."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{command[:6]} failed: {done.stderr[-2000:]}")
    if stderr is not None:
        stderr.extend(done.stderr.splitlines())
    out = done.stdout
    wall, cpu, rss_kb = out.split()
    return float(wall), float(cpu), int(rss_kb) // 1024


def client_env(server: LocalServer) -> dict[str, str]:
    return {**os.environ, "NEO4J_URI": server.settings.local_uri, "NEO4J_USER": "neo4j",
            "NEO4J_PASSWORD": server.password()}


def graph_size(connection) -> tuple[int, int]:
    nodes = connection.read("MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
                            "RETURN count(n) AS n", labels=list(ENTITY_LABELS))[0]["n"]
    rels = connection.read("MATCH (n)-[r]->() WHERE any(l IN labels(n) WHERE l IN $labels) "
                           "RETURN count(r) AS n", labels=list(ENTITY_LABELS))[0]["n"]
    return nodes, rels


def _result(method: str, rows: int, wall: float, client_cpu: float, client_rss: int,
            server: LocalServer, cpu_before: float, sampler: LoadSampler, **extra) -> dict:
    pid = server.pid()
    load_mean, load_max = sampler.summary()
    return {"method": method, "rows": rows, "wall_s": wall, "rows_s": rows / wall,
            "client_cpu_s": client_cpu, "server_cpu_s": server_cpu_s(pid) - cpu_before,
            "client_rss_mb": client_rss, "server_rss_mb": server_peak_rss_mb(pid),
            "load_mean": load_mean, "load_max": load_max, **extra}


def run_loader(data: Path, rows: int, work: Path, heap: str, pagecache: str) -> list[dict]:
    server = fresh_home(work, "run-loader", heap, pagecache)
    server.start()
    try:
        with connect(server.settings) as connection:
            migrate(connection)
            load = [sys.executable, "-m", "lianjian.cli", "load", str(data), "--quiet",
                    "--report-dir", str(work / "reports")]
            results = []
            for method in ("loader", "loader re-load"):
                before = server_cpu_s(server.pid())
                with LoadSampler() as sampler:
                    wall, cpu, rss = measure(load, client_env(server))
                results.append(_result(method, rows, wall, cpu, rss, server, before, sampler,
                                       graph=graph_size(connection)))
            return results
    finally:
        server.stop()
        shutil.rmtree(server.home, ignore_errors=True)


def run_peer(data: Path, rows: int, work: Path, heap: str, pagecache: str) -> list[dict]:
    server = fresh_home(work, "run-load-csv", heap, pagecache)
    server.start()
    try:
        staged = stage_plain_csv(data, server.root / "import")
        with connect(server.settings) as connection:
            migrate(connection)
            check_no_eager(connection, peer_statements(staged))
            before, mine = server_cpu_s(server.pid()), os.times()
            began = time.perf_counter()
            with LoadSampler() as sampler:
                load_with_load_csv(connection, staged)
            wall = time.perf_counter() - began
            after = os.times()
            cpu = after.user + after.system - mine.user - mine.system
            rss = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) // 1024
            return [_result("load-csv", rows, wall, cpu, rss, server, before, sampler,
                            graph=graph_size(connection))]
    finally:
        server.stop()
        shutil.rmtree(server.home, ignore_errors=True)


def run_admin_import(data: Path, rows: int, work: Path, heap: str, pagecache: str) -> list[dict]:
    server = fresh_home(work, "run-admin-import", heap, pagecache)
    try:
        staged = stage_plain_csv(data, work / "admin-staging" / "plain")
        arguments = stage_import_files(staged, work / "admin-staging" / "import")
        server._write_conf()
        env = {**os.environ, "NEO4J_HOME": str(server.root), "NEO4J_CONF": str(server.conf_dir)}
        with LoadSampler() as sampler:
            wall, cpu, rss = measure(import_command(server.home, arguments), env)
        load_mean, load_max = sampler.summary()
        began = time.perf_counter()
        server.start()
        before = server_cpu_s(server.pid())
        with connect(server.settings) as connection, LoadSampler() as schema_sampler:
            migrate(connection)
            connection.run_autocommit("CALL db.awaitIndexes(3600)")
            schema_s = time.perf_counter() - began
            result = _result("admin-import", rows, wall, cpu, rss, server, before,
                             schema_sampler, graph=graph_size(connection))
        # The import itself is offline: its load average, not the schema phase's.
        result.update(load_mean=load_mean, load_max=load_max, schema_s=schema_s,
                      with_schema_rows_s=rows / (wall + schema_s))
        return [result]
    finally:
        server.stop()
        shutil.rmtree(server.home, ignore_errors=True)
        shutil.rmtree(work / "admin-staging", ignore_errors=True)


def run_bulk(data: Path, rows: int, work: Path, heap: str, pagecache: str) -> list[dict]:
    server = fresh_home(work, "run-bulk", heap, pagecache)
    server.start()
    try:
        # The local server by its home and port (NEO4J_URI would make --bulk refuse).
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")} | {
            "LIANJIAN_HOME": str(server.home), "LIANJIAN_BOLT_PORT": str(server.settings.bolt_port),
            "LIANJIAN_HEAP": heap, "LIANJIAN_PAGECACHE": pagecache}
        load = [sys.executable, "-m", "lianjian.cli", "load", str(data), "--quiet",
                "--report-dir", str(work / "reports")]
        printed: list[str] = []
        with LoadSampler() as sampler:
            wall, cpu, rss = measure([*load, "--bulk"], env, printed)
        steps = next((line for line in printed if line.startswith("bulk load:")), "")
        results = []
        with connect(server.settings) as connection:
            # The server was restarted by the load: all its CPU is the load's.
            results.append(_result("bulk", rows, wall, cpu, rss, server, 0.0, sampler,
                                   graph=graph_size(connection), steps=steps))
            before = server_cpu_s(server.pid())
            with LoadSampler() as sampler:
                wall, cpu, rss = measure(load, client_env(server))
            results.append(_result("bulk re-load", rows, wall, cpu, rss, server, before,
                                   sampler, graph=graph_size(connection)))
        return results
    finally:
        server.stop()
        shutil.rmtree(server.home, ignore_errors=True)


METHODS = {"loader": run_loader, "load-csv": run_peer, "admin-import": run_admin_import,
           "bulk": run_bulk}


def dataset_rows(dataset: Path) -> int:
    from ingest.discovery import discover_tables
    from ingest.readers import read_rows

    return sum(sum(1 for _ in read_rows(t, s)) for t, s in discover_tables(dataset).items())


def print_table(results: list[dict]) -> None:
    print(f"{'method':<16}{'rows':>8}{'wall s':>9}{'rows/s':>9}{'client CPU s':>14}"
          f"{'server CPU s':>14}{'client RSS MB':>15}{'server RSS MB':>15}{'load avg':>12}"
          f"{'nodes':>9}{'rels':>9}")
    for r in results:
        print(f"{r['method']:<16}{r['rows']:>8}{r['wall_s']:>9.1f}{r['rows_s']:>9.0f}"
              f"{r['client_cpu_s']:>14.1f}{r['server_cpu_s']:>14.1f}{r['client_rss_mb']:>15}"
              f"{r['server_rss_mb']:>15}{r['load_mean']:>6.1f}/{r['load_max']:<5.1f}"
              f"{r['graph'][0]:>9}{r['graph'][1]:>9}")
        if r.get("steps"):
            print(f"  {r['steps']}")
        if "schema_s" in r:
            print(f"{'  + start, schema':<16}{'':>8}{r['schema_s']:>9.1f}"
                  f"{r['with_schema_rows_s']:>9.0f}  (rows/s of import + start + index "
                  "population; the import's client CPU and RSS are the import tool's, its "
                  "server CPU and RSS the schema phase's)")
    by = {r["method"]: r for r in results}
    if "loader" in by and "load-csv" in by:
        ratio = by["loader"]["rows_s"] / by["load-csv"]["rows_s"]
        print(f"loader ÷ LOAD CSV (rows/s): {ratio:.2f}")
    if "loader" in by and "admin-import" in by:
        print(f"loader ÷ admin import with schema (rows/s): "
              f"{by['loader']['rows_s'] / by['admin-import']['with_schema_rows_s']:.2f}")
    if "bulk" in by and "admin-import" in by:
        admin = by["admin-import"]["wall_s"] + by["admin-import"]["schema_s"]
        print(f"bulk wall ÷ admin import with schema wall: {by['bulk']['wall_s'] / admin:.2f} "
              f"(target ≤ 2; import only: {by['bulk']['wall_s'] / by['admin-import']['wall_s']:.2f})")
    if "bulk" in by and "loader" in by:
        print(f"bulk ÷ loader (rows/s): {by['bulk']['rows_s'] / by['loader']['rows_s']:.2f}")
    if "loader re-load" in by:
        speedup = by["loader"]["wall_s"] / by["loader re-load"]["wall_s"]
        print(f"unchanged re-load speed-up: {speedup:.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing dataset (else generated)")
    parser.add_argument("--scales", nargs="+", default=["county"])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--only", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--heap", default="512m", help="every method's server heap")
    parser.add_argument("--pagecache", default="512m", help="every method's page cache")
    parser.add_argument("--work", type=Path, default=ROOT / ".lianjian" / "bench")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in args.scales:
        data = args.data
        if data is None:
            from synthetic import generate

            data = args.work / f"{scale}-{args.seed}"
            if not any(data.glob("*.csv")):
                generate(scale=scale, seed=args.seed, out_dir=data)
        rows = dataset_rows(data)
        for method in args.only:
            for result in METHODS[method](data, rows, args.work, args.heap, args.pagecache):
                result["scale"] = scale
                results.append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
    print(f"heap {args.heap}, page cache {args.pagecache}, {os.cpu_count()} cores")
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
