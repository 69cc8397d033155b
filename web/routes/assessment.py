"""Handling assessment (运用、考核): per unit and per handler over a period, and its CSV.

Counts come from ``analytics.assessment`` (Cypher, within the reader's jurisdiction).
The page and the export are audited; the CSV is UTF-8 with a byte-order mark so that
Excel on a Chinese Windows opens it as it is.
"""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from analytics.assessment import assessment, assessment_csv
from analytics.days import local_today
from web.context import RequestContext, require
from web.templating import render

router = APIRouter(include_in_schema=False)
READ = require("assessment.read")


def period(request: Request) -> tuple[dt.date, dt.date, str | None]:
    """The period asked for (default: this year to today), or the default and a message."""
    today = local_today()
    default = (dt.date(today.year, 1, 1), today)
    try:
        since = dt.date.fromisoformat(request.query_params.get("since") or
                                      default[0].isoformat())
        until = dt.date.fromisoformat(request.query_params.get("until") or
                                      default[1].isoformat())
    except ValueError:
        return default[0], default[1], "assessment.bad_period"
    if until < since:
        return default[0], default[1], "assessment.bad_period"
    return since, until, None


@router.get("/assessment")
def assessment_page(request: Request, ctx: RequestContext = Depends(READ)) -> Response:
    since, until, problem = period(request)
    figures = assessment(ctx.connection, ctx.scope, since=since, until=until)
    ctx.audit("assessment.read", list(ctx.scope.roots),
              {"since": since.isoformat(), "until": until.isoformat()})
    return render(ctx, "supervision/assessment.html", figures=figures,
                  message=ctx.t(problem) if problem else None)


@router.get("/assessment.csv")
def assessment_export(request: Request, ctx: RequestContext = Depends(READ)) -> Response:
    since, until, _ = period(request)
    figures = assessment(ctx.connection, ctx.scope, since=since, until=until)
    ctx.audit("assessment.export", list(ctx.scope.roots),
              {"since": since.isoformat(), "until": until.isoformat(),
               "rows": len(figures["units"]) + len(figures["handlers"])})
    name = f"assessment-{since.isoformat()}-{until.isoformat()}.csv"
    return Response(assessment_csv(figures), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
