"""Measure the embedded check and the public complaint form on a loaded county.

1. ``POST /api/v1/checks``: ``--callers`` business systems (default 20) each keep one
   check in flight for ``--seconds`` (default 60). Rows are drawn from the county itself:
   contracts of real buyers with real suppliers (half of them suppliers an alert links to
   an official's relative, so blocks are exercised), and subsidy payments to real
   recipients; each row gets a new key and today's date. Target: p95 < 200 ms, 0 errors.
2. The public complaint form from loopback at ``--rate`` filings per second (default 50)
   for ``--filings`` filings (default 1000), a tenth of them posted twice (a double tap):
   forms are fetched and their proof of work computed first (as each citizen's browser
   would), then posted on a fixed schedule. Checked afterwards: every accepted filing is
   stored exactly once and every double tap got the same tracking code. The per-address
   complaint throttle is raised for the run (all filings come from 127.0.0.1); every other
   guard (form signature, fill time, proof of work, CSRF) is on.

    LIANJIAN_HOME=… LIANJIAN_BOLT_PORT=… .venv/bin/python benchmarks/checks.py
    NEO4J_URI=… .venv/bin/python benchmarks/checks.py --seconds 30 --filings 500

Needs a loaded, scanned county (``make demo`` or ``lianjian load`` + ``lianjian scan``).
The run's service account, its checks and its complaints are removed at the end; their
audit events stay (the trail is append-only).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from analytics.accounts import add_user, create_token, top_units  # noqa: E402
from graph.connection import Connection, connect  # noqa: E402
from graph.settings import get_settings  # noqa: E402

CALLER = "bench-checks"
TARGET_P95_MS = 200

CONTRACT_ROWS = """
MATCH (contract:Contract)-[:BUYER]->(buyer:Unit), (contract)-[:SUPPLIER]->(supplier:Company)
WHERE supplier.credit_code IS NOT NULL AND buyer.unit_id IN $units
WITH buyer, supplier, contract ORDER BY rand() LIMIT $limit
RETURN buyer.unit_id AS buyer_unit_id, supplier.credit_code AS supplier_credit_code,
       contract.category AS category, contract.method AS method, contract.amount AS amount
"""

RELATIVE_ROWS = """
MATCH (alert:Alert {rule_id: 'relative_supplier'})-[:EVIDENCE {role: 'contract'}]->
      (contract:Contract)-[:BUYER]->(buyer:Unit)
MATCH (contract)-[:SUPPLIER]->(supplier:Company)
WHERE buyer.unit_id IN $units
RETURN DISTINCT buyer.unit_id AS buyer_unit_id, supplier.credit_code AS supplier_credit_code,
       contract.category AS category, contract.method AS method, contract.amount AS amount
LIMIT $limit
"""

SUBSIDY_ROWS = """
MATCH (payment:SubsidyPayment)-[:ISSUED_BY]->(unit:Unit),
      (payment)-[:RECIPIENT]->(person:Person)
WHERE unit.unit_id IN $units
WITH payment, unit, person ORDER BY rand() LIMIT $limit
OPTIONAL MATCH (payment)-[:APPROVED_BY]->(approver:Person)
RETURN unit.unit_id AS unit_id, person.id_number AS recipient_id_number,
       payment.program AS program, payment.amount AS amount,
       approver.id_number AS approver_id_number, payment.account_no AS account_no
"""

SUBTREE = """
MATCH (unit:Unit)-[:PART_OF*0..8]->(:Unit {unit_id: $root})
RETURN collect(unit.unit_id) AS units
"""

PUBLIC_UNIT = "MATCH (u:Unit) WHERE u.level IN $levels RETURN u.unit_id AS unit_id LIMIT 1"

CLEAN_UP = """
MATCH (u:User {username: $caller})
OPTIONAL MATCH (t:ApiToken)-[:TOKEN_OF]->(u)
DETACH DELETE t, u
WITH count(*) AS users
MATCH (c:CheckRun {caller: $caller})
DETACH DELETE c
"""

DROP_COMPLAINTS = """
UNWIND $ids AS id
MATCH (c:Complaint {complaint_id: id})
OPTIONAL MATCH (c)-[:HAS_EVENT]->(event)
DETACH DELETE event, c
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class Served:
    """``lianjian serve``'s app in a child process on a free loopback port (the load
    client must not share the server's interpreter lock), stopped at the end."""

    workers = 1     # --workers: uvicorn worker processes (each with its own connection)

    def __init__(self, **overrides):
        environment = {**os.environ, **{f"LIANJIAN_{name.upper()}": str(value)
                                        for name, value in overrides.items()}}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--no-server-header", "--workers", str(self.workers)], cwd=ROOT,
            env=environment)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/public", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("the workbench did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def proposed_rows(connection: Connection, units: list[str], count: int) -> list[dict]:
    today = time.strftime("%Y-%m-%d")
    related = connection.read(RELATIVE_ROWS, units=units, limit=count // 2)
    plain = connection.read(CONTRACT_ROWS, units=units, limit=count)
    subsidies = connection.read(SUBSIDY_ROWS, units=units, limit=count // 2)
    rows = []
    for row in related + plain[:count - len(related)]:
        rows.append({"kind": "contract", "row": {
            **{k: v for k, v in row.items() if v is not None}, "signed_date": today,
            "title": "压测拟签合同"}})
    for row in subsidies:
        rows.append({"kind": "subsidy", "row": {
            **{k: v for k, v in row.items() if v is not None}, "date": today}})
    random.shuffle(rows)
    return rows


async def check_caller(url: str, secret: str, rows: list[dict], deadline: float,
                       results: dict, limit: int, think: float = 0.0) -> None:
    headers = {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        for number in range(limit):
            if think:       # a clerk's approval between two checks of one business system
                await asyncio.sleep(random.expovariate(1 / think))
            if time.monotonic() >= deadline:
                return
            body = rows[number % len(rows)]
            began = time.perf_counter()
            try:
                answer = await client.post("/api/v1/checks", json=body)
                ok = answer.status_code == 200
                if ok:
                    results["outcomes"][answer.json()["result"]] += 1
                else:
                    results["messages"].append(answer.text[:200])
            except httpx.HTTPError as error:
                ok = False
                results["messages"].append(str(error)[:200])
            results["ms"].append((time.perf_counter() - began) * 1000)
            results["errors"] += 0 if ok else 1


def bench_checks(connection: Connection, callers: int, seconds: float,
                 think: float = 0.0) -> bool:
    root = next(iter(top_units(connection)), None)
    if root is None:
        raise SystemExit("no unit is loaded: load and scan a county first")
    units = connection.read(SUBTREE, root=root)[0]["units"]
    rows = proposed_rows(connection, units, 400)
    if not rows:
        raise SystemExit("the county has no contracts or payments to propose")
    connection.write(CLEAN_UP, caller=CALLER)
    add_user(connection, CALLER, secrets.token_urlsafe(18), unit_id=root, roles=["system"])
    secret = create_token(connection, CALLER, "benchmark").secret
    served = Served()
    url = served.url
    results = {"ms": [], "errors": 0, "messages": [],
               "outcomes": {"pass": 0, "warn": 0, "block": 0}}
    try:
        asyncio.run(asyncio.wait_for(check_caller(url, secret, rows[:5], time.monotonic() + 10,
                                                  {"ms": [], "errors": 0, "messages": [],
                                                   "outcomes": results["outcomes"].copy()},
                                                  5), 60))          # plans warmed
        deadline = time.monotonic() + seconds
        began = time.monotonic()

        async def everyone() -> None:
            await asyncio.gather(*(check_caller(url, secret, rows[n::callers] or rows,
                                                deadline, results, 100_000, think)
                                   for n in range(callers)))

        asyncio.run(everyone())
        elapsed = time.monotonic() - began
    finally:
        served.stop()
        connection.write(CLEAN_UP, caller=CALLER)
    times = results["ms"]
    p95 = percentile(times, 0.95)
    print(f"checks: {callers} callers pausing {think:g} s on average, {elapsed:.0f} s, "
          f"{len(times)} checks "
          f"({len(times) / elapsed:.1f}/s), {results['errors']} errors; results "
          f"{results['outcomes']}")
    print(f"  p50 {statistics.median(times):.1f} ms  p95 {p95:.1f} ms  max {max(times):.1f} ms"
          f"  target p95 < {TARGET_P95_MS} ms: {'ok' if p95 < TARGET_P95_MS else 'MISSED'}")
    for message in results["messages"][:3]:
        print("  error:", message)
    return results["errors"] == 0 and p95 < TARGET_P95_MS


def solve(token: str, bits: int) -> str:
    counter = 0
    while int.from_bytes(hashlib.sha256(f"{token}:{counter}".encode()).digest(),
                         "big") >> (256 - bits):
        counter += 1
    return str(counter)


async def prepare_forms(client: httpx.AsyncClient, place: str, count: int) -> list[dict]:
    forms = []
    for number in range(count):
        answer = await client.get(f"/public/complaints/new?place={place}")
        html = answer.text
        token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
        bits = int(re.search(r'data-pow-bits="(\d+)"', html).group(1))
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        forms.append({"csrf_token": csrf, "form_token": token, "proof": solve(token, bits),
                      "category": "subsidy", "place": place,
                      "text": f"压测举报第{number}件：低保发放名单需要核实。"})
    return forms


async def file_at_rate(url: str, forms: list[dict], rate: float, duplicates: int) -> dict:
    cookie_name = ("__Host-" if get_settings().cookie_secure else "") + "lianjian-pre"
    plan = [(form, False) for form in forms] + [(form, True) for form in forms[:duplicates]]
    outcome = {"ms": [], "codes": {}, "again": [], "errors": 0, "statuses": {}}
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 limits=httpx.Limits(max_connections=200)) as client:
        began = time.monotonic()

        async def one(index: int, form: dict, repeat: bool) -> None:
            await asyncio.sleep(max(0.0, began + index / rate - time.monotonic()))
            start = time.perf_counter()
            try:
                answer = await client.post("/public/complaints", data=form, headers={
                    "Cookie": f"{cookie_name}={form['csrf_token']}"})
                status = answer.status_code
            except httpx.HTTPError:
                status = 0
            outcome["ms"].append((time.perf_counter() - start) * 1000)
            outcome["statuses"][status] = outcome["statuses"].get(status, 0) + 1
            if status not in (200, 201):
                outcome["errors"] += 1
                return
            code = re.search(r'id="tracking-code">([A-Z2-7-]+)<', answer.text).group(1)
            if repeat:
                outcome["again"].append((form["form_token"], code))
            else:
                outcome["codes"][form["form_token"]] = code

        await asyncio.gather(*(one(i, form, repeat) for i, (form, repeat) in enumerate(plan)))
        outcome["seconds"] = time.monotonic() - began
    return outcome


def bench_complaints(connection: Connection, rate: float, filings: int) -> bool:
    settings = get_settings()
    place = connection.read(PUBLIC_UNIT, levels=settings.public_unit_levels)
    if not place:
        raise SystemExit("no township or village is loaded")
    served = Served(complaint_max_per_address=10_000_000, complaint_window_s=60)
    url = served.url
    from analytics.public_forms import complaint_id_for

    try:
        async def prepare() -> list[dict]:
            async with httpx.AsyncClient(base_url=url, timeout=30) as client:
                return await prepare_forms(client, place[0]["unit_id"], filings)

        began = time.monotonic()
        forms = asyncio.run(prepare())
        print(f"complaints: {filings} forms fetched and proved in "
              f"{time.monotonic() - began:.0f} s")
        wait = settings.complaint_min_fill_s - (time.monotonic() - began)
        time.sleep(max(0.0, wait))
        outcome = asyncio.run(file_at_rate(url, forms, rate, duplicates=filings // 10))
    finally:
        served.stop()
    ids = [complaint_id_for(form["form_token"].split(".")[2]) for form in forms]
    stored = connection.read("UNWIND $ids AS id MATCH (c:Complaint {complaint_id: id}) "
                             "RETURN id, count(c) AS n", ids=ids)
    accepted = set(outcome["codes"])
    once = all(row["n"] == 1 for row in stored) and len(stored) == len(accepted)
    same = all(outcome["codes"].get(token) == code for token, code in outcome["again"])
    connection.write(DROP_COMPLAINTS, ids=ids)
    times = outcome["ms"]
    posted = len(times)
    achieved = posted / outcome["seconds"]
    print(f"  {posted} posts ({filings} filings + {filings // 10} double taps) in "
          f"{outcome['seconds']:.1f} s = {achieved:.1f}/s (asked {rate:.0f}/s); statuses "
          f"{outcome['statuses']}")
    print(f"  p50 {statistics.median(times):.1f} ms  p95 {percentile(times, 0.95):.1f} ms  "
          f"max {max(times):.1f} ms; stored {len(stored)} of {len(accepted)} accepted, "
          f"each once: {once}; double taps got the same code: {same}")
    return outcome["errors"] == 0 and once and same and achieved >= rate * 0.95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--filings", type=int, default=1000)
    parser.add_argument("--only", choices=("checks", "complaints"))
    parser.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                        help="Mean pause of a caller between two checks (default 0)")
    parser.add_argument("--workers", type=int, default=1,
                        help="App worker processes (as `lianjian serve --workers N`)")
    arguments = parser.parse_args()
    Served.workers = arguments.workers
    with connect(get_settings()) as connection:
        passed = True
        if arguments.only != "complaints":
            passed &= bench_checks(connection, arguments.callers, arguments.seconds,
                                   arguments.think)
        if arguments.only != "checks":
            passed &= bench_complaints(connection, arguments.rate, arguments.filings)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
