"""Saved relationship maps (关系图存档) under ``/api/v1/maps``: the map page saves what it
shows, into a case or not, and opens a saved map again (``/map?saved=<map_id>``).

- ``GET /api/v1/maps/cases`` — the cases the user may add a map to (open or under
  verification, and the user's own or joined, or any in scope for a supervisor);
- ``POST /api/v1/maps`` — save a new map (``case_id`` optional: the map is then added to
  that case through ``analytics.cases.add_items``);
- ``POST /api/v1/maps/{map_id}`` — save a new version of one's own map (``version`` is the
  one last read: two tabs cannot silently overwrite each other);
- ``GET /api/v1/maps/{map_id}`` — a saved map with its state, 404 when it is missing or
  anything on it is outside the reader's jurisdiction (the same answer).

The entity keys a saved map lists (what decides who may open it, and what a report draws)
are taken from the state's own nodes here, never sent apart from them: a map cannot list
fewer entities than it holds. Saving is audited ``map.save`` (with ``case.add`` for the
case), opening ``map.read`` with the map id and its entities.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from analytics.case_entities import CASE_LABELS
from analytics.cases import CaseError, add_items, get_case, list_cases
from analytics.map_graph import split_id
from analytics.saved_maps import MapError, MapNotFound, get_map, save_map
from web.context import RequestContext, require
from web.routes.cases import may_work, origin

router = APIRouter()
READ, WORK = require("data.read"), require("cases.work")
WORKABLE = ["open", "verifying"]
CASE_CHOICES = 200          # most recently changed first; the answer says when there are more


class SaveBody(BaseModel):
    title: str = Field(max_length=10_000, description="1 to 200 characters")
    state: dict[str, Any] = Field(description="window.lianjianMap.state(): positions, "
                                              "pins, hiding, filters, highlights, view")
    case_id: str | None = Field(None, description="Add the saved map to this case")
    version: int | None = Field(None, ge=1, description="A new version: the version last "
                                                        "read (POST /api/v1/maps/{map_id})")


def entity_keys(state: dict[str, Any]) -> list[str]:
    """The keys of the state's entities that a case may concern (alerts and complaints on
    a map are re-read in scope when it is opened, but are not entities of a case).

    >>> entity_keys({"nodes": [{"id": "Person:P1"}, {"id": "Alert:A1"},
    ...                        {"id": "withheld:Unit:3"}, {"id": "Contract:HT:1"}]})
    ['P1', 'HT:1']
    """
    nodes = state.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise MapError("the map is empty: add entities before you save it")
    keys = []
    for node in nodes:
        typed = node.get("id") if isinstance(node, dict) else None
        if not isinstance(typed, str) or typed.startswith("withheld:"):
            continue
        try:
            label, key = split_id(typed)
        except ValueError as error:
            raise MapError(str(error)) from None
        if label in CASE_LABELS:
            keys.append(key)
    return keys


def _workable(ctx: RequestContext, case_id: str) -> dict[str, Any]:
    """The case a map is saved into, checked before anything is written."""
    found = get_case(ctx.connection, case_id, ctx.scope)
    if found is None:
        raise HTTPException(404)
    case = found["case"]
    if not may_work(ctx, case):
        raise CaseError(f"you do not work on case {case_id}: ask its owner or a supervisor "
                        "to add you, or save the map without a case")
    if case["status"] == "closed":
        raise CaseError(f"case {case_id} is closed (已办结): reopen it before you add to it")
    return case


def _save(ctx: RequestContext, body: SaveBody, map_id: str | None) -> dict[str, Any]:
    keys = entity_keys(body.state)
    case = _workable(ctx, body.case_id.strip()) if body.case_id and body.case_id.strip() \
        else None
    saved = save_map(ctx.connection, actor=ctx.user.username,
                     unit_id=case["unit_id"] if case else ctx.user.unit_id, title=body.title,
                     state=body.state, entity_keys=keys, scope=ctx.scope, map_id=map_id,
                     expected_version=body.version if map_id else None, origin=origin(ctx))
    if case:
        try:
            add_items(ctx.connection, case["case_id"], actor=ctx.user.username,
                      scope=ctx.scope, map_ids=[saved["map_id"]], origin=origin(ctx))
        except CaseError as error:
            raise CaseError(f"map {saved['map_id']} was saved but not added to case "
                            f"{case['case_id']}: {error}") from None
    return {"map": saved, "case_id": case["case_id"] if case else None}


@router.get("/api/v1/maps/cases", tags=["maps"])
def workable_cases(ctx: RequestContext = Depends(WORK)) -> dict:
    """The cases a map may be saved into, most recently changed first (``more``: there are
    more cases in the jurisdiction than listed; the case page adds any saved map)."""
    found = list_cases(ctx.connection, ctx.scope, statuses=WORKABLE, page_size=CASE_CHOICES)
    cases = [{"case_id": case["case_id"], "title": case["title"],
              "unit_name": case["unit_name"], "status": case["status"],
              "status_zh": case["status_zh"]}
             for case in found["items"] if may_work(ctx, case)]
    ctx.audit("cases.list", [case["case_id"] for case in cases],
              {"status": WORKABLE, "workable": True})
    return {"cases": cases, "more": found["total"] > len(found["items"])}


@router.post("/api/v1/maps", tags=["maps"])
def save_new(body: SaveBody, ctx: RequestContext = Depends(WORK)) -> dict:
    """Save the map as a new saved map (into ``case_id`` when given)."""
    return _save(ctx, body, None)


@router.post("/api/v1/maps/{map_id}", tags=["maps"])
def save_version(map_id: str, body: SaveBody, ctx: RequestContext = Depends(WORK)) -> dict:
    """Save a new version of one's own map (another's: save it as a new map); a map missing
    or out of scope answers 404."""
    try:
        return _save(ctx, body, map_id)
    except MapNotFound:
        raise HTTPException(404) from None


@router.get("/api/v1/maps/{map_id}", tags=["maps"])
def read_saved(map_id: str, ctx: RequestContext = Depends(READ)) -> dict:
    """A saved map with its state; 404 when missing or anything on it is out of scope."""
    saved = get_map(ctx.connection, map_id, ctx.scope)
    if saved is None:
        raise HTTPException(404)
    ctx.audit("map.read", [saved["map_id"], *saved["entity_keys"]],
              {"saved": saved["map_id"], "version": saved["version"]})
    return {**saved, "mine": saved["owner"] == ctx.user.username}
