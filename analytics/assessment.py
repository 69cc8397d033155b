"""运用、考核: how each unit and each handler dealt with what they were given, over a period.

Three kinds of work are counted, each in Cypher, each by who it was given to:

- **alerts** (预警) — per unit concerned (``unit_ids``) and per handler (``assignee``);
  given in the period = first seen in it; decided = 处置;
- **complaints** (信访举报) — per unit forwarded to and per handler of the unit's report
  (``handled_by``); given = forwarded in the period; done = handled (办理);
- **notices** (整改通知) — per unit and per answering liaison; given = issued in the
  period; done = answered.

For each: ``received``, ``done``, ``on_time`` (done by the deadline day), ``late`` (done
after it), ``overdue`` (not done and the deadline day has passed, as of ``today``),
``median_days`` (given → done), and ``confirmed_share`` for alerts (属实 and 部分属实
among the alerts decided with a verdict) or the citizens' ``rating`` for complaints
(mean and count). A unit's or handler's ``on_time_share`` is on time over everything
whose deadline has come or that was done with one (on time + late + overdue); None when
there is nothing to judge. Days are counted in the configured time zone.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from analytics.days import local_today
from analytics.scope import Scope
from analytics.workflow import OPEN_STATUSES as OPEN_ALERT
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["KINDS", "assessment", "assessment_csv"]

KINDS = ("alerts", "complaints", "notices")

# Per kind: the items given in the period, as (item, given, done, deadline, open, who).
GIVEN = {
    "alerts": """
MATCH (item:Alert)
WHERE item.first_seen >= datetime($since) AND item.first_seen < datetime($until)
  AND ($scope_units IS NULL OR any(unit IN item.unit_ids WHERE unit IN $scope_units))
WITH item, item.first_seen AS given, item.decided_at AS done, item.deadline AS deadline,
     (item.status IN $open_alert) AS open, item.assignee AS handler,
     [unit IN item.unit_ids WHERE $scope_units IS NULL OR unit IN $scope_units] AS units
""",
    "complaints": """
MATCH (item:Complaint)
WHERE item.forwarded_at >= datetime($since) AND item.forwarded_at < datetime($until)
  AND ($scope_units IS NULL OR item.forwarded_to IN $scope_units)
WITH item, item.forwarded_at AS given, item.handled_at AS done, item.deadline AS deadline,
     (item.status = 'forwarded') AS open, item.handled_by AS handler,
     [item.forwarded_to] AS units
""",
    "notices": """
MATCH (item:RectificationNotice)
WHERE item.issued_at >= datetime($since) AND item.issued_at < datetime($until)
  AND ($scope_units IS NULL OR item.unit_id IN $scope_units)
WITH item, item.issued_at AS given, item.answered_at AS done, item.deadline AS deadline,
     (item.status IN ['issued', 'returned']) AS open, item.answered_by AS handler,
     [item.unit_id] AS units
""",
}

FIGURES = """
WITH item, key, given, done, deadline, open,
     CASE WHEN done IS NULL THEN null
          ELSE date(datetime({datetime: done, timezone: $zone})) END AS done_day
RETURN key, count(item) AS received, count(done) AS done,
       sum(CASE WHEN done_day IS NOT NULL AND deadline IS NOT NULL AND done_day <= deadline
                THEN 1 ELSE 0 END) AS on_time,
       sum(CASE WHEN done_day IS NOT NULL AND deadline IS NOT NULL AND done_day > deadline
                THEN 1 ELSE 0 END) AS late,
       sum(CASE WHEN done IS NULL AND open AND deadline < date($today) THEN 1 ELSE 0 END)
         AS overdue,
       percentileCont(CASE WHEN done IS NOT NULL
                           THEN duration.inSeconds(given, done).seconds / 86400.0 END, 0.5)
         AS median_days,
       sum(CASE WHEN item.outcome IN ['confirmed', 'partly_confirmed'] THEN 1 ELSE 0 END)
         AS confirmed,
       sum(CASE WHEN item.outcome = 'unfounded' THEN 1 ELSE 0 END) AS unfounded,
       avg(item.rating) AS rating, count(item.rating) AS ratings
"""

BY_UNIT = "UNWIND units AS key\n"
BY_HANDLER = "WITH item, handler AS key, given, done, deadline, open WHERE key IS NOT NULL\n"

NAMES = """
UNWIND $keys AS key
OPTIONAL MATCH (unit:Unit {unit_id: key})
OPTIONAL MATCH (user:User {username: key})
RETURN key, coalesce(unit.name, user.display_name) AS name
"""

COUNTS = ("received", "done", "on_time", "late", "overdue")


def _day_start(value: dt.date, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(value, dt.time(), ZoneInfo(zone)).isoformat()


def assessment(connection: Connection, scope: Scope, *, since: dt.date, until: dt.date,
               today: dt.date | None = None, zone: str | None = None) -> dict[str, Any]:
    """Figures per unit and per handler for work given from ``since`` to ``until``
    (both days included): ``{since, until, today, units, handlers}``, each a list of
    ``{key, name, alerts, complaints, notices, on_time, judged, on_time_share}`` sorted
    by on-time share (lowest first: who needs attention), then key."""
    from graph.settings import get_settings

    if until < since:
        raise LianjianError(f"the period ends ({until}) before it starts ({since})")
    zone = zone or get_settings().timezone
    today = today or local_today()
    parameters = {**scope.parameters(), "since": _day_start(since, zone),
                  "until": _day_start(until + dt.timedelta(days=1), zone),
                  "today": today.isoformat(), "zone": zone, "open_alert": list(OPEN_ALERT)}
    result = {"since": since.isoformat(), "until": until.isoformat(),
              "today": today.isoformat()}
    for group, grouping in (("units", BY_UNIT), ("handlers", BY_HANDLER)):
        rows: dict[str, dict[str, Any]] = {}
        for kind in KINDS:
            for row in connection.read(GIVEN[kind] + grouping + FIGURES, **parameters):
                entry = rows.setdefault(row["key"], {"key": row["key"]})
                entry[kind] = _figures(kind, row)
        names = {row["key"]: row["name"] for row in connection.read(NAMES, keys=list(rows))}
        for key, entry in rows.items():
            entry["name"] = names.get(key)
            for kind in KINDS:
                entry.setdefault(kind, None)
            figures = [entry[kind] for kind in KINDS if entry[kind]]
            entry["on_time"] = sum(f["on_time"] for f in figures)
            entry["judged"] = sum(f["on_time"] + f["late"] + f["overdue"] for f in figures)
            entry["on_time_share"] = (entry["on_time"] / entry["judged"]
                                      if entry["judged"] else None)
        result[group] = sorted(rows.values(), key=lambda e: (
            e["on_time_share"] if e["on_time_share"] is not None else 2.0, e["key"]))
    return result


def _figures(kind: str, row: dict) -> dict[str, Any]:
    figures = {name: int(row[name] or 0) for name in COUNTS}
    judged = figures["on_time"] + figures["late"] + figures["overdue"]
    figures["on_time_share"] = figures["on_time"] / judged if judged else None
    median = row["median_days"]
    figures["median_days"] = round(median, 1) if median is not None else None
    if kind == "alerts":
        verdicts = row["confirmed"] + row["unfounded"]
        figures["confirmed_share"] = row["confirmed"] / verdicts if verdicts else None
    if kind == "complaints":
        figures["rating"] = round(row["rating"], 2) if row["rating"] is not None else None
        figures["ratings"] = row["ratings"]
    return figures


COLUMNS = [("group", "层级/group"), ("key", "编码或账号/key"), ("name", "名称/name")] + [
    (f"{kind}_{name}", f"{label}{word}/{kind} {name}")
    for kind, label in (("alerts", "预警"), ("complaints", "信访"), ("notices", "整改"))
    for name, word in (("received", "收到"), ("done", "办结"), ("on_time", "按期"),
                       ("late", "逾期办结"), ("overdue", "超期未办"),
                       ("median_days", "办理天数中位数"), ("on_time_share", "按期率"))] + [
    ("alerts_confirmed_share", "预警属实率/alerts confirmed share"),
    ("complaints_rating", "群众评价均分/complaints rating"),
    ("complaints_ratings", "评价件数/complaints ratings"),
    ("on_time_share", "综合按期率/on-time share")]


def assessment_csv(figures: dict[str, Any]) -> bytes:
    """The assessment as CSV for the assessment office: UTF-8 with a byte-order mark (so
    Excel on Chinese Windows reads it), headers in Chinese and English, one row per unit
    and per handler, shares as decimals (0.75), empty where nothing was judged."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([f"考核期间/period {figures['since']} – {figures['until']}",
                     f"统计日/as of {figures['today']}"])
    writer.writerow([label for _, label in COLUMNS])
    for group in ("units", "handlers"):
        for entry in figures[group]:
            flat = {"group": {"units": "单位/unit", "handlers": "承办人/handler"}[group],
                    "key": entry["key"], "name": entry["name"] or "",
                    "on_time_share": entry["on_time_share"]}
            for kind in KINDS:
                for name, value in (entry[kind] or {}).items():
                    flat[f"{kind}_{name}"] = value
            writer.writerow(["" if flat.get(column) is None else
                             f"{flat[column]:.3f}" if isinstance(flat[column], float)
                             else flat[column] for column, _ in COLUMNS])
    return "\ufeff".encode() + stream.getvalue().encode("utf-8")
