"""Rectification (整改, 以案促改): notices issued from confirmed alerts, answered, reviewed.

The office (``rectification.issue``) issues a notice to a unit of its jurisdiction from
alerts it decided as confirmed, and accepts or returns the unit's answer; the unit's
liaison (``rectification.answer``) answers with the measures taken. Overdue notices are
flagged in the list. Reads and steps are audited (``analytics.rectification``).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from analytics import rectification as notices
from analytics.alerts import list_alerts
from analytics.complaint_reads import unit_choices
from web.context import Forbidden, RequestContext, require
from web.templating import render

router = APIRouter(prefix="/rectification", include_in_schema=False)
READ = require("rectification.read")
ISSUE = require("rectification.issue")
STEPS = {"answer": "rectification.answer", "accept": "rectification.issue",
         "return": "rectification.issue"}


@router.get("")
def notice_list(request: Request, ctx: RequestContext = Depends(READ)) -> Response:
    status = request.query_params.get("status") or None
    overdue = request.query_params.get("overdue") == "1"
    found = notices.list_notices(ctx.connection, ctx.scope, overdue=overdue,
                                 statuses=[status] if status in notices.STATUSES else None)
    ctx.audit("notice.read", [item["notice_id"] for item in found],
              {"status": status, "overdue": overdue})
    return render(ctx, "supervision/notices.html", found=found, status=status,
                  overdue=overdue, statuses=notices.STATUSES)


def new_page(ctx: RequestContext, status_code: int = 200, message: str | None = None,
             **typed) -> Response:
    confirmed = list_alerts(ctx.connection, ctx.scope, outcomes=["confirmed",
                                                                 "partly_confirmed"],
                            sort="-decided_at", page_size=200)
    units = unit_choices(ctx.connection, ctx.scope)
    values = {"unit_id": "", "problem": "", "requirement": "", "deadline": "",
              "alert_ids": []}
    values.update({k: v for k, v in typed.items() if v is not None})
    return render(ctx, "supervision/notice_new.html", status_code=status_code,
                  message=message, alerts=confirmed["items"], units=units, typed=values)


@router.get("/new")
def new_notice(request: Request, ctx: RequestContext = Depends(ISSUE)) -> Response:
    return new_page(ctx, alert_ids=request.query_params.getlist("alert"),
                    unit_id=request.query_params.get("unit", ""))


@router.post("")
async def issue(request: Request, ctx: RequestContext = Depends(ISSUE)) -> Response:
    form = await request.form()
    typed = {"unit_id": str(form.get("unit_id", "")), "problem": str(form.get("problem", "")),
             "requirement": str(form.get("requirement", "")),
             "deadline": str(form.get("deadline", "")),
             "alert_ids": [str(value) for value in form.getlist("alert_ids")]}
    try:
        made = notices.issue_notice(ctx.connection, actor=ctx.user.username, scope=ctx.scope,
                                    unit_id=typed["unit_id"], problem=typed["problem"],
                                    requirement=typed["requirement"],
                                    alert_ids=typed["alert_ids"],
                                    deadline=typed["deadline"] or None)
    except notices.NoticeError as error:
        return new_page(ctx, 400, str(error), **typed)
    return RedirectResponse(f"/rectification/{made['notice_id']}?done=issue", status_code=303)


def notice_page(ctx: RequestContext, notice_id: str, status_code: int = 200,
                message: str | None = None) -> Response:
    found = notices.get_notice(ctx.connection, notice_id, ctx.scope)
    if found is None:
        raise HTTPException(404)
    ctx.audit("notice.read", [notice_id, found["notice"]["unit_id"]])
    return render(ctx, "supervision/notice.html", status_code=status_code, found=found,
                  message=message, done=ctx.request.query_params.get("done"))


@router.get("/{notice_id}")
def show(notice_id: str, ctx: RequestContext = Depends(READ)) -> Response:
    return notice_page(ctx, notice_id)


@router.post("/{notice_id}/{step}")
def act(notice_id: str, step: str, expected_status: str = Form(""), text: str = Form(""),
        ctx: RequestContext = Depends(READ)) -> Response:
    if step not in STEPS:
        raise HTTPException(404)
    if not ctx.can(STEPS[step]):
        raise Forbidden(STEPS[step])
    common = {"actor": ctx.user.username, "scope": ctx.scope,
              "expected_status": expected_status or None}
    try:
        if step == "answer":
            notices.answer_notice(ctx.connection, notice_id, measures=text, **common)
        elif step == "accept":
            notices.accept_notice(ctx.connection, notice_id, note=text or None, **common)
        else:
            notices.return_notice(ctx.connection, notice_id, note=text, **common)
    except notices.NoticeNotFound:
        raise HTTPException(404) from None
    except notices.NoticeError as error:
        return notice_page(ctx, notice_id, 409, str(error))
    return RedirectResponse(f"/rectification/{notice_id}?done={step}", status_code=303)
