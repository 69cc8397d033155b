"""Time to export a 20-alert case as a PDF evidence report on a generated county.

The county (``lianjian generate --scale county --seed 2024``) is generated unless given,
loaded into an emptied database and scanned; a supervisor account opens a case of 20 alerts
(two of each rule where the rule has them, then the rest in id order) with the entities of
the first alert, ticks a checklist point on each, and the case is exported: PDF three times
(each time build, render and record, as ``lianjian report export`` does), then HTML once.
Printed: the case, pages, bytes and seconds of each export, split into building the data,
rendering and recording.

    .venv/bin/lianjian db start
    .venv/bin/python benchmarks/report_export.py [--data DIR] [--keep]

Needs a running Neo4j (``lianjian db start`` or NEO4J_URI); it empties that database unless
``--keep`` is given (then the loaded and scanned county already there is used).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.accounts import add_user, get_user, top_units  # noqa: E402
from analytics.alerts import read_alerts  # noqa: E402
from analytics.cases import open_case  # noqa: E402
from analytics.checklists import checklist_of, tick  # noqa: E402
from analytics.reports import build_report, record_export  # noqa: E402
from analytics.scan import run_scan  # noqa: E402
from analytics.scope import Scope  # noqa: E402
from graph.connection import connect  # noqa: E402
from graph.migrate import migrate  # noqa: E402
from ingest.loader import load_dataset  # noqa: E402
from web.reports import render_pdf, render_report_html  # noqa: E402

ACTOR = "bench.chief"


def prepare(connection, data: Path, keep: bool) -> None:
    if keep:
        return
    if not (data / "truth.csv").exists():
        subprocess.run([str(ROOT / ".venv/bin/lianjian"), "generate", "--scale", "county",
                        "--seed", "2024", "--out", str(data)], check=True)
    connection.delete_all_data()
    migrate(connection)
    began = time.perf_counter()
    result = load_dataset(connection, data, dataset=data.name)
    print(f"load: {result.rows_written:,} rows in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    scan = run_scan(connection, actor=ACTOR)
    print(f"scan: {scan.new_alerts} new alerts in {time.perf_counter() - began:.1f} s")


def _pages(pdf: bytes) -> str:
    """The page count pdfinfo reads (poppler-utils), or '?' without it."""
    try:
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return next((line.split()[-1] for line in info.stdout.decode().splitlines()
                 if line.startswith("Pages:")), "?")


def twenty_alerts(connection) -> list[str]:
    alerts = sorted(read_alerts(connection), key=lambda alert: alert["alert_id"])
    chosen: list[str] = []
    for rule in dict.fromkeys(alert["rule_id"] for alert in alerts):
        chosen += [a["alert_id"] for a in alerts if a["rule_id"] == rule][:2]
    chosen += [a["alert_id"] for a in alerts if a["alert_id"] not in chosen]
    return chosen[:20]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "lianjian-county-2024")
    parser.add_argument("--keep", action="store_true", help="use the county already loaded")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with connect() as connection:
        prepare(connection, options.data, options.keep)
        root = top_units(connection)[0]
        if get_user(connection, ACTOR) is None:
            add_user(connection, ACTOR, "benchmark password 2024", unit_id=root,
                     roles=["supervisor"], display_name="基准测试主任")
        everything = Scope.everything()
        alerts = twenty_alerts(connection)
        case_id = open_case(connection, actor=ACTOR, title="二十条预警的基准案件",
                            unit_id=root, scope=everything, alert_ids=alerts)["case_id"]
        for alert_id in alerts:
            rule_id = alert_id.split(":", 1)[0]
            first = checklist_of(rule_id)[0]
            tick(connection, alert_id, first.id, actor=ACTOR, checked=True,
                 note="基准测试：已核实", scope=everything)
        exporter = {"username": ACTOR, "display_name": "基准测试主任"}
        print(f"case {case_id}: {len(alerts)} alerts "
              f"({', '.join(sorted({a.split(':')[0] for a in alerts}))})")
        totals = []
        for run in range(options.runs):
            began = time.perf_counter()
            report = build_report(connection, scope=everything, exporter=exporter,
                                  case_id=case_id)
            built = time.perf_counter()
            pdf = render_pdf(render_report_html(report))
            rendered = time.perf_counter()
            record_export(connection, pdf, format="pdf", subject=case_id, kind="case",
                          exporter=ACTOR, audit_head=report["audit_head"])
            done = time.perf_counter()
            pages = _pages(pdf)
            totals.append(done - began)
            print(f"pdf run {run + 1}: {done - began:.2f} s (data {built - began:.2f} s, "
                  f"render {rendered - built:.2f} s, record {done - rendered:.2f} s), "
                  f"{len(pdf):,} bytes, {pages} pages, {report['fact_rows']} facts")
        began = time.perf_counter()
        report = build_report(connection, scope=everything, exporter=exporter, case_id=case_id)
        html = render_report_html(report).encode("utf-8")
        record_export(connection, html, format="html", subject=case_id, kind="case",
                      exporter=ACTOR, audit_head=report["audit_head"])
        print(f"html: {time.perf_counter() - began:.2f} s, {len(html):,} bytes")
        print(f"PDF of a 20-alert case: median {statistics.median(totals):.2f} s over "
              f"{len(totals)} runs")


if __name__ == "__main__":
    main()
