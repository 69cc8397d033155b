"""Rule quality (规则质量): how often each rule was right, by month, and why it misfired;
and a dry run of a rule with other parameters, compared with the stored alerts.

The figures are ``analytics.quality.rule_quality`` within the reader's jurisdiction; the
trial is ``analytics.rule_trials.try_rule`` (read-only, nothing stored but its audit
event). Reading the page is recorded (``quality.read``).
"""
from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from analytics.quality import rule_quality
from analytics.rule_trials import try_rule
from analytics.rules import RuleError, load_rules
from web.context import RequestContext, require
from web.routes.cases import origin
from web.svg.charts import PALETTE, trend_chart
from web.templating import render

router = APIRouter(include_in_schema=False)
READ, TRIAL = require("quality.read"), require("rules.trial")


def _since(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


@router.get("/quality")
def quality_page(since: str = "", ctx: RequestContext = Depends(READ)) -> Response:
    day = _since(since)
    figures = rule_quality(ctx.connection, ctx.scope, since=day)
    ctx.audit("quality.read", [], {"since": day})
    trends = {row["rule_id"]: _trend(ctx, row["months"]) for row in figures}
    return render(ctx, "quality.html", figures=figures, trends=trends, since=day or "")


def _trend(ctx: RequestContext, months: list[dict]):
    """A rule's months: alerts raised, and decided as confirmed (属实, 部分属实) or unfounded."""
    t = ctx.t
    return trend_chart([m["month"] for m in months], [
        (t("quality.raised"), [m.get("raised", 0) for m in months]),
        (t("quality.confirmed"), [m.get("confirmed", 0) for m in months]),
        (t("quality.unfounded"), [m.get("unfounded", 0) for m in months]),
    ], title=t("quality.trend"), width=320, height=130, empty=t("quality.no_history"),
        colors=(PALETTE[0], PALETTE[2], PALETTE[3]))


def _rule_or_404(rule_id: str):
    rule = load_rules().get(rule_id)
    if rule is None:
        raise HTTPException(404)
    return rule


@router.get("/quality/{rule_id}/trial")
def trial_page(rule_id: str, ctx: RequestContext = Depends(TRIAL)) -> Response:
    rule = _rule_or_404(rule_id)
    return render(ctx, "quality_trial.html", rule=rule, values=_shown(rule, {}), result=None,
                  message=None)


@router.post("/quality/{rule_id}/trial")
async def run_trial(rule_id: str, request: Request,
                    ctx: RequestContext = Depends(TRIAL)) -> Response:
    from starlette.concurrency import run_in_threadpool

    rule = _rule_or_404(rule_id)
    form = await request.form()
    given = {name: str(form.get(name, "")).strip() for name in rule.parameters}
    try:
        result = await run_in_threadpool(try_rule, ctx.connection, rule_id, given, ctx.scope,
                                         actor=ctx.user.username, origin=origin(ctx))
    except RuleError as error:
        return render(ctx, "quality_trial.html", status_code=400, rule=rule,
                      values=_shown(rule, given), result=None, message=str(error))
    return render(ctx, "quality_trial.html", rule=rule, values=_shown(rule, result["parameters"]),
                  result=result, message=None)


def _shown(rule, values: dict) -> dict[str, str]:
    """Each parameter's value as the form shows it (lists joined by commas)."""
    shown = {}
    for name, parameter in rule.parameters.items():
        value = values.get(name, parameter.default)
        if value in (None, ""):
            value = parameter.default
        shown[name] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return shown
