"""Entity pages (实体): a person, company, unit, contract, account, tender … by its key.

The page shows every fact with the sources that gave it (dataset, file, row, load run), the
ties valid at a chosen date (the most relevant first, with counts of the rest: ties outside
the jurisdiction are counted, never named), the alerts touching the entity, and flags a
*stub* — a node known only from a reference in another table — as such. ``/entities/{key}``
and ``/api/v1/entities/{key}`` share ``read_entity``: one ``analytics.api.entity_card`` read
in the reader's scope and one audit event ``entity.read``. A key out of scope is 404 like a
key that does not exist.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import RedirectResponse, Response

from analytics.api import entity_card, expand
from web.api_models import EntityCard
from web.context import RequestContext, require
from web.reads import alert_href, day, found, map_available, portrait_href, profile_href
from web.routes.api import ERRORS
from web.templating import render

router = APIRouter()
READ = require("data.read")
TIES = 60          # ties read with the card, the most relevant of all types
PER_TYPE = 20      # at most this many listed per tie type
ALERTS = 50


def read_entity(ctx: RequestContext, key: str, at: str | None,
                per_type: int = PER_TYPE) -> dict:
    """The card of ``key`` as the reader may see it (404 otherwise), audited.

    The card's ties are the most relevant of all types, so a bureau's 179 contracts would
    crowd out its 32 officials: a type left with fewer than ``per_type`` ties while more
    exist is read again on its own (``analytics.api.expand``), and each type is listed up to
    ``per_type``; ``counts`` say how many of each were listed and how many were not.
    """
    when = day(at, "at")
    card = found(lambda: entity_card(ctx.connection, key, scope=ctx.scope, at=when, ties=TIES,
                                     alerts=ALERTS))
    balance_ties(ctx, card, when, per_type)
    ctx.audit("entity.read", [card["entity"]["key"]],
              {"label": card["entity"]["label"], "at": when.isoformat() if when else None})
    card["at"] = when.isoformat() if when else None
    return card


def balance_ties(ctx: RequestContext, card: dict, when, per_type: int) -> None:
    ties = card["ties"]
    by_type: dict[str, list[dict]] = {}
    for neighbour in ties["neighbours"]:
        by_type.setdefault(neighbour["type"], []).append(neighbour)
    for rel_type, counts in ties["counts"].items():
        listed = by_type.get(rel_type, [])
        if counts["total"] > len(listed) and len(listed) < per_type:
            more = expand(ctx.connection, card["entity"]["key"], scope=ctx.scope,
                          tie_types=[rel_type], limit=per_type, at=when)
            by_type[rel_type] = more["neighbours"]
    ties["neighbours"] = [n for rel_type in by_type for n in by_type[rel_type][:per_type]]
    for rel_type, counts in ties["counts"].items():
        counts["returned"] = min(len(by_type.get(rel_type, [])), per_type)
        counts["not_returned"] = counts["total"] - counts["returned"]
    ties["truncated"] = any(counts["not_returned"] for counts in ties["counts"].values())


def tie_groups(card: dict) -> list[dict]:
    """Neighbours grouped by tie type and direction, in the order of their best tie, each
    with the type's counts (the rest are counted, not named)."""
    groups: dict[tuple[str, str], dict] = {}
    for neighbour in card["ties"]["neighbours"]:
        group = groups.setdefault((neighbour["type"], neighbour["direction"]), {
            "type": neighbour["type"], "direction": neighbour["direction"], "rows": [],
            "counts": card["ties"]["counts"].get(neighbour["type"], {})})
        group["rows"].append(neighbour)
    shown = {rel_type for rel_type, _ in groups}
    hidden = [{"type": rel_type, "direction": None, "rows": [], "counts": counts}
              for rel_type, counts in sorted(card["ties"]["counts"].items())
              if rel_type not in shown and counts.get("total")]
    return list(groups.values()) + hidden


def tie_columns(rows: list[dict]) -> list[str]:
    """The tie properties present in a group, dates last."""
    names: list[str] = []
    for row in rows:
        names += [name for name in row["tie"] if name not in names]
    dates = [name for name in ("start_date", "end_date") if name in names]
    return [name for name in names if name not in dates] + dates


@router.get("/entities/{key}", include_in_schema=False)
def entity_page(key: str, at: str = "", ctx: RequestContext = Depends(READ)) -> Response:
    card = read_entity(ctx, key, at)
    entity = card["entity"]
    if entity["label"] == "Alert":       # an alert has its own page (evidence, workflow)
        return RedirectResponse(alert_href(entity["key"]), status_code=303)
    posts = card["ties"]["counts"].get("HOLDS_POSITION", {}).get("total", 0)
    go = {"profile": profile_href(entity["key"]) if entity["label"] == "Person" and posts
          else None,
          "portrait": portrait_href(entity["key"]) if entity["label"] == "Unit" else None,
          "map": map_available(ctx.request.app)}
    return render(ctx, "entities/entity.html", card=card, entity=entity, go=go,
                  groups=tie_groups(card), columns=tie_columns)


@router.get("/api/v1/entities/{key}", response_model=EntityCard, responses=ERRORS,
            tags=["entities"])
def entity_api(key: str, at: str | None = Query(None, description="Ties valid on this day "
                                                                  "(YYYY-MM-DD)"),
               per_type: int = Query(PER_TYPE, ge=1, le=200,
                                     description="Most ties listed per tie type"),
               ctx: RequestContext = Depends(READ)) -> dict:
    """One entity by its key (any accepted spelling): facts with sources, ties valid at a
    date (the most relevant of each type, with counts of the rest), alerts naming it
    (audited as ``entity.read``)."""
    return read_entity(ctx, key, at, per_type)
