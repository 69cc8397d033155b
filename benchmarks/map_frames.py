"""How large a relationship map stays fluid: frame times of a pan and a zoom in headless
Chromium, with N entities drawn (default 500), and the time to add an expansion to it.

The app is served in this process against the database of the environment (a generated
county, loaded and scanned); a user is made for the run and deleted at the end. The page
opens N entities of the county at once (/api/v1/map/graph), lays them out once, then the
script animates a pan and a zoom with vis-network's own ``moveTo`` and records every
``requestAnimationFrame`` interval meanwhile. Chromium runs as in the tests: headless, no
GPU (software rendering, the slow case).

    NEO4J_URI=… .venv/bin/python benchmarks/map_frames.py [--nodes 500] [--seconds 3]
"""
from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import importlib.util  # noqa: E402

from analytics import map_warm  # noqa: E402
from analytics.accounts import add_user, top_units  # noqa: E402
from analytics.scope import Scope  # noqa: E402
from analytics.sessions import open_session  # noqa: E402
from graph.connection import connect  # noqa: E402
from graph.settings import get_settings  # noqa: E402
from web.context import session_cookie_name  # noqa: E402

_SPEC = importlib.util.spec_from_file_location("bench_web", ROOT / "benchmarks" / "web.py")
_BENCH_WEB = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_BENCH_WEB)
serve_here = _BENCH_WEB.serve_here     # the app served in this process, as benchmarks/web.py
USER = "bench-frames"
SAMPLE = """
CALL {
  MATCH (p:Person)-[:HOLDS_POSITION]->(:Unit) RETURN DISTINCT 'Person:' + p.id_number AS id
  UNION
  MATCH (c:Company)<-[:SUPPLIER]-(:Contract) RETURN DISTINCT 'Company:' + c.credit_code AS id
  UNION
  MATCH (k:Contract) RETURN 'Contract:' + k.contract_id AS id
  UNION
  MATCH (u:Unit) RETURN 'Unit:' + u.unit_id AS id
}
RETURN id LIMIT $n
"""
# Animate the camera for ``ms`` and collect the intervals between frames.
MEASURE = """async ([kind, ms]) => {
  const network = window.lianjianMap.view.network;
  const start = network.getViewPosition();
  const scale = network.getScale();
  const frames = [];
  let last = performance.now();
  let running = true;
  const tick = (now) => { frames.push(now - last); last = now; if (running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  if (kind === "pan") {
    network.moveTo({ position: { x: start.x + 1500, y: start.y + 600 }, scale,
                     animation: { duration: ms, easingFunction: "linear" } });
  } else {
    network.moveTo({ position: start, scale: scale * 4,
                     animation: { duration: ms, easingFunction: "linear" } });
  }
  await new Promise((resolve) => setTimeout(resolve, ms + 100));
  running = false;
  network.moveTo({ position: start, scale });
  return frames.slice(1);
}"""


def figures(frames: list[float]) -> str:
    ordered = sorted(frames)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"{len(frames)} frames, mean {statistics.mean(frames):.1f} ms "
            f"({1000 / statistics.mean(frames):.0f} fps), p95 {p95:.1f} ms, "
            f"max {max(frames):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=3.0)
    arguments = parser.parse_args()
    settings = get_settings()
    from playwright.sync_api import sync_playwright

    with connect(settings) as connection:
        unit = next(iter(top_units(connection)))
        connection.write("MATCH (u:User {username: $u}) OPTIONAL MATCH (s)-[:SESSION_OF]->(u) "
                         "DETACH DELETE s, u", u=USER)
        add_user(connection, USER, secrets.token_urlsafe(18), unit_id=unit,
                 roles=["investigator"], display_name="图谱测帧")
        cookie, _ = open_session(connection, USER, address="127.0.0.1", absolute_s=3600)
        map_warm.warm_up(connection, scope=Scope.of_units(connection, [unit]))
        ids = [row["id"] for row in connection.read(SAMPLE, n=arguments.nodes)]
        url, server, thread = serve_here(connection)
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True,
                    args=["--headless", "--no-sandbox", "--disable-gpu"])
                context = browser.new_context(viewport={"width": 1600, "height": 900})
                # Host-only, path / (a __Host- cookie may carry no domain and a url with
                # http:// makes Chromium refuse a Secure one).
                context.add_cookies([{"name": session_cookie_name(settings), "value": cookie,
                                      "domain": "127.0.0.1", "path": "/",
                                      "secure": settings.cookie_secure,
                                      "httpOnly": True, "sameSite": "Strict"}])
                page = context.new_page()
                page.goto(f"{url}/map")
                page.wait_for_selector("#map-app[data-ready=true]")
                began = time.perf_counter()
                page.evaluate("(ids) => window.lianjianMap.open(ids, false)", ids)
                # Polled from here: wait_for_function evaluates text in the page, which the
                # app's Content-Security-Policy (no unsafe-eval) refuses.
                while not page.evaluate(
                        "window.lianjianMap.model.nodes.size > 0 && window.lianjianMap.model"
                        ".positions.size >= window.lianjianMap.model.nodes.size"):
                    if time.perf_counter() - began > 600:
                        raise SystemExit("the map did not lay out in 10 minutes")
                    time.sleep(0.1)
                loaded = time.perf_counter() - began
                shown = page.evaluate("[window.lianjianMap.view.nodes.length, "
                                      "window.lianjianMap.view.edges.length]")
                print(f"{shown[0]} entities and {shown[1]} ties drawn; opened and laid out "
                      f"in {loaded:.1f} s (one request, physics once)")
                ms = int(arguments.seconds * 1000)
                for kind in ("pan", "zoom"):
                    print(f"{kind:>4}: {figures(page.evaluate(MEASURE, [kind, ms]))}")
                page.evaluate("window.lianjianMap.view.setEdgeLabels(false)")
                print(f"pan without tie captions: {figures(page.evaluate(MEASURE, ['pan', ms]))}")
                page.evaluate("window.lianjianMap.view.setEdgeLabels(true)")
                target = page.evaluate("window.lianjianMap.model.entityIds().find("
                                       "(id) => id.startsWith('Person:'))")
                began = time.perf_counter()
                before = page.evaluate("window.lianjianMap.model.nodes.size")
                page.evaluate("(id) => window.lianjianMap.expand(id, null, 0)", target)
                after = page.evaluate("window.lianjianMap.model.nodes.size")
                print(f"expand {target} on the map: {after - before} entities added, "
                      f"{(time.perf_counter() - began) * 1000:.0f} ms request to redraw")
                print(json.dumps({"chromium": browser.version}))
                browser.close()
        finally:
            server.should_exit = True
            thread.join(15)
            connection.write("MATCH (u:User {username: $u}) OPTIONAL MATCH (s)-[:SESSION_OF]->(u) "
                             "DETACH DELETE s, u", u=USER)


if __name__ == "__main__":
    main()
