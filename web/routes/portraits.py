"""The unit portrait (政治生态画像): alerts by rule, status and outcome, the monthly trend,
procurement method shares, supplier concentration, the officials with the most risk, and
every figure rolled up the unit tree — each with a way down to the entities behind it.

``/portraits/{unit_id}`` and ``/api/v1/portraits/{unit_id}`` share ``read_portrait``:
``analytics.api.unit_portrait`` (exact totals, counted in Cypher over every row) in the
reader's scope and one audit event ``portrait.read``. Charts are server SVG
(``web.svg.charts``), the same pictures a PDF report carries.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import RedirectResponse, Response

from analytics.api import unit_portrait
from analytics.complaint_reads import complaint_hot_spots, complaints_of_unit
from analytics.rectification import notices_of_unit
from analytics.workflow import STATUSES
from web.api_models import Portrait
from web.context import RequestContext, require
from web.reads import entity_href, found, map_available, portrait_href, query_link
from web.routes.api import ERRORS
from web.svg import charts
from web.templating import render
from web.view_helpers import money, outcome_name, rule_name, status_name

router = APIRouter()
READ = require("data.read")
TOP = 10
# new (attention), assigned, verifying, disposed (done: grey)
STATUS_COLORS = (charts.PALETTE[3], charts.PALETTE[1], charts.PALETTE[0], charts.PALETTE[6])
# confirmed in the seal red, unfounded in green, not decided grey
OUTCOME_COLORS = {"confirmed": charts.PALETTE[3], "partly_confirmed": charts.PALETTE[1],
                  "unfounded": charts.PALETTE[2], "referred": charts.PALETTE[0],
                  "merged": charts.PALETTE[4], "pending": charts.PALETTE[6]}


def read_portrait(ctx: RequestContext, unit_id: str, subunits: bool = True) -> dict:
    """The portrait as the reader may see it (404 otherwise), audited."""
    portrait = found(lambda: unit_portrait(ctx.connection, unit_id, scope=ctx.scope,
                                           include_subunits=subunits, top=TOP))
    ctx.audit("portrait.read", [unit_id], {"subunits": subunits})
    return portrait


def pictures(ctx: RequestContext, portrait: dict, unit_id: str) -> dict:
    """The portrait's charts; bars lead to the alert queue or the entities they count."""
    t = ctx.t
    queue = {"unit": unit_id}
    statuses = list(STATUSES)
    by_rule = charts.stacked_bar_chart(
        [(rule_name(t, row["rule_id"]), [row["by_status"].get(s, 0) for s in statuses],
          query_link("/alerts", queue, rule=row["rule_id"])) for row in portrait["alerts_by_rule"]],
        [status_name(t, s) for s in statuses], title=t("portrait.by_rule"),
        colors=STATUS_COLORS, empty=t("portrait.no_alerts"), width=1180)
    by_outcome = charts.bar_chart(
        [(outcome_name(t, row["outcome"]) if row["outcome"] != "pending"
          else t("portrait.pending"), row["count"],
          query_link("/alerts", queue, outcome=row["outcome"])
          if row["outcome"] != "pending" else None)
         for row in portrait["alerts_by_outcome"]],
        title=t("portrait.by_outcome"), empty=t("portrait.no_alerts"),
        colors=[OUTCOME_COLORS.get(row["outcome"], charts.PALETTE[6])
                for row in portrait["alerts_by_outcome"]])
    trend = every_month(portrait["trend"])
    by_month = charts.trend_chart(
        [row["month"] for row in trend],
        [(t("portrait.trend_first_seen"), [row["alerts_first_seen"] for row in trend]),
         (t("portrait.trend_evidence"), [row["alerts_by_evidence_date"] for row in trend])],
        title=t("portrait.trend"), empty=t("portrait.no_alerts"))
    methods = portrait["contracts_by_method"]
    shares = charts.share_chart(
        [t.term("method", row["method"]) for row in methods],
        [(t("portrait.by_count"), [row["count"] for row in methods]),
         (t("portrait.by_amount"), [row["amount"] for row in methods])],
        title=t("portrait.methods"), value_texts=[charts.number, money],
        empty=t("portrait.no_contracts"))
    concentration = portrait["supplier_concentration"]
    suppliers = charts.bar_chart(
        [(row["name"] or row["credit_code"], row["amount"], entity_href(row["credit_code"]))
         for row in concentration["suppliers"]],
        title=t("portrait.suppliers"), color=charts.PALETTE[4],
        value_text=lambda v: f"{money(v)} ({v / concentration['total_amount']:.1%})"
        if concentration["total_amount"] else money(v),
        empty=t("portrait.no_contracts"))
    return {"by_rule": by_rule, "by_outcome": by_outcome, "trend": by_month,
            "methods": shares, "suppliers": suppliers}


def every_month(trend: list[dict]) -> list[dict]:
    """The trend with the months that had no alert filled in as zeros, so that the chart's
    axis is time and not a list of busy months.

    >>> [row["month"] for row in every_month([{"month": "2023-11", "n": 1},
    ...                                        {"month": "2024-02", "n": 2}])]
    ['2023-11', '2023-12', '2024-01', '2024-02']
    """
    if not trend:
        return []
    known = {row["month"]: row for row in trend}
    zero = {name: 0 for name in trend[0] if name != "month"}
    year, month = map(int, trend[0]["month"].split("-"))
    filled = []
    while True:
        key = f"{year:04d}-{month:02d}"
        filled.append(known.get(key, {"month": key, **zero}))
        if key >= trend[-1]["month"]:
            return filled
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@router.get("/portraits", include_in_schema=False)
def portraits_home(ctx: RequestContext = Depends(READ)) -> Response:
    return RedirectResponse(portrait_href(ctx.user.unit_id), status_code=303)


@router.get("/portraits/{unit_id}", include_in_schema=False)
def portrait_page(unit_id: str, subunits: int = 1,
                  ctx: RequestContext = Depends(READ)) -> Response:
    portrait = read_portrait(ctx, unit_id, bool(subunits))
    supervision = {"complaints": None, "hot_spots": None, "notices": None}
    if ctx.can("complaints.read"):      # the public channel's complaints about the subtree
        supervision["complaints"] = complaints_of_unit(ctx.connection, unit_id, ctx.scope)
        supervision["hot_spots"] = complaint_hot_spots(ctx.connection, unit_id, ctx.scope)
        ctx.audit("complaints.list", [unit_id], {"unit": unit_id, "page": "portrait"})
    if ctx.can("rectification.read"):
        supervision["notices"] = notices_of_unit(ctx.connection, unit_id, ctx.scope)
    return render(ctx, "portraits/portrait.html", p=portrait, unit=portrait["unit"],
                  unit_id=unit_id, subunits=bool(subunits), charts=pictures(ctx, portrait,
                                                                            unit_id),
                  map=map_available(ctx.request.app), **supervision)


@router.get("/api/v1/portraits/{unit_id}", response_model=Portrait, responses=ERRORS,
            tags=["portraits"])
def portrait_api(unit_id: str,
                 subunits: bool = Query(True, description="Count the units below it too"),
                 ctx: RequestContext = Depends(READ)) -> dict:
    """The portrait of a unit of the jurisdiction, figures exact and rolled up its subtree
    (audited as ``portrait.read``)."""
    return read_portrait(ctx, unit_id, subunits)
