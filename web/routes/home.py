"""The home page (首页): who you are, what you may see, and the latest scans and loads."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from analytics.runs import last_loads, last_scans
from web.context import RequestContext, current
from web.templating import render

router = APIRouter(include_in_schema=False)

RECENT = 5


@router.get("/")
def home(ctx: RequestContext = Depends(current)) -> Response:
    scans = last_scans(ctx.connection, RECENT, ctx.scope) if ctx.can("runs.read") else None
    loads = last_loads(ctx.connection, RECENT) if ctx.can("runs.read") else None
    return render(ctx, "home.html", scans=scans, loads=loads)
