"""Alert identity: decisions stay on their alert while a newer extract grows or shrinks the
evidence, scoped scans never mint a second alert, a moved anchor links its predecessor, and
alerts stored under the former ids keep their decisions."""
from __future__ import annotations

import pytest
from fixtures import World
from lifecycle_fixtures import cases

from analytics.alerts import get_alert, list_alerts
from analytics.rules import load_rules
from analytics.rules.hits import anchor_id, fingerprint
from analytics.scan import run_scan
from analytics.scope import Scope
from analytics.workflow import assign, dispose, start_verification

EVERYTHING = Scope.everything()
DECISIONS = [
    {"outcome": "confirmed"},
    {"outcome": "partly_confirmed", "reason": "仅部分合同属实"},
    {"outcome": "unfounded", "reason": "亲属关系已于2019年解除"},
    {"outcome": "referred", "referred_to": "县公安局"},
    {"outcome": "merged"},
]


def _alerts(db) -> dict[str, dict]:
    return {item["alert_id"]: item for item in
            list_alerts(db, EVERYTHING, page_size=500)["items"]}


def _key(alert: dict) -> str:
    """Which case an alert is, in the fixture's words (rule, and contract for rule 1)."""
    if alert["rule_id"] == "relative_supplier":
        contract = next(part for part in alert["anchor"] if part.startswith("contract="))
        return f"relative_supplier:{contract.split('=')[1]}"
    return alert["rule_id"]


def _decide_all(db) -> dict[str, dict]:
    alerts = sorted(_alerts(db).values(), key=_key)
    decided = {}
    for number, alert in enumerate(alerts):
        decision = dict(DECISIONS[number % len(DECISIONS)])
        if decision["outcome"] == "merged":
            decision["merged_into"] = alerts[0]["alert_id"]
        assign(db, alert["alert_id"], actor="主任", assignee=f"承办人{number}")
        start_verification(db, alert["alert_id"], actor=f"承办人{number}")
        dispose(db, alert["alert_id"], actor=f"承办人{number}", **decision)
        decided[alert["alert_id"]] = {"key": _key(alert), **decision,
                                      "assignee": f"承办人{number}"}
    return decided


def test_decisions_survive_a_newer_extract_that_grows_and_shrinks_evidence(db, tmp_path):
    ids = cases(first := World())
    first.load(db, tmp_path / "county")
    scan = run_scan(db)
    assert scan.new_alerts == 9, _alerts(db)
    decided = _decide_all(db)
    assert len({d["outcome"] for d in decided.values()}) == 5

    cases(newer := World(), newer=True)
    newer.load(db, tmp_path / "county")
    rescan = run_scan(db)
    assert (rescan.new_alerts, rescan.no_longer_matching) == (0, 1)
    assert rescan.evidence_changed == 4                  # three grown, one shrunk
    after = _alerts(db)
    assert set(after) == set(decided)                    # nothing duplicated, nothing lost
    for alert_id, decision in decided.items():
        alert = after[alert_id]
        assert (alert["status"], alert["outcome"], alert["assignee"]) == (
            "disposed", decision["outcome"], decision["assignee"]), decision["key"]
        shown = get_alert(db, alert_id, EVERYTHING)
        assert [event["action"] for event in shown["history"]] == ["assign", "verify",
                                                                   "dispose"]
        changes = [event for event in shown["evidence_changes"]
                   if event["action"] == "evidence"]
        key = decision["key"]
        if key in ("relative_supplier:KA1", "bid_rigging", "bid_splitting"):
            assert len(changes) == 1 and changes[0]["added"] and not changes[0]["dropped"], key
            assert changes[0]["scan_id"] == rescan.scan_id
        elif key == "relative_supplier:KB1":
            assert changes[0]["dropped"] and not changes[0]["added"]
            assert any(ids["sibling"] in item for item in changes[0]["dropped"])
        else:
            assert changes == [], key
        if key == "subsidy_ineligible":
            assert not alert["matching"]
            assert "retired" in [event["action"] for event in shown["evidence_changes"]]
        else:
            assert alert["matching"], key
    grown = {decided_["key"]: after[alert_id] for alert_id, decided_ in decided.items()}
    assert ids["third_bidder"] in grown["bid_rigging"]["entity_ids"]
    assert "KS4" in grown["bid_splitting"]["entity_ids"]
    assert ids["child"] in grown["relative_supplier:KA1"]["entity_ids"]
    assert ids["sibling"] not in grown["relative_supplier:KB1"]["entity_ids"]


def test_a_scoped_scan_after_a_full_scan_mints_no_second_alert(db, tmp_path):
    cases(world := World())
    world.load(db, tmp_path / "county")
    run_scan(db)
    before = _alerts(db)
    pooled = next(a for a in before.values() if a["rule_id"] == "ghost_beneficiary")
    assert pooled["unit_ids"] == ["U1", "U2"]
    full_evidence = get_alert(db, pooled["alert_id"], EVERYTHING)["evidence"]
    for units in (["U2"], ["U1"], ["U0"]):
        scoped = run_scan(db, units=units)
        assert scoped.new_alerts == 0 and scoped.no_longer_matching == 0, units
        assert set(_alerts(db)) == set(before)
    # U2 saw three of the four villagers: the fourth stays in the evidence.
    assert get_alert(db, pooled["alert_id"], EVERYTHING)["evidence"] == full_evidence
    assert db.read("MATCH (a:Alert) RETURN count(a) AS n") == [{"n": len(before)}]


def test_a_moved_anchor_links_the_new_alert_to_its_decided_predecessor(db, tmp_path):
    def split(w: World, earlier: bool) -> None:
        w.county()
        supplier = w.company("拆单商")
        for day, contract_id in (("2021-02-15", "K2"), ("2021-03-10", "K3")):
            w.contract("U1", supplier, 1_100_000, day, method="inquiry",
                       contract_id=contract_id)
        if earlier:     # an earlier contract joins: the group's first contract moves
            w.contract("U1", supplier, 1_100_000, "2021-01-20", method="inquiry",
                       contract_id="K1")

    split(first := World(), earlier=False)
    first.load(db, tmp_path / "split")
    run_scan(db, ["bid_splitting"])
    [old] = _alerts(db)
    assign(db, old, actor="主任", assignee="王")
    start_verification(db, old, actor="王")
    dispose(db, old, actor="王", outcome="confirmed")
    split(newer := World(), earlier=True)
    newer.load(db, tmp_path / "split")
    result = run_scan(db, ["bid_splitting"])
    assert (result.new_alerts, result.no_longer_matching, result.successors) == (1, 1, 1)
    [new] = set(_alerts(db)) - {old}
    shown = get_alert(db, new, EVERYTHING)
    assert shown["predecessors"][0]["alert_id"] == old
    assert shown["predecessors"][0]["outcome"] == "confirmed"
    assert {"K2", "K3"} <= set(shown["predecessors"][0]["shared"])
    assert shown["seen_before"][0]["alert_id"] == old
    assert get_alert(db, old, EVERYTHING)["successors"][0]["alert_id"] == new
    assert get_alert(db, old, EVERYTHING)["alert"]["outcome"] == "confirmed"


def test_alerts_stored_under_former_ids_keep_their_decisions(db, tmp_path):
    cases(world := World())
    world.load(db, tmp_path / "county")
    run_scan(db)
    decided = _decide_all(db)
    # Make the store look as it did before anchors: ids digested from every identifier.
    legacy = {}
    for row in db.read("MATCH (a:Alert) RETURN a.alert_id AS id, a.rule_id AS rule, "
                       "a.entity_ids AS ids"):
        legacy[row["id"]] = fingerprint(row["rule"], row["ids"])
        db.write("MATCH (a:Alert {alert_id: $id}) SET a.alert_id = $legacy, "
                 "a.status_log = ['2024-01-01 new→assigned'] "
                 "REMOVE a.anchor, a.evidence_keys", id=row["id"], legacy=legacy[row["id"]])
    rescan = run_scan(db)
    assert (rescan.new_alerts, rescan.carried_over) == (0, len(decided))
    after = _alerts(db)
    for alert_id, decision in decided.items():
        assert after[alert_id]["outcome"] == decision["outcome"]
        shown = get_alert(db, legacy[alert_id], EVERYTHING)       # the former id still works
        assert shown["alert"]["alert_id"] == alert_id
        assert shown["alert"]["former_ids"] == [legacy[alert_id]]
        assert shown["legacy_log"] == ["2024-01-01 new→assigned"]
        assert "migrated" in [event["action"] for event in shown["evidence_changes"]]


def test_every_builtin_rule_has_an_anchor_and_a_bad_anchor_is_refused(tmp_path):
    from analytics.rules import RuleError, load_rule

    assert all(rule.anchor for rule in load_rules().values())
    source = load_rules()["bid_rigging"].path.read_text(encoding="utf-8")
    broken = tmp_path / "bid_rigging.yaml"
    broken.write_text(source.replace("anchor: [tender]", "anchor: [auction]"),
                      encoding="utf-8")
    with pytest.raises(RuleError, match="no evidence with role 'auction'"):
        load_rule(broken)
    broken.write_text(source.replace("anchor: [tender]", "anchor: {one: [tender]}"),
                      encoding="utf-8")
    with pytest.raises(RuleError, match="names clauses"):
        load_rule(broken)
    assert anchor_id("bid_rigging", ["tender=T1"]) != anchor_id("bid_rigging", ["tender=T2"])
