"""Anomaly ranking of contracts and suppliers: repeatable, explained, bounded by scope."""
from __future__ import annotations

import pytest
from explore_fixture import ANDA, county

from analytics.anomalies import FEATURES, rank_contract_anomalies, rank_supplier_anomalies
from analytics.scope import Scope

__all__ = ["county"]
PLANTED = {"K1", "K2", "K3", "K4"}  # relative's firm, single source, consultancy, shell
ALL = Scope.everything()


@pytest.fixture(scope="module")
def ranked(county):
    return rank_contract_anomalies(county, scope=ALL, random_state=0)


def test_planted_contracts_rank_first(ranked):
    rows = ranked["rows"]
    assert ranked["ranked"] == 24 and [row["rank"] for row in rows] == list(range(1, 25))
    assert {row["contract_id"] for row in rows[:4]} == PLANTED
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)


def test_every_contract_is_ranked_and_top_only_cuts_the_list(county, ranked):
    top = rank_contract_anomalies(county, scope=ALL, top=3)
    assert top["ranked"] == 24 and len(top["rows"]) == 3
    assert [row["contract_id"] for row in top["rows"]] == [
        row["contract_id"] for row in ranked["rows"][:3]]


def test_ranking_is_repeatable(county, ranked):
    again = rank_contract_anomalies(county, scope=ALL, random_state=0)
    assert [row["contract_id"] for row in again["rows"]] == [
        row["contract_id"] for row in ranked["rows"]]
    assert [row["score"] for row in again["rows"]] == pytest.approx(
        [row["score"] for row in ranked["rows"]])


def test_each_score_names_its_drivers(ranked):
    rows = {row["contract_id"]: row for row in ranked["rows"]}
    shell = rows["K4"]
    drivers = [driver["feature"] for driver in shell["drivers"]]
    assert set(drivers) <= set(FEATURES) and len(drivers) == 3
    assert "young_supplier" in drivers or "amount_to_capital" in drivers
    assert "σ" in shell["explanation"] and "lead, not an accusation" in ranked["note"]
    assert shell["non_competitive"] == 1.0 and shell["threshold_proximity"] == 1.0
    # 1,900,000 single source against the goods threshold of the bid_splitting rule file.
    assert rows["K2"]["threshold_proximity"] == pytest.approx(0.95)


def test_scope_and_errors(county):
    township = rank_contract_anomalies(county, scope=ALL, unit_ids=["U2"])
    assert township["ranked"] == 11
    assert {row["buyer_unit_id"] for row in township["rows"]} == {"U2"}
    within = rank_contract_anomalies(county, scope=Scope(("U2",), ("U2", "V1")))
    assert within["ranked"] == 11
    with pytest.raises(ValueError, match="no contract to rank"):
        rank_contract_anomalies(county, scope=ALL, unit_ids=["NOPE"])
    with pytest.raises(ValueError, match="no contract to rank"):
        rank_contract_anomalies(county, scope=Scope(("X9",), ("X9",)))


def test_supplier_ranking(county):
    suppliers = rank_supplier_anomalies(county, scope=ALL)
    rows = suppliers["rows"]
    assert suppliers["ranked"] == 4 and [row["rank"] for row in rows] == [1, 2, 3, 4]
    anda = {row["supplier_credit_code"]: row for row in rows}[ANDA]
    assert anda["contracts"] == 20 and anda["buyers"] == 2
    assert all(row["explanation"] for row in rows)
