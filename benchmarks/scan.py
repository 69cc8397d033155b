"""Benchmark a full scan at growing sizes: per-rule times, db hits, growth and a peer figure.

For each scale (town, county, province-slice ≈ 4 counties) the dataset is generated (or
taken from ``--dir scale=path``), loaded into an emptied database, and scanned twice: a
cold scan (queries planned for the first time, alerts created) and a warm one (plans
cached, alerts found again). Each rule is then profiled (``PROFILE``: database hits), and
timed against the peer: the generator's plain-Python reference implementation of the same
rule on the same files. The growth exponent is the slope of log(scan time) against
log(rows loaded); 1.0 is linear.

    NEO4J_URI=… .venv/bin/python benchmarks/scan.py --scales town county province-slice

Needs a running Neo4j (``lianjian db start`` or NEO4J_URI); it empties that database.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.evaluate import evaluate  # noqa: E402
from analytics.rules import load_rules  # noqa: E402
from analytics.scan import run_scan  # noqa: E402
from graph.connection import Connection, connect  # noqa: E402
from ingest.loader import load_dataset  # noqa: E402


def database_hits(plan: dict) -> int:
    """Total database hits of a profiled plan (every operator, recursively)."""
    return plan.get("dbHits", 0) + sum(database_hits(child) for child in plan.get("children", []))


def start_operators(plan: dict) -> list[str]:
    """The leaf operators of a plan: where the query starts reading."""
    children = plan.get("children") or []
    if not children:
        name = plan["operatorType"].split("@")[0]
        return [] if name == "Argument" else [name]
    return [name for child in children for name in start_operators(child)]


def profile_rules(connection: Connection) -> dict[str, dict]:
    """Database hits, time and starting operators of each rule with default parameters."""
    figures = {}
    for rule in load_rules().values():
        began = time.perf_counter()
        with connection.session() as session:
            summary = session.run("PROFILE " + rule.cypher,
                                  {**rule.defaults, "unit_ids": None}).consume()
        figures[rule.id] = {"db_hits": database_hits(summary.profile),
                            "profile_s": time.perf_counter() - began,
                            "starts": sorted(set(start_operators(summary.profile)))}
    return figures


def reference_times(dataset: Path) -> dict[str, float]:
    """Seconds of the reference implementation per rule (its index built once, timed apart)."""
    from synthetic.reference import RULES
    from synthetic.reference_index import Index

    began = time.perf_counter()
    index = Index.from_folder(dataset)
    times = {"(index)": time.perf_counter() - began}
    for rule_id, function in RULES.items():
        began = time.perf_counter()
        function(index)
        times[rule_id] = time.perf_counter() - began
    return times


def dataset_for(scale: str, seed: int, work: Path, given: dict[str, Path]) -> Path:
    if scale in given:
        return given[scale]
    from synthetic import generate

    folder = work / f"{scale}-{seed}"
    if not (folder / "truth.csv").is_file():
        generate(scale=scale, seed=seed, out_dir=folder)
    return folder


def measure(connection: Connection, scale: str, dataset: Path) -> dict:
    connection.delete_all_data()
    began = time.perf_counter()
    loaded = load_dataset(connection, dataset)
    load_s = time.perf_counter() - began
    cold = run_scan(connection)
    warm = run_scan(connection)
    evaluation = evaluate(connection, dataset)
    return {"scale": scale, "dataset": str(dataset), "rows": loaded.rows_read,
            "load_s": load_s, "cold_s": cold.seconds, "warm_s": warm.seconds,
            "cold": cold.timings, "warm": warm.timings, "alerts": cold.new_alerts,
            "still_matching": warm.still_matching, "precision": evaluation.precision,
            "recall": evaluation.recall, "profile": profile_rules(connection),
            "reference": reference_times(dataset)}


def growth_exponent(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) on log(x)."""
    if len(points) < 2:
        return None
    xs, ys = [math.log(x) for x, _ in points], [math.log(y) for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else None


def report(results: list[dict]) -> str:
    rules = list(load_rules())
    lines = []
    for result in results:
        lines.append(f"\n## {result['scale']}: {result['rows']:,} rows loaded in "
                     f"{result['load_s']:.0f} s; {result['alerts']} alerts, precision "
                     f"{result['precision']:.3f}, recall {result['recall']:.3f}")
        lines.append(f"{'rule':<20} {'cold s':>7} {'warm s':>7} {'db hits':>11} "
                     f"{'reference s':>12}  starts from")
        for rule_id in rules:
            profile = result["profile"][rule_id]
            lines.append(f"{rule_id:<20} {result['cold'][rule_id]:>7.2f} "
                         f"{result['warm'][rule_id]:>7.2f} {profile['db_hits']:>11,} "
                         f"{result['reference'].get(rule_id, float('nan')):>12.2f}  "
                         f"{', '.join(profile['starts'])}")
        lines.append(f"{'total scan':<20} {result['cold_s']:>7.2f} {result['warm_s']:>7.2f} "
                     f"{sum(p['db_hits'] for p in result['profile'].values()):>11,} "
                     f"{sum(result['reference'].values()):>12.2f}  (reference incl. "
                     f"{result['reference']['(index)']:.2f} s index)")
    for key, label in (("cold_s", "cold"), ("warm_s", "warm")):
        exponent = growth_exponent([(r["rows"], r[key]) for r in results])
        if exponent is not None:
            lines.append(f"growth exponent of the {label} scan time vs rows: {exponent:.2f}")
        if len(results) > 2:    # the smallest scale pays fixed costs (first plans, JIT)
            largest = sorted(results, key=lambda r: r["rows"])[-2:]
            exponent = growth_exponent([(r["rows"], r[key]) for r in largest])
            lines.append(f"  between the two largest scales: {exponent:.2f}")
    exponent = growth_exponent([(r["rows"], sum(r["reference"].values())) for r in results])
    if exponent is not None:
        lines.append(f"growth exponent of the reference implementation: {exponent:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="+", default=["town", "county", "province-slice"])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dir", action="append", default=[], metavar="SCALE=PATH",
                        help="A pre-generated dataset for a scale")
    parser.add_argument("--work", type=Path, default=Path("/tmp/lianjian-bench"))
    parser.add_argument("--json", type=Path, help="Also write the figures as JSON")
    args = parser.parse_args(argv)
    given = {item.split("=", 1)[0]: Path(item.split("=", 1)[1]) for item in args.dir}
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    with connect() as connection:
        for scale in args.scales:
            dataset = dataset_for(scale, args.seed, args.work, given)
            print(f"{scale}: {dataset}", file=sys.stderr, flush=True)
            results.append(measure(connection, scale, dataset))
            print(report(results[-1:]), file=sys.stderr, flush=True)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
