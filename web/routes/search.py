"""Search (检索): one box for names (characters, pinyin, part of a name), ID numbers in any
accepted spelling, credit codes, account numbers, contract and tender ids — within the
reader's jurisdiction, hits grouped by type with the facts that tell namesakes apart.

``/search`` and ``/api/v1/search`` run the same ``run_search``: ``analytics.api.
search_entities`` in the reader's scope (filtered inside each query), and one audit event
``search.run`` whose targets are the keys shown (who looked up whom).
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from analytics.api import search_entities
from analytics.search import SEARCHABLE
from web.api_models import SearchResult
from web.context import RequestContext, require
from web.reads import BadRequest, entity_href, map_available, portrait_href, profile_href
from web.routes.api import ERRORS
from web.templating import render

router = APIRouter()
READ = require("data.read")
MAX_TEXT = 100
LIMIT = 10


def run_search(ctx: RequestContext, text: str, label: str | None, limit: int = LIMIT) -> dict:
    """Search in the reader's scope and record ``search.run`` (text, type, keys shown)."""
    text = (text or "").strip()[:MAX_TEXT]
    if label and label not in SEARCHABLE:
        raise BadRequest(ctx.t("search.unknown_type", type=label))
    try:
        found = search_entities(ctx.connection, text, scope=ctx.scope,
                                types=[label] if label else None, limit=limit)
    except ValueError:
        raise BadRequest(ctx.t("search.empty")) from None
    ctx.audit("search.run", [hit["key"] for hit in found["results"]],
              {"text": text, "type": label, "hits": len(found["results"])})
    return found


def links(hit: dict) -> dict[str, str | None]:
    """Where a hit leads: its entity page, and the profile of an official or the portrait
    of a unit."""
    official = hit["label"] == "Person" and bool(hit.get("context", {}).get("units"))
    return {"entity": entity_href(hit["key"]),
            "profile": profile_href(hit["key"]) if official else None,
            "portrait": portrait_href(hit["key"]) if hit["label"] == "Unit" else None}


@router.get("/search", include_in_schema=False)
def search_page(q: str = "", type: str = "", ctx: RequestContext = Depends(READ)) -> Response:
    found = run_search(ctx, q, type or None) if q.strip() else None
    return render(ctx, "search/search.html", text=q.strip(), type=type, found=found,
                  labels=SEARCHABLE, links=links, map=map_available(ctx.request.app))


@router.get("/api/v1/search", response_model=SearchResult, responses=ERRORS, tags=["search"])
def search_api(q: str = Query(..., min_length=1, max_length=MAX_TEXT,
                              description="A name, pinyin, ID number, code or number"),
               type: str | None = Query(None, description="Only this label: "
                                                          + ", ".join(SEARCHABLE)),
               limit: int = Query(LIMIT, ge=1, le=50, description="Most hits per type"),
               ctx: RequestContext = Depends(READ)) -> dict:
    """Entities of the jurisdiction matching the text, best first and grouped by type
    (audited as ``search.run``)."""
    return run_search(ctx, q, type, limit)
