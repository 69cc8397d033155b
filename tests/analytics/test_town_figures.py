"""Exact figures on a generated town: portraits against direct Cypher counts, the timeline
window on a busy account, and expand on the busiest one.

The town goes through the real generator, loader and scan. Every figure the API reports is
compared with a count or sum written here in plain Cypher over the whole graph, so a
portrait that sampled, a timeline that cut before its window or an expand that read a
partial neighbourhood fails.
"""
from __future__ import annotations

import pytest

from analytics import api
from analytics.scan import run_scan
from ingest.loader import load_dataset
from synthetic import generate

ALL = api.Scope.everything()
SEED = 5


@pytest.fixture(scope="module")
def town(session_connection, tmp_path_factory):
    folder = tmp_path_factory.mktemp("town") / "town"
    generate(scale="town", seed=SEED, out_dir=folder)
    session_connection.delete_all_data()
    load_dataset(session_connection, folder)
    run_scan(session_connection)
    return session_connection


def one(connection, query, **parameters):
    [row] = connection.read(query, **parameters)
    return row


def test_region_portrait_equals_the_cypher_totals(town):
    code = one(town, "MATCH (u:Unit) WHERE u.region_code IS NOT NULL "
                     "RETURN u.region_code AS code LIMIT 1")["code"]
    portrait = api.region_portrait(town, code, scope=ALL)
    contracts = one(town, "MATCH (c:Contract)-[:BUYER]->(:Unit) "
                          "RETURN count(c) AS n, sum(c.amount) AS amount")
    assert portrait["totals"]["contracts"] == contracts["n"] > 1000
    assert portrait["totals"]["contract_amount"] == pytest.approx(contracts["amount"], rel=1e-12)
    assert portrait["totals"]["officials"] == one(
        town, "MATCH (p:Person)-[:HOLDS_POSITION]->(:Unit) RETURN count(DISTINCT p) AS n")["n"]
    assert portrait["totals"]["units"] == one(town, "MATCH (u:Unit) RETURN count(u) AS n")["n"]
    # Every generated alert names a unit, a contract or subsidy of one, or an official.
    assert portrait["alerts_total"] == one(town, "MATCH (a:Alert) RETURN count(a) AS n")["n"]
    methods = {row["method"]: row["count"] for row in town.read(
        "MATCH (c:Contract)-[:BUYER]->(:Unit) RETURN coalesce(c.method, 'unknown') AS method, "
        "count(c) AS count")}
    assert {row["method"]: row["count"] for row in portrait["contracts_by_method"]} == methods
    assert portrait["supplier_concentration"]["supplier_count"] == one(
        town, "MATCH (:Contract)-[:SUPPLIER]->(s:Company) RETURN count(DISTINCT s) AS n")["n"]


def test_each_unit_and_each_subtree_equals_the_cypher_totals(town):
    own = {row["unit_id"]: row for row in town.read(
        "MATCH (u:Unit) OPTIONAL MATCH (c:Contract)-[:BUYER]->(u) "
        "RETURN u.unit_id AS unit_id, count(c) AS n, sum(coalesce(c.amount, 0.0)) AS amount")}
    root = one(town, "MATCH (u:Unit) WHERE NOT (u)-[:PART_OF]->() RETURN u.unit_id AS id "
                     "LIMIT 1")["id"]
    portrait = api.unit_portrait(town, root, scope=ALL)
    for unit in portrait["units"]:
        assert unit["own_contracts"] == own[unit["unit_id"]]["n"], unit["unit_id"]
        assert unit["own_contract_amount"] == pytest.approx(own[unit["unit_id"]]["amount"])
    township = one(town, "MATCH (u:Unit {level: 'township'}) RETURN u.unit_id AS id "
                         "ORDER BY id LIMIT 1")["id"]
    subtree = one(town, "MATCH (c:Contract)-[:BUYER]->(:Unit)-[:PART_OF*0..]->"
                        "(:Unit {unit_id: $id}) RETURN count(c) AS n, sum(c.amount) AS amount",
                  id=township)
    rolled = {unit["unit_id"]: unit for unit in portrait["units"]}[township]
    assert rolled["contracts"] == subtree["n"] > 0
    assert rolled["contract_amount"] == pytest.approx(subtree["amount"])
    scoped = api.unit_portrait(town, township, scope=api.Scope.of_units(town, [township]))
    assert scoped["totals"]["contracts"] == subtree["n"]
    assert scoped["totals"]["contract_amount"] == pytest.approx(subtree["amount"])


def busiest_account(town) -> dict:
    return one(town, """
        MATCH (a:Account)
        WITH a, COUNT { (a)-[:PAID]->() } + COUNT { (a)<-[:PAID_TO]-() } AS transfers
        RETURN a.account_no AS account_no, transfers ORDER BY transfers DESC LIMIT 1""")


def test_the_timeline_window_is_applied_before_paging(town):
    account = busiest_account(town)
    dates = [row["date"].iso_format() for row in town.read("""
        MATCH (a:Account {account_no: $account})
        MATCH (a)-[:PAID]->(t:Transaction) RETURN t.date AS date
        UNION ALL
        MATCH (a:Account {account_no: $account})
        MATCH (a)<-[:PAID_TO]-(t:Transaction) RETURN t.date AS date""",
                                                         account=account["account_no"])]
    dates.sort()
    page_size = 7
    assert len(dates) > 4 * page_size
    start, end = dates[len(dates) // 3], dates[2 * len(dates) // 3]
    expected = [d for d in dates if start <= d <= end]
    first = api.entity_timeline(town, account["account_no"], scope=ALL, start=start, end=end,
                                kinds=["transfer"], page_size=page_size)
    assert first["total"] == len(expected) > page_size
    seen = []
    for page in range(1, first["pages"] + 1):
        events = api.entity_timeline(town, account["account_no"], scope=ALL, start=start,
                                     end=end, kinds=["transfer"], page=page,
                                     page_size=page_size)["events"]
        assert len(events) == min(page_size, len(expected) - len(seen))
        seen += [event["date"] for event in events]
    assert seen == expected


def test_expand_on_the_busiest_account_reads_counts_and_the_best_page(town):
    account = busiest_account(town)
    found = api.expand(town, account["account_no"], scope=ALL, tie_types=["PAID", "PAID_TO"],
                       limit=10)
    counts = found["counts"]
    assert counts["PAID"]["total"] + counts["PAID_TO"]["total"] == account["transfers"]
    assert sum(entry["returned"] for entry in counts.values()) == len(found["neighbours"]) == 10
    assert found["truncated"]
    every = [(row["alerted"], row["amount"]) for row in town.read("""
        MATCH (a:Account {account_no: $account})-[:PAID]-(t:Transaction)
        RETURN EXISTS { (t)<-[:EVIDENCE]-(:Alert) } AS alerted, t.amount AS amount
        UNION ALL
        MATCH (a:Account {account_no: $account})<-[:PAID_TO]-(t:Transaction)
        RETURN EXISTS { (t)<-[:EVIDENCE]-(:Alert) } AS alerted, t.amount AS amount""",
                                               account=account["account_no"])]
    # Relevance: named by an alert first, then the larger amount.
    best = sorted(every, key=lambda pair: (not pair[0], -pair[1]))[:10]
    assert [(n["alerted"], n["amount"]) for n in found["neighbours"]] == best
