"""The home page (首页): who you are, what you may see, and the latest scans and loads."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from analytics.runs import list_loads, list_scans
from web.context import RequestContext, current
from web.templating import render

router = APIRouter(include_in_schema=False)

RECENT = 5


@router.get("/")
def home(ctx: RequestContext = Depends(current)) -> Response:
    scans = loads = None
    if ctx.can("runs.read"):
        scans = list_scans(ctx.connection, scope=ctx.scope, page_size=RECENT)["items"]
        loads = list_loads(ctx.connection, scope=ctx.scope, page_size=RECENT)["items"]
    return render(ctx, "home.html", scans=scans, loads=loads)
