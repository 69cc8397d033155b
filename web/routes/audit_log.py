"""The audit trail (审计日志) for the auditor: read-only, filtered by actor, target, action and
date, with the chain's head and, on request, its verification.

The auditor (安全审计员) holds ``audit.read`` and nothing else (三员分立). Reading the trail is
itself recorded (``audit.read``, with the filters). Verification recomputes every hash from
the first event (``analytics.audit.verify_chain``), so it runs when asked, not on every
view; the head (last seq and hash) is always shown, to be kept outside the database.
"""
from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from analytics.audit import ACTIONS, head, read_log, verify_chain
from web.api_models import AuditPage, ChainState
from web.context import RequestContext, require
from web.reads import day
from web.routes.api import ERRORS
from web.templating import render

router = APIRouter()
READ = require("audit.read")


def read_trail(ctx: RequestContext, actor: str | None, target: str | None,
               action: str | None, since: str | None, page: int, page_size: int,
               verify: bool = False) -> dict:
    """One page of the trail, newest first, filtered in Cypher; recorded as ``audit.read``."""
    filters = {"actor": (actor or "").strip() or None, "target": (target or "").strip() or None,
               "action": (action or "").strip() or None}
    start = day(since, "since")
    found = read_log(ctx.connection, **filters, since=start, page=page, limit=page_size)
    ctx.audit("audit.read", [value for value in (filters["actor"], filters["target"])
                             if value],
              {**{k: v for k, v in filters.items() if v},
               "since": start.isoformat() if start else None, "page": page,
               **({"verify": True} if verify else {})})
    return {"items": found["items"], "total": found["total"], "page": page,
            "page_size": page_size, "pages": max(1, math.ceil(found["total"] / page_size))}


@router.get("/audit", include_in_schema=False)
def audit_page(actor: str = "", target: str = "", action: str = "", since: str = "",
               page: int = Query(1, ge=1), verify: int = 0,
               ctx: RequestContext = Depends(READ)) -> Response:
    trail = read_trail(ctx, actor, target, action, since, page, 50, bool(verify))
    chain = verify_chain(ctx.connection) if verify else None
    params = {"actor": actor, "target": target, "action": action, "since": since}
    return render(ctx, "audit/log.html", trail=trail, chain=chain, head=head(ctx.connection),
                  params=params, actions=sorted(ACTIONS))


@router.get("/api/v1/audit", response_model=AuditPage, responses=ERRORS, tags=["audit"])
def audit_api(actor: str | None = Query(None, description="User name"),
              target: str | None = Query(None, description="A key among the targets: an "
                                                           "ID number, alert id, unit code …"),
              action: str | None = Query(None, description="e.g. profile.read"),
              since: str | None = Query(None, description="From this day (YYYY-MM-DD)"),
              page: int = Query(1, ge=1, le=100_000),
              page_size: int = Query(50, ge=1, le=500),
              ctx: RequestContext = Depends(READ)) -> dict:
    """The audit trail, newest first (auditors only; reading it is recorded)."""
    return read_trail(ctx, actor, target, action, since, page, page_size)


@router.get("/api/v1/audit/verify", response_model=ChainState, responses=ERRORS,
            tags=["audit"])
def verify_api(ctx: RequestContext = Depends(READ)) -> dict:
    """Recompute every hash of the chain: ``ok``, the head, and the first bad event with
    what is wrong with it."""
    state = verify_chain(ctx.connection)
    ctx.audit("audit.read", [], {"verify": True, "ok": state["ok"]})
    return state
