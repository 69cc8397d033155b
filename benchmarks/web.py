"""Load the workbench with concurrent signed-in users and print p50/p95 per page and errors.

A bounded load client on loopback: ``--users`` users (default 20) each keep one request in
flight for ``--seconds`` (default 60), choosing pages from a weighted mix of the data pages
(search by name and by ID number, entity page, integrity profile, unit portrait, alert
queue, alert page) and the home page, then everything stops by itself. Each request picks
its key at random among samples read from the loaded county before the run (officials named
by alerts, their names, the units, the alerts). The users are made for the run (role
supervisor, at the top unit, so every page is in their jurisdiction) with sessions opened
directly in the database (the sign-in form and its argon2 cost are not what is measured),
and are deleted at the end. Every page read is audited as in real use (one append to the
hash-chained trail per request, serialised on its head).

    NEO4J_URI=… .venv/bin/python benchmarks/web.py [--users 20] [--seconds 60]
    .venv/bin/python benchmarks/web.py --url http://127.0.0.1:8000   # a running `lianjian serve`

Without ``--url`` the app is served in this process on 127.0.0.1 and a free port, with its
background warm-up of query plans; the run starts when that warm-up has ended and every
page was asked once (untimed), so the figures are those of a warm server. The machine's
load average is sampled during the run and printed with the figures: on a shared machine
they say as much about the neighbours as about the workbench. Targets (issue 11): profile
p95 < 500 ms, search p95 < 300 ms, no errors; other pages are reported only.

``--think S`` gives each user a pause between clicks (exponential, mean S seconds, the
time a person reads a page); without it each user keeps one request in flight, a stress
far beyond twenty people at work. ``--workers N`` serves the app as ``lianjian serve
--workers N`` in its own processes instead of in this one, so the load client does not
share the app's interpreter lock.

Map expansion (issue 12) joins the mix as POSTs to ``/api/v1/map/expand`` with the
session's CSRF token, as the map page sends them: ``map_expand`` expands an official,
supplier, unit or contract of the county (all tie types, or one, with a map of 30 entities
already drawn), ``map_expand_busy`` pages through the busiest account's transfers. Target:
p95 < 300 ms. ``--only map_expand --only map_expand_busy`` measures them alone.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from analytics import map_warm  # noqa: E402
from analytics.accounts import add_user, top_units  # noqa: E402
from analytics.scope import Scope  # noqa: E402
from analytics.sessions import open_session  # noqa: E402
from graph.connection import Connection, connect  # noqa: E402
from graph.local_server import LocalServer  # noqa: E402
from graph.settings import get_settings  # noqa: E402
from web.app import UVICORN_OPTIONS, create_app  # noqa: E402
from web.context import session_cookie_name  # noqa: E402

# (name, path, weight); {person}, {name}, {unit}, {alert} are filled per request from the
# county's samples. Search, profile, portrait and queue are what investigators do most.
MIX = [("home", "/", 1), ("search", "/search?q={name}", 3),
       ("search_id", "/search?q={person}", 2), ("entity", "/entities/{person}", 2),
       ("profile", "/profiles/{person}", 3), ("portrait", "/portraits/{unit}", 2),
       ("queue", "/alerts?page={page}", 2), ("alert", "/alerts/{alert}", 2)]
TARGETS_MS = {"profile": 500, "search": 300, "search_id": 300, "map_expand": 300,
              "map_expand_busy": 300}
SAMPLES = """
MATCH (alert:Alert)-[:EVIDENCE]->(person:Person)-[:HOLDS_POSITION]->(unit:Unit)
WITH alert, person, unit LIMIT 2000
RETURN collect(DISTINCT person.id_number)[..200] AS persons,
       collect(DISTINCT person.name)[..200] AS names,
       collect(DISTINCT unit.unit_id)[..100] AS units,
       collect(DISTINCT alert.alert_id)[..200] AS alerts
"""
PREFIX = "bench-"
CSRF: dict[str, str] = {}    # session cookie → its CSRF token (for the POSTs of the map)

# Map expansion (issue 12): entities of the county to expand, picked once at start.
MAP_SAMPLES = """
CALL {
  MATCH (p:Person)-[:HOLDS_POSITION]->(:Unit) RETURN DISTINCT 'Person:' + p.id_number AS id
  LIMIT 60
  UNION
  MATCH (c:Company)<-[:SUPPLIER]-(:Contract) RETURN DISTINCT 'Company:' + c.credit_code AS id
  LIMIT 60
  UNION
  MATCH (u:Unit) RETURN 'Unit:' + u.unit_id AS id LIMIT 20
  UNION
  MATCH (k:Contract) RETURN 'Contract:' + k.contract_id AS id LIMIT 20
}
RETURN collect(id) AS ids
"""
BUSIEST_ACCOUNT = """
MATCH (a:Account)
RETURN 'Account:' + a.account_no AS id, COUNT { (a)-[:PAID]->() } AS transfers
ORDER BY transfers DESC LIMIT 1
"""
MAP_TYPES = ("HOLDS_POSITION", "HAS_RELATIVE", "HOLDS_ROLE", "SUPPLIER", "BUYER",
             "APPROVED_BY", "HELD_BY", "EVIDENCE")


def map_mix(connection: Connection) -> list:
    """The map's entries of the mix: (name, request maker, weight); each maker returns
    (method, path, JSON body)."""
    ids = connection.read(MAP_SAMPLES)[0]["ids"]
    busiest = connection.read(BUSIEST_ACCOUNT)
    if not ids:
        return []

    def expand() -> tuple:
        chosen = random.choice(ids)
        types = None if random.random() < 0.4 else [random.choice(MAP_TYPES)]
        return ("POST", "/api/v1/map/expand",
                {"id": chosen, "types": types, "limit": 50,
                 "on_map": random.sample(ids, min(30, len(ids)))})

    mix = [("map_expand", expand, 4)]
    if busiest:
        account, transfers = busiest[0]["id"], busiest[0]["transfers"]
        print(f"busiest account {account}: {transfers} transfers")

        def expand_busy() -> tuple:
            offset = random.choice([0, 0, random.randrange(0, max(1, transfers - 50))])
            return ("POST", "/api/v1/map/expand",
                    {"id": account, "types": ["PAID"], "offset": offset, "limit": 50,
                     "on_map": [account]})

        mix.append(("map_expand_busy", expand_busy, 1))
    return mix

CLEAN_UP = """
MATCH (u:User) WHERE u.username STARTS WITH $prefix
OPTIONAL MATCH (s:WebSession)-[:SESSION_OF]->(u)
DETACH DELETE s, u
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_sessions(connection: Connection, users: int) -> list[str]:
    """One benchmark user and one live session each; returns the cookie values."""
    unit = next(iter(top_units(connection)), None)
    if unit is None:
        raise SystemExit("no unit is loaded: load a county first (make demo)")
    connection.write(CLEAN_UP, prefix=PREFIX)
    cookies = []
    for number in range(users):
        username = f"{PREFIX}{number:02d}"
        add_user(connection, username, secrets.token_urlsafe(18), unit_id=unit,
                 roles=["supervisor"], display_name=f"压测{number:02d}")
        cookie, session = open_session(connection, username, address="127.0.0.1",
                                       absolute_s=3600)
        CSRF[cookie] = session.csrf_token
        cookies.append(cookie)
    return cookies


def serve_here(connection: Connection) -> tuple[str, uvicorn.Server, threading.Thread]:
    """The app on a free port of 127.0.0.1, its query plans warmed before it returns."""
    port = free_port()
    app = create_app(get_settings(), connection, warm=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the workbench did not start")
        time.sleep(0.05)
    began = time.monotonic()
    app.state.warmer.wait()
    print(f"warm-up of the query plans: {time.monotonic() - began:.1f} s")
    return f"http://127.0.0.1:{port}", server, thread


def serve_workers(workers: int) -> tuple[str, subprocess.Popen]:
    """``lianjian serve --workers N`` on a free port, answering before it returns."""
    port = free_port()
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "lianjian"), "serve", "--port",
                                str(port), "--workers", str(workers)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit("lianjian serve --workers did not start")
        try:
            if httpx.get(url + "/login", timeout=2).status_code == 200:
                return url, process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("lianjian serve --workers did not answer in 120 s")


def samples(connection: Connection) -> dict[str, list]:
    """Keys the pages are asked for: officials named by alerts, names, units, alerts."""
    [found] = connection.read(SAMPLES)
    if not found["alerts"]:
        raise SystemExit("no alert names an official: scan the county first (make demo)")
    return {"person": found["persons"], "name": found["names"], "unit": found["units"],
            "alert": found["alerts"], "page": [1, 2, 3]}


def fill(path: str, keys: dict[str, list]) -> str:
    return path.format(**{name: random.choice(values) for name, values in keys.items()})


async def one_user(url: str, cookie: str, cookie_name: str, mix: list, keys: dict,
                   deadline: float, results: dict, max_requests: int,
                   think: float = 0.0) -> None:
    names = [name for name, _, _ in mix]
    paths = {name: path for name, path, _ in mix}
    weights = [weight for _, _, weight in mix]
    headers = {"Cookie": f"{cookie_name}={cookie}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30,
                                 follow_redirects=False) as client:
        for _ in range(max_requests):
            if think:
                await asyncio.sleep(random.expovariate(1 / think))
            if time.monotonic() >= deadline:
                return
            name = random.choices(names, weights)[0]
            target = paths[name]
            method, path, body = (target() if callable(target)
                                  else ("GET", fill(target, keys), None))
            began = time.perf_counter()
            try:
                answer = await client.request(method, path, json=body,
                                              headers={"X-CSRF-Token": CSRF.get(cookie, "")})
                ok = answer.status_code == 200
            except httpx.HTTPError:
                ok = False
            results[name]["ms"].append((time.perf_counter() - began) * 1000)
            results[name]["errors"] += 0 if ok else 1


async def first_pass(url: str, cookie: str, cookie_name: str, mix: list, keys: dict) -> None:
    """Every page once, untimed (plans of the page's own reads, templates compiled)."""
    async with httpx.AsyncClient(base_url=url, headers={"Cookie": f"{cookie_name}={cookie}"},
                                 timeout=300) as client:
        for _, target, _ in mix:
            method, path, body = (target() if callable(target)
                                  else ("GET", fill(target, keys), None))
            await client.request(method, path, json=body,
                                 headers={"X-CSRF-Token": CSRF.get(cookie, "")})


class LoadSampler:
    """The 1-minute load average, sampled every 5 s in a thread during the run."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "LoadSampler":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            self.values.append(os.getloadavg()[0])
            if self._stop.wait(5):
                return


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children, from /proc (0 if gone)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    seen, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            todo += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children")
                     .read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(results: dict, seconds: float, users: int, load: list[float]) -> bool:
    total = sum(len(r["ms"]) for r in results.values())
    errors = sum(r["errors"] for r in results.values())
    print(f"{users} users, {seconds:.0f} s: {total} requests ({total / seconds:.1f}/s), "
          f"{errors} errors")
    if load:
        print(f"machine: {os.cpu_count()} cores, 1-min load average during the run "
              f"{min(load):.1f}–{max(load):.1f} (mean {statistics.mean(load):.1f})")
    print(f"{'page':<10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
          f"{'errors':>6}  target")
    passed = errors == 0
    for name, figures in results.items():
        times = figures["ms"]
        if not times:
            continue
        p95 = percentile(times, 0.95)
        target = TARGETS_MS.get(name)
        verdict = "" if target is None else (f"p95 < {target}: " +
                                             ("ok" if p95 < target else "MISSED"))
        passed &= target is None or p95 < target
        print(f"{name:<10} {len(times):>8} {statistics.median(times):>8.1f} {p95:>8.1f} "
              f"{max(times):>8.1f} {figures['errors']:>6}  {verdict}")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", help="A running workbench (default: serve one here)")
    parser.add_argument("--page", action="append", default=[], metavar="NAME=/PATH")
    parser.add_argument("--max-requests", type=int, default=100_000,
                        help="Per user: the loop is bounded in count as well as time")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="Measure only these entries of the mix (repeatable)")
    parser.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                        help="Mean pause of a user between clicks (default 0: no pause)")
    parser.add_argument("--workers", type=int, default=0,
                        help="Serve with `lianjian serve --workers N` in its own processes")
    arguments = parser.parse_args()
    settings = get_settings()
    with connect(settings) as connection:
        mix = MIX + [(*item.split("=", 1), 1) for item in arguments.page] + map_mix(connection)
        if arguments.only:
            mix = [entry for entry in mix if entry[0] in arguments.only]
        cookies = make_sessions(connection, arguments.users)
        if any(name.startswith("map_") for name, _, _ in mix):
            # As the app's warmer would: the map's scoped reads planned before measuring.
            map_warm.warm_up(connection, scope=Scope.of_units(
                connection, [next(iter(top_units(connection)))]))
        server = process = None
        try:
            url = arguments.url
            if not url and arguments.workers:
                url, process = serve_workers(arguments.workers)
            elif not url:
                url, server, thread = serve_here(connection)
            keys = samples(connection)
            name = session_cookie_name(settings)
            for _ in range(max(1, arguments.workers) * 2):   # each worker's templates
                asyncio.run(first_pass(url, cookies[0], name, mix, keys))
            results = {page: {"ms": [], "errors": 0} for page, _, _ in mix}
            deadline = time.monotonic() + arguments.seconds
            began = time.monotonic()

            async def everyone() -> None:
                await asyncio.gather(*(one_user(url, cookie, name, mix, keys, deadline,
                                                results, arguments.max_requests,
                                                arguments.think)
                                       for cookie in cookies))

            app_pids = [process.pid] if process is not None else [os.getpid()]
            neo4j_pid = LocalServer(settings).pid() if not settings.uses_remote_server \
                else None
            before = cpu_seconds(app_pids), cpu_seconds([neo4j_pid] if neo4j_pid else [])
            with LoadSampler() as load:
                asyncio.run(everyone())
            spent = (cpu_seconds(app_pids) - before[0],
                     cpu_seconds([neo4j_pid] if neo4j_pid else []) - before[1])
            print(f"think time: {arguments.think:g} s mean per click; app: " +
                  (f"lianjian serve --workers {arguments.workers}" if arguments.workers
                   else arguments.url or "in this process"))
            passed = report(results, time.monotonic() - began, arguments.users, load.values)
            done = sum(len(r["ms"]) for r in results.values())
            if done and arguments.workers:
                print(f"CPU per request: app {spent[0] / done * 1000:.1f} ms"
                      + (f" + Neo4j {spent[1] / done * 1000:.1f} ms" if neo4j_pid else "")
                      + f" (of {os.cpu_count()} cores)")
        finally:
            if server is not None:
                server.should_exit = True
                thread.join(15)
            if process is not None:
                process.terminate()
                process.wait(30)
            connection.write(CLEAN_UP, prefix=PREFIX)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
