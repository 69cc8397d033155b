"""Jinja2 with autoescaping everywhere: names come from data, and ``<script>`` in a name is
text. Templates never use ``|safe``; JSON goes into a page only through ``|tojson``.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from web.permissions import NAVIGATION
from web.view_helpers import GLOBALS

__all__ = ["environment", "render"]

TEMPLATES = Path(__file__).with_name("templates")


def _when(value: Any, zone: str = "Asia/Shanghai") -> str:
    """A datetime to the minute in the workbench's time zone, other values as text.

    >>> _when(dt.datetime(2024, 6, 3, 1, 12, tzinfo=dt.timezone.utc)), _when(None)
    ('2024-06-03 09:12', '')
    >>> _when("2024-06-03T01:12:30.5+00:00"), _when("2024-06-03")
    ('2024-06-03 09:12', '2024-06-03')
    """
    if value is None:
        return ""
    if isinstance(value, str) and len(value) > 16 and value[10:11] == "T":
        try:   # ISO text from the analytics API (nanoseconds are cut to microseconds)
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo:
            value = value.astimezone(ZoneInfo(zone))
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if isinstance(value, (int, float)) else str(value)


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = _number
    env.globals["navigation"] = NAVIGATION
    env.globals.update(GLOBALS)   # the data pages' helpers (web/view_helpers.py)
    return env


ENV = environment()


def render(ctx: Any, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` for a request context (``ctx`` and ``t`` are always available)."""
    settings = getattr(ctx.request.app.state, "settings", None)
    zone = settings.timezone if settings else "Asia/Shanghai"
    html = ENV.get_template(template).render(
        ctx=ctx, t=ctx.t, when=lambda value: _when(value, zone), **values)
    return HTMLResponse(html, status_code=status_code)
