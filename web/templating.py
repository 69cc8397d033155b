"""Jinja2 with autoescaping everywhere: names come from data, and ``<script>`` in a name is
text. Templates never use ``|safe``; JSON goes into a page only through ``|tojson``.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from web.permissions import NAVIGATION

__all__ = ["environment", "render"]

TEMPLATES = Path(__file__).with_name("templates")


def _when(value: Any) -> str:
    """A datetime to the minute in local form, anything else as text ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M") if value.tzinfo else \
            value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, (int, float)) else str(value)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.filters["number"] = _number
    env.globals["navigation"] = NAVIGATION
    return env


ENV = environment()


def render(ctx: Any, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` for a request context (``ctx`` and ``t`` are always available)."""
    html = ENV.get_template(template).render(ctx=ctx, t=ctx.t, **values)
    return HTMLResponse(html, status_code=status_code)
