"""Complaints as the office and the units read them: the desk's list, one complaint with its
history, a unit's or a person's complaints, and a unit's complaint hot spots (place,
category, month) for its portrait.

Plain data for the pages and for the portrait and profile pages (which include
``web/templates/partials/complaints.html``). Every read takes a ``Scope``: the office
view (``view='office'``) sees complaints concerning a unit of its subtree, a unit's
liaison (``view='unit'``) only what was forwarded to its subtree.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from analytics.complaints import IN_OFFICE_SCOPE, IN_UNIT_SCOPE, STATUSES
from analytics.days import local_today
from analytics.plain import native
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError
from graph.model import load_model

__all__ = ["list_complaints", "get_complaint", "complaints_of_unit", "complaints_of_person",
           "complaint_hot_spots", "unit_choices", "OPEN_COMPLAINT"]

OPEN_COMPLAINT = ("forwarded",)   # the unit's part: overdue once its deadline day has passed

ROW = """
OPTIONAL MATCH (place:Unit {unit_id: c.place_unit_id})
OPTIONAL MATCH (handler:Unit {unit_id: c.forwarded_to})
RETURN c.complaint_id AS complaint_id, c.channel AS channel, c.date AS date,
       c.category AS category, coalesce(c.status, 'imported') AS status,
       left(c.text, 80) AS summary, c.place_unit_id AS place_unit_id,
       place.name AS place_name, c.forwarded_to AS forwarded_to,
       handler.name AS forwarded_to_name, c.deadline AS deadline,
       (c.status IN $open AND c.deadline < date($today)) AS overdue,
       c.rating AS rating, c.filed_at AS filed_at
"""

LIST = """
MATCH (c:Complaint)
WHERE CASE $view WHEN 'unit' THEN """ + IN_UNIT_SCOPE + " ELSE " + IN_OFFICE_SCOPE + """ END
  AND ($statuses IS NULL OR coalesce(c.status, 'imported') IN $statuses)
  AND (NOT $overdue OR (c.status IN $open AND c.deadline < date($today)))
WITH c ORDER BY coalesce(c.filed_at, datetime({date: c.date})) DESC, c.complaint_id
WITH collect(c) AS found
WITH size(found) AS total, found[$skip..$skip + $limit] AS page
UNWIND page AS c
WITH total, c
""" + ROW.replace("RETURN ", "RETURN total, ")

ONE = """
MATCH (c:Complaint {complaint_id: $complaint_id})
WHERE CASE $view WHEN 'unit' THEN """ + IN_UNIT_SCOPE + " ELSE " + IN_OFFICE_SCOPE + """ END
OPTIONAL MATCH (place:Unit {unit_id: c.place_unit_id})
OPTIONAL MATCH (handler:Unit {unit_id: c.forwarded_to})
RETURN properties(c) AS complaint, place.name AS place_name,
       handler.name AS forwarded_to_name,
       (c.status IN $open AND c.deadline < date($today)) AS overdue,
       [(c)-[:ABOUT]->(p:Person) | p {.id_number, .name}] AS persons,
       [(c)-[:ABOUT]->(u:Unit) | u {.unit_id, .name}] AS units,
       [(c)-[:HAS_EVENT]->(e:ComplaintEvent) | properties(e)] AS events
"""

# Complaints concerning a unit or a unit below it: about it, about one of its officials,
# filed about a place in it, or forwarded to it.
OF_UNITS = """
MATCH (root:Unit {unit_id: $unit_id})
WHERE $scope_units IS NULL OR root.unit_id IN $scope_units
MATCH (unit:Unit)-[:PART_OF*0..8]->(root)
CALL {
  WITH unit MATCH (c:Complaint)-[:ABOUT]->(unit) RETURN c
  UNION
  WITH unit MATCH (c:Complaint)-[:ABOUT]->(:Person)-[:HOLDS_POSITION]->(unit) RETURN c
  UNION
  WITH unit MATCH (c:Complaint {forwarded_to: unit.unit_id}) RETURN c
}
WITH DISTINCT c
WHERE ($since IS NULL OR coalesce(c.date, date(c.filed_at)) >= date($since))
"""

UNIT_LIST = OF_UNITS + """
WITH c ORDER BY coalesce(c.date, date(c.filed_at)) DESC, c.complaint_id
WITH collect(c) AS found
WITH size(found) AS total, found[..$limit] AS page
UNWIND page AS c
WITH total, c
""" + ROW.replace("RETURN ", "RETURN total, ")

HOT_SPOTS = OF_UNITS + """
OPTIONAL MATCH (c)-[:ABOUT]->(about:Unit)
WITH c, min(about.unit_id) AS about_id
WITH c, coalesce(c.place_unit_id, about_id) AS place_id
OPTIONAL MATCH (place:Unit {unit_id: place_id})
RETURN place_id, place.name AS place_name, coalesce(c.category, '') AS category,
       substring(toString(coalesce(c.date, date(c.filed_at))), 0, 7) AS month,
       count(c) AS complaints
"""

OF_PERSON = """
MATCH (person:Person {id_number: $id_number})<-[:ABOUT]-(c:Complaint)
WHERE """ + IN_OFFICE_SCOPE + """
WITH c ORDER BY coalesce(c.date, date(c.filed_at)) DESC, c.complaint_id LIMIT $limit
""" + ROW


UNIT_CHOICES = """
MATCH (root:Unit) WHERE root.unit_id IN $roots
MATCH (unit:Unit)-[:PART_OF*0..8]->(root)
WITH DISTINCT unit
RETURN unit.unit_id AS unit_id, unit.name AS name, unit.level AS level
ORDER BY unit.unit_id
"""


def unit_choices(connection: Connection, scope: Scope) -> list[dict[str, Any]]:
    """The units of a jurisdiction with their names, for a form's choice of unit."""
    return connection.read(UNIT_CHOICES, roots=list(scope.roots))


def _parameters(scope: Scope, today: dt.date | None) -> dict[str, Any]:
    return {**scope.parameters(), "open": list(OPEN_COMPLAINT),
            "today": (today or local_today()).isoformat()}


def _since(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value or None


def list_complaints(connection: Connection, scope: Scope, *, view: str = "office",
                    statuses: list[str] | None = None, overdue: bool = False,
                    page: int = 1, page_size: int = 50, today: dt.date | None = None
                    ) -> dict[str, Any]:
    """The desk's list, newest first: ``{items, total, page, page_size}``.

    ``view`` 'office' (complaints concerning the jurisdiction) or 'unit' (forwarded to
    it); ``statuses`` keeps these (``imported`` for loaded ones); ``overdue`` keeps
    forwarded complaints past their deadline day.
    """
    unknown = sorted(set(statuses or ()) - set(STATUSES) - {"imported"})
    if unknown:
        raise LianjianError(f"unknown complaint status {', '.join(unknown)}: use "
                            f"{', '.join(STATUSES)} or imported")
    if page < 1 or not 1 <= page_size <= 500:
        raise LianjianError("page starts at 1 and page_size is 1..500")
    rows = connection.read(LIST, view=view, statuses=statuses or None, overdue=overdue,
                           skip=(page - 1) * page_size, limit=page_size,
                           **_parameters(scope, today))
    total = rows[0]["total"] if rows else _count(connection, scope, view, statuses, overdue,
                                                 today)
    return {"items": [_plain_row(row) for row in rows], "total": total, "page": page,
            "page_size": page_size}


def _count(connection: Connection, scope: Scope, view: str, statuses, overdue: bool,
           today) -> int:
    """The total when the page asked for is past the end (no row carries it)."""
    query = LIST.split("WITH c ORDER BY")[0] + "RETURN count(c) AS total"
    return connection.read(query, view=view, statuses=statuses or None, overdue=overdue,
                           **_parameters(scope, today))[0]["total"]


def get_complaint(connection: Connection, complaint_id: str, scope: Scope, *,
                  view: str = "office", today: dt.date | None = None
                  ) -> dict[str, Any] | None:
    """One complaint with its place, persons, units and events (oldest first), or None.

    The tracking code's digest is never returned; the citizen's contact is returned for
    the office view only.
    """
    rows = connection.read(ONE, complaint_id=complaint_id, view=view,
                           **_parameters(scope, today))
    if not rows:
        return None
    found = native(rows[0])
    complaint = found["complaint"]
    for private in ("tracking_hash", "_lock"):
        complaint.pop(private, None)
    if view != "office":
        complaint.pop("contact", None)
    model = load_model()
    for name in model.node("Complaint").properties:
        complaint.setdefault(name, None)
    complaint["status"] = complaint["status"] or "imported"
    events = [{**dict.fromkeys(model.node("ComplaintEvent").properties), **event}
              for event in found["events"]]
    found["events"] = sorted(events, key=lambda event: event["at"])
    return found


def complaints_of_unit(connection: Connection, unit_id: str, scope: Scope, *,
                       since: dt.date | str | None = None, limit: int = 50,
                       today: dt.date | None = None) -> dict[str, Any] | None:
    """Complaints concerning the unit and its subunits, newest first: ``{items, total}``
    (``items`` the newest ``limit``), or None when the unit is outside the scope."""
    if not scope.allows_unit(unit_id):
        return None
    rows = connection.read(UNIT_LIST, unit_id=unit_id, since=_since(since), limit=int(limit),
                           **_parameters(scope, today))
    return {"items": [_plain_row(row) for row in rows],
            "total": rows[0]["total"] if rows else 0}


def complaints_of_person(connection: Connection, id_number: str, scope: Scope, *,
                         limit: int = 50, today: dt.date | None = None) -> list[dict]:
    """Complaints naming the person (``ABOUT``) that the reader's jurisdiction covers."""
    return [_plain_row(row) for row in connection.read(
        OF_PERSON, id_number=id_number, limit=int(limit), **_parameters(scope, today))]


def complaint_hot_spots(connection: Connection, unit_id: str, scope: Scope,
                        since: dt.date | str | None = None) -> dict[str, Any] | None:
    """Where complaints about a unit's subtree concentrate, counted in Cypher.

    Returns ``{total, places, categories, months, cells}`` or None when the unit is
    outside the scope: ``places`` ``[{place_id, place_name, complaints}]`` (the place
    filed, or the unit a loaded complaint is about), ``categories``
    ``[{category, complaints}]``, ``months`` ``[{month, complaints}]`` (YYYY-MM, oldest
    first), each sorted by count; ``cells`` the place × category × month counts.
    """
    if not scope.allows_unit(unit_id):
        return None
    cells = connection.read(HOT_SPOTS, unit_id=unit_id, since=_since(since),
                            **scope.parameters())
    places: dict[Any, dict] = {}
    categories: dict[str, int] = {}
    months: dict[str, int] = {}
    for cell in cells:
        place = places.setdefault(cell["place_id"], {"place_id": cell["place_id"],
                                                     "place_name": cell["place_name"],
                                                     "complaints": 0})
        place["complaints"] += cell["complaints"]
        categories[cell["category"]] = categories.get(cell["category"], 0) + cell["complaints"]
        months[cell["month"]] = months.get(cell["month"], 0) + cell["complaints"]
    by_count = lambda item: (-item["complaints"], str(item.get("place_id") or
                                                       item.get("category") or ""))
    return {"total": sum(cell["complaints"] for cell in cells),
            "places": sorted(places.values(), key=by_count),
            "categories": sorted(({"category": name, "complaints": count}
                                  for name, count in categories.items()), key=by_count),
            "months": [{"month": month, "complaints": months[month]}
                       for month in sorted(months)],
            "cells": cells}


def _plain_row(row: dict) -> dict:
    row = native(dict(row))
    row.pop("total", None)
    row["overdue"] = bool(row.get("overdue"))
    return row
