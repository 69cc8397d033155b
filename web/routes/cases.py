"""Cases (案件线索) and the verification checklist of an alert.

``/cases`` lists the cases of the reader's jurisdiction and opens new ones; ``/cases/{id}``
shows one with its alerts (each with its checklist), entities, saved maps, notes and
history, and takes the actions on it. A case of another jurisdiction answers 404 like a
missing one. Supervisors (``cases.manage``) act on every case of their jurisdiction; an
investigator on the cases they own or are a member of. Every change goes through
``analytics.cases`` (one transaction with its case event and audit event); every view is
recorded (``case.read``).

``POST /alerts/{alert_id}/checklist`` records one answer of an alert's checklist; the
partial ``partials/checklist.html`` (with ``checklist_view``) is what the alert page and
the case page both show.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from analytics.case_reads import CASE_STATUSES
from analytics.cases import (CONCLUSIONS, CaseError, CaseNotFound, add_items, add_note,
                             assign, get_case, list_cases, open_case, remove_item, set_status)
from analytics.checklists import get_checklist, tick
from analytics.rules import load_rules
from analytics.saved_maps import list_maps
from analytics.workflow import AlertNotFound
from web.context import RequestContext, require
from web.templating import render

router = APIRouter(include_in_schema=False)
READ, WORK = require("cases.read"), require("cases.work")
TICK = require("alerts.work")
PAGE_SIZE = 50


def origin(ctx: RequestContext) -> dict:
    """What the web adds to an audit event written inside an analytics transaction."""
    return {"address": ctx.audit.address, "via": ctx.via}


def split_keys(text: str) -> list[str]:
    """Keys typed one per line or separated by commas, spaces or Chinese commas.

    >>> split_keys("a, b\\nc，d  e")
    ['a', 'b', 'c', 'd', 'e']
    """
    return [part for part in text.replace("，", " ").replace(",", " ").split() if part]


def local_path(target: str | None, default: str) -> str:
    """A redirect target only when it is a path of this site (never another host).

    >>> local_path("/cases/AJ-2026-0001#x", "/"), local_path("//evil.example/", "/")
    ('/cases/AJ-2026-0001#x', '/')
    """
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def checklist_view(ctx: RequestContext, alert_id: str, back: str,
                   rules: dict | None = None) -> dict | None:
    """What ``partials/checklist.html`` needs for one alert (None: missing or out of scope):
    ``{checklist, can_tick, back}``. ``rules`` (``load_rules()``) when showing several."""
    checklist = get_checklist(ctx.connection, alert_id, ctx.scope, rules)
    if checklist is None:
        return None
    return {"checklist": checklist, "can_tick": ctx.can("alerts.work"), "back": back}


def may_work(ctx: RequestContext, case: dict) -> bool:
    """Supervisors act on every case they see; others on the cases they own or join."""
    return ctx.can("cases.manage") or (ctx.can("cases.work") and ctx.user.username in (
        case["owner"], case["created_by"], *case["members"]))


def _case_or_404(ctx: RequestContext, case_id: str) -> dict:
    case = get_case(ctx.connection, case_id, ctx.scope)
    if case is None:
        raise HTTPException(404)
    return case


def _working(ctx: RequestContext, case_id: str) -> dict:
    case = _case_or_404(ctx, case_id)
    if not may_work(ctx, case["case"]):
        raise HTTPException(403)
    return case


def _done(case_id: str, done: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}?done={done}{anchor}", status_code=303)


def _refused(ctx: RequestContext, case_id: str, error: Exception) -> Response:
    if isinstance(error, (CaseNotFound, AlertNotFound)):
        raise HTTPException(404)
    case = _case_or_404(ctx, case_id)
    return case_page(ctx, case, status_code=400, message=str(error))


@router.get("/cases")
def cases_page(status: str = "", mine: str = "", alerts: str = "", entities: str = "",
               ctx: RequestContext = Depends(READ)) -> Response:
    statuses = [status] if status in CASE_STATUSES else None
    found = list_cases(ctx.connection, ctx.scope, statuses=statuses,
                       person=ctx.user.username if mine else None, page_size=PAGE_SIZE)
    ctx.audit("cases.list", [item["case_id"] for item in found["items"]],
              {"status": statuses, "mine": bool(mine)})
    return render(ctx, "cases/list.html", cases=found, status=status, mine=bool(mine),
                  statuses=CASE_STATUSES, prefill={"alerts": alerts, "entities": entities},
                  message=None)


@router.post("/cases")
def new_case(title: str = Form(""), unit_id: str = Form(""), summary: str = Form(""),
             alert_ids: str = Form(""), entity_keys: str = Form(""),
             ctx: RequestContext = Depends(WORK)) -> Response:
    try:
        opened = open_case(ctx.connection, actor=ctx.user.username, title=title,
                           unit_id=unit_id.strip() or ctx.user.unit_id, scope=ctx.scope,
                           summary=summary, alert_ids=split_keys(alert_ids),
                           entity_keys=split_keys(entity_keys), origin=origin(ctx))
    except CaseError as error:
        found = list_cases(ctx.connection, ctx.scope, page_size=PAGE_SIZE)
        return render(ctx, "cases/list.html", status_code=400, cases=found, status="",
                      mine=False, statuses=CASE_STATUSES, message=str(error),
                      prefill={"alerts": alert_ids, "entities": entity_keys, "title": title})
    return _done(opened["case_id"], "opened")


def case_page(ctx: RequestContext, case: dict, status_code: int = 200,
              message: str | None = None) -> Response:
    case_id = case["case"]["case_id"]
    back = f"/cases/{case_id}"
    rules = load_rules()
    checklists = {alert["alert_id"]: checklist_view(ctx, alert["alert_id"],
                                                    f"{back}#alert-{index}", rules)
                  for index, alert in enumerate(case["alerts"], 1)}
    done = ctx.request.query_params.get("done")
    return render(ctx, "cases/case.html", status_code=status_code, case=case,
                  checklists=checklists, may_work=may_work(ctx, case["case"]),
                  statuses=CASE_STATUSES, conclusions=CONCLUSIONS, message=message,
                  done=done if done in DONE else None,
                  maps=list_maps(ctx.connection, ctx.scope) if may_work(ctx, case["case"])
                  else [])


DONE = ("opened", "added", "removed", "noted", "assigned", "status", "ticked")


@router.get("/cases/{case_id}")
def show_case(case_id: str, ctx: RequestContext = Depends(READ)) -> Response:
    case = _case_or_404(ctx, case_id)
    ctx.audit("case.read", [case_id, *[a["alert_id"] for a in case["alerts"]],
                            *[e["key"] for e in case["entities"]]])
    return case_page(ctx, case)


@router.post("/cases/{case_id}/items")
def add_to_case(case_id: str, alert_ids: str = Form(""), entity_keys: str = Form(""),
                map_ids: str = Form(""), ctx: RequestContext = Depends(WORK)) -> Response:
    _working(ctx, case_id)
    try:
        add_items(ctx.connection, case_id, actor=ctx.user.username, scope=ctx.scope,
                  alert_ids=split_keys(alert_ids), entity_keys=split_keys(entity_keys),
                  map_ids=split_keys(map_ids), origin=origin(ctx))
    except CaseError as error:
        return _refused(ctx, case_id, error)
    return _done(case_id, "added")


@router.post("/cases/{case_id}/items/remove")
def remove_from_case(case_id: str, kind: str = Form(""), key: str = Form(""),
                     ctx: RequestContext = Depends(WORK)) -> Response:
    _working(ctx, case_id)
    try:
        remove_item(ctx.connection, case_id, actor=ctx.user.username, scope=ctx.scope,
                    kind=kind, key=key, origin=origin(ctx))
    except CaseError as error:
        return _refused(ctx, case_id, error)
    return _done(case_id, "removed")


@router.post("/cases/{case_id}/notes")
def note_case(case_id: str, text: str = Form(""),
              ctx: RequestContext = Depends(WORK)) -> Response:
    _working(ctx, case_id)
    try:
        add_note(ctx.connection, case_id, actor=ctx.user.username, text=text, scope=ctx.scope,
                 origin=origin(ctx))
    except CaseError as error:
        return _refused(ctx, case_id, error)
    return _done(case_id, "noted", "#notes")


@router.post("/cases/{case_id}/assign")
def assign_case(case_id: str, owner: str = Form(""), members: str = Form(""),
                ctx: RequestContext = Depends(WORK)) -> Response:
    _working(ctx, case_id)
    try:
        assign(ctx.connection, case_id, actor=ctx.user.username, scope=ctx.scope,
               owner=owner.strip() or None, members=split_keys(members), origin=origin(ctx))
    except CaseError as error:
        return _refused(ctx, case_id, error)
    return _done(case_id, "assigned")


@router.post("/cases/{case_id}/status")
def case_status(case_id: str, status: str = Form(""), conclusion: str = Form(""),
                note: str = Form(""), expected_status: str = Form(""),
                ctx: RequestContext = Depends(WORK)) -> Response:
    _working(ctx, case_id)
    try:
        set_status(ctx.connection, case_id, actor=ctx.user.username, scope=ctx.scope,
                   status=status, conclusion=conclusion or None, note=note,
                   expected_status=expected_status or None, origin=origin(ctx))
    except CaseError as error:
        return _refused(ctx, case_id, error)
    return _done(case_id, "status")


@router.post("/alerts/{alert_id}/checklist")
def tick_checklist(alert_id: str, item_id: str = Form(""), checked: str = Form(""),
                   note: str = Form(""), back: str = Form(""),
                   ctx: RequestContext = Depends(TICK)) -> Response:
    try:
        tick(ctx.connection, alert_id, item_id, actor=ctx.user.username,
             checked=checked in ("1", "on", "true"), note=note, scope=ctx.scope,
             origin=origin(ctx))
    except AlertNotFound:
        raise HTTPException(404) from None     # a ChecklistError is one line, answered 400
    target = local_path(back, f"/alerts/{alert_id}")
    path, _, fragment = target.partition("#")
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}done=ticked" + (f"#{fragment}" if fragment else ""),
                            status_code=303)
