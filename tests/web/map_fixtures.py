"""Fixtures of the relationship-map tests: the county of ``explore_fixture`` loaded through
the real loader and scanned by the real rules (alerts with their evidence), served once per
test module by the real app on uvicorn, with one user per jurisdiction.

Loading and scanning take a while on a shared machine, so the county is loaded once per
module and the tests only read it (the audit trail they write is read back from the seq
each test started at).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))
from explore_fixture import (ACCOUNT, ANDA, HONGDA, OFFICIAL, SPOUSE,  # noqa: E402
                             SPOUSE_SIBLING, load_explore_dataset)

from analytics import audit, map_warm  # noqa: E402
from analytics.scope import Scope  # noqa: E402
from analytics.scan import run_scan  # noqa: E402
from web.app import UVICORN_OPTIONS, create_app  # noqa: E402

__all__ = ["County", "county_app", "ACCOUNT", "ANDA", "HONGDA", "OFFICIAL", "SPOUSE",
           "SPOUSE_SIBLING", "XSS", "signed_in", "events_since"]

# A name a careless page would run: it must stay text everywhere.
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
USERS = {"county": "C0", "bureau": "U1", "township": "U2"}


@dataclass
class County:
    url: str
    connection: object
    alerts: dict = field(default_factory=dict)   # rule id → alert ids

    def alert(self, rule_id: str, contains: str = "") -> str:
        rows = self.connection.read(
            "MATCH (a:Alert {rule_id: $rule}) WHERE a.summary_zh CONTAINS $text "
            "RETURN a.alert_id AS id ORDER BY id", rule=rule_id, text=contains)
        return rows[0]["id"]


@pytest.fixture(scope="module")
def county_app(session_connection, neo4j_settings, tmp_path_factory):
    """The scanned county served on 127.0.0.1; users ``county`` (the county government and
    below), ``bureau`` (the transport bureau), ``township`` (the township and its village)
    and ``auditor`` (no data reading)."""
    connection = session_connection
    connection.delete_all_data()
    load_explore_dataset(connection, tmp_path_factory.mktemp("county"))
    connection.write("MATCH (a:Alert) DETACH DELETE a")   # the rules' own alerts only
    run_scan(connection)
    connection.write("""
        MERGE (p:Person {id_number: '110105198001010018'})
        SET p.name = $name, p.src_dataset = 'explore', p.src_file = 'persons.csv',
            p.src_row = 99
        WITH p MATCH (u:Unit {unit_id: 'U1'})
        MERGE (p)-[:HOLDS_POSITION {title: '科员', start_date: date('2022-01-01'),
                                   src_file: 'positions.csv', src_row: 99}]->(u)""", name=XSS)
    for name, unit in USERS.items():
        make_user(connection, name, ("investigator",), unit, f"{name}用户")
        map_warm.warm_up(connection, scope=Scope.of_units(connection, [unit]))
    make_user(connection, "auditor", ("auditor",), "C0", "审计员")
    settings = neo4j_settings.model_copy(update={"cookie_secure": True})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, connection), host="127.0.0.1",
                                           port=port, log_level="warning", **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the workbench did not start")
        time.sleep(0.05)
    yield County(f"http://127.0.0.1:{port}", connection)
    server.should_exit = True
    thread.join(15)


def signed_in(county: County, username: str) -> WebClient:
    """An HTTP client signed in as ``username``, with the session's CSRF token as header."""
    client = WebClient(county.url)
    client.http.timeout = 180        # a first plan of a scoped query on a busy machine
    answer = client.login(username, PASSWORD)
    assert answer.status_code == 303, answer.text
    page = client.get("/map").text
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    client.http.headers["X-CSRF-Token"] = token
    return client


def events_since(connection, seq: int) -> list[dict]:
    """Audit events appended after ``seq``, oldest first."""
    found = audit.read_log(connection, limit=10_000)["items"]
    return [event for event in reversed(found) if event["seq"] > seq]
