"""Hidden relationships: bounded paths with provenance, validity at a date, key resolution;
shared-identifier clusters; the ``lianjian paths`` command."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from explore_fixture import (ACCOUNT, ANDA, HONGDA, NOMINEE, OFFICIAL, SPOUSE, SPOUSE_SIBLING,
                             STRANGER, VILLAGER, county, run_command)

from analytics.identifiers import shared_identifier_clusters
from analytics.paths import (PATH_TYPES, all_short_paths, money_graph, money_trails,
                             shortest_paths)
from analytics.queries import ENTITY_KEYS, EntityNotFound, resolve_entity
from analytics.scope import Scope
from graph.model import load_model

__all__ = ["county"]
FAMILY_TIES = ["HAS_RELATIVE", "HOLDS_ROLE"]
ALL = Scope.everything()


def test_entity_keys_and_path_types_come_from_the_model():
    model = load_model()
    assert {label: model.node(label).key for label in ENTITY_KEYS} == ENTITY_KEYS
    assert set(ENTITY_KEYS) == {label for label, node in model.nodes.items()
                                if node.kind == "entity"} | {"Alert"}
    assert set(PATH_TYPES) == model.relationship_types - {"EVIDENCE", "LOADED", "RAISED"}


def test_keys_resolve_whatever_the_label(county):
    assert resolve_entity(county, OFFICIAL, scope=ALL)["label"] == "Person"
    assert resolve_entity(county, SPOUSE.lower(), scope=ALL)["key"] == SPOUSE
    assert resolve_entity(county, HONGDA, scope=ALL)["name"] == "宏达建筑工程有限公司"
    assert resolve_entity(county, "K1", scope=ALL)["label"] == "Contract"
    assert resolve_entity(county, ACCOUNT["SPOUSE"], scope=ALL)["label"] == "Account"
    with pytest.raises(EntityNotFound, match="no person, company, unit, .* you may see"):
        resolve_entity(county, "NOBODY", scope=ALL)


def test_shortest_paths_go_through_the_approved_contracts(county):
    found = shortest_paths(county, OFFICIAL, HONGDA, scope=ALL)
    assert {tuple(step["type"] for step in path) for path in found} == {
        ("APPROVED_BY", "SUPPLIER")}
    assert sorted(path[0]["to"]["key"] for path in found) == ["K1", "K2"]
    first = found[0][0]
    assert first["direction"] == "<-" and first["from"]["key"] == OFFICIAL
    assert first["provenance"]["src_file"] == "contracts.csv" and first["provenance"]["src_row"]


def test_family_path_names_each_tie_and_its_source_row(county):
    [path] = shortest_paths(county, OFFICIAL, HONGDA, scope=ALL, types=FAMILY_TIES, limit=1)
    assert [step["to"]["key"] for step in path] == [SPOUSE, SPOUSE_SIBLING, HONGDA]
    assert [step["properties"].get("relation") for step in path[:2]] == ["spouse", "sibling"]
    assert [(s["provenance"]["src_file"], s["provenance"]["src_row"]) for s in path[:2]] == [
        ("kinship.csv", 2), ("kinship.csv", 3)]
    assert shortest_paths(county, OFFICIAL, HONGDA, scope=ALL, max_hops=2,
                          types=FAMILY_TIES) == []


def test_ties_not_valid_at_the_date_are_not_walked(county):
    # 丙 became shareholder (and legal representative) of 宏达 on 2019-05-01.
    assert shortest_paths(county, OFFICIAL, HONGDA, scope=ALL, types=FAMILY_TIES,
                          at=dt.date(2019, 1, 1)) == []
    assert shortest_paths(county, OFFICIAL, HONGDA, scope=ALL, types=FAMILY_TIES,
                          at=dt.date(2020, 1, 1))
    # 甲's post at the township ended in 2017: no path through it in 2019.
    through_post = ["HOLDS_POSITION", "BUYER", "SUPPLIER"]
    in_2015 = shortest_paths(county, OFFICIAL, "U2", scope=ALL, types=through_post,
                             at=dt.date(2015, 1, 1))
    assert [len(path) for path in in_2015] == [1]
    assert shortest_paths(county, OFFICIAL, "U2", scope=ALL, types=through_post, max_hops=1,
                          at=dt.date(2019, 1, 1)) == []


def test_all_short_paths_are_simple_shortest_first_and_bounded(county):
    found = all_short_paths(county, OFFICIAL, HONGDA, scope=ALL, max_hops=4, limit=50)
    lengths = [len(path) for path in found]
    assert lengths == sorted(lengths) and lengths[0] == 2 and max(lengths) <= 4
    for path in found:
        keys = [path[0]["from"]["key"]] + [step["to"]["key"] for step in path]
        assert len(keys) == len(set(keys))
    assert len(all_short_paths(county, OFFICIAL, HONGDA, scope=ALL, max_hops=4, limit=3)) == 3


def test_money_path_from_unit_account_to_the_spouse(county):
    [path] = shortest_paths(county, ACCOUNT["U1"], ACCOUNT["SPOUSE"], scope=ALL, max_hops=6,
                            types=["PAID", "PAID_TO"])
    assert [step["to"]["key"] for step in path if step["to"]["label"] == "Transaction"] == [
        "TX1", "TX2", "TX3"]


def test_money_trail_from_the_bureau_to_the_spouse(county):
    [trail] = money_trails(county, "U1", scope=ALL, target=SPOUSE, min_amount=10_000)
    assert [t["txn_id"] for t in trail] == ["TX1", "TX2", "TX3"]
    assert [t["to_holder"]["key"] for t in trail] == [HONGDA, SPOUSE_SIBLING, SPOUSE]
    assert trail[0]["from_holder"]["label"] == "Unit" and trail[2]["src_file"] == "transactions.csv"
    # TX3 is 150,000 and made on day 25
    assert money_trails(county, "U1", scope=ALL, target=SPOUSE, min_amount=160_000) == []
    assert money_trails(county, "U1", scope=ALL, target=SPOUSE, window_days=20) == []
    assert money_trails(county, "U1", scope=ALL, target=SPOUSE,
                        start=dt.date(2020, 6, 11)) == []
    everything = money_trails(county, ACCOUNT["U1"], scope=ALL, window_days=None)
    assert {len(trail) for trail in everything} == {1, 2, 3}
    graph = money_graph(everything)
    assert graph.edges["U1", HONGDA]["amount"] == 3_500_000.0
    assert graph.edges[SPOUSE_SIBLING, SPOUSE]["weight"] == 1


def test_bad_bounds_and_types_name_the_fix(county):
    with pytest.raises(ValueError, match="between 1 and 6"):
        shortest_paths(county, OFFICIAL, HONGDA, scope=ALL, max_hops=7)
    with pytest.raises(ValueError, match="cannot be walked; choose among"):
        shortest_paths(county, OFFICIAL, HONGDA, scope=ALL, types=["EVIDENCE"])
    with pytest.raises(ValueError, match="same entity"):
        shortest_paths(county, OFFICIAL, OFFICIAL, scope=ALL)
    with pytest.raises(ValueError, match="max_transfers must be between 1 and 4"):
        money_trails(county, "U1", scope=ALL, max_transfers=5)


def test_shared_identifier_clusters(county):
    clusters = shared_identifier_clusters(county, scope=ALL)
    by_value = {(row["kind"], row["value"]): row for row in clusters}
    phone = by_value[("phone", "13800000001")]
    assert {m["key"] for m in phone["members"]} == {OFFICIAL, NOMINEE}
    assert phone["officials"] == 1 and phone["withheld"] == 0
    account = by_value[("account", ACCOUNT["VILLAGER"])]
    assert {m["key"] for m in account["members"]} == {VILLAGER, STRANGER}
    assert by_value[("email", "hd@example.cn")]["companies"] == 2
    assert ("address", "幸福路1号") not in by_value  # one household at home
    with_households = shared_identifier_clusters(county, scope=ALL, kinds=["address"],
                                                 skip_households=False)
    assert "幸福路1号" in {row["value"] for row in with_households}
    only_his = shared_identifier_clusters(county, scope=ALL, key=OFFICIAL)
    assert [row["value"] for row in only_his] == ["13800000001"]
    assert shared_identifier_clusters(county, scope=ALL, key=ANDA) == []
    with pytest.raises(ValueError, match="unknown identifier kinds"):
        shared_identifier_clusters(county, scope=ALL, kinds=["fax"])


def test_paths_command_prints_steps_with_sources(county, neo4j_settings, monkeypatch):
    result = run_command(monkeypatch, neo4j_settings, "paths", OFFICIAL, HONGDA,
                         "--type", "HAS_RELATIVE", "--type", "HOLDS_ROLE", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "path 1 (3 hops)" in result.output and "relation=spouse" in result.output
    assert "<kinship.csv:2>" in result.output
    as_json = run_command(monkeypatch, neo4j_settings, "paths", OFFICIAL, HONGDA, "--all",
                          "--max-hops", "3", "--json")
    assert as_json.exit_code == 0 and len(json.loads(as_json.output)) >= 3
    none = run_command(monkeypatch, neo4j_settings, "paths", OFFICIAL, HONGDA, "--type",
                       "HAS_RELATIVE", "--at", "2019-01-01")
    assert "no path of at most 4 hops" in none.output
    bad = run_command(monkeypatch, neo4j_settings, "paths", OFFICIAL, HONGDA, "--at", "May")
    assert bad.exit_code == 2 and "use YYYY-MM-DD" in bad.output
