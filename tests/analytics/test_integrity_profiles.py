"""The integrity profile (廉政档案) and the timeline, on the county of ``explore_fixture``.

(Named test_integrity_profiles.py: tests/ingest/test_profiles.py holds the basename.)
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from explore_fixture import (ACCOUNT, CHILD, FORMER_CLERK, HONGDA, OFFICIAL, SPOUSE,
                             SPOUSE_SIBLING, TOWNSHIP_HEAD, county, run_command)

from analytics.profiles import SIGNALS, integrity_profile
from analytics.queries import EntityNotFound
from analytics.timeline import entity_timeline

__all__ = ["county"]


@pytest.fixture(scope="module")
def profile(county):
    return integrity_profile(county, OFFICIAL)


def test_positions_over_time(profile):
    positions = profile["positions"]
    assert list(positions["unit_id"]) == ["U2", "U1"]
    assert list(positions["current"]) == [False, True]
    assert positions.loc[1, "duties"] == ["procurement", "finance"]


def test_family_reads_each_tie_from_the_officials_side(profile):
    family = profile["family"].set_index("id_number")
    assert family.loc[SPOUSE, "relation"] == "spouse"
    assert family.loc[CHILD, "relation"] == "child"  # recorded as: 甲 is the parent of 丁
    assert family.loc[SPOUSE_SIBLING, ["relation", "relation_zh", "degree", "via"]].tolist() == [
        "spouse's sibling", "配偶的兄弟姐妹", 2, "乙"]
    assert family["in_household"].to_dict() == {SPOUSE: True, CHILD: True,
                                                 SPOUSE_SIBLING: False}


def test_companies_contracts_and_payments_reached_through_family(profile):
    companies = profile["companies"]
    assert set(companies["credit_code"]) == {HONGDA}
    assert set(companies["holder_relation"]) == {"spouse's sibling"}
    contracts = profile["contracts"]
    assert list(contracts["contract_id"]) == ["K1", "K2"]
    assert contracts["during_tenure"].all() and contracts["approved_by_him"].all()
    payments = profile["payments"]
    assert list(payments["txn_id"]) == ["TX2", "TX3"]
    assert payments["payer_supplies_units"].all()
    assert list(payments["payee_relation"]) == ["spouse's sibling", "spouse"]
    assert list(profile["subsidies"]["payment_id"]) == ["S1"]
    assert profile["subsidies"].loc[0, "recipient_relation"] == "spouse"


def test_alerts_keep_their_disposition(profile):
    alerts = profile["alerts"].set_index("alert_id")
    assert alerts["status"].to_dict() == {"A1": "new", "A2": "dismissed", "A3": "confirmed"}
    assert "A4" not in alerts.index and profile["related_alerts"].empty
    # 甲 is both the official and the approver of A1: one row, both roles, counted once.
    assert set(alerts.loc["A1", "role"].split(";")) == {"official", "approver"}


def test_every_risk_point_is_traced(profile):
    risk = profile["risk"]
    assert risk["total"] == sum(item["points"] for item in risk["items"])
    sources = [item["source"] for item in risk["items"]]
    assert set(sources) <= {"A1", "A2", "A3", *SIGNALS}
    points = {item["source"]: item["points"] for item in risk["items"] if item["source"][0] == "A"}
    assert points == {"A1": 40.0, "A2": 0.0, "A3": 20.0}
    details = " ".join(item["reason"] for item in risk["items"])
    # K1 is evidence of A1 and TX3 of A2 (dismissed): neither scores again as a signal.
    assert "K2" in details and "TX2" in details and "K1 " not in details and "TX3" not in details
    assert risk["total"] == 80.0


def test_as_of_leaves_out_what_came_later(county):
    before = integrity_profile(county, OFFICIAL, as_of=dt.date(2019, 12, 31))
    assert before["contracts"].empty and before["payments"].empty and before["alerts"].empty
    assert before["companies"]["credit_code"].tolist() == [HONGDA, HONGDA]
    assert before["positions"]["current"].tolist() == [False, True]
    assert before["risk"] == {"total": 0.0, "items": []}
    in_2015 = integrity_profile(county, OFFICIAL, as_of="2015-06-01")
    assert in_2015["positions"]["unit_id"].tolist() == ["U2"]
    assert in_2015["companies"].empty


def test_own_business_role_in_office_is_a_signal(county):
    head = integrity_profile(county, TOWNSHIP_HEAD)
    items = head["risk"]["items"]
    assert [(i["source"], i["points"]) for i in items] == [
        ("family_company_contract", 10.0)] * 2 + [("business_role_in_office", 10.0)]
    # Only the two contracts signed while he sat on the board (2017-2018) count.
    assert ["KA00" in items[0]["reason"], "KA10" in items[1]["reason"]] == [True, True]
    assert "director of 安达物资有限公司" in items[2]["reason"]
    contracts = head["contracts"]
    assert len(contracts) == 10 and contracts["held_at_signing"].sum() == 2


def test_revolving_door_dividend_is_a_payment_signal(county):
    clerk = integrity_profile(county, FORMER_CLERK)
    assert clerk["companies"]["holder_relation"].tolist() == ["self", "self"]
    # His roles start 2020-06-01, after he left U1 at the end of 2019: not in office.
    items = {item["source"]: item for item in clerk["risk"]["items"]}
    assert set(items) == {"A4", "payment_from_supplier"}
    assert "TX6" in items["payment_from_supplier"]["reason"]


def test_unknown_person(county):
    with pytest.raises(EntityNotFound, match="no person with id_number"):
        integrity_profile(county, "110105197001019999")


def test_timeline_is_in_date_order_with_tenure_ends(county):
    events = entity_timeline(county, OFFICIAL)
    dated = events.dropna(subset=["date"])
    assert list(dated["date"]) == sorted(dated["date"])
    assert ["position_start", "position_end", "position_start"] == list(dated["kind"][:3])
    assert set(events["kind"]) >= {"contract", "complaint", "alert", "kinship"}
    assert events["kind"].iloc[-1] == "kinship"
    assert set(events.loc[events["kind"] == "kinship", "detail"]) == {"spouse", "child"}
    later = entity_timeline(county, OFFICIAL, start="2021-01-01", end="2021-12-31")
    assert list(later.dropna(subset=["date"])["kind"]) == ["contract", "complaint"]


def test_timeline_of_an_account_shows_money_in_and_out(county):
    events = entity_timeline(county, ACCOUNT["SPOUSE_SIBLING"])
    assert events[["kind", "role", "amount"]].values.tolist() == [
        ["transfer", "payee", 200000.0], ["transfer", "payer", 150000.0]]


def test_profile_command(county, neo4j_settings, monkeypatch):
    result = run_command(monkeypatch, neo4j_settings, "profile", OFFICIAL)
    assert result.exit_code == 0, result.output
    assert "Risk 风险分 80" in result.output and "spouse's sibling" in result.output
    as_json = json.loads(run_command(monkeypatch, neo4j_settings, "profile", OFFICIAL,
                                     "--json").output)
    assert as_json["risk"]["total"] == 80.0 and len(as_json["contracts"]) == 2
    timeline = run_command(monkeypatch, neo4j_settings, "timeline", OFFICIAL, "--from",
                           "2020-01-01")
    assert timeline.exit_code == 0 and "approved_by" in timeline.output
