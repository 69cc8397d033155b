"""The closed loop 预警 → 分办 → 核查 → 处置 against the real database: every legal and illegal
transition, compare-and-set, two people at once, outcomes, deadlines, jurisdiction."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from fixtures import cli_env  # noqa: F401 - cli_env is a fixture

from analytics.alerts import get_alert, list_alerts
from analytics.days import local_today
from analytics.audit import read_log, verify_chain
from analytics.scope import Scope
from analytics.workflow import (STATUSES, AlertNotFound, IllegalTransition, StaleTransition,
                                WorkflowError, add_note, assign, assign_many, dispose, reopen,
                                start_verification)

EVERYTHING = Scope.everything()
TODAY = local_today()


def _alert(db, alert_id: str, status: str = "new", units=("U1",), severity: str = "high",
           **extra) -> str:
    """An alert as a scan leaves it (the workflow reads only these properties)."""
    db.write("CREATE (a:Alert {alert_id: $id, rule_id: 'bid_rigging', severity: $severity, "
             "status: $status, unit_ids: $units, entity_ids: ['T1', 'C1'], matching: true, "
             "first_seen: datetime() - duration({days: 3}), last_seen: datetime(), "
             "summary_zh: '围标'}) SET a += $extra",
             id=alert_id, status=status, units=list(units), severity=severity, extra=extra)
    return alert_id


def _move(db, alert_id: str, action: str, actor: str = "王", **options):
    if action == "assign":
        return assign(db, alert_id, actor=actor, assignee=options.pop("assignee", "李"),
                      **options)
    if action == "verify":
        return start_verification(db, alert_id, actor=actor, **options)
    if action == "dispose":
        return dispose(db, alert_id, actor=actor, outcome=options.pop("outcome", "confirmed"),
                       **options)
    return reopen(db, alert_id, actor=actor, reason=options.pop("reason", "新线索"), **options)


LEGAL = {("new", "assign"): "assigned", ("assigned", "assign"): "assigned",
         ("verifying", "assign"): "assigned", ("assigned", "verify"): "verifying",
         ("verifying", "dispose"): "disposed", ("disposed", "reopen"): "verifying"}


@pytest.mark.parametrize("status", list(STATUSES))
def test_every_action_from_every_status(db, status):
    for action in ("assign", "verify", "dispose", "reopen"):
        alert_id = _alert(db, f"bid_rigging:{status}-{action}", status)
        if (status, action) in LEGAL:
            event = _move(db, alert_id, action)
            assert (event["from_status"], event["to_status"]) == (status, LEGAL[status, action])
            assert get_alert(db, alert_id, EVERYTHING)["alert"]["status"] == LEGAL[status,
                                                                                   action]
        else:
            with pytest.raises(IllegalTransition, match=f"is {status} \\({STATUSES[status]['zh']}"
                                                        "\\)") as refused:
                _move(db, alert_id, action)
            assert "\n" not in str(refused.value)
            assert get_alert(db, alert_id, EVERYTHING)["alert"]["status"] == status
            assert get_alert(db, alert_id, EVERYTHING)["history"] == []


def test_the_whole_loop_is_recorded_with_who_when_and_why(db):
    alert_id = _alert(db, "bid_rigging:loop")
    due = TODAY + dt.timedelta(days=10)
    assign(db, alert_id, actor="主任", assignee="第一纪检组", deadline=due, note="请核实")
    start_verification(db, alert_id, actor="第一纪检组")
    add_note(db, alert_id, actor="第一纪检组", note="已调取投标文件")
    dispose(db, alert_id, actor="第一纪检组", outcome="unfounded", reason="电话为代理机构号码")
    reopen(db, alert_id, actor="主任", reason="群众再次举报")
    dispose(db, alert_id, actor="第一纪检组", outcome="referred", referred_to="县公安局")
    shown = get_alert(db, alert_id, EVERYTHING)
    alert, history = shown["alert"], shown["history"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("assign", "new", "assigned"), ("verify", "assigned", "verifying"),
        ("note", "verifying", "verifying"), ("dispose", "verifying", "disposed"),
        ("reopen", "disposed", "verifying"), ("dispose", "verifying", "disposed")]
    assert history[0]["actor"] == "主任" and history[0]["deadline"] == due.isoformat()
    assert history[0]["note"] == "请核实" and history[3]["reason"] == "电话为代理机构号码"
    assert all(isinstance(e["at"], str) and e["at"][:4].isdigit() for e in history)
    assert (alert["outcome"], alert["referred_to"], alert["decided_by"]) == (
        "referred", "县公安局", "第一纪检组")
    assert alert["outcome_reason"] is None          # the earlier 不属实 reason is history now
    assert alert["version"] == 6
    audit = read_log(db, target=alert_id)["items"]
    assert [item["action"] for item in reversed(audit)] == [
        "alert.assign", "alert.verify", "alert.note", "alert.dispose", "alert.reopen",
        "alert.dispose"]
    assert [e["audit_seq"] for e in history] == [item["seq"] for item in reversed(audit)]
    assert verify_chain(db)["ok"]


@pytest.mark.parametrize("decision, message", [
    ({}, "not one of"),
    ({"outcome": "dismissed"}, "not one of"),
    ({"outcome": "unfounded"}, "reason"),
    ({"outcome": "unfounded", "reason": "  "}, "reason"),
    ({"outcome": "referred"}, "to whom"),
    ({"outcome": "merged"}, "merged into"),
    ({"outcome": "merged", "merged_into": "bid_rigging:x"}, "into itself"),
])
def test_disposal_needs_a_complete_outcome(db, decision, message):
    alert_id = _alert(db, "bid_rigging:x", "verifying")
    with pytest.raises(WorkflowError, match=message):
        dispose(db, alert_id, actor="王", **{"outcome": None, **decision})
    assert get_alert(db, alert_id, EVERYTHING)["alert"]["status"] == "verifying"
    assert read_log(db)["total"] == 0                  # nothing half-written


def test_merged_into_an_alert_links_them(db):
    target = _alert(db, "bid_rigging:main")
    alert_id = _alert(db, "bid_rigging:dup", "verifying")
    dispose(db, alert_id, actor="王", outcome="merged", merged_into=target)
    assert get_alert(db, alert_id, EVERYTHING)["merged_into_alert"]["alert_id"] == target
    assert get_alert(db, target, EVERYTHING)["merged_here"] == [alert_id]
    other = _alert(db, "bid_rigging:case", "verifying")
    dispose(db, other, actor="王", outcome="merged", merged_into="（2024）宝纪案12号")
    assert get_alert(db, other, EVERYTHING)["alert"]["merged_into"] == "（2024）宝纪案12号"


def test_a_stale_decision_is_refused_naming_the_current_status(db):
    alert_id = _alert(db, "bid_rigging:stale", "verifying")
    dispose(db, alert_id, actor="甲", outcome="confirmed", expected_status="verifying")
    with pytest.raises(StaleTransition, match=r"is now disposed \(处置\), not verifying"):
        dispose(db, alert_id, actor="乙", outcome="unfounded", reason="无",
                expected_status="verifying")
    with pytest.raises(WorkflowError, match="unknown status"):
        assign(db, alert_id, actor="甲", assignee="丙", expected_status="closed")


def test_two_people_deciding_one_alert_at_once_exactly_one_wins(db):
    alert_id = _alert(db, "bid_rigging:race", "verifying")
    outcomes = ["confirmed", "unfounded", "referred", "partly_confirmed"] * 2
    barrier = threading.Barrier(len(outcomes))
    won, lost = [], []

    def decide(number: int, outcome: str) -> None:
        barrier.wait()
        try:
            won.append(dispose(db, alert_id, actor=f"办案人{number}", outcome=outcome,
                               reason="理由", referred_to="公安", expected_status="verifying"))
        except StaleTransition as error:
            lost.append(str(error))

    threads = [threading.Thread(target=decide, args=item) for item in enumerate(outcomes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(lost) == len(outcomes) - 1
    shown = get_alert(db, alert_id, EVERYTHING)
    assert shown["alert"]["outcome"] == won[0]["outcome"]
    assert [e["action"] for e in shown["history"]] == ["dispose"]
    assert read_log(db, action="alert.dispose")["total"] == 1
    assert verify_chain(db)["ok"]


def test_deadlines_default_per_severity_and_overdue_alerts_are_listed(db):
    high = _alert(db, "bid_rigging:high", severity="high")
    low = _alert(db, "bid_rigging:low", severity="low")
    assert assign(db, high, actor="主任", assignee="李")["deadline"] == (
        TODAY + dt.timedelta(days=15)).isoformat()
    assert assign(db, low, actor="主任", assignee="李", deadline=TODAY)["deadline"] == (
        TODAY.isoformat())
    with pytest.raises(WorkflowError, match="in the past"):
        assign(db, low, actor="主任", assignee="李", deadline=TODAY - dt.timedelta(days=1))
    with pytest.raises(WorkflowError, match="not a date"):
        assign(db, low, actor="主任", assignee="李", deadline="next week")

    def overdue(day: dt.date) -> list[str]:
        return [item["alert_id"] for item in
                list_alerts(db, EVERYTHING, overdue=True, today=day)["items"]]

    assert overdue(TODAY) == []
    assert overdue(TODAY + dt.timedelta(days=1)) == [low]
    assert sorted(overdue(TODAY + dt.timedelta(days=16))) == sorted([high, low])
    start_verification(db, low, actor="李")
    assert overdue(TODAY + dt.timedelta(days=1)) == [low]        # verifying is still open
    dispose(db, low, actor="李", outcome="confirmed")
    assert overdue(TODAY + dt.timedelta(days=16)) == [high]      # decided is never overdue
    listed = list_alerts(db, EVERYTHING, assignee="李", sort="deadline",
                         today=TODAY + dt.timedelta(days=16))
    assert [item["overdue"] for item in listed["items"]] == [False, True]


def test_an_alert_outside_the_jurisdiction_reads_like_a_missing_one(db):
    alert_id = _alert(db, "bid_rigging:u2", units=("U2",))
    county_u1 = Scope(("U1",), ("U1",))
    with pytest.raises(AlertNotFound) as outside:
        assign(db, alert_id, actor="甲", assignee="乙", scope=county_u1)
    with pytest.raises(AlertNotFound) as missing:
        assign(db, "bid_rigging:none", actor="甲", assignee="乙", scope=county_u1)
    assert str(outside.value).replace(alert_id, "X") == str(missing.value).replace(
        "bid_rigging:none", "X")
    with pytest.raises(AlertNotFound):
        add_note(db, alert_id, actor="甲", note="看看", scope=county_u1)
    assert get_alert(db, alert_id, county_u1) is None
    assert list_alerts(db, county_u1)["total"] == 0
    assert read_log(db)["total"] == 0
    assert assign(db, alert_id, actor="甲", assignee="乙",
                  scope=Scope(("U0",), ("U0", "U1", "U2")))["to_status"] == "assigned"


def test_assigning_many_is_atomic_per_alert(db):
    fresh = [_alert(db, f"bid_rigging:m{n}") for n in range(3)]
    done = _alert(db, "bid_rigging:done", "disposed")
    result = assign_many(db, [*fresh, done, "bid_rigging:nope"], actor="主任", assignee="组")
    assert result["assigned"] == fresh
    assert set(result["refused"]) == {done, "bid_rigging:nope"}
    assert "disposed (处置)" in result["refused"][done]
    assert list_alerts(db, EVERYTHING, statuses=["assigned"])["total"] == 3


def test_an_action_needs_an_actor_and_a_handler(db):
    alert_id = _alert(db, "bid_rigging:who")
    with pytest.raises(WorkflowError, match="who acts"):
        assign(db, alert_id, actor=" ", assignee="乙")
    with pytest.raises(WorkflowError, match="handler"):
        assign(db, alert_id, actor="甲", assignee="")


def test_the_command_line_drives_the_loop(cli_env):
    from typer.testing import CliRunner

    from lianjian.commands.analytics import app

    alert_id = _alert(cli_env, "bid_rigging:cli")
    runner = CliRunner()

    def run(*arguments: str):
        return runner.invoke(app, ["alerts", *arguments, "--as", "张三"])

    assigned = run("assign", alert_id, "--to", "第二纪检组", "--deadline", TODAY.isoformat())
    assert assigned.exit_code == 0 and "new (预警) → assigned (分办)" in assigned.output
    early = run("dispose", alert_id, "--outcome", "confirmed")
    assert isinstance(early.exception, IllegalTransition)
    assert "is assigned (分办)" in str(early.exception)
    assert run("verify", alert_id, "--expect", "assigned").exit_code == 0
    missing = run("dispose", alert_id, "--outcome", "unfounded")
    assert isinstance(missing.exception, WorkflowError) and "reason" in str(missing.exception)
    done = run("dispose", alert_id, "--outcome", "unfounded", "--reason", "号码为招标代理")
    assert done.exit_code == 0 and "unfounded (不属实)" in done.output
    shown = run("show", alert_id)
    assert shown.exit_code == 0
    assert "张三  dispose: verifying → disposed" in shown.output
    assert "号码为招标代理" in shown.output
    listed = run("list", "--status", "disposed", "--outcome", "unfounded")
    assert "1 alert(s)" in listed.output and alert_id in listed.output
    assert [item["actor"] for item in read_log(cli_env)["items"]] == ["张三"] * 5
