"""Cases against the real database: opening, items with provenance, jurisdiction of cases,
items and members, status with conclusions, compare-and-set, two people at once, numbers,
the audit trail, and an alert merged into a case."""
from __future__ import annotations

import threading

import pytest
from case_fixtures import alert_of, scanned_county

from analytics.audit import read_log, verify_chain
from analytics.cases import (CaseError, CaseNotFound, StaleCase, add_items, add_note, assign,
                             get_case, list_cases, open_case, remove_item, set_status)
from analytics.scope import Scope
from analytics.workflow import WorkflowError, assign as assign_alert, dispose, \
    start_verification


@pytest.fixture
def county(db, tmp_path):
    return scanned_county(db, tmp_path)


def test_a_case_from_two_alerts_and_an_entity_lists_them_with_provenance(db, county):
    first = alert_of(county, "relative_supplier", "U1")
    second = alert_of(county, "bid_rigging", "U1")
    official = county["ids"]["甲"]
    opened = open_case(db, actor="li", title="宏达供货线索", unit_id="U1", scope=county["u1"],
                       summary="甲之配偶为宏达法定代表人", alert_ids=[first, second],
                       entity_keys=[official])
    assert opened["case_id"].startswith("AJ-") and opened["case_id"].endswith("-0001")
    case = get_case(db, opened["case_id"], county["u1"])
    assert case["case"]["status"] == "open" and case["case"]["status_zh"] == "立案"
    assert case["case"]["owner"] == "li" and case["case"]["unit_name"] == "某县交通运输局"
    assert sorted(alert["alert_id"] for alert in case["alerts"]) == sorted([first, second])
    assert all(alert["added_by"] == "li" for alert in case["alerts"])
    [entity] = case["entities"]
    assert (entity["label"], entity["key"], entity["name"]) == ("Person", official, "甲")
    assert entity["provenance"]["src_file"] == "persons.csv" and entity["provenance"]["src_row"]
    assert [(e["action"], e.get("to_status")) for e in case["history"]] == [("open", "open")]
    [event] = read_log(db, action="case.open")["items"]
    assert event["actor"] == "li" and opened["case_id"] in event["targets"]
    assert {first, second, official} <= set(event["targets"])


def test_out_of_scope_cases_alerts_and_entities_read_as_missing(db, county):
    u1_alert, u2_alert = (alert_of(county, "relative_supplier", unit) for unit in ("U1", "U2"))
    case_id = open_case(db, actor="li", title="甲案", unit_id="U1", scope=county["u1"],
                        alert_ids=[u1_alert])["case_id"]
    assert get_case(db, case_id, county["u2"]) is None
    with pytest.raises(CaseNotFound, match="no case"):
        add_note(db, case_id, actor="wang", text="看看", scope=county["u2"])
    with pytest.raises(CaseError, match=f"no alert '{u2_alert}'"):
        add_items(db, case_id, actor="li", scope=county["u1"], alert_ids=[u2_alert])
    with pytest.raises(CaseError, match="no entity"):
        add_items(db, case_id, actor="li", scope=county["u1"],
                  entity_keys=[county["ids"]["戊"]])      # an official of U2
    with pytest.raises(CaseError, match="outside your jurisdiction"):
        open_case(db, actor="wang", title="越权", unit_id="U1", scope=county["u2"])
    assert list_cases(db, county["u2"])["total"] == 0
    assert list_cases(db, county["u1"])["total"] == 1


def test_items_a_reader_may_not_see_are_withheld_and_counted(db, county):
    u1_alert, u2_alert = (alert_of(county, "relative_supplier", unit) for unit in ("U1", "U2"))
    case_id = open_case(db, actor="chief", title="跨单位线索", unit_id="U1",
                        scope=county["all"], alert_ids=[u1_alert, u2_alert],
                        owner="li")["case_id"]
    seen = get_case(db, case_id, county["u1"])
    assert [a["alert_id"] for a in seen["alerts"]] == [u1_alert]
    assert seen["alerts_withheld"] == 1
    assert len(get_case(db, case_id, county["all"])["alerts"]) == 2


def test_owner_and_members_must_be_case_workers_of_the_jurisdiction(db, county):
    case_id = open_case(db, actor="li", title="甲案", unit_id="U1", scope=county["u1"])["case_id"]
    for name, why in (("wang", "does not include unit U1"), ("auditor", "not a supervisor"),
                      ("nobody", "no active user")):
        with pytest.raises(CaseError, match=why):
            assign(db, case_id, actor="li", scope=county["u1"], members=[name])
    done = assign(db, case_id, actor="li", scope=county["u1"], owner="chief", members=["li"])
    case = get_case(db, case_id, county["u1"])["case"]
    assert (case["owner"], case["members"]) == ("chief", ["li"])
    assert done["audit_seq"] == read_log(db, action="case.assign")["items"][0]["seq"]


def test_status_moves_with_a_conclusion_and_a_closed_case_is_frozen(db, county):
    alert = alert_of(county, "relative_supplier", "U1")
    case_id = open_case(db, actor="li", title="甲案", unit_id="U1", scope=county["u1"],
                        alert_ids=[alert])["case_id"]
    set_status(db, case_id, actor="li", scope=county["u1"], status="verifying")
    with pytest.raises(CaseError, match="needs a conclusion"):
        set_status(db, case_id, actor="li", scope=county["u1"], status="closed")
    with pytest.raises(CaseError, match="reason for 不属实"):
        set_status(db, case_id, actor="li", scope=county["u1"], status="closed",
                   conclusion="unfounded")
    set_status(db, case_id, actor="li", scope=county["u1"], status="closed",
               conclusion="confirmed", note="经核实属实，移交审理")
    case = get_case(db, case_id, county["u1"])
    assert (case["case"]["status"], case["case"]["conclusion_zh"]) == ("closed", "属实")
    with pytest.raises(CaseError, match="closed .*reopen it"):
        remove_item(db, case_id, actor="li", scope=county["u1"], kind="alert", key=alert)
    with pytest.raises(CaseError, match="reason to reopen"):
        set_status(db, case_id, actor="li", scope=county["u1"], status="open")
    set_status(db, case_id, actor="chief", scope=county["all"], status="open", note="新证据")
    remove_item(db, case_id, actor="li", scope=county["u1"], kind="alert", key=alert)
    case = get_case(db, case_id, county["u1"])
    assert case["alerts"] == [] and case["case"]["conclusion"] is None
    assert [(e["action"], e.get("from_status"), e.get("to_status"), e.get("item_key"))
            for e in case["history"]] == [
        ("open", None, "open", None), ("status", "open", "verifying", None),
        ("status", "verifying", "closed", None), ("status", "closed", "open", None),
        ("remove", None, None, alert)]
    assert verify_chain(db)["ok"]


def test_a_note_withdrawn_keeps_its_text_and_an_unknown_item_is_refused(db, county):
    case_id = open_case(db, actor="li", title="甲案", unit_id="U1", scope=county["u1"])["case_id"]
    note = add_note(db, case_id, actor="li", text="<script>alert(1)</script>已调取档案",
                    scope=county["u1"])
    remove_item(db, case_id, actor="li", scope=county["u1"], kind="note", key=note["item_key"])
    [kept] = get_case(db, case_id, county["u1"])["notes"]
    assert kept["text"] == "<script>alert(1)</script>已调取档案" and kept["removed_by"] == "li"
    with pytest.raises(CaseError, match="has no note"):
        remove_item(db, case_id, actor="li", scope=county["u1"], kind="note",
                    key=note["item_key"])
    with pytest.raises(CaseError, match="unknown item kind"):
        remove_item(db, case_id, actor="li", scope=county["u1"], kind="person", key="x")


def test_two_people_at_once_one_wins_and_a_stale_version_is_refused(db, county):
    case_id = open_case(db, actor="li", title="甲案", unit_id="U1", scope=county["u1"])["case_id"]
    outcomes: list[str] = []

    def close(actor: str) -> None:
        try:
            set_status(db, case_id, actor=actor, scope=county["all"], status="verifying",
                       expected_status="open")
            outcomes.append("done")
        except StaleCase:
            outcomes.append("stale")
        except CaseError:
            outcomes.append("refused")

    threads = [threading.Thread(target=close, args=(name,)) for name in ("li", "chief") * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done"] + ["stale"] * 5
    version = get_case(db, case_id, county["u1"])["case"]["version"]
    with pytest.raises(StaleCase, match="changed since you read it"):
        add_items(db, case_id, actor="li", scope=county["u1"], expected_version=version - 1,
                  entity_keys=[county["ids"]["甲"]])


def test_case_numbers_are_unique_when_opened_at_once(db, county):
    numbers: list[str] = []
    threads = [threading.Thread(target=lambda n=n: numbers.append(open_case(
        db, actor="li", title=f"案{n}", unit_id="U1", scope=county["u1"])["case_id"]))
        for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 6
    assert sorted(int(number.rsplit("-", 1)[1]) for number in numbers) == list(range(1, 7))


def test_an_alert_merged_into_a_case_names_an_existing_case_in_scope(db, county):
    alert = alert_of(county, "relative_supplier", "U1")
    case_id = open_case(db, actor="li", title="甲案", unit_id="U1", scope=county["u1"])["case_id"]
    assign_alert(db, alert, actor="chief", assignee="li")
    start_verification(db, alert, actor="li")
    with pytest.raises(WorkflowError, match="no case AJ-1999-0001"):
        dispose(db, alert, actor="li", outcome="merged", merged_into="AJ-1999-0001",
                scope=county["u1"])
    done = dispose(db, alert, actor="li", outcome="merged", merged_into=case_id,
                   scope=county["u1"])
    assert done["merged_into"] == case_id


def test_a_reader_of_everything_and_the_cli_scope_see_every_case(db, county):
    open_case(db, actor="li", title="甲案", unit_id="U1", scope=county["u1"])
    open_case(db, actor="wang", title="戊案", unit_id="U2", scope=county["u2"])
    assert list_cases(db, Scope.everything())["total"] == 2
    assert [c["title"] for c in list_cases(db, county["all"], person="wang")["items"]] == ["戊案"]
