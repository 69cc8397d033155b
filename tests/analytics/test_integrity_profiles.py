"""The integrity profile (廉政档案) and the timeline, on the county of ``explore_fixture``.

(Named test_integrity_profiles.py: tests/ingest/test_profiles.py holds the basename.)
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from explore_fixture import (ACCOUNT, CHILD, FORMER_CLERK, HONGDA, OFFICIAL, SPOUSE,
                             SPOUSE_SIBLING, TOWNSHIP_HEAD, county, run_command)

from analytics.profiles import SEVERITY_POINTS, SIGNALS, alert_points, integrity_profile
from analytics.queries import EntityNotFound
from analytics.rules.rule import SEVERITIES
from analytics.scope import Scope
from analytics.timeline import entity_timeline

__all__ = ["county"]
EVERYTHING = Scope.everything()


def by(rows, key):
    return {row[key]: row for row in rows}


@pytest.fixture(scope="module")
def profile(county):
    return integrity_profile(county, OFFICIAL, scope=EVERYTHING)


def test_positions_over_time(profile):
    positions = profile["positions"]
    assert [row["unit_key"] for row in positions] == ["U2", "U1"]
    assert [row["current"] for row in positions] == [False, True]
    assert positions[1]["duties"] == ["procurement", "finance"]
    assert positions[1]["start_date"] == "2018-01-01"  # plain data: dates as ISO text
    json.dumps(profile)  # JSON-ready as it is


def test_family_reads_each_tie_from_the_officials_side(profile):
    family = by(profile["family"], "id_number")
    assert family[SPOUSE]["relation"] == "spouse"
    assert family[CHILD]["relation"] == "child"  # recorded as: 甲 is the parent of 丁
    assert [family[SPOUSE_SIBLING][k] for k in ("relation", "relation_zh", "degree", "via")] == [
        "spouse's sibling", "配偶的兄弟姐妹", 2, "乙"]
    assert {k: row["in_household"] for k, row in family.items()} == {
        SPOUSE: True, CHILD: True, SPOUSE_SIBLING: False}


def test_companies_contracts_and_payments_reached_through_family(profile):
    companies = profile["companies"]
    assert {row["credit_code"] for row in companies} == {HONGDA}
    assert {row["holder_relation"] for row in companies} == {"spouse's sibling"}
    contracts = profile["contracts"]
    assert [row["contract_id"] for row in contracts] == ["K1", "K2"]
    assert all(row["during_tenure"] and row["approved_by_him"] for row in contracts)
    payments = profile["payments"]
    assert [row["txn_id"] for row in payments] == ["TX2", "TX3"]
    assert all(row["payer_supplies_units"] for row in payments)
    assert [row["payee_relation"] for row in payments] == ["spouse's sibling", "spouse"]
    assert [row["payment_id"] for row in profile["subsidies"]] == ["S1"]
    assert profile["subsidies"][0]["recipient_relation"] == "spouse"


def test_alerts_keep_their_status_and_outcome(profile):
    alerts = by(profile["alerts"], "alert_id")
    assert {k: (row["status"], row["outcome"]) for k, row in alerts.items()} == {
        "A1": ("new", None), "A2": ("disposed", "unfounded"), "A3": ("disposed", "confirmed")}
    assert "A4" not in alerts and profile["related_alerts"] == []
    # 甲 is both the official and the approver of A1: one row, both roles, counted once.
    assert set(alerts["A1"]["roles"]) == {"official", "approver"}


def test_every_risk_point_is_traced(profile):
    risk = profile["risk"]
    assert risk["total"] == sum(item["points"] for item in risk["items"])
    sources = [item["source"] for item in risk["items"]]
    assert set(sources) <= {"A1", "A2", "A3", *SIGNALS}
    points = {item["source"]: item["points"] for item in risk["items"] if item["source"][0] == "A"}
    # A2 was found unfounded (查否): it stays in the list with no points.
    assert points == {"A1": 40.0, "A2": 0.0, "A3": 20.0}
    details = " ".join(item["reason"] for item in risk["items"])
    # K1 is evidence of A1 and TX3 of A2 (unfounded): neither scores again as a signal.
    assert "K2" in details and "TX2" in details and "K1 " not in details and "TX3" not in details
    assert "unfounded" in by(risk["items"], "source")["A2"]["reason"]
    assert risk["total"] == 80.0


def test_every_severity_has_points_and_critical_is_not_scored_as_low():
    assert set(SEVERITY_POINTS) == set(SEVERITIES)
    # A critical alert of a rule no file defines any more scores its severity, not "low".
    assert alert_points({"rule_id": "retired_rule", "severity": "critical"})[0] == 50.0
    # A rule's own risk points come from its file when the alert carries none.
    assert alert_points({"rule_id": "kickback_flow", "severity": "critical"})[0] == 50.0
    assert alert_points({"rule_id": "self_approval", "severity": "high"})[0] == 25.0
    points, reason = alert_points({"rule_id": "retired_rule", "severity": "urgent"})
    assert points == 0.0 and "unknown severity" in reason
    assert alert_points({"rule_id": "x", "score": 30, "outcome": "referred"})[0] == 30.0


def test_every_kinship_relation_of_the_input_format_is_named_and_inverted():
    import yaml

    from analytics.profiles import INVERSE_RELATION, RELATION_ZH
    from conftest import ROOT

    tables = yaml.safe_load((ROOT / "ingest" / "tables.yaml").read_text(encoding="utf-8"))
    relations = set(tables["kinship"]["columns"]["relation"]["values"])
    assert relations <= set(INVERSE_RELATION) and relations <= set(RELATION_ZH)


def test_as_of_leaves_out_what_came_later(county):
    before = integrity_profile(county, OFFICIAL, scope=EVERYTHING, as_of=dt.date(2019, 12, 31))
    assert before["contracts"] == [] and before["payments"] == [] and before["alerts"] == []
    assert [row["credit_code"] for row in before["companies"]] == [HONGDA, HONGDA]
    assert [row["current"] for row in before["positions"]] == [False, True]
    assert before["risk"] == {"total": 0.0, "items": []}
    in_2015 = integrity_profile(county, OFFICIAL, scope=EVERYTHING, as_of="2015-06-01")
    assert [row["unit_key"] for row in in_2015["positions"]] == ["U2"]
    assert in_2015["companies"] == []


def test_own_business_role_in_office_is_a_signal(county):
    head = integrity_profile(county, TOWNSHIP_HEAD, scope=EVERYTHING)
    items = head["risk"]["items"]
    assert [(i["source"], i["points"]) for i in items] == [
        ("family_company_contract", 10.0)] * 2 + [("business_role_in_office", 10.0)]
    # Only the two contracts signed while he sat on the board (2017-2018) count.
    assert ["KA00" in items[0]["reason"], "KA10" in items[1]["reason"]] == [True, True]
    assert "director of 安达物资有限公司" in items[2]["reason"]
    contracts = head["contracts"]
    assert len(contracts) == 10 and sum(row["held_at_signing"] for row in contracts) == 2


def test_revolving_door_dividend_is_a_payment_signal(county):
    clerk = integrity_profile(county, FORMER_CLERK, scope=EVERYTHING)
    assert [row["holder_relation"] for row in clerk["companies"]] == ["self", "self"]
    # His roles start 2020-06-01, after he left U1 at the end of 2019: not in office.
    items = {item["source"]: item for item in clerk["risk"]["items"]}
    assert set(items) == {"A4", "payment_from_supplier"}
    assert "TX6" in items["payment_from_supplier"]["reason"]


def test_every_spelling_of_an_id_number_finds_the_person(county):
    legacy = OFFICIAL[:6] + OFFICIAL[8:17]  # the 15-digit form of a number born in 19xx
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in OFFICIAL)
    spaced = f" {OFFICIAL[:6]} {OFFICIAL[6:14]} {OFFICIAL[14:]} "
    for spelling in (legacy, fullwidth, spaced, OFFICIAL.lower()):
        assert integrity_profile(county, spelling, scope=EVERYTHING)["person"]["id_number"] \
            == OFFICIAL, spelling
    assert integrity_profile(county, SPOUSE_SIBLING[:17] + SPOUSE_SIBLING[17].lower(),
                             scope=EVERYTHING)["person"]["name"] == "丙"


def test_unknown_person(county):
    with pytest.raises(EntityNotFound, match="no person you may see has id_number"):
        integrity_profile(county, "110105197001019999", scope=EVERYTHING)


def test_timeline_is_in_date_order_with_tenure_ends(county):
    events = entity_timeline(county, OFFICIAL, scope=EVERYTHING)["events"]
    dated = [event for event in events if event["date"]]
    assert [e["date"] for e in dated] == sorted(e["date"] for e in dated)
    assert ["position_start", "position_end", "position_start"] == [e["kind"] for e in dated[:3]]
    assert {e["kind"] for e in events} >= {"contract", "complaint", "alert", "kinship"}
    assert events[-1]["kind"] == "kinship"
    assert {e["detail"] for e in events if e["kind"] == "kinship"} == {"spouse", "child"}
    later = entity_timeline(county, OFFICIAL, scope=EVERYTHING, start="2021-01-01",
                            end="2021-12-31", undated=False)
    assert [e["kind"] for e in later["events"]] == ["contract", "complaint"]
    assert later["total"] == 2


def test_timeline_of_an_account_shows_money_in_and_out(county):
    events = entity_timeline(county, ACCOUNT["SPOUSE_SIBLING"], scope=EVERYTHING)["events"]
    assert [[e["kind"], e["role"], e["amount"]] for e in events] == [
        ["transfer", "payee", 200000.0], ["transfer", "payer", 150000.0]]


def test_profile_command(county, neo4j_settings, monkeypatch):
    result = run_command(monkeypatch, neo4j_settings, "profile", OFFICIAL)
    assert result.exit_code == 0, result.output
    assert "Risk 风险分 80" in result.output and "spouse's sibling" in result.output
    as_json = json.loads(run_command(monkeypatch, neo4j_settings, "profile", OFFICIAL.lower(),
                                     "--json").output)
    assert as_json["risk"]["total"] == 80.0 and len(as_json["contracts"]) == 2
    timeline = run_command(monkeypatch, neo4j_settings, "timeline", OFFICIAL, "--from",
                           "2020-01-01")
    assert timeline.exit_code == 0 and "approved_by" in timeline.output
