"""The relationship map's reads (analytics.map_graph, analytics.map_sources) on the county
of ``explore_fixture``: badge counts against direct Cypher counts, paging with "+N more",
withheld neighbours counted and never named, ties with provenance, shared identifiers,
and the graphs of an alert's evidence, of paths and of money trails."""
from __future__ import annotations

import json

import pytest
from explore_fixture import (ACCOUNT, ANDA, CHILD, HONGDA, NOMINEE, OFFICIAL, SHELL, SPOUSE,
                             SPOUSE_SIBLING, VILLAGER, county)

from analytics import map_graph, map_sources
from analytics.queries import EntityNotFound
from analytics.scope import Scope

__all__ = ["county"]
ALL = Scope.everything()


@pytest.fixture(scope="module")
def scopes(county):
    return {name: Scope.of_units(county, [root])
            for name, root in (("bureau", "U1"), ("township", "U2"), ("elsewhere", "X9"))}


def person(key: str) -> str:
    return map_graph.node_id("Person", key)


def test_badges_are_degree_counts_split_by_scope(county, scopes):
    found = map_graph.describe(county, [person(OFFICIAL), "Company:" + ANDA, "Unit:U1"],
                               scope=scopes["township"])
    official = found[person(OFFICIAL)]
    # Two posts (U1 and U2): the township sees its own, the other is a count only.
    assert official["ties"]["HOLDS_POSITION"] == 1
    assert official["outside"]["HOLDS_POSITION"] == 1
    [degree] = county.read("MATCH (p:Person {id_number: $k})-[r]-() RETURN count(r) AS n",
                           k=OFFICIAL)
    shown = sum(n for t, n in official["ties"].items() if not t.startswith("SHARES_"))
    hidden = sum(n for t, n in official["outside"].items() if not t.startswith("SHARES_"))
    assert shown + hidden == degree["n"]
    anda = found["Company:" + ANDA]
    assert (anda["ties"]["SUPPLIER"], anda["outside"]["SUPPLIER"]) == (10, 10)
    assert "Unit:U1" not in found           # out of scope reads as missing
    assert official["provenance"] == {"dataset": official["provenance"]["dataset"],
                                      "file": "persons.csv", "row": 2,
                                      "run": official["provenance"]["run"]}
    assert official["provenance"]["run"]


def test_expand_pages_one_type_until_nothing_is_left(county, scopes):
    seen, offset = [], 0
    while True:
        page = map_graph.expand_page(county, "Company:" + ANDA, scope=scopes["township"],
                                     tie_types=["SUPPLIER"], offset=offset, limit=4)
        seen += [node["key"] for node in page["nodes"]]
        assert page["counts"]["SUPPLIER"] == {"total": 20, "in_scope": 10, "withheld": 10,
                                              "returned": len(page["nodes"])}
        offset += len(page["nodes"])
        if not page["more"]["SUPPLIER"]:
            break
        assert page["more"]["SUPPLIER"] == 10 - offset
    assert sorted(seen) == [f"KA{i:02d}" for i in range(0, 20, 2)]
    assert len(set(seen)) == 10
    text = json.dumps(page, ensure_ascii=False)
    for odd in range(1, 20, 2):
        assert f"KA{odd:02d}" not in text
    assert "某县交通运输局" not in text


def test_expand_returns_ties_to_what_is_on_the_map_and_provenance(county):
    page = map_graph.expand_page(county, person(OFFICIAL), scope=ALL, tie_types=["APPROVED_BY"],
                                 on_map=["Company:" + HONGDA, "Unit:U1"])
    assert {node["key"] for node in page["nodes"]} == {"K1", "K2"}
    edges = {(edge["type"], edge["from"], edge["to"]) for edge in page["edges"]}
    assert ("APPROVED_BY", "Contract:K1", person(OFFICIAL)) in edges
    assert ("SUPPLIER", "Contract:K1", "Company:" + HONGDA) in edges   # tie to the map
    assert ("BUYER", "Contract:K2", "Unit:U1") in edges
    approved = next(e for e in page["edges"] if e["type"] == "APPROVED_BY")
    assert approved["provenance"]["file"] == "contracts.csv" and approved["provenance"]["row"]
    again = map_graph.ties(county, [map_graph.describe(county, ["Contract:K1", person(OFFICIAL)],
                                                       scope=ALL)[i]["element_id"]
                                    for i in ("Contract:K1", person(OFFICIAL))], scope=ALL)
    assert approved["id"] in {edge["id"] for edge in again}      # one id, two reads
    assert all(edge["provenance"]["run"] for edge in again)


def test_expand_refuses_what_it_cannot_do(county, scopes):
    with pytest.raises(EntityNotFound):
        map_graph.expand_page(county, "Contract:K1", scope=scopes["township"])
    with pytest.raises(ValueError, match="one tie type at a time"):
        map_graph.expand_page(county, person(OFFICIAL), scope=ALL, offset=10)
    with pytest.raises(ValueError, match="does not draw"):
        map_graph.expand_page(county, person(OFFICIAL), scope=ALL, tie_types=["LOADED"])


def test_hidden_ties_between_entities_and_to_others(county, scopes):
    # 壬 shares 甲's phone; 速成 shares 宏达's address and email; 庚's account received 辛's
    # subsidy. 甲, 乙 and 丁 share a home: one household, not a lead.
    found = map_graph.describe(county, [person(OFFICIAL), person(NOMINEE), person(SPOUSE),
                                        person(CHILD), "Company:" + HONGDA, "Company:" + SHELL],
                               scope=ALL)
    kinds = {(edge["type"], edge["from"], edge["to"], edge["props"]["value"])
             for edge in map_graph.hidden_ties(county, found.values())}
    assert ("SHARES_PHONE", *sorted([person(OFFICIAL), person(NOMINEE)]), "13800000001") in kinds
    assert ("SHARES_ADDRESS", *sorted(["Company:" + HONGDA, "Company:" + SHELL]), "工业园1号") in kinds
    assert not any(t == "SHARES_ADDRESS" and person(SPOUSE) in (a, b) for t, a, b, _ in kinds)
    sharing = map_graph.hidden_neighbours(county, person(VILLAGER), "account", scope=ALL)
    assert [edge["props"]["value"] for edge in sharing["edges"]] == [ACCOUNT["VILLAGER"]]
    # The bureau cannot see 壬: the tie is counted outside, never named.
    bureau = map_graph.describe(county, [person(OFFICIAL)], scope=scopes["bureau"])
    assert bureau[person(OFFICIAL)]["outside"].get("SHARES_PHONE") == 1
    assert map_graph.hidden_neighbours(county, person(OFFICIAL), "phone",
                                       scope=scopes["bureau"])["nodes"] == []


def test_alert_evidence_graph(county, scopes):
    graph = map_sources.alert_graph(county, "A1", scope=scopes["bureau"])
    roles = graph["evidence"]["nodes"]
    assert roles[person(OFFICIAL)] == ["approver", "official"]
    assert roles["Contract:K1"] == ["contract"] and roles[person(SPOUSE_SIBLING)] == ["relative"]
    types = {edge["type"] for edge in graph["edges"]}
    assert {"EVIDENCE", "SUPPLIER", "BUYER", "APPROVED_BY"} <= types
    with pytest.raises(EntityNotFound):
        map_sources.alert_graph(county, "A1", scope=scopes["township"])
    with pytest.raises(EntityNotFound):
        map_sources.alert_graph(county, "NO-SUCH-ALERT", scope=scopes["bureau"])


def test_paths_with_placeholders_for_what_lies_outside(county, scopes):
    graph = map_sources.paths_graph(county, person(OFFICIAL), "Company:" + ANDA,
                                    scope=scopes["township"], every=True)
    assert graph["paths"] and graph["withheld"] > 0
    placeholders = [node for node in graph["nodes"] if node.get("withheld")]
    assert placeholders and all(node["key"] is None and node["name"] is None
                                for node in placeholders)
    assert "某县交通运输局" not in json.dumps(graph, ensure_ascii=False)
    ids = {node["id"] for node in graph["nodes"]}
    assert all(edge["from"] in ids and edge["to"] in ids for edge in graph["edges"])


def test_money_trail_graph(county, scopes):
    graph = map_sources.trail_graph(county, "Account:" + ACCOUNT["U1"], scope=ALL,
                                    window_days=None)
    steps = [[step["id"] for step in trail] for trail in graph["trails"]]
    assert ["Transaction:TX1", "Transaction:TX2", "Transaction:TX3"] in steps
    edges = {(edge["type"], edge["from"], edge["to"]) for edge in graph["edges"]}
    assert ("PAID", "Account:" + ACCOUNT["U1"], "Transaction:TX1") in edges
    assert ("PAID_TO", "Transaction:TX1", "Account:" + ACCOUNT["C1"]) in edges
    assert ("HELD_BY", "Account:" + ACCOUNT["C1"], "Company:" + HONGDA) in edges
    big = map_sources.trail_graph(county, "Account:" + ACCOUNT["U1"], scope=ALL,
                                  window_days=None, min_amount=1_000_000)
    assert [[step["id"] for step in trail] for trail in big["trails"]] == [["Transaction:TX1"]]
