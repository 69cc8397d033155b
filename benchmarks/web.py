"""Load the workbench with concurrent signed-in users and print p50/p95 per page and errors.

A bounded load client on loopback: ``--users`` users (default 20) each keep one request in
flight for ``--seconds`` (default 60), choosing pages from a weighted mix, then everything
stops by itself. The users are made for the run (role supervisor, at the top unit, so
every page is in their jurisdiction) with sessions opened directly in the database (the
sign-in form and its argon2 cost are not what is measured), and are deleted at the end.

    NEO4J_URI=… .venv/bin/python benchmarks/web.py [--users 20] [--seconds 60]
    .venv/bin/python benchmarks/web.py --url http://127.0.0.1:8000   # a running `lianjian serve`

Without ``--url`` the app is served in this process on 127.0.0.1 and a free port. Pages are
added to the mix with ``--page name=/path`` (repeatable, weight 1) once they exist; the
mix below holds what the workbench serves today. Targets (issue 11): profile p95 < 500 ms,
search p95 < 300 ms, no errors; pages without a target are reported only.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from analytics.accounts import add_user, top_units  # noqa: E402
from analytics.sessions import open_session  # noqa: E402
from graph.connection import Connection, connect  # noqa: E402
from graph.settings import get_settings  # noqa: E402
from web.app import UVICORN_OPTIONS, create_app  # noqa: E402
from web.context import session_cookie_name  # noqa: E402

# (name, path, weight): the pages of the workbench today. The data pages (search, profile,
# portrait, queue) join with their round of issue 11.
MIX = [("home", "/", 3), ("me", "/api/v1/me", 1), ("scans", "/api/v1/scans", 2),
       ("loads", "/api/v1/loads", 1)]
TARGETS_MS = {"profile": 500, "search": 300}
PREFIX = "bench-"

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
        cookies.append(open_session(connection, username, address="127.0.0.1",
                                    absolute_s=3600)[0])
    return cookies


def serve_here(connection: Connection) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(get_settings(), connection),
                                           host="127.0.0.1", port=port, log_level="warning",
                                           **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the workbench did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


async def one_user(url: str, cookie: str, cookie_name: str, mix: list, deadline: float,
                   results: dict, max_requests: int) -> None:
    names = [name for name, _, _ in mix]
    paths = {name: path for name, path, _ in mix}
    weights = [weight for _, _, weight in mix]
    headers = {"Cookie": f"{cookie_name}={cookie}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30,
                                 follow_redirects=False) as client:
        for _ in range(max_requests):
            if time.monotonic() >= deadline:
                return
            name = random.choices(names, weights)[0]
            began = time.perf_counter()
            try:
                answer = await client.get(paths[name])
                ok = answer.status_code == 200
            except httpx.HTTPError:
                ok = False
            results[name]["ms"].append((time.perf_counter() - began) * 1000)
            results[name]["errors"] += 0 if ok else 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(results: dict, seconds: float, users: int) -> bool:
    total = sum(len(r["ms"]) for r in results.values())
    errors = sum(r["errors"] for r in results.values())
    print(f"{users} users, {seconds:.0f} s: {total} requests ({total / seconds:.1f}/s), "
          f"{errors} errors")
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
    arguments = parser.parse_args()
    mix = MIX + [(*item.split("=", 1), 1) for item in arguments.page]
    settings = get_settings()
    with connect(settings) as connection:
        cookies = make_sessions(connection, arguments.users)
        server = None
        try:
            url = arguments.url
            if not url:
                url, server, thread = serve_here(connection)
            results = {name: {"ms": [], "errors": 0} for name, _, _ in mix}
            deadline = time.monotonic() + arguments.seconds
            began = time.monotonic()

            async def everyone() -> None:
                await asyncio.gather(*(one_user(url, cookie, session_cookie_name(settings),
                                                mix, deadline, results,
                                                arguments.max_requests)
                                       for cookie in cookies))

            asyncio.run(everyone())
            passed = report(results, time.monotonic() - began, arguments.users)
        finally:
            if server is not None:
                server.should_exit = True
                thread.join(15)
            connection.write(CLEAN_UP, prefix=PREFIX)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
