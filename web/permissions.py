"""Roles → permissions: the one table every route's ``require(...)`` is checked against.

Separation of duties follows the 三员分立 practice of Chinese information-security rules:
the administrator manages accounts but reads no case data, the auditor reads the audit
trail and nothing else, and only people who work cases see them. Jurisdiction (which units'
data) is a separate axis: every role sees only its unit's subtree (``analytics.scope``).
"""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["PERMISSIONS", "permissions_of", "NAVIGATION", "NavItem"]

ADMIN, SUPERVISOR, INVESTIGATOR, ANALYST, AUDITOR, LIAISON, SYSTEM = (
    "admin", "supervisor", "investigator", "analyst", "auditor", "liaison", "system")

# permission: the roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "runs.read": frozenset({ADMIN, SUPERVISOR, INVESTIGATOR, ANALYST}),   # scans and loads
    "data.read": frozenset({SUPERVISOR, INVESTIGATOR, ANALYST}),          # search, entities,
                                                                          # profiles, portraits
    "alerts.read": frozenset({SUPERVISOR, INVESTIGATOR, ANALYST}),
    "alerts.work": frozenset({SUPERVISOR, INVESTIGATOR}),     # claim, note, propose 处置
    "alerts.assign": frozenset({SUPERVISOR}),                  # 分办
    "alerts.approve": frozenset({SUPERVISOR}),                 # approve 处置
    "notebooks.run": frozenset({ANALYST}),
    "cases.read": frozenset({SUPERVISOR, INVESTIGATOR}),      # cases of the jurisdiction
    "cases.work": frozenset({SUPERVISOR, INVESTIGATOR}),      # open; act on cases one owns
                                                              # or is a member of
    "cases.manage": frozenset({SUPERVISOR}),                  # act on any case in scope
    "reports.export": frozenset({SUPERVISOR, INVESTIGATOR}),  # evidence reports (HTML, PDF)
    "reports.verify": frozenset({SUPERVISOR, INVESTIGATOR, AUDITOR}),
    "quality.read": frozenset({SUPERVISOR, ANALYST}),         # rule quality
    "rules.trial": frozenset({SUPERVISOR, ANALYST}),          # dry run with other values
    "audit.read": frozenset({AUDITOR}),
    "users.manage": frozenset({ADMIN}),
    "tokens.own": frozenset({ADMIN, SUPERVISOR, INVESTIGATOR, ANALYST, AUDITOR}),
    # The complaint desk (信访举报): the office accepts, forwards, reviews and answers; the
    # unit a complaint is forwarded to handles it (its liaison sees only what it was given).
    "complaints.read": frozenset({SUPERVISOR, INVESTIGATOR, ANALYST, LIAISON}),
    "complaints.manage": frozenset({SUPERVISOR}),
    "complaints.handle": frozenset({LIAISON}),
    # Rectification (整改): the office issues and reviews, the unit answers.
    "rectification.read": frozenset({SUPERVISOR, INVESTIGATOR, ANALYST, LIAISON}),
    "rectification.issue": frozenset({SUPERVISOR}),
    "rectification.answer": frozenset({LIAISON}),
    "assessment.read": frozenset({SUPERVISOR, ANALYST}),             # 考核, CSV export
    # Business systems (事前监督, 预警信息集成): a service account's token, nothing else.
    "checks.submit": frozenset({SYSTEM}),
    "warnings.submit": frozenset({SYSTEM}),
}


def permissions_of(roles: Iterable[str]) -> frozenset[str]:
    """Every permission any of ``roles`` holds.

    >>> sorted(permissions_of(["auditor"]))
    ['audit.read', 'reports.verify', 'tokens.own']
    """
    roles = set(roles)
    return frozenset(name for name, holders in PERMISSIONS.items() if holders & roles)


class NavItem:
    """A section of the workbench: shown to holders of ``permission``; linked once ``path``
    is served (``path`` None: announced as coming, never a link to a missing page)."""

    def __init__(self, key: str, permission: str | None, path: str | None = None):
        self.key, self.permission, self.path = key, permission, path


# In menu order.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", None, "/"),
    NavItem("search", "data.read", "/search"),
    NavItem("map", "data.read", "/map"),
    NavItem("alerts", "alerts.read", "/alerts"),
    NavItem("cases", "cases.read", "/cases"),
    NavItem("profiles", "data.read", "/profiles"),
    NavItem("portraits", "data.read", "/portraits"),
    NavItem("complaints", "complaints.read", "/complaints"),
    NavItem("rectification", "rectification.read", "/rectification"),
    NavItem("assessment", "assessment.read", "/assessment"),
    NavItem("quality", "quality.read", "/quality"),
    NavItem("audit", "audit.read", "/audit"),
    NavItem("verify", "reports.verify", "/reports/verify"),
    NavItem("users", "users.manage", "/users"),
    NavItem("api", "tokens.own", "/docs"),
)
