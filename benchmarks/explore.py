"""Time the analytics API on a loaded county: search, card, expand, portraits, profile,
timeline, anomaly ranking — the first call (query plans made) and the warm median.

Run it against a database holding a generated county (and its scan), unrestricted and as
a township's reader:

    .venv/bin/lianjian generate --scale county --seed 2024 --out /tmp/county-2024
    .venv/bin/lianjian load /tmp/county-2024 && .venv/bin/lianjian scan
    .venv/bin/python benchmarks/explore.py

Neo4j caches a plan per query text and per parameter types (a scope of 1, 2–10, 11–100…
units is a different type), so the first call of each reader pays for planning; restart
the server to measure cold figures. Nothing is written.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics import api  # noqa: E402
from graph.connection import connect  # noqa: E402

SUBJECTS = """
MATCH (a:Account)
WITH a, COUNT { (a)-[:PAID]->() } + COUNT { (a)<-[:PAID_TO]-() } AS transfers
ORDER BY transfers DESC LIMIT 1
MATCH (unit:Unit {level: 'township'})
WITH a, transfers, unit ORDER BY unit.unit_id LIMIT 1
MATCH (official:Person)-[:HOLDS_POSITION]->(:Unit)-[:PART_OF*0..]->(unit)
WITH a, transfers, unit, official ORDER BY COUNT { (official)<-[:EVIDENCE]-() } DESC LIMIT 1
MATCH (region:Unit) WHERE region.region_code IS NOT NULL
RETURN a.account_no AS account, transfers, unit.unit_id AS township,
       official.id_number AS official, official.name AS name,
       head(collect(region.region_code)) AS region
"""


def timed(call, repeat: int) -> tuple[float, float]:
    began = time.perf_counter()
    call()
    first = time.perf_counter() - began
    warm = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        warm.append(time.perf_counter() - began)
    return first, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per measure")
    arguments = parser.parse_args()
    with connect() as connection:
        [s] = connection.read(SUBJECTS)
        readers = {"everything": api.Scope.everything(),
                   f"township {s['township']}": api.Scope.of_units(connection, [s["township"]])}
        print(f"busiest account {s['account']} ({s['transfers']} transfers); official "
              f"{s['official']} ({s['name']}); region {s['region']}")
        print(f"{'measure':<44} {'reader':<22} {'first s':>8} {'warm s':>8}")
        for reader, scope in readers.items():
            measures = {
                "search: name": lambda: api.search_entities(connection, s["name"], scope=scope),
                "search: id number, lower-case": lambda: api.search_entities(
                    connection, s["official"].lower(), scope=scope),
                "entity card of the official": lambda: api.entity_card(
                    connection, s["official"], scope=scope),
                "integrity profile of the official": lambda: api.integrity_profile(
                    connection, s["official"], scope=scope),
                "timeline of the official, page 1": lambda: api.entity_timeline(
                    connection, s["official"], scope=scope),
                "unit portrait of the township": lambda: api.unit_portrait(
                    connection, s["township"], scope=scope),
            }
            if scope.unrestricted:
                measures |= {
                    "search: pinyin": lambda: api.search_entities(
                        connection, "zhangjianguo", scope=scope),
                    f"expand busiest account (limit 50)": lambda: api.expand(
                        connection, s["account"], scope=scope, limit=50),
                    "timeline busiest account, page 1 of 100": lambda: api.entity_timeline(
                        connection, s["account"], scope=scope),
                    "region portrait of the county": lambda: api.region_portrait(
                        connection, s["region"], scope=scope),
                    "contract anomaly ranking, every contract": lambda: (
                        api.rank_contract_anomalies(connection, scope=scope, top=20)),
                }
            for name, call in measures.items():
                try:
                    first, warm = timed(call, arguments.repeat)
                except api.EntityNotFound:
                    print(f"{name:<44} {reader:<22} {'not in scope':>17}")
                    continue
                print(f"{name:<44} {reader:<22} {first:>8.2f} {warm:>8.3f}")


if __name__ == "__main__":
    main()
