"""The analytics API (分析接口): the one import place for the web app, notebooks and CLI.

Every function here reads within a jurisdiction (``scope``, an ``analytics.scope.Scope``:
``Scope.everything()`` for the command line and administrators, ``Scope.of_units(...)``
for a user) applied inside the Cypher, and returns plain, JSON-ready data: dicts, lists,
strings, numbers, booleans and None, dates as ISO text (``analytics.plain``). A key the
reader may not see raises the same ``EntityNotFound`` as a missing one, after the same
single query. What each function returns is in its docstring; docs/analytics.md lists
them and docs/access.md says, per entity type, what puts it in a scope.

>>> from analytics import api
>>> sorted(name for name in api.__all__ if not name[0].isupper())[:4]
['all_short_paths', 'entity_card', 'entity_timeline', 'evaluate']
"""
from __future__ import annotations

import time

from analytics.access import in_scope
from analytics.anomalies import rank_contract_anomalies, rank_supplier_anomalies
from analytics.communities import neighbourhood_graph
from analytics.entities import entity_card
from analytics.evaluate import evaluate
from analytics.expand import expand, neighbour_counts
from analytics.identifiers import shared_identifier_clusters
from analytics.paths import all_short_paths, money_trails, shortest_paths
from analytics.plain import plain
from analytics.portraits import region_portrait, unit_portrait
from analytics.profiles import integrity_profile
from analytics.queries import EntityNotFound, resolve_entity
from analytics.runs import LoadNotFound, ScanNotFound, get_load, get_scan, list_loads, list_scans
from analytics.scope import Scope, UnknownUnit
from analytics.search import search_entities
from analytics.timeline import entity_timeline

__all__ = [
    "Scope", "UnknownUnit", "EntityNotFound", "ScanNotFound", "LoadNotFound", "plain",
    "search_entities", "entity_card", "resolve_entity", "expand", "neighbour_counts",
    "list_alerts", "get_alert", "list_scans", "get_scan", "list_loads", "get_load",
    "integrity_profile", "unit_portrait", "region_portrait", "entity_timeline",
    "shortest_paths", "all_short_paths", "money_trails", "shared_identifier_clusters",
    "rank_contract_anomalies", "rank_supplier_anomalies", "neighbourhood_graph", "evaluate",
    "warm_up",
]

# One official, his unit, an account of a unit and a supplier, all in the scope.
SAMPLES = f"""
MATCH (person:Person)-[:HOLDS_POSITION]->(unit:Unit) WHERE {in_scope('Unit', 'unit')}
WITH person, unit LIMIT 1
OPTIONAL MATCH (account:Account)-[:HELD_BY]->(:Unit)-[:PART_OF*0..12]->(unit)
WITH person, unit, head(collect(account.account_no)) AS account
OPTIONAL MATCH (:Unit {{unit_id: unit.unit_id}})<-[:BUYER]-(:Contract)-[:SUPPLIER]->(company)
RETURN person.id_number AS person, person.name AS name, unit.unit_id AS unit, account,
       head(collect(company.credit_code)) AS company
"""


def list_alerts(connection, *, scope: Scope, **filters) -> dict:
    """Alerts in scope, paged and filtered: ``analytics.alerts.list_alerts``.

    Kept here so that the web imports every read from one place; the alert workflow
    (statuses, outcomes, assignment) lives in ``analytics.alerts``.
    """
    from analytics import alerts

    return alerts.list_alerts(connection, scope, **filters)


def get_alert(connection, alert_id: str, *, scope: Scope) -> dict:
    """One alert in scope (``analytics.alerts.get_alert``); a missing or out-of-scope id
    raises the same error."""
    from analytics import alerts

    return alerts.get_alert(connection, alert_id, scope)


def warm_up(connection, *, scope: Scope) -> dict[str, float]:
    """Run the API's main reads once for this kind of reader, so that the first user
    does not wait for Neo4j to plan them; returns the seconds each took.

    Neo4j plans a query once per text and per parameter types, and a scope of 1, 2–10,
    11–100… units is a different type: a plan made for the whole graph does not serve a
    township's reader. The web app calls this at start for ``Scope.everything()`` and, in
    the background, when a user of a new kind of scope logs in. The relationship map's
    reads (``analytics.map_warm.warm_up``) are warmed with them. Reads only.
    """
    found = connection.read(SAMPLES, **scope.parameters())
    if not found:
        return {}
    sample = found[0]
    reads = {
        "search": lambda: search_entities(connection, sample["name"], scope=scope),
        "search_key": lambda: search_entities(connection, sample["person"], scope=scope),
        "entity_card": lambda: entity_card(connection, sample["person"], scope=scope),
        "integrity_profile": lambda: integrity_profile(connection, sample["person"],
                                                       scope=scope),
        "entity_timeline": lambda: entity_timeline(connection, sample["person"], scope=scope),
        "unit_portrait": lambda: unit_portrait(connection, sample["unit"], scope=scope),
        "list_scans": lambda: list_scans(connection, scope=scope),
    }
    if sample["account"]:
        reads["expand_account"] = lambda: expand(connection, sample["account"], scope=scope)
        reads["account_timeline"] = lambda: entity_timeline(connection, sample["account"],
                                                            scope=scope)
    if sample["company"]:
        reads["company_card"] = lambda: entity_card(connection, sample["company"], scope=scope)
    seconds = {}
    for name, read in reads.items():
        began = time.perf_counter()
        try:
            read()
        except EntityNotFound:
            pass
        seconds[name] = round(time.perf_counter() - began, 3)
    from analytics import map_warm   # the relationship map's own reads

    seconds.update({f"map.{name}": value
                    for name, value in map_warm.warm_up(connection, scope=scope).items()})
    return seconds
