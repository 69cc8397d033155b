"""Unit and region portraits (政治生态画像) on the county of ``explore_fixture``."""
from __future__ import annotations

import json

import pytest
from explore_fixture import FORMER_CLERK, HONGDA, OFFICIAL, county, run_command

from analytics.portraits import region_portrait, unit_portrait
from analytics.queries import EntityNotFound
from analytics.scope import Scope

__all__ = ["county"]
ALL = Scope.everything()


def by(rows, key):
    return {row[key]: row for row in rows}


@pytest.fixture(scope="module")
def county_portrait(county):
    return unit_portrait(county, "C0", scope=ALL)


def test_alerts_roll_up_the_unit_tree(county_portrait):
    units = by(county_portrait["units"], "unit_id")
    assert [units["C0"][k] for k in ("alerts", "contracts", "officials")] == [4, 24, 3]
    assert [units["U1"][k] for k in ("alerts", "contracts", "officials")] == [3, 13, 2]
    assert units["U2"]["alerts"] == 1 and units["V1"]["alerts"] == 0
    assert units["C0"]["own_contracts"] == 0
    assert units["C0"]["contract_amount"] == sum(
        row["own_contract_amount"] for key, row in units.items() if key != "C0")
    assert county_portrait["unit"]["subunit_count"] == 3
    assert county_portrait["totals"] == {
        "units": 4, "contracts": 24, "contract_amount": 7_700_000.0 + sum(
            200_000 + 10_000 * i for i in range(20)),
        "contracts_without_amount": 0, "officials": 3, "alerts": 4}
    json.dumps(county_portrait)


def test_alerts_by_rule_status_and_outcome(county_portrait):
    rules = by(county_portrait["alerts_by_rule"], "rule_id")
    assert rules["relative_supplier"]["by_status"] == {"new": 1}
    assert rules["relative_supplier"]["name_zh"] == "亲属关联供应商"
    assert rules["kickback_flow"]["by_outcome"] == {"unfounded": 1}
    assert sum(row["total"] for row in rules.values()) == 4
    assert {row["status"]: row["count"] for row in county_portrait["alerts_by_status"]} == {
        "new": 2, "disposed": 2}
    assert {row["outcome"]: row["count"] for row in county_portrait["alerts_by_outcome"]} == {
        "pending": 2, "unfounded": 1, "confirmed": 1}


def test_top_risks_are_explained_by_alerts(county_portrait):
    top = county_portrait["top_risks"]
    assert [row["id_number"] for row in top[:2]] == [OFFICIAL, FORMER_CLERK]
    # 甲: A1 40 + A2 unfounded 0 + A3 20; 戊: A4 15.
    assert [row["risk"] for row in top[:2]] == [60.0, 15.0]
    for row in top:
        assert row["risk"] == sum(item["points"] for item in row["explanation"])


def test_trend_by_first_seen_and_by_evidence_date(county_portrait):
    trend = by(county_portrait["trend"], "month")
    assert sum(row["alerts_first_seen"] for row in trend.values()) == 4
    assert trend["2024-02"]["alerts_first_seen"] == 2
    assert trend["2020-06"]["alerts_by_evidence_date"] == 2  # K1 and TX1
    assert list(trend) == sorted(trend)


def test_method_shares_and_supplier_concentration(county):
    portrait = unit_portrait(county, "U1", scope=ALL)
    methods = by(portrait["contracts_by_method"], "method")
    assert {k: row["count"] for k, row in methods.items()} == {
        "public_tender": 11, "single_source": 1, "direct": 1}
    assert sum(row["amount_share"] for row in methods.values()) == pytest.approx(1.0)
    assert methods["single_source"]["amount"] == 1_900_000.0
    concentration = portrait["supplier_concentration"]
    shares = [5_400_000 / 8_700_000, 3_000_000 / 8_700_000, 300_000 / 8_700_000]
    assert concentration["hhi"] == pytest.approx(sum((s * 100) ** 2 for s in shares), abs=0.1)
    assert concentration["top_share"] == pytest.approx(1.0)
    assert concentration["suppliers"][0]["credit_code"] == HONGDA
    assert concentration["suppliers"][0]["name"] == "宏达建筑工程有限公司"


def test_without_subunits_the_county_government_bought_nothing(county):
    alone = unit_portrait(county, "C0", scope=ALL, include_subunits=False)
    assert len(alone["units"]) == 1 and alone["contracts_by_method"] == []
    assert alone["supplier_concentration"]["hhi"] == 0.0 and alone["alerts_total"] == 0


def test_region_portrait(county, county_portrait):
    region = region_portrait(county, "110000", scope=ALL)
    assert region["unit"]["prefix"] == "11" and region["unit"]["unit_count"] == 4
    assert region["totals"] == county_portrait["totals"]
    other = region_portrait(county, "120101", scope=ALL)
    assert other["unit"]["unit_count"] == 1 and other["alerts_total"] == 0
    with pytest.raises(EntityNotFound, match="no unit you may see has a region_code under"):
        region_portrait(county, "440300", scope=ALL)
    with pytest.raises(ValueError, match="not 6 digits"):
        region_portrait(county, "11", scope=ALL)
    with pytest.raises(EntityNotFound, match="no unit you may see has unit_id"):
        unit_portrait(county, "NOPE", scope=ALL)


def test_portrait_command(county, neo4j_settings, monkeypatch):
    result = run_command(monkeypatch, neo4j_settings, "portrait", "C0")
    assert result.exit_code == 0, result.output
    assert "HHI 3679.7" in result.output and "relative_supplier" in result.output
    assert "24 contracts" in result.output
    region = json.loads(run_command(monkeypatch, neo4j_settings, "portrait", "110105",
                                    "--region", "--json").output)
    assert region["unit"]["unit_count"] == 4 and region["alerts_total"] == 4
