"""Jurisdiction: every API read within a scope, on the county of ``explore_fixture``.

Three readers: the transport bureau (U1), the township (U2 and its village V1) and another
county (X9). Each function is read in scope, out of scope and on the border (an entity in
scope through one tie only), and checked that an out-of-scope key reads exactly as a
missing one (same error, same words, after the same single query) and that what is
withheld is counted, never named, anywhere in the JSON answer.
"""
from __future__ import annotations

import json

import pytest
from explore_fixture import (ACCOUNT, ANDA, CONSULTANCY, FORMER_CLERK, HONGDA, NOMINEE,
                             OFFICIAL, SHELL, SPOUSE, SPOUSE_SIBLING, TOWNSHIP_HEAD, VILLAGER,
                             county)

from analytics import api
from analytics.scope import Scope

__all__ = ["county"]
MISSING = "110105197001019999"


@pytest.fixture(scope="module")
def scopes(county):
    return {name: Scope.of_units(county, [root])
            for name, root in (("bureau", "U1"), ("township", "U2"), ("elsewhere", "X9"))}


class Counting:
    """The real connection, counting the queries a call sends (its timing class)."""

    def __init__(self, connection):
        self.connection, self.reads = connection, 0

    def read(self, query, **parameters):
        self.reads += 1
        return self.connection.read(query, **parameters)


def reads_as_missing(county, call, out_of_scope: str, missing: str = MISSING,
                     queries: int = 1) -> None:
    """``call(connection, key)`` fails alike, after as many queries, for both keys."""
    outcomes = []
    for key in (out_of_scope, missing):
        counting = Counting(county)
        with pytest.raises(api.EntityNotFound) as raised:
            call(counting, key)
        outcomes.append((type(raised.value), str(raised.value).replace(key, "<key>"),
                         counting.reads))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][2] == queries


def names_nothing(answer, *withheld: str) -> None:
    text = json.dumps(answer, ensure_ascii=False)
    for word in withheld:
        assert word not in text, word


def test_scopes_are_subtrees(scopes):
    assert scopes["township"].unit_ids == ("U2", "V1")
    assert scopes["bureau"].unit_ids == ("U1",)


def test_entity_card(county, scopes):
    card = api.entity_card(county, OFFICIAL, scope=scopes["bureau"])
    name = {fact["property"]: fact for fact in card["facts"]}["name"]
    assert name["value"] == "甲" and name["label_zh"] == "姓名"
    assert name["sources"][0]["file"] == "persons.csv" and name["sources"][0]["row"] == 2
    # A1, A2 and A3 name him; A3 is the township's.
    assert card["alerts_total"] == 2 and {a["alert_id"] for a in card["alerts"]} == {"A1", "A2"}
    # Border: 己 heads the township, but holds a role in 安达, a supplier of the bureau.
    assert api.entity_card(county, TOWNSHIP_HEAD, scope=scopes["bureau"])["entity"]["name"] == "己"
    reads_as_missing(county, lambda c, k: api.entity_card(c, k, scope=scopes["bureau"]), SHELL)
    reads_as_missing(county, lambda c, k: api.entity_card(c, k, scope=scopes["elsewhere"]),
                     OFFICIAL)


def test_card_of_an_official_counts_his_other_posts_without_naming_them(county, scopes):
    card = api.entity_card(county, OFFICIAL, scope=scopes["township"])
    posts = card["ties"]["counts"]["HOLDS_POSITION"]
    assert posts == {"total": 2, "returned": 1, "not_returned": 1}
    assert card["alerts_total"] == 1 and card["alerts"][0]["alert_id"] == "A3"
    names_nothing(card, "某县交通运输局", '"U1"', '"K1"', '"K2"', '"A1"', '"A2"')


def test_search(county, scopes):
    found = api.search_entities(county, "甲", scope=scopes["bureau"])
    assert [hit["key"] for hit in found["results"] if hit["label"] == "Person"] == [OFFICIAL]
    assert api.search_entities(county, OFFICIAL[:10], scope=scopes["elsewhere"])["results"] == []
    border = api.search_entities(county, "己", scope=scopes["bureau"], types=["Person"])
    assert [hit["key"] for hit in border["results"]] == [TOWNSHIP_HEAD]
    # 壬 only fronts the shell company that sold to the township.
    assert api.search_entities(county, "壬", scope=scopes["bureau"])["results"] == []
    assert api.search_entities(county, NOMINEE, scope=scopes["township"])["results"][0][
        "key"] == NOMINEE
    nothing = api.search_entities(county, "速成贸易", scope=scopes["bureau"])
    assert nothing["groups"] == [] and nothing["results"] == []


def test_expand_withholds_and_counts(county, scopes):
    anda = api.expand(county, ANDA, scope=scopes["township"], tie_types=["SUPPLIER"])
    assert anda["counts"]["SUPPLIER"] == {"total": 20, "returned": 10, "not_returned": 10}
    assert {n["node"]["key"] for n in anda["neighbours"]} == {f"KA{i:02d}" for i in range(0, 20, 2)}
    names_nothing(anda, *[f"KA{i:02d}" for i in range(1, 20, 2)], "某县交通运输局")
    assert anda["truncated"]
    bureau_account = api.expand(county, ACCOUNT["U1"], scope=scopes["bureau"])
    assert bureau_account["counts"]["PAID"]["returned"] == 3
    reads_as_missing(county, lambda c, k: api.expand(c, k, scope=scopes["township"]),
                     ACCOUNT["U1"], missing="62229999999999")
    counts = api.neighbour_counts(county, [OFFICIAL, SHELL, MISSING], scope=scopes["bureau"])
    assert list(counts) == [OFFICIAL] and counts[OFFICIAL]["by_type"]["HOLDS_POSITION"] == 2


def test_profile(county, scopes):
    full = api.integrity_profile(county, OFFICIAL, scope=scopes["bureau"])
    assert full["withheld"]["contracts"] == 0 and len(full["contracts"]) == 2
    township = api.integrity_profile(county, OFFICIAL, scope=scopes["township"])
    assert township["contracts"] == [] and township["withheld"]["contracts"] == 2
    assert [a["alert_id"] for a in township["alerts"]] == ["A3"]
    assert township["withheld"]["alerts"] == 2
    assert township["risk"]["total"] == sum(i["points"] for i in township["risk"]["items"])
    bureau_post = [p for p in township["positions"] if p["unit_withheld"]]
    assert len(bureau_post) == 1 and bureau_post[0]["unit_key"] is None
    # His family and their company are the township's business too: he served there.
    assert {row["id_number"] for row in township["family"]} >= {SPOUSE, SPOUSE_SIBLING}
    assert {row["credit_code"] for row in township["companies"]} == {HONGDA}
    names_nothing(township, '"K1"', '"K2"', '"A1"', '"A2"', "某县交通运输局", "道路维修")
    reads_as_missing(county, lambda c, k: api.integrity_profile(c, k, scope=scopes["elsewhere"]),
                     OFFICIAL)
    # Border: the former clerk served the bureau only.
    reads_as_missing(county, lambda c, k: api.integrity_profile(c, k, scope=scopes["township"]),
                     FORMER_CLERK)


def test_timeline(county, scopes):
    township = api.entity_timeline(county, OFFICIAL, scope=scopes["township"])
    kinds = [event["kind"] for event in township["events"]]
    assert "contract" not in kinds and township["withheld"] == 4  # K1, K2, A1, A2
    bureau_posts = [e for e in township["events"] if e["kind"] == "position_start"
                    and e["counterpart_withheld"]]
    assert len(bureau_posts) == 1 and bureau_posts[0]["counterpart_key"] is None
    names_nothing(township, '"K1"', '"K2"', "某县交通运输局")
    assert api.entity_timeline(county, OFFICIAL, scope=scopes["bureau"])["withheld"] == 1  # A3
    reads_as_missing(county, lambda c, k: api.entity_timeline(c, k, scope=scopes["township"]),
                     CONSULTANCY)


def test_portraits(county, scopes):
    township = api.unit_portrait(county, "U2", scope=scopes["township"])
    assert township["totals"]["contracts"] == 11 and township["alerts_total"] == 1
    region = api.region_portrait(county, "110105", scope=scopes["township"])
    assert region["unit"]["unit_count"] == 2 and region["totals"] == township["totals"]
    reads_as_missing(county, lambda c, k: api.unit_portrait(c, k, scope=scopes["township"]),
                     "C0", missing="NOPE")
    with pytest.raises(api.EntityNotFound):
        api.region_portrait(county, "120101", scope=scopes["township"])


def test_paths_show_a_withheld_step_without_naming_it(county, scopes):
    found = api.shortest_paths(county, OFFICIAL, HONGDA, scope=scopes["township"])
    middles = [path[0]["to"] for path in found]
    assert {(m["label"], m["key"], m["withheld"]) for m in middles} == {("Contract", None, True)}
    assert len({m["ref"] for m in middles}) == 2  # two different contracts, both withheld
    names_nothing(found, '"K1"', '"K2"', "道路维修", "路灯采购")
    reads_as_missing(county, lambda c, k: api.shortest_paths(c, OFFICIAL, k,
                                                             scope=scopes["township"]),
                     CONSULTANCY, queries=2)  # his key, then the other


def test_money_trails(county, scopes):
    [trail] = api.money_trails(county, HONGDA, target=SPOUSE, scope=scopes["township"])
    assert [t["txn_id"] for t in trail] == ["TX2", "TX3"]
    reads_as_missing(county, lambda c, k: api.money_trails(c, k, scope=scopes["township"]),
                     "U1", missing="NOPE")


def test_shared_identifiers_count_members_elsewhere(county, scopes):
    bureau = api.shared_identifier_clusters(county, kinds=["phone"], scope=scopes["bureau"])
    [phone] = [row for row in bureau if row["value"] == "13800000001"]
    assert [m["key"] for m in phone["members"]] == [OFFICIAL] and phone["withheld"] == 1
    names_nothing(bureau, NOMINEE, "壬")
    township = api.shared_identifier_clusters(county, kinds=["phone"], scope=scopes["township"])
    [phone] = [row for row in township if row["value"] == "13800000001"]
    assert {m["key"] for m in phone["members"]} == {OFFICIAL, NOMINEE}
    # A cluster none of whose members the reader may see is not listed at all.
    assert api.shared_identifier_clusters(county, scope=scopes["elsewhere"]) == []
    assert VILLAGER  # (the pooled account's cluster is the township's, see test_paths)


SCANS = """
CREATE (full:ScanRun {scan_id: 'S-full', started_at: datetime('2024-03-01T08:00:00Z'),
                      status: 'completed', rules: ['relative_supplier'], units: null,
                      parameters: '{}', timings: '{"relative_supplier": 0.5}',
                      new_alerts: 4, still_matching: 0, no_longer_matching: 0})
CREATE (town:ScanRun {scan_id: 'S-town', started_at: datetime('2024-03-02T08:00:00Z'),
                      status: 'completed', rules: ['subsidy_ineligible'], units: ['U2', 'V1'],
                      parameters: '{}', timings: '{}', new_alerts: 0, still_matching: 1,
                      no_longer_matching: 0})
WITH full, town
MATCH (alert:Alert)
SET alert.first_scan = 'S-full'
CREATE (full)-[:RAISED]->(alert)
WITH town, alert WHERE alert.alert_id = 'A3'
CREATE (town)-[:RAISED]->(alert)
"""


def test_scans_and_loads(county, scopes):
    county.write("MATCH (s:ScanRun) DETACH DELETE s")
    county.write(SCANS)
    everything = api.list_scans(county, scope=Scope.everything())
    assert [s["scan_id"] for s in everything["items"]] == ["S-town", "S-full"]
    assert everything["items"][1]["new_alerts"] == 4
    assert everything["items"][1]["timings"] == {"relative_supplier": 0.5}
    bureau = api.list_scans(county, scope=scopes["bureau"])
    assert bureau["total"] == 1 and bureau["items"][0]["scan_id"] == "S-full"
    assert bureau["items"][0]["new_alerts"] is None  # the whole graph's figure, withheld
    assert bureau["items"][0]["alerts_in_scope"] == 3  # A1, A2, A4
    assert api.get_scan(county, "S-town", scope=scopes["township"])["alerts_in_scope"] == 1
    reads_as_missing(county, lambda c, k: api.get_scan(c, k, scope=scopes["bureau"]),
                     "S-town", missing="S-none")
    assert api.list_scans(county, scope=Scope.everything(), status="failed")["total"] == 0
    loads = api.list_loads(county, scope=Scope.everything())
    assert loads["total"] >= 1 and loads["items"][0]["status"] == "completed"
    run_id = loads["items"][0]["run_id"]
    assert api.get_load(county, run_id, scope=Scope.everything())["rows_read"] > 0
    assert api.list_loads(county, scope=scopes["bureau"]) == {
        "items": [], "total": 0, "page": 1, "page_size": 50, "pages": 1}
    reads_as_missing(county, lambda c, k: api.get_load(c, k, scope=scopes["bureau"]), run_id,
                     missing="no-such-run")


def test_warm_up_runs_the_main_reads_for_a_kind_of_reader(county, scopes):
    seconds = api.warm_up(county, scope=scopes["bureau"])  # the bureau has an account
    assert {"search", "entity_card", "integrity_profile", "entity_timeline", "unit_portrait",
            "expand_account"} <= set(seconds)
    assert all(value >= 0 for value in seconds.values())
    assert api.warm_up(county, scope=scopes["elsewhere"]) == {}  # no official to read there
