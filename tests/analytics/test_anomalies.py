"""Anomaly ranking of contracts and suppliers: repeatable, explained, bounded by scope."""
from __future__ import annotations

import pytest
from explore_fixture import ANDA, county

from analytics.anomalies import FEATURES, rank_contract_anomalies, rank_supplier_anomalies

__all__ = ["county"]
PLANTED = {"K1", "K2", "K3", "K4"}  # relative's firm, single source, consultancy, shell


@pytest.fixture(scope="module")
def ranked(county):
    return rank_contract_anomalies(county, random_state=0)


def test_planted_contracts_rank_first(ranked):
    assert len(ranked) == 24 and list(ranked["rank"]) == list(range(1, 25))
    assert set(ranked["contract_id"][:4]) == PLANTED
    assert ranked["score"].is_monotonic_decreasing


def test_ranking_is_repeatable(county, ranked):
    again = rank_contract_anomalies(county, random_state=0)
    assert list(again["contract_id"]) == list(ranked["contract_id"])
    assert again["score"].tolist() == pytest.approx(ranked["score"].tolist())


def test_each_score_names_its_drivers(ranked):
    shell = ranked.set_index("contract_id").loc["K4"]
    drivers = [driver["feature"] for driver in shell["drivers"]]
    assert set(drivers) <= set(FEATURES) and len(drivers) == 3
    assert "young_supplier" in drivers or "amount_to_capital" in drivers
    assert "σ" in shell["explanation"] and "lead, not an accusation" in shell["note"]
    assert shell["non_competitive"] == 1.0 and shell["threshold_proximity"] == 1.0
    single_source = ranked.set_index("contract_id").loc["K2"]
    assert single_source["threshold_proximity"] == pytest.approx(0.95)


def test_scope_and_errors(county):
    township = rank_contract_anomalies(county, unit_ids=["U2"])
    assert len(township) == 11 and set(township["buyer_unit_id"]) == {"U2"}
    with pytest.raises(ValueError, match="no contract to rank"):
        rank_contract_anomalies(county, unit_ids=["NOPE"])


def test_supplier_ranking(county):
    suppliers = rank_supplier_anomalies(county)
    assert len(suppliers) == 4 and list(suppliers["rank"]) == [1, 2, 3, 4]
    anda = suppliers.set_index("supplier_credit_code").loc[ANDA]
    assert anda["contracts"] == 20 and anda["buyers"] == 2
    assert all(suppliers["explanation"].str.len() > 0)
