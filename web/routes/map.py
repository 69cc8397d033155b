"""The relationship map (关系图谱): the page ``/map`` and its JSON under ``/api/v1/map``.

Entry URLs (stable; other pages link to them):

- ``/map?key=K`` — an entity (any accepted spelling, or ``Label:key``; ``key`` may repeat)
  and its most relevant neighbours;
- ``/map?alert=ID`` — an alert's evidence, drawn and highlighted;
- ``/map?path=A,B`` — the shortest paths between two entities (``&all=1`` all short
  paths, ``&hops=4``, ``&at=YYYY-MM-DD``, ``&types=HOLDS_ROLE,HAS_RELATIVE``);
- ``/map?trail=ACCOUNT`` — the money trail (资金穿透) out of an account or a holder
  (``&target=K``, ``&start=YYYY-MM-DD``, ``&window=90``, ``&min=100000``, ``&steps=3``).
- ``/map?saved=MAP_ID`` — a saved map (关系图存档) drawn again where it was left, read
  through ``/api/v1/maps/{map_id}`` (web/routes/saved_maps.py, which also saves maps).

Every read goes through ``analytics.map_graph``/``map_sources`` with the user's scope, so
an out-of-scope key answers 404 like a missing one, and what lies outside the jurisdiction
is counted, never named. Every expand, path, trail, evidence map, hidden-tie search and
export is recorded in the audit trail with the keys it showed.
"""
from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import Response

from analytics.map_graph import (HIDDEN_TYPES, MAP_TIE_TYPES, MAX_REACH, describe_one,
                                 expand_page, split_id)
from analytics.map_sources import alert_graph, entities_graph, paths_graph, trail_graph
from analytics.queries import EntityNotFound
from analytics.rules.render import VOCABULARY
from web import map_render
from web.context import Forbidden, RequestContext, require
from web.i18n import catalog
from web.templating import render

router = APIRouter()
READ = require("data.read")
MAX_NODES = 3000          # entities one request may name (a map stays fluid far below)
EXPORT_TYPES = {"csv": ("application/zip", "zip"),
                "graphml": ("application/graphml+xml", "graphml"),
                "svg": ("image/svg+xml", "svg")}


def _keys(ids) -> list[str]:
    """The bare keys of map ids, for the audit trail's targets (placeholders left out)."""
    keys = []
    for typed in ids:
        try:
            keys.append(split_id(typed)[1])
        except ValueError:
            continue
    return keys


@lru_cache(maxsize=None)
def _rule_names(lang: str) -> dict[str, str]:
    from analytics.rules.registry import load_rules

    return {rule_id: rule.name_zh if lang == "zh" else rule.name_en
            for rule_id, rule in load_rules().items()}


def _named(ctx: RequestContext, nodes: list[dict]) -> list[dict]:
    """An alert's caption is its rule's name in the user's language (the model's caption
    is the rule id)."""
    names = _rule_names(ctx.lang)
    for node in nodes:
        if node.get("label") == "Alert" and node.get("name"):
            node["facts"]["rule_id"] = node["name"]
            node["name"] = names.get(node["name"], node["name"])
    return nodes


def _read(call):
    """Run an analytics read: out of scope or missing → 404, a wrong value → 422."""
    try:
        return call()
    except EntityNotFound:
        raise HTTPException(404) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None


def page_config(ctx: RequestContext) -> dict:
    """What the page's script needs: names, styles, words and limits (one source each)."""
    names = map_render.type_names(ctx.lang)
    return {
        "lang": ctx.lang, "labels": names["labels"], "ties": names["ties"],
        "fields": names["fields"], "tie_fields": names["tie_fields"],
        "node_styles": map_render.NODE_STYLES, "tie_styles": map_render.TIE_STYLES,
        "withheld_style": map_render.WITHHELD_STYLE,
        "tie_types": list(MAP_TIE_TYPES), "hidden_types": list(HIDDEN_TYPES),
        "words": VOCABULARY["zh" if ctx.lang == "zh" else "en"],
        "texts": {key: ctx.t(key) for key in catalog(ctx.lang) if key.startswith("mapjs.")},
        "expand_limit": 50, "max_reach": MAX_REACH, "max_nodes": MAX_NODES,
        "can_alerts": ctx.can("alerts.read"), "can_save": ctx.can("cases.work"),
        "user": ctx.user.username,
    }


@router.get("/map", include_in_schema=False)
def map_page(key: list[str] = Query([]), alert: str | None = None, path: str | None = None,
             trail: str | None = None, saved: str | None = None,
             ctx: RequestContext = Depends(READ)) -> Response:
    """The map page: the shell and what to open; the data comes from ``/api/v1/map``."""
    query = ctx.request.query_params
    entry: dict = {}
    if saved:
        entry = {"kind": "saved", "map_id": saved}
    elif alert:
        entry = {"kind": "alert", "alert": alert}
    elif path:
        ends = [part.strip() for part in path.split(",") if part.strip()]
        entry = {"kind": "path", "ends": ends[:2], "every": query.get("all") in ("1", "true"),
                 "hops": query.get("hops"), "at": query.get("at"),
                 "types": [t for t in (query.get("types") or "").split(",") if t]}
    elif trail:
        entry = {"kind": "trail", "source": trail, "target": query.get("target"),
                 "start": query.get("start"), "window": query.get("window"),
                 "min": query.get("min"), "steps": query.get("steps")}
    elif key:
        entry = {"kind": "keys", "keys": key[:MAX_NODES]}
    return render(ctx, "map/map.html", entry=entry, config=page_config(ctx))


class GraphBody(BaseModel):
    ids: list[str] = Field(min_length=1, max_length=MAX_NODES,
                           description="Map ids (Label:key) or keys in any accepted spelling")


class ExpandBody(BaseModel):
    id: str = Field(description="The entity to expand (Label:key)")
    types: list[str] | None = Field(None, description="Tie types (MAP_TIE_TYPES, SHARES_*)")
    offset: int = Field(0, ge=0, lt=MAX_REACH, description="Skip (one tie type only)")
    limit: int = Field(50, ge=1, le=500)
    on_map: list[str] = Field(default_factory=list, max_length=MAX_NODES,
                              description="Ids already on the map: their ties to the new "
                                          "entities are returned too")


class PathsBody(BaseModel):
    a: str
    b: str
    every: bool = Field(False, description="All short paths, not only the shortest")
    max_hops: int = Field(4, ge=1, le=6)
    at: dt.date | None = Field(None, description="Only ties valid on that day")
    types: list[str] | None = None
    limit: int = Field(25, ge=1, le=100)


class TrailBody(BaseModel):
    source: str
    target: str | None = None
    start: dt.date | None = None
    window_days: int | None = Field(90, ge=1, le=3650)
    min_amount: float = Field(0.0, ge=0)
    max_transfers: int = Field(3, ge=1, le=4)
    limit: int = Field(50, ge=1, le=200)


class ExportNode(BaseModel):
    id: str
    x: float | None = None
    y: float | None = None


class ExportBody(BaseModel):
    nodes: list[ExportNode] = Field(min_length=1, max_length=MAX_NODES)
    edges: list[str] = Field(default_factory=list, max_length=5 * MAX_NODES)
    hidden_labels: list[str] = Field(default_factory=list, max_length=20)


def _graph(ctx: RequestContext, ids: list[str]) -> dict:
    """Entities by map id or key, resolved in scope; keys out of scope are counted."""
    typed, unresolved = [], 0
    for item in dict.fromkeys(ids):
        try:
            split_id(item)
            typed.append(item)
        except ValueError:
            try:
                typed.append(describe_one(ctx.connection, item, scope=ctx.scope)["id"])
            except EntityNotFound:
                unresolved += 1
    graph = entities_graph(ctx.connection, typed, scope=ctx.scope)
    graph["missing"] += unresolved
    _named(ctx, graph["nodes"])
    return graph


@router.post("/api/v1/map/graph", tags=["map"])
def graph(body: GraphBody, ctx: RequestContext = Depends(READ)) -> dict:
    """Entities by key with their facts, provenance, badge counts (ties in scope per type,
    ``withheld`` outside it) and the ties among them (shared identifiers included);
    ``missing`` counts keys missing or out of scope (never which)."""
    found = _graph(ctx, body.ids)
    ctx.audit("map.read", _keys(node["id"] for node in found["nodes"]),
              {"asked": len(body.ids), "missing": found["missing"]})
    return found


@router.post("/api/v1/map/expand", tags=["map"])
def expand(body: ExpandBody, ctx: RequestContext = Depends(READ)) -> dict:
    """One page of an entity's neighbours, most relevant first (named by an alert, larger
    amount, later date); per tie type ``{total, in_scope, withheld, returned}`` and
    ``more`` (the next page is ``offset`` + ``limit`` with that one type)."""
    page = _read(lambda: expand_page(ctx.connection, body.id, scope=ctx.scope,
                                     tie_types=body.types, offset=body.offset,
                                     limit=body.limit, on_map=body.on_map))
    _named(ctx, page["nodes"] + [page["entity"]])
    ctx.audit("map.expand", _keys([page["entity"]["id"]] + [n["id"] for n in page["nodes"]]),
              {"types": body.types, "offset": body.offset, "limit": body.limit,
               "returned": len(page["nodes"]),
               "withheld": sum(c["withheld"] for c in page["counts"].values())})
    return page


@router.post("/api/v1/map/paths", tags=["map"])
def paths(body: PathsBody, ctx: RequestContext = Depends(READ)) -> dict:
    """Shortest (or all short) paths between two entities, bounded in hops, typed, valid at
    a date; nodes outside the jurisdiction are placeholders (``withheld`` counts them)."""
    found = _read(lambda: paths_graph(ctx.connection, body.a, body.b, scope=ctx.scope,
                                      every=body.every, max_hops=body.max_hops, at=body.at,
                                      types=body.types, limit=body.limit))
    _named(ctx, found["nodes"])
    ctx.audit("map.paths", _keys([body.a, body.b] + [n["id"] for n in found["nodes"]]),
              {"every": body.every, "max_hops": body.max_hops,
               "at": body.at.isoformat() if body.at else None, "types": body.types,
               "paths": len(found["paths"]), "withheld": found["withheld"]})
    return found


@router.post("/api/v1/map/trail", tags=["map"])
def trail(body: TrailBody, ctx: RequestContext = Depends(READ)) -> dict:
    """Money trails (资金穿透) out of an account or holder: transfers in date order, each at
    least ``min_amount`` and within ``window_days`` of the first."""
    found = _read(lambda: trail_graph(
        ctx.connection, body.source, body.target, scope=ctx.scope, start=body.start,
        window_days=body.window_days, min_amount=body.min_amount,
        max_transfers=body.max_transfers, limit=body.limit))
    _named(ctx, found["nodes"])
    ctx.audit("map.trail", _keys([n["id"] for n in found["nodes"] if not n.get("withheld")]),
              {"source": body.source, "target": body.target,
               "start": body.start.isoformat() if body.start else None,
               "window_days": body.window_days, "min_amount": body.min_amount,
               "max_transfers": body.max_transfers, "trails": len(found["trails"]),
               "withheld": found["withheld"]})
    return found


@router.get("/api/v1/map/alert/{alert_id}", tags=["map"])
def evidence(alert_id: str, ctx: RequestContext = Depends(READ)) -> dict:
    """An alert's evidence as a map (the alert, the entities it names with their roles,
    the ties among them; the scan's evidence ties highlighted)."""
    if not ctx.can("alerts.read"):
        raise Forbidden("alerts.read")
    found = _read(lambda: alert_graph(ctx.connection, alert_id, scope=ctx.scope))
    _named(ctx, found["nodes"])
    ctx.audit("map.evidence", [found["alert"]["alert_id"]] + _keys(
        n["id"] for n in found["nodes"] if n["label"] != "Alert"), {"withheld": found["withheld"]})
    return found


@router.post("/api/v1/map/hidden", tags=["map"])
def hidden(body: GraphBody, ctx: RequestContext = Depends(READ)) -> dict:
    """Shared phone, address, email or account among the map's entities, as ties
    ``SHARES_*`` (members of one household among themselves left out)."""
    found = _graph(ctx, body.ids)
    edges = [edge for edge in found["edges"] if edge["type"] in HIDDEN_TYPES]
    ctx.audit("map.hidden", _keys({e["from"] for e in edges} | {e["to"] for e in edges}),
              {"asked": len(body.ids), "ties": len(edges)})
    return {"edges": edges, "missing": found["missing"]}


@router.post("/api/v1/map/export/{kind}", tags=["map"], response_model=None)
def export(kind: Literal["csv", "graphml", "svg", "png"], body: ExportBody,
           ctx: RequestContext = Depends(READ)) -> Response | dict:
    """The map as CSV (zip of nodes.csv and ties.csv), GraphML or SVG, re-read on the
    server within the jurisdiction, with provenance (dataset, file, row, load run). A PNG
    is drawn by the page from its canvas: this records it first. Placeholders of what lies
    outside the jurisdiction are never exported (``about`` counts what was left out)."""
    ids = [node.id for node in body.nodes]
    found = _graph(ctx, [i for i in ids if not i.startswith("withheld:")])
    wanted = set(body.edges)
    edges = [edge for edge in found["edges"] if edge["id"] in wanted]
    counts = {"nodes": len(found["nodes"]), "ties": len(edges),
              "left_out_nodes": len(ids) - len(found["nodes"]),
              "left_out_ties": len(wanted) - len(edges)}
    ctx.audit("map.export", _keys(node["id"] for node in found["nodes"]),
              {"format": kind, **counts})
    if kind == "png":
        return counts
    positions = {node.id: (node.x, node.y) for node in body.nodes
                 if node.x is not None and node.y is not None}
    about = map_render.stamp(ctx.user.username, ctx.unit_name, counts)
    writer = {"csv": map_render.csv_zip, "graphml": map_render.graphml}.get(kind)
    if writer:
        content = writer(found["nodes"], edges, positions, about, ctx.lang)
    else:
        content = map_render.svg(found["nodes"], edges, positions, about, ctx.lang,
                                 body.hidden_labels)
    media, suffix = EXPORT_TYPES[kind]
    name = f"lianjian-map-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.{suffix}"
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Lianjian-Counts": json.dumps(counts)})
