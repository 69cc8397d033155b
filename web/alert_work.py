"""The alert queue and the workflow as the web does them (预警 → 分办 → 核查 → 处置).

Pages and the JSON API call these functions, so both read the same queue in the same scope
and act through the same checks:

- ``QueueFilters`` (rule, severity, status, outcome, unit with its subunits, assignee, overdue,
  new since the last visit, matching, sort, page) is one FastAPI dependency for both;
- ``read_queue`` lists one page (``analytics.api.list_alerts``, filtered and sorted in
  Cypher) and records ``alerts.list``; the page also records the visit
  (``analytics.queue.queue_visit``), the API only reads it;
- ``act`` runs one workflow action (``analytics.workflow``: one transaction with its audit
  event, compare-and-set on the status the user saw) after checking the role
  (``ACTIONS``: permission per action) and the fields; ``assign_selection`` is 分办 of a
  selection (``assign_many``, each alert atomic).

Who may do what (web/permissions.py): ``alerts.work`` starts verification (核查), adds notes
and proposes a decision; ``alerts.assign`` assigns (分办); ``alerts.approve`` decides
(处置) and reopens — the supervisor approves what the investigator proposed.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

from fastapi import Query

from analytics.alerts import SORTS
from analytics.api import get_alert, list_alerts
from analytics.days import local_today
from analytics.queue import last_visit, queue_visit, units_in_scope
from analytics.rules.rule import SEVERITIES
from analytics.workflow import (OUTCOMES, STATUSES, AlertNotFound, IllegalTransition,
                                StaleTransition, WorkflowError, add_note, assign, assign_many,
                                dispose, reopen, start_verification)
from web.context import Forbidden, RequestContext
from web.reads import BadRequest, not_found
from web.view_helpers import status_name

__all__ = ["QueueFilters", "queue_filters", "read_queue", "read_alert", "allowed_actions",
           "act", "assign_selection", "ActionRefused", "ACTIONS", "SORT_CHOICES"]

# action: (permission, statuses it may start from)
ACTIONS = {
    "assign": ("alerts.assign", ("new", "assigned", "verifying")),
    "verify": ("alerts.work", ("assigned",)),
    "note": ("alerts.work", tuple(STATUSES)),
    "propose": ("alerts.work", ("verifying",)),
    "dispose": ("alerts.approve", ("verifying",)),
    "reopen": ("alerts.approve", ("disposed",)),
}
SORT_CHOICES = ("-severity", "-first_seen", "first_seen", "-score", "deadline", "-last_seen",
                "status", "rule_id")
assert all(choice.lstrip("-") in SORTS for choice in SORT_CHOICES)
MAX_PAGE_SIZE = 200


class ActionRefused(Exception):
    """A workflow action refused with one line for the user (400, or 409 when the alert
    changed under them)."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code, self.message = status_code, message


@dataclass
class QueueFilters:
    rule: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    outcome: list[str] = field(default_factory=list)
    unit: str | None = None
    assignee: str | None = None
    overdue: bool = False
    new: bool = False
    matching: str = ""
    sort: str = "-severity"
    page: int = 1
    page_size: int = 50

    def params(self) -> dict:
        """The filters as query parameters (for links that keep them)."""
        values = asdict(self)
        values["overdue"] = "1" if self.overdue else None
        values["new"] = "1" if self.new else None
        if self.sort == "-severity":
            values["sort"] = None
        if self.page_size == 50:
            values["page_size"] = None
        return values

    @property
    def active(self) -> bool:
        return bool(self.rule or self.severity or self.status or self.outcome or self.unit
                    or self.assignee or self.overdue or self.new or self.matching)


def _check(values: list[str], known, what: str) -> list[str]:
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise BadRequest(f"{what}: {', '.join(unknown)} — use {', '.join(known)}")
    return values


def queue_filters(
        rule: list[str] = Query([], description="Rule ids (repeat for several)"),
        severity: list[str] = Query([], description=", ".join(SEVERITIES)),
        status: list[str] = Query([], description=", ".join(STATUSES)),
        outcome: list[str] = Query([], description=", ".join(OUTCOMES)),
        unit: str | None = Query(None, description="A unit code: its alerts and those of "
                                                   "the units below it"),
        assignee: str | None = Query(None, max_length=80,
                                     description="A handler, or `me`"),
        overdue: bool = Query(False, description="Assigned or verifying past the deadline"),
        new: bool = Query(False, description="First seen since the reader's last visit"),
        matching: str = Query("", pattern="^(|1|0)$",
                              description="1: still matching the data, 0: no longer"),
        sort: str = Query("-severity", description=", ".join(SORT_CHOICES)),
        page: int = Query(1, ge=1, le=100_000),
        page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE)) -> QueueFilters:
    """The queue's filters from the query string, checked (a bad value is one 400 line)."""
    if sort not in SORT_CHOICES:
        raise BadRequest(f"sort: {sort} — use {', '.join(SORT_CHOICES)}")
    return QueueFilters(
        rule=[r for r in rule if r], severity=_check([s for s in severity if s], SEVERITIES,
                                                     "severity"),
        status=_check([s for s in status if s], STATUSES, "status"),
        outcome=_check([o for o in outcome if o], OUTCOMES, "outcome"),
        unit=(unit or "").strip() or None, assignee=(assignee or "").strip() or None,
        overdue=overdue, new=new, matching=matching, sort=sort, page=page,
        page_size=page_size)


def subtree(units: list[dict], unit_id: str) -> list[str]:
    """``unit_id`` and the units below it among ``units`` (the jurisdiction's).

    >>> subtree([{"unit_id": "A", "parent_unit_id": None}, {"unit_id": "B",
    ...          "parent_unit_id": "A"}, {"unit_id": "C", "parent_unit_id": None}], "A")
    ['A', 'B']
    """
    found, frontier = [unit_id], [unit_id]
    while frontier:
        frontier = [u["unit_id"] for u in units if u["parent_unit_id"] in frontier]
        found += frontier
    return found


def read_queue(ctx: RequestContext, filters: QueueFilters, *, visit: bool,
               units: list[dict] | None = None) -> dict:
    """One page of the queue in the reader's scope, audited as ``alerts.list``.

    ``visit``: record this as a view of the queue by the user (the page does, the API does
    not). Returns ``list_alerts``'s answer with ``pages`` and ``new_since``.
    """
    username = ctx.user.username
    previous = (queue_visit(ctx.connection, username, ctx.settings.session_idle_s) if visit
                else last_visit(ctx.connection, username))
    unit_ids = None
    if filters.unit:
        units = units if units is not None else units_in_scope(ctx.connection, ctx.scope)
        unit_ids = subtree(units, filters.unit)
    if unit_ids is not None and not any(u["unit_id"] == filters.unit for u in units):
        # A unit outside the jurisdiction (or none at all): no alert, like a quiet unit.
        result = {"items": [], "total": 0, "page": filters.page,
                  "page_size": filters.page_size}
    else:
        result = list_alerts(
            ctx.connection, scope=ctx.scope, statuses=filters.status or None,
            rule_ids=filters.rule or None, unit_ids=unit_ids,
            severities=filters.severity or None, outcomes=filters.outcome or None,
            assignee=username if filters.assignee == "me" else filters.assignee,
            overdue=filters.overdue, since=previous if filters.new else None,
            sort=filters.sort, page=filters.page, page_size=filters.page_size,
            matching={"1": True, "0": False}.get(filters.matching))
    result["pages"] = max(1, math.ceil(result["total"] / filters.page_size))
    result["new_since"] = previous
    ctx.audit("alerts.list", [item["alert_id"] for item in result["items"]],
              {key: value for key, value in asdict(filters).items() if value not in
               (None, [], False, "")})
    return result


def read_alert(ctx: RequestContext, alert_id: str) -> dict:
    """One alert in scope (404 otherwise) with the actions the reader may take now;
    audited as ``alert.read``."""
    try:
        detail = get_alert(ctx.connection, alert_id, scope=ctx.scope)
    except AlertNotFound:
        detail = None
    if detail is None:
        raise not_found()
    alert = detail["alert"]
    detail["actions"] = allowed_actions(ctx, alert["status"])
    ctx.audit("alert.read", [alert["alert_id"], *(alert.get("entity_ids") or [])])
    return detail


def allowed_actions(ctx: RequestContext, status: str) -> list[str]:
    """The actions the reader's role allows on an alert in ``status``."""
    return [action for action, (permission, starts) in ACTIONS.items()
            if ctx.can(permission) and status in starts]


def _deadline(ctx: RequestContext, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ActionRefused(400, ctx.t("alert.bad_deadline", value=value)) from None
    if day < local_today():
        raise ActionRefused(400, ctx.t("alert.deadline_past", day=day.isoformat()))
    return day


def _need(ctx: RequestContext, value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise ActionRefused(400, ctx.t("alert.need", what=ctx.t(what)))
    return str(value).strip()


def _proposal(outcome: str, reason: str) -> str:
    """A proposed decision as a note, in Chinese and English (the supervisor decides)."""
    names = OUTCOMES[outcome]
    return f"建议处置 proposed: {names['zh']} {names['en']} — {reason}"


def act(ctx: RequestContext, alert_id: str, action: str, fields: dict) -> dict:
    """Run one workflow action as the signed-in user; returns the event written.

    Raises ``Forbidden`` without the action's permission, 404 for an alert out of scope or
    missing, ``ActionRefused`` for a missing field or an alert that changed meanwhile.
    """
    if action not in ACTIONS:
        raise not_found()
    if not ctx.can(ACTIONS[action][0]):
        raise Forbidden(ACTIONS[action][0])
    common = {"actor": ctx.user.username, "scope": ctx.scope}
    expected = fields.get("expected_status") or None
    if expected is not None and expected not in STATUSES:
        raise ActionRefused(400, ctx.t("alert.bad_status"))
    note = (fields.get("note") or "").strip() or None
    try:
        if action == "assign":
            return assign(ctx.connection, alert_id, assignee=_need(
                ctx, fields.get("assignee"), "alert.assignee"),
                deadline=_deadline(ctx, fields.get("deadline")), note=note,
                expected_status=expected, **common)
        if action == "verify":
            return start_verification(ctx.connection, alert_id, note=note,
                                      expected_status=expected, **common)
        if action == "note":
            return add_note(ctx.connection, alert_id, note=_need(ctx, note, "alert.note"),
                            **common)
        outcome = fields.get("outcome") or ""
        if action in ("propose", "dispose") and outcome not in OUTCOMES:
            raise ActionRefused(400, ctx.t("alert.need", what=ctx.t("alert.outcome")))
        if action == "propose":
            reason = _need(ctx, fields.get("reason"), "alert.reason")
            return add_note(ctx.connection, alert_id, note=_proposal(outcome, reason),
                            **common)
        if action == "dispose":
            reason = (fields.get("reason") or "").strip() or None
            referred = (fields.get("referred_to") or "").strip() or None
            merged = (fields.get("merged_into") or "").strip() or None
            if outcome == "unfounded":
                _need(ctx, reason, "alert.reason")
            if outcome == "referred":
                _need(ctx, referred, "alert.referred_to")
            if outcome == "merged":
                _need(ctx, merged, "alert.merged_into")
            return dispose(ctx.connection, alert_id, outcome=outcome, reason=reason,
                           referred_to=referred if outcome == "referred" else None,
                           merged_into=merged if outcome == "merged" else None, note=note,
                           expected_status=expected, **common)
        return reopen(ctx.connection, alert_id, reason=_need(ctx, fields.get("reason"),
                                                             "alert.reason"),
                      note=note, expected_status=expected, **common)
    except AlertNotFound:
        raise not_found() from None
    except (StaleTransition, IllegalTransition) as error:
        now = _status_now(ctx, alert_id)
        key = "alert.stale" if isinstance(error, StaleTransition) else "alert.illegal"
        raise ActionRefused(409, ctx.t(key, status=status_name(ctx.t, now),
                                       action=ctx.t(f"alert.do_{action}"))) from None
    except WorkflowError as error:
        raise ActionRefused(400, str(error)) from None


def _status_now(ctx: RequestContext, alert_id: str) -> str | None:
    detail = get_alert(ctx.connection, alert_id, scope=ctx.scope)
    return detail["alert"]["status"] if detail else None


def assign_selection(ctx: RequestContext, alert_ids: list[str], assignee: str | None,
                     deadline: str | None, note: str | None) -> dict:
    """分办 of a selection: each alert in its own transaction, each with its audit event;
    refusals (out of scope reads as missing) come back one line each."""
    if not ctx.can("alerts.assign"):
        raise Forbidden("alerts.assign")
    ids = list(dict.fromkeys(i.strip() for i in alert_ids if i and i.strip()))
    if not ids:
        raise ActionRefused(400, ctx.t("queue.select_some"))
    handler = _need(ctx, assignee, "alert.assignee")
    return assign_many(ctx.connection, ids, actor=ctx.user.username, assignee=handler,
                       deadline=_deadline(ctx, deadline), note=(note or "").strip() or None,
                       scope=ctx.scope)
