"""The alert queue (预警队列) and the alert page with its workflow, as pages and as JSON.

Pages: ``/alerts`` (filters, sort, paging, selection for 分办), ``POST /alerts/assign`` (分办 of
the selection), ``/alerts/{id}`` (sentence, evidence with provenance, history, seen before,
the actions the role allows), ``POST /alerts/{id}/{action}``. The API twins under
``/api/v1/alerts`` call the same functions of ``web.alert_work``: same scope, permissions
and audit (every action is written with its audit event in one transaction by
``analytics.workflow``; reads are recorded as ``alerts.list`` and ``alert.read``).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from analytics.accounts import list_users
from analytics.case_entities import evidence_ties
from analytics.queue import assignees, units_in_scope
from analytics.rule_facts import rules
from analytics.rules.rule import SEVERITIES
from analytics.workflow import OUTCOMES, STATUSES
from web import api_models as models
from web.alert_work import (ACTIONS, SORT_CHOICES, ActionRefused, QueueFilters, act,
                            assign_selection, queue_filters, read_alert, read_queue)
from web.context import RequestContext, require
from web.reads import BadRequest, alert_href, map_available, query_link
from web.routes.api import ERRORS
from web.routes.cases import checklist_view
from web.svg.evidence import data_uri, evidence_svg
from web.templating import render

router = APIRouter()
READ = require("alerts.read")
DONE = frozenset(ACTIONS)


def queue_page(ctx: RequestContext, filters: QueueFilters, status_code: int = 200,
               **values) -> Response:
    units = units_in_scope(ctx.connection, ctx.scope)
    queue = read_queue(ctx, filters, visit=True, units=units)
    handlers = []
    if ctx.can("alerts.assign"):
        handlers = sorted({user["username"] for user in list_users(ctx.connection,
                                                                     ctx.scope)["items"]
                           if not user["disabled"]}
                          | {row["assignee"] for row in assignees(ctx.connection, ctx.scope)})
    values.setdefault("bulk", None)
    values.setdefault("message", None)
    return render(ctx, "alerts/queue.html", status_code=status_code, queue=queue,
                  filters=filters, params=filters.params(), units=units,
                  rules=sorted(rules()), severities=list(reversed(SEVERITIES)),
                  statuses=list(STATUSES), outcomes=list(OUTCOMES), sorts=SORT_CHOICES,
                  handlers=handlers, **values)


@router.get("/alerts", include_in_schema=False)
def queue(filters: QueueFilters = Depends(queue_filters),
          ctx: RequestContext = Depends(READ)) -> Response:
    return queue_page(ctx, filters)


@router.post("/alerts/assign", include_in_schema=False)
def assign_selected(alert_id: list[str] = Form([]), assignee: str = Form(""),
                    deadline: str = Form(""), note: str = Form(""),
                    filters: QueueFilters = Depends(queue_filters),
                    ctx: RequestContext = Depends(require("alerts.assign"))) -> Response:
    """分办 of the selection; the form posts to this path with the queue's own query string,
    so the answer is the same page of the queue with the result above it."""
    try:
        result = assign_selection(ctx, alert_id, assignee, deadline, note)
    except ActionRefused as refused:
        return queue_page(ctx, filters, refused.status_code, message=refused.message)
    return queue_page(ctx, filters, bulk=result)


def alert_page(ctx: RequestContext, alert_id: str, status_code: int = 200,
               message: str | None = None) -> Response:
    detail = read_alert(ctx, alert_id)
    done = ctx.request.query_params.get("done")
    names = {item["id"]: item.get("name") for item in detail["evidence"]
             if item.get("label") and item.get("id")}
    return render(ctx, "alerts/alert.html", status_code=status_code, d=detail,
                  alert=detail["alert"], message=message, names=names,
                  done=done if done in DONE else None, outcomes=list(OUTCOMES),
                  map=map_available(ctx.request.app),
                  picture=data_uri(evidence_svg(detail, ctx.lang, evidence_ties(
                      ctx.connection, detail["evidence"], ctx.scope))),
                  checklist_view=checklist_view(ctx, alert_id, f"/alerts/{alert_id}#checklist"))


@router.get("/alerts/{alert_id}", include_in_schema=False)
def alert(alert_id: str, ctx: RequestContext = Depends(READ)) -> Response:
    return alert_page(ctx, alert_id)


@router.post("/alerts/{alert_id}/{action}", include_in_schema=False)
def alert_action(alert_id: str, action: str, assignee: str = Form(""),
                 deadline: str = Form(""), note: str = Form(""), outcome: str = Form(""),
                 reason: str = Form(""), referred_to: str = Form(""),
                 merged_into: str = Form(""), expected_status: str = Form(""),
                 ctx: RequestContext = Depends(READ)) -> Response:
    fields = {"assignee": assignee, "deadline": deadline, "note": note, "outcome": outcome,
              "reason": reason, "referred_to": referred_to, "merged_into": merged_into,
              "expected_status": expected_status}
    try:
        event = act(ctx, alert_id, action, fields)
    except ActionRefused as refused:
        return alert_page(ctx, alert_id, refused.status_code, refused.message)
    return RedirectResponse(query_link(alert_href(event["alert_id"]), {}, done=action)
                            + "#history", status_code=303)


# ---- JSON twins ---------------------------------------------------------------------------

def _refusal(refused: ActionRefused) -> Exception:
    """A refusal as the API answers it: 400 with the line, or 409 when the alert changed."""
    if refused.status_code == 409:
        return HTTPException(409, refused.message)
    return BadRequest(refused.message)


def _api_act(ctx: RequestContext, alert_id: str, action: str, body) -> dict:
    try:
        return act(ctx, alert_id, action, body.model_dump())
    except ActionRefused as refused:
        raise _refusal(refused) from None


STATE = {409: {"model": ERRORS[404]["model"],
               "description": "The alert changed since it was read, or the action is not "
                              "possible from its status (one line says which)"}}


@router.get("/api/v1/alerts", response_model=models.AlertList, responses=ERRORS,
            tags=["alerts"])
def queue_api(filters: QueueFilters = Depends(queue_filters),
              ctx: RequestContext = Depends(READ)) -> dict:
    """One page of the alert queue of the jurisdiction (audited as ``alerts.list``).
    ``new=true`` keeps alerts first seen since the reader's last visit to the queue page;
    reading through the API does not move that visit."""
    return read_queue(ctx, filters, visit=False)


@router.post("/api/v1/alerts/assign", response_model=models.BulkAssignResult,
             responses=ERRORS, tags=["alerts"])
def bulk_assign_api(body: models.BulkAssignBody,
                    ctx: RequestContext = Depends(require("alerts.assign"))) -> dict:
    """分办 of several alerts to one handler, each alert atomic and audited; the refused
    ones come back with one line each (an alert out of the jurisdiction reads as missing)."""
    try:
        return assign_selection(ctx, body.alert_ids, body.assignee, body.deadline, body.note)
    except ActionRefused as refused:
        raise _refusal(refused) from None


@router.get("/api/v1/alerts/{alert_id}", response_model=models.AlertDetail, responses=ERRORS,
            tags=["alerts"])
def alert_api(alert_id: str, ctx: RequestContext = Depends(READ)) -> dict:
    """One alert: sentence, evidence with provenance, facts, history, seen before, and the
    actions the reader's role allows now (audited as ``alert.read``)."""
    return read_alert(ctx, alert_id)


@router.post("/api/v1/alerts/{alert_id}/assign", response_model=models.ActionResult,
             responses={**ERRORS, **STATE}, tags=["alerts"])
def assign_api(alert_id: str, body: models.AssignBody,
               ctx: RequestContext = Depends(require("alerts.assign"))) -> dict:
    """分办: give the alert to a handler until a deadline (default by severity)."""
    return _api_act(ctx, alert_id, "assign", body)


@router.post("/api/v1/alerts/{alert_id}/verify", response_model=models.ActionResult,
             responses={**ERRORS, **STATE}, tags=["alerts"])
def verify_api(alert_id: str, body: models.VerifyBody,
               ctx: RequestContext = Depends(require("alerts.work"))) -> dict:
    """核查: start verifying an assigned alert."""
    return _api_act(ctx, alert_id, "verify", body)


@router.post("/api/v1/alerts/{alert_id}/note", response_model=models.ActionResult,
             responses={**ERRORS, **STATE}, tags=["alerts"])
def note_api(alert_id: str, body: models.NoteBody,
             ctx: RequestContext = Depends(require("alerts.work"))) -> dict:
    """备注: a note on the alert's history."""
    return _api_act(ctx, alert_id, "note", body)


@router.post("/api/v1/alerts/{alert_id}/propose", response_model=models.ActionResult,
             responses={**ERRORS, **STATE}, tags=["alerts"])
def propose_api(alert_id: str, body: models.ProposeBody,
                ctx: RequestContext = Depends(require("alerts.work"))) -> dict:
    """Propose a decision (written as a note); a supervisor decides it (处置)."""
    return _api_act(ctx, alert_id, "propose", body)


@router.post("/api/v1/alerts/{alert_id}/dispose", response_model=models.ActionResult,
             responses={**ERRORS, **STATE}, tags=["alerts"])
def dispose_api(alert_id: str, body: models.DisposeBody,
                ctx: RequestContext = Depends(require("alerts.approve"))) -> dict:
    """处置: decide a verified alert with an outcome (不属实 needs a reason, 移送 to whom,
    并案 into which alert or case)."""
    return _api_act(ctx, alert_id, "dispose", body)


@router.post("/api/v1/alerts/{alert_id}/reopen", response_model=models.ActionResult,
             responses={**ERRORS, **STATE}, tags=["alerts"])
def reopen_api(alert_id: str, body: models.ReopenBody,
               ctx: RequestContext = Depends(require("alerts.approve"))) -> dict:
    """重新核查: set a decision aside, with a reason."""
    return _api_act(ctx, alert_id, "reopen", body)
