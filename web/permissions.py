"""Roles → permissions: the one table every route's ``require(...)`` is checked against.

Separation of duties follows the 三员分立 practice of Chinese information-security rules:
the administrator manages accounts but reads no case data, the auditor reads the audit
trail and nothing else, and only people who work cases see them. Jurisdiction (which units'
data) is a separate axis: every role sees only its unit's subtree (``analytics.scope``).
"""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["PERMISSIONS", "permissions_of", "NAVIGATION", "NavItem"]

ADMIN, SUPERVISOR, INVESTIGATOR, ANALYST, AUDITOR = (
    "admin", "supervisor", "investigator", "analyst", "auditor")

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
    "audit.read": frozenset({AUDITOR}),
    "users.manage": frozenset({ADMIN}),
    "tokens.own": frozenset({ADMIN, SUPERVISOR, INVESTIGATOR, ANALYST, AUDITOR}),
}


def permissions_of(roles: Iterable[str]) -> frozenset[str]:
    """Every permission any of ``roles`` holds.

    >>> sorted(permissions_of(["auditor"]))
    ['audit.read', 'tokens.own']
    """
    roles = set(roles)
    return frozenset(name for name, holders in PERMISSIONS.items() if holders & roles)


class NavItem:
    """A section of the workbench: shown to holders of ``permission``; linked once ``path``
    is served (``path`` None: announced as coming, never a link to a missing page)."""

    def __init__(self, key: str, permission: str | None, path: str | None = None):
        self.key, self.permission, self.path = key, permission, path


# In menu order. The data pages come with the next round of issue 11.
NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", None, "/"),
    NavItem("search", "data.read"),
    NavItem("map", "data.read", "/map"),
    NavItem("alerts", "alerts.read"),
    NavItem("profiles", "data.read"),
    NavItem("portraits", "data.read"),
    NavItem("audit", "audit.read"),
    NavItem("users", "users.manage", "/users"),
    NavItem("api", "tokens.own", "/docs"),
)
