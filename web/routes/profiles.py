"""The integrity profile (廉政档案) of an official: risk score with the source of every point,
posts over time, family, companies reached, contracts, payments, household subsidies, alerts
with their outcomes, and complaints about him.

``/profiles/{id_number}`` and ``/api/v1/profiles/{id_number}`` share ``read_profile``:
``analytics.api.integrity_profile`` and the complaints of his timeline, both in the reader's
scope, then one audit event ``profile.read`` (who opened whose file, and as of which day).
Rows outside the jurisdiction are counted ("N outside your jurisdiction"), never named.
"""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from analytics.api import entity_timeline, integrity_profile
from analytics.days import local_today
from web.api_models import Profile
from web.context import RequestContext, require
from web.reads import day, found, map_available
from web.routes.api import ERRORS
from web.svg.charts import span_chart
from web.templating import render

router = APIRouter()
READ = require("data.read")
TABLES = ("positions", "family", "companies", "contracts", "payments", "subsidies", "alerts",
          "related_alerts")


def read_profile(ctx: RequestContext, id_number: str, as_of: str | None) -> dict:
    """The profile as the reader may see it (404 otherwise), with complaints; audited."""
    when = day(as_of, "as_of")
    profile = found(lambda: integrity_profile(ctx.connection, id_number, scope=ctx.scope,
                                              as_of=when))
    key = profile["person"]["id_number"]
    complaints = entity_timeline(ctx.connection, key, scope=ctx.scope, kinds=["complaint"],
                                 end=when, page_size=100)
    profile["complaints"] = {"events": complaints["events"], "total": complaints["total"],
                             "withheld": complaints["withheld"]}
    for name in ("src_hash", "src_run"):
        profile["person"].pop(name, None)
    ctx.audit("profile.read", [key], {"as_of": when.isoformat() if when else None})
    return profile


def risk_rows(ctx: RequestContext, profile: dict) -> list[dict]:
    """Each risk item beside the alert it comes from (or as a named signal), with why it
    scores in the reader's language (the API's own ``reason`` stays, in English)."""
    alerts = {row["alert_id"]: row for row in profile["alerts"]}
    rows = []
    for item in profile["risk"]["items"]:
        alert = alerts.get(item["source"])
        if alert is None:
            why = item["reason"].split(": ", 1)[1] if ": " in item["reason"] else item["reason"]
        elif alert.get("outcome") == "unfounded":
            why = ctx.t("profile.why_unfounded")
        elif alert.get("matching") is False:
            why = ctx.t("profile.why_half", points=f"{item['points']:g}")
        else:
            why = ctx.t("profile.why_alert", points=f"{item['points']:g}")
        rows.append({**item, "alert": alert, "why": why,
                     "signal": None if alert else item["source"]})
    return rows


def posts_chart(ctx: RequestContext, profile: dict):
    spans = [(f"{row['unit_name'] or ctx.t('data.withheld_unit')} {row['title'] or ''}".strip(),
              row["start_date"], row["end_date"]) for row in profile["positions"]]
    today = dt.date.fromisoformat(profile["as_of"]) if profile["as_of"] else local_today()
    return span_chart(spans, title=ctx.t("profile.posts_chart"), today=today,
                      empty=ctx.t("profile.no_posts"))


@router.get("/profiles", include_in_schema=False)
def profiles_home(ctx: RequestContext = Depends(READ)) -> Response:
    return render(ctx, "profiles/index.html")


@router.get("/profiles/{id_number}", include_in_schema=False)
def profile_page(id_number: str, as_of: str = "",
                 ctx: RequestContext = Depends(READ)) -> Response:
    profile = read_profile(ctx, id_number, as_of)
    return render(ctx, "profiles/profile.html", p=profile, person=profile["person"],
                  risk=risk_rows(ctx, profile), chart=posts_chart(ctx, profile), tables=TABLES,
                  map=map_available(ctx.request.app))


@router.get("/api/v1/profiles/{id_number}", response_model=Profile, responses=ERRORS,
            tags=["profiles"])
def profile_api(id_number: str,
                as_of: str | None = Query(None, description="The record as it stood that "
                                                            "day (YYYY-MM-DD)"),
                ctx: RequestContext = Depends(READ)) -> dict:
    """The integrity profile of a person of the jurisdiction (any spelling of the ID
    number); rows outside it are counted in ``withheld``. Audited as ``profile.read``."""
    return read_profile(ctx, id_number, as_of)
