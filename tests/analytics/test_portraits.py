"""Unit and region portraits (政治生态画像) on the county of ``explore_fixture``."""
from __future__ import annotations

import json

import pytest
from explore_fixture import FORMER_CLERK, OFFICIAL, county, run_command

from analytics.portraits import region_portrait, unit_portrait
from analytics.queries import EntityNotFound

__all__ = ["county"]


@pytest.fixture(scope="module")
def county_portrait(county):
    return unit_portrait(county, "C0")


def test_alerts_roll_up_the_unit_tree(county_portrait):
    units = county_portrait["units"].set_index("unit_id")
    assert units.loc["C0", ["alerts", "contracts", "officials"]].tolist() == [4, 24, 3]
    assert units.loc["U1", ["alerts", "contracts", "officials"]].tolist() == [3, 13, 2]
    assert units.loc["U2", "alerts"] == 1 and units.loc["V1", "alerts"] == 0
    assert units.loc["C0", "contract_amount"] == units["contract_amount"].drop("C0").sum()
    assert county_portrait["unit"]["subunit_count"] == 3


def test_alerts_by_rule_and_status(county_portrait):
    by_rule = county_portrait["alerts_by_rule"]
    assert by_rule.loc["relative_supplier", "new"] == 1
    assert by_rule.loc["kickback_flow", "dismissed"] == 1
    assert by_rule["total"].sum() == 4
    assert dict(county_portrait["alerts_by_status"].values.tolist()) == {
        "new": 2, "dismissed": 1, "confirmed": 1}


def test_top_risks_are_explained_by_alerts(county_portrait):
    top = county_portrait["top_risks"]
    assert top["id_number"].tolist()[:2] == [OFFICIAL, FORMER_CLERK]
    assert top["risk"].tolist()[:2] == [60.0, 15.0]
    for row in top.itertuples():
        assert row.risk == sum(item["points"] for item in row.explanation)


def test_trend_by_first_seen_and_by_evidence_date(county_portrait):
    trend = county_portrait["trend"].set_index("month")
    assert trend["alerts_first_seen"].sum() == 4
    assert trend.loc["2024-02", "alerts_first_seen"] == 2
    assert trend.loc["2020-06", "alerts_by_evidence_date"] == 2  # K1 and TX1
    assert trend.index.is_monotonic_increasing


def test_method_shares_and_supplier_concentration(county):
    portrait = unit_portrait(county, "U1")
    methods = portrait["contracts_by_method"].set_index("method")
    assert methods["count"].to_dict() == {"public_tender": 11, "single_source": 1, "direct": 1}
    assert methods["amount_share"].sum() == pytest.approx(1.0)
    assert methods.loc["single_source", "amount"] == 1_900_000.0
    concentration = portrait["supplier_concentration"]
    shares = [5_400_000 / 8_700_000, 3_000_000 / 8_700_000, 300_000 / 8_700_000]
    assert concentration["hhi"] == pytest.approx(sum((s * 100) ** 2 for s in shares), abs=0.1)
    assert concentration["top_share"] == pytest.approx(1.0)
    assert concentration["suppliers"]["supplier_name"].iloc[0] == "宏达建筑工程有限公司"


def test_without_subunits_the_county_government_bought_nothing(county):
    alone = unit_portrait(county, "C0", include_subunits=False)
    assert len(alone["units"]) == 1 and alone["contracts_by_method"].empty
    assert alone["supplier_concentration"]["hhi"] == 0.0 and alone["alerts"].empty


def test_region_portrait(county, county_portrait):
    region = region_portrait(county, "110000")
    assert region["unit"]["prefix"] == "11" and region["unit"]["unit_count"] == 4
    assert set(region["alerts"]["alert_id"]) == set(county_portrait["alerts"]["alert_id"])
    other = region_portrait(county, "120101")
    assert other["unit"]["unit_count"] == 1 and other["alerts"].empty
    with pytest.raises(EntityNotFound, match="no unit has a region_code under"):
        region_portrait(county, "440300")
    with pytest.raises(ValueError, match="not 6 digits"):
        region_portrait(county, "11")
    with pytest.raises(EntityNotFound, match="no unit with unit_id"):
        unit_portrait(county, "NOPE")


def test_portrait_command(county, neo4j_settings, monkeypatch):
    result = run_command(monkeypatch, neo4j_settings, "portrait", "C0")
    assert result.exit_code == 0, result.output
    assert "HHI 3679.7" in result.output and "relative_supplier" in result.output
    region = json.loads(run_command(monkeypatch, neo4j_settings, "portrait", "110105",
                                    "--region", "--json").output)
    assert region["unit"]["unit_count"] == 4 and len(region["alerts"]) == 4
