"""A loaded and scanned small county for the case, checklist, report and trial tests.

``scanned_county(db, tmp_path)`` loads the lifecycle county (alerts of every rule in U1 and
U2 under U0), scans it, and adds accounts: ``chief`` (supervisor of U0, sees everything),
``li`` (investigator of U1), ``wang`` (investigator of U2), ``auditor`` (auditor of U0).
"""
from __future__ import annotations

from fixtures import World
from lifecycle_fixtures import cases

from analytics.accounts import add_user
from analytics.alerts import read_alerts
from analytics.scan import run_scan
from analytics.scope import Scope

PASSWORD = "correct horse battery staple"
USERS = {"chief": (("supervisor",), "U0", "陈主任"), "li": (("investigator",), "U1", "李四"),
         "wang": (("investigator",), "U2", "王五"), "auditor": (("auditor",), "U0", "审计员")}


def scanned_county(db, tmp_path) -> dict:
    ids = cases(world := World())
    world.load(db, tmp_path / "county")
    run_scan(db, actor="scanner")
    for username, (roles, unit, name) in USERS.items():
        add_user(db, username, PASSWORD, unit_id=unit, roles=list(roles), display_name=name)
    alerts = read_alerts(db)
    by_rule: dict[str, list[dict]] = {}
    for alert in alerts:
        by_rule.setdefault(alert["rule_id"], []).append(alert)
    return {"ids": ids, "alerts": alerts, "by_rule": by_rule,
            "u1": Scope.of_units(db, ["U1"]), "u2": Scope.of_units(db, ["U2"]),
            "all": Scope.of_units(db, ["U0"])}


def alert_of(county: dict, rule_id: str, unit: str) -> str:
    """The id of an alert of ``rule_id`` concerning exactly the unit ``unit``."""
    return next(alert["alert_id"] for alert in county["by_rule"][rule_id]
                if unit in alert["unit_ids"])
