"""Calendar days as the office lives them: today in the configured time zone, deadlines.

A deadline is a calendar day. "Today" is taken in ``Settings.timezone`` (Asia/Shanghai by
default), not in the server's zone: a complaint filed or an alert assigned at 01:00 in
Beijing belongs to that day, not to the day before in UTC.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from graph.errors import LianjianError

__all__ = ["local_today", "parse_deadline"]


def local_today() -> dt.date:
    """Today in the configured time zone."""
    from graph.settings import get_settings

    return dt.datetime.now(ZoneInfo(get_settings().timezone)).date()


def parse_deadline(value: dt.date | str | None,
                   error: type[LianjianError] = LianjianError) -> dt.date | None:
    """A deadline given as a date or ``YYYY-MM-DD`` (None or empty: none given).

    Raises ``error`` with one line saying what to give for text that is not a date or a day
    already past.

    >>> parse_deadline("2999-01-31"), parse_deadline("")
    (datetime.date(2999, 1, 31), None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise error(f"deadline {value!r} is not a date: use YYYY-MM-DD") from None
    if isinstance(value, dt.datetime):
        value = value.date()
    if value < local_today():
        raise error(f"deadline {value} is in the past: give today or a later day")
    return value
