"""A small county for the data pages: loaded by the real loader, scanned by the real rules, and
served by the real app — once per test module (the tests of a module read it; those that act
on alerts each take their own alert). The app warms its query plans at start as
``lianjian serve`` does, and the fixture waits for that, so tests do not each wait for
Neo4j to plan the scoped queries.

The county is the one of tests/analytics/explore_fixture.py: the county government C0 with
the transport bureau U1 and the township U2 (its village V1) below it, and another county X9.
Official 甲 heads U1; his spouse's sibling's company 宏达 won U1's contracts; money went
back to his spouse; the township head 己 sat on a supplier's board; a former clerk of U1
joined a supplier. The scan finds what the rules find in that.

Readers: ``county`` (supervisor at C0: sees U1, U2, V1), ``investigator`` (at C0),
``analyst`` (at C0), ``township`` (investigator at U2: U2 and V1), ``elsewhere``
(supervisor at X9, the other county), ``auditor`` (at C0).
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from web_fixtures import PASSWORD, WebClient, free_port, make_user

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "analytics"))

from explore_fixture import (ACCOUNT, ANDA, CONSULTANCY, FORMER_CLERK, HONGDA,  # noqa: E402
                             NOMINEE, OFFICIAL, SHELL, SPOUSE, SPOUSE_SIBLING, STRANGER,
                             TOWNSHIP_HEAD, VILLAGER, write_explore_dataset)

from analytics import audit  # noqa: E402
from analytics.scan import run_scan  # noqa: E402
from graph.connection import Connection  # noqa: E402
from web.app import UVICORN_OPTIONS, create_app  # noqa: E402

__all__ = ["ACCOUNT", "ANDA", "CONSULTANCY", "FORMER_CLERK", "HONGDA", "NOMINEE", "OFFICIAL",
           "SHELL", "SPOUSE", "SPOUSE_SIBLING", "STRANGER", "TOWNSHIP_HEAD", "VILLAGER",
           "MISSING_PERSON", "READERS", "County", "county_app", "events_since"]

MISSING_PERSON = "110105197001019999"
# username: (role, unit, display name)
READERS = {
    "county": ("supervisor", "C0", "县纪委主管"),
    "investigator": ("investigator", "C0", "核查员小王"),
    "analyst": ("analyst", "C0", "分析员小李"),
    "township": ("investigator", "U2", "镇纪委核查员"),
    "elsewhere": ("supervisor", "X9", "外县主管"),
    "auditor": ("auditor", "C0", "审计员"),
}


@dataclass
class County:
    url: str
    connection: Connection
    clients: dict[str, WebClient] = field(default_factory=dict)
    app: object = None

    def client(self, username: str) -> WebClient:
        """A signed-in client of ``username`` (one per reader, made once)."""
        if username not in self.clients:
            client = WebClient(self.url)
            assert client.login(username).status_code == 303, username
            self.clients[username] = client
        return self.clients[username]

    def alerts(self, rule_id: str | None = None) -> list[dict]:
        return self.connection.read(
            "MATCH (a:Alert) WHERE $rule IS NULL OR a.rule_id = $rule "
            "RETURN a.alert_id AS alert_id, a.rule_id AS rule_id, a.unit_ids AS unit_ids, "
            "coalesce(a.status, 'new') AS status, a.entity_ids AS entity_ids "
            "ORDER BY a.alert_id", rule=rule_id)


def events_since(connection: Connection, seq: int) -> list[dict]:
    """Audit events after ``seq``, oldest first."""
    found = audit.read_log(connection, limit=10_000)["items"]
    return [event for event in reversed(found) if event["seq"] > seq]


@pytest.fixture(scope="module")
def county_app(session_connection, neo4j_settings, tmp_path_factory):
    """The county loaded, scanned and served; its readers made. Stops at the module's end."""
    connection = session_connection
    connection.delete_all_data()
    from ingest.loader import load_dataset

    load_dataset(connection, write_explore_dataset(tmp_path_factory.mktemp("county")))
    run_scan(connection, actor="fixture")
    for username, (role, unit, name) in READERS.items():
        make_user(connection, username, (role,), unit, name)
    port = free_port()
    app = create_app(neo4j_settings, connection, warm=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.02)
    assert app.state.warmer.wait(600), "the warm-up of the query plans did not end"
    county = County(f"http://127.0.0.1:{port}", connection, app=app)
    yield county
    for client in county.clients.values():
        client.close()
    server.should_exit = True
    thread.join(15)


__all__ += ["PASSWORD"]
