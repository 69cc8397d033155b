"""The complaint desk (信访举报办理): 受理 → 转办 → 办理 → 审核 → 答复, and a unit's complaints.

The office (``complaints.manage``) accepts, forwards, reviews and answers complaints
concerning its jurisdiction; a unit's liaison (``complaints.handle``) sees only what was
forwarded to its subtree and reports how it was handled. Every read of a complaint and
every list is audited; every step is audited with it (``analytics.complaints``). Two
people acting at once: the second is told the complaint changed (compare-and-set).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from analytics import complaints as workflow
from analytics.complaint_reads import (complaint_hot_spots, complaints_of_unit, get_complaint,
                                       list_complaints, unit_choices)
from analytics.complaints import STATUSES
from analytics.rectification import notices_of_unit
from web.context import Forbidden, RequestContext, require
from web.templating import render

router = APIRouter(prefix="/complaints", include_in_schema=False)
READ = require("complaints.read")
PAGE_SIZE = 50

# action → (permission, form fields it takes)
ACTIONS = {"accept": "complaints.manage", "decline": "complaints.manage",
           "forward": "complaints.manage", "handle": "complaints.handle",
           "review": "complaints.manage", "return": "complaints.manage",
           "answer": "complaints.manage"}


def view_of(ctx: RequestContext) -> str:
    """A liaison works the complaints given to their unit; everyone else reads the
    office's view of the jurisdiction."""
    return "unit" if ctx.can("complaints.handle") and not ctx.can("complaints.manage") \
        else "office"


@router.get("")
def desk(request: Request, ctx: RequestContext = Depends(READ)) -> Response:
    status = request.query_params.get("status") or None
    overdue = request.query_params.get("overdue") == "1"
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1
    found = list_complaints(ctx.connection, ctx.scope, view=view_of(ctx),
                            statuses=[status] if status in (*STATUSES, "imported") else None,
                            overdue=overdue, page=page, page_size=PAGE_SIZE)
    ctx.audit("complaints.list", [item["complaint_id"] for item in found["items"]],
              {"status": status, "overdue": overdue, "page": page})
    return render(ctx, "supervision/complaints.html", found=found, status=status,
                  overdue=overdue, statuses=STATUSES, view=view_of(ctx))


@router.get("/units/{unit_id}")
def unit_complaints(unit_id: str, ctx: RequestContext = Depends(READ)) -> Response:
    """A unit's complaints, hot spots and rectification notices (what its portrait shows)."""
    if view_of(ctx) != "office":
        raise Forbidden("complaints.manage")
    found = complaints_of_unit(ctx.connection, unit_id, ctx.scope)
    if found is None:
        raise HTTPException(404)
    hot_spots = complaint_hot_spots(ctx.connection, unit_id, ctx.scope)
    notices = notices_of_unit(ctx.connection, unit_id, ctx.scope) \
        if ctx.can("rectification.read") else None
    from analytics.accounts import unit_name

    ctx.audit("complaints.list", [unit_id], {"unit": unit_id})
    return render(ctx, "supervision/unit.html", unit_id=unit_id,
                  unit_name=unit_name(ctx.connection, unit_id), complaints=found,
                  hot_spots=hot_spots, notices=notices)


def complaint_page(ctx: RequestContext, complaint_id: str, status_code: int = 200,
                   message: str | None = None) -> Response:
    found = get_complaint(ctx.connection, complaint_id, ctx.scope, view=view_of(ctx))
    if found is None:
        raise HTTPException(404)
    ctx.audit("complaint.read", [complaint_id, *[p["id_number"] for p in found["persons"]]])
    units = unit_choices(ctx.connection, ctx.scope)
    return render(ctx, "supervision/complaint.html", status_code=status_code, found=found,
                  message=message, view=view_of(ctx), units=units,
                  done=ctx.request.query_params.get("done"))


@router.get("/{complaint_id}")
def show(complaint_id: str, ctx: RequestContext = Depends(READ)) -> Response:
    return complaint_page(ctx, complaint_id)


@router.post("/{complaint_id}/{action}")
def act(complaint_id: str, action: str, expected_status: str = Form(""),
        note: str = Form(""), unit_id: str = Form(""), deadline: str = Form(""),
        text: str = Form(""), subject_id_number: str = Form(""),
        ctx: RequestContext = Depends(READ)) -> Response:
    if action not in ACTIONS:
        raise HTTPException(404)
    if not ctx.can(ACTIONS[action]):
        raise Forbidden(ACTIONS[action])
    common = {"actor": ctx.user.username, "scope": ctx.scope,
              "expected_status": expected_status or None}
    steps = {
        "accept": lambda: workflow.accept(ctx.connection, complaint_id, note=note or None,
                                          subject_id_number=subject_id_number.strip() or None,
                                          **common),
        "decline": lambda: workflow.decline(ctx.connection, complaint_id, answer_text=text,
                                            **common),
        "forward": lambda: workflow.forward(ctx.connection, complaint_id, unit_id=unit_id,
                                            deadline=deadline or None, note=note or None,
                                            **common),
        "handle": lambda: workflow.handle(ctx.connection, complaint_id, report=text, **common),
        "review": lambda: workflow.review(ctx.connection, complaint_id, note=note or None,
                                          **common),
        "return": lambda: workflow.return_to_unit(ctx.connection, complaint_id, note=note,
                                                  **common),
        "answer": lambda: workflow.answer(ctx.connection, complaint_id, answer_text=text,
                                          **common),
    }
    try:
        steps[action]()
    except workflow.ComplaintNotFound:
        raise HTTPException(404) from None
    except workflow.ComplaintError as error:
        return complaint_page(ctx, complaint_id, 409, str(error))
    return RedirectResponse(f"/complaints/{complaint_id}?done={action}", status_code=303)
