"""Rule quality from a hand-made set of decisions: counts, precision, Wilson interval,
days to decision, overdue, months and the reasons given for 不属实."""
from __future__ import annotations

import datetime as dt

import pytest
from fixtures import cli_env  # noqa: F401 - cli_env is a fixture

from analytics.quality import rule_quality, wilson_interval
from analytics.scope import Scope

TODAY = dt.date(2024, 6, 30)


def _decided(db, alert_id: str, rule_id: str, outcome: str | None, *, units=("U1",),
             first_seen="2024-03-01T09:00:00Z", decided_at=None, status=None, reason=None,
             deadline=None) -> None:
    db.write("CREATE (a:Alert {alert_id: $id, rule_id: $rule, severity: 'high', "
             "unit_ids: $units, matching: true, first_seen: datetime($first_seen), "
             "status: $status, outcome: $outcome, outcome_reason: $reason, "
             "decided_at: CASE WHEN $decided_at IS NULL THEN null "
             "ELSE datetime($decided_at) END, "
             "deadline: CASE WHEN $deadline IS NULL THEN null ELSE date($deadline) END})",
             id=alert_id, rule=rule_id, units=list(units), first_seen=first_seen,
             status=status or ("disposed" if outcome else "new"), outcome=outcome,
             reason=reason, decided_at=decided_at, deadline=deadline)


@pytest.fixture
def decisions(db):
    rule = "bid_rigging"
    days = iter([2, 4, 6, 8, 10, 12, 14])
    for n, (outcome, reason) in enumerate([
            ("confirmed", None), ("confirmed", None), ("confirmed", None),
            ("partly_confirmed", None), ("unfounded", "代理机构统一电话"),
            ("unfounded", "代理机构统一电话"), ("referred", None)]):
        _decided(db, f"{rule}:{n}", rule, outcome, reason=reason,
                 decided_at=f"2024-03-{1 + next(days):02d}T09:00:00Z")
    _decided(db, f"{rule}:open", rule, None, status="verifying", deadline="2024-06-01",
             first_seen="2024-04-10T09:00:00Z")
    _decided(db, f"{rule}:fresh", rule, None, status="assigned", deadline="2024-07-31",
             first_seen="2024-04-11T09:00:00Z")
    _decided(db, "shell_company:elsewhere", "shell_company", "unfounded", units=("U2",),
             reason="注册资本录入错误", decided_at="2024-05-01T09:00:00Z")
    return db


def test_precision_interval_and_speed_per_rule(decisions):
    figures = {row["rule_id"]: row for row in rule_quality(decisions, today=TODAY)}
    assert len(figures) == 10                        # every rule, alerts or not
    rigging = figures["bid_rigging"]
    assert {name: rigging[name] for name in (
        "raised", "decided", "confirmed", "partly_confirmed", "unfounded", "referred",
        "merged", "open", "overdue")} == {
        "raised": 9, "decided": 7, "confirmed": 3, "partly_confirmed": 1, "unfounded": 2,
        "referred": 1, "merged": 0, "open": 2, "overdue": 1}
    assert rigging["precision"] == pytest.approx(4 / 6)
    low, high = wilson_interval(4, 6)
    assert (rigging["precision_low"], rigging["precision_high"]) == (low, high)
    assert low < 4 / 6 < high
    assert rigging["median_days_to_decision"] == 8.0
    assert rigging["unfounded_reasons"] == [{"reason": "代理机构统一电话", "count": 2}]
    assert rigging["months"] == [
        {"month": "2024-03", "raised": 7, "decided": 7, "confirmed": 4, "unfounded": 2},
        {"month": "2024-04", "raised": 2, "decided": 0, "confirmed": 0, "unfounded": 0}]
    assert figures["revolving_door"]["raised"] == 0
    assert figures["revolving_door"]["precision"] is None
    assert figures["shell_company"]["precision"] == 0.0


def test_quality_within_a_jurisdiction_and_since_a_date(decisions):
    u2 = {row["rule_id"]: row for row in rule_quality(decisions, Scope(("U2",), ("U2",)),
                                                       today=TODAY)}
    assert u2["bid_rigging"]["raised"] == 0 and u2["shell_company"]["raised"] == 1
    recent = {row["rule_id"]: row for row in rule_quality(decisions, since="2024-04-01",
                                                          today=TODAY)}
    assert recent["bid_rigging"]["raised"] == 2 and recent["bid_rigging"]["decided"] == 0


def test_rules_quality_command_prints_every_rule(cli_env, decisions):
    from typer.testing import CliRunner

    from lianjian.commands.analytics import app

    result = CliRunner().invoke(app, ["rules", "quality"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("bid_rigging"))
    assert line.split()[1:6] == ["9", "7", "3", "1", "2"] and "0.667" in line
