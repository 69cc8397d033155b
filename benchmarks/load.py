"""Benchmark the loader against LOAD CSV on the same server, in the same run.

    .venv/bin/python benchmarks/load.py [--scales county province-slice] [--seed 7]

For each scale: generate the dataset (or reuse ``--data DIR``), then on an empty database
with the same constraints: the loader (``lianjian load``, in a child process so its peak
RSS is its own), an unchanged re-load, and Neo4j's own ``LOAD CSV … CALL { … } IN
TRANSACTIONS`` on the same tables. Prints rows/s of both, their ratio, the loader's peak
RSS and the re-load time. Needs the project's local server (for LOAD CSV's import folder).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_csv_peer import load_with_load_csv, stage_plain_csv  # noqa: E402
from graph.connection import connect  # noqa: E402
from graph.local_server import LocalServer  # noqa: E402
from graph.migrate import migrate  # noqa: E402
from graph.settings import get_settings  # noqa: E402


def peak_rss_of(command: list[str]) -> tuple[float, int]:
    """Run under /usr/bin/time-like accounting: a fresh interpreter per measurement."""
    wrapper = [sys.executable, "-c",
               "import resource,subprocess,sys,time;t=time.perf_counter();"
               "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL);"
               "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
               *command]
    out = subprocess.run(wrapper, check=True, cwd=ROOT, capture_output=True, text=True).stdout
    seconds, kilobytes = out.split()
    return float(seconds), int(kilobytes) // 1024


def dataset_rows(dataset: Path) -> int:
    from ingest.discovery import discover_tables
    from ingest.readers import read_rows

    return sum(sum(1 for _ in read_rows(t, s)) for t, s in discover_tables(dataset).items())


def bench_scale(scale: str, seed: int, data: Path | None, work: Path, peer: bool = True) -> dict:
    if data is None:
        from synthetic import generate

        data = work / f"{scale}-{seed}"
        if not (data / "persons.csv").exists() and not any(data.glob("*.csv")):
            generate(scale=scale, seed=seed, out_dir=data)
    rows = dataset_rows(data)
    settings = get_settings()
    load = [sys.executable, "-m", "lianjian.cli", "load", str(data), "--quiet",
            "--report-dir", str(work)]
    with connect(settings) as connection:
        connection.delete_all_data()
        migrate(connection)
        first_s, peak_mb = peak_rss_of(load)
        reload_s, _ = peak_rss_of(load)
        reload_full_s, _ = peak_rss_of([*load, "--full"])
        connection.delete_all_data()
        migrate(connection)
        peer_s = float("nan")
        if peer:
            import_dir = LocalServer(settings).root / "import"
            staged = stage_plain_csv(data, import_dir)
            began = time.perf_counter()
            load_with_load_csv(connection, staged)
            peer_s = time.perf_counter() - began
            for path in staged.values():
                path.unlink()
            connection.delete_all_data()
            migrate(connection)
    return {"scale": scale, "rows": rows, "loader_s": first_s, "loader_rows_s": rows / first_s,
            "peer_s": peer_s, "peer_rows_s": rows / peer_s, "ratio": peer_s / first_s,
            "peak_rss_mb": peak_mb, "reload_s": reload_s, "reload_full_s": reload_full_s,
            "reload_speedup": first_s / reload_s, "reload_full_speedup": first_s / reload_full_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["county"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="an existing dataset (one scale only)")
    parser.add_argument("--work", type=Path, default=ROOT / ".lianjian" / "bench")
    parser.add_argument("--no-peer", action="store_true", help="skip LOAD CSV (RSS runs)")
    args = parser.parse_args()
    if os.environ.get("NEO4J_URI"):
        sys.exit("benchmarks/load.py needs the local server (LOAD CSV reads its import folder)")
    args.work.mkdir(parents=True, exist_ok=True)
    results = [bench_scale(scale, args.seed, args.data, args.work, peer=not args.no_peer)
               for scale in args.scales]
    print(f"{'scale':<15}{'rows':>9}{'loader rows/s':>15}{'LOAD CSV rows/s':>17}{'ratio':>7}"
          f"{'peak RSS MB':>13}{'re-load s':>11}{'speed-up':>10}{'re-load --full s':>18}"
          f"{'speed-up':>10}")
    for r in results:
        print(f"{r['scale']:<15}{r['rows']:>9}{r['loader_rows_s']:>15.0f}{r['peer_rows_s']:>17.0f}"
              f"{r['ratio']:>7.2f}{r['peak_rss_mb']:>13}{r['reload_s']:>11.1f}"
              f"{r['reload_speedup']:>10.1f}{r['reload_full_s']:>18.1f}"
              f"{r['reload_full_speedup']:>10.1f}")
    if len(results) > 1:
        print(f"peak RSS ratio {results[-1]['scale']}/{results[0]['scale']}: "
              f"{results[-1]['peak_rss_mb'] / results[0]['peak_rss_mb']:.2f}")


if __name__ == "__main__":
    main()
