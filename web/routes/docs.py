"""``/docs``: the OpenAPI description of ``/api/v1`` in Swagger UI, served from
``web/static/vendor/swagger-ui`` (no CDN) and started by a script file (no inline script).
Signed-in users only: the API shape is nobody else's business.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse, Response

from web.context import RequestContext, current
from web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def docs(ctx: RequestContext = Depends(current)) -> Response:
    return render(ctx, "docs.html")


@router.get("/openapi.json")
def openapi(ctx: RequestContext = Depends(current)) -> Response:
    return JSONResponse(ctx.request.app.openapi())
