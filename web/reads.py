"""What every data page and its JSON twin share: not-found handling, dates from a query
string, paging and the links between pages.

A page and its ``/api/v1`` twin call the same function of their resource module, which reads
through ``analytics.api`` within ``ctx.scope`` and records the audit event; this module only
turns the API's answers into HTTP. **Out of scope is 404 exactly like a missing key**: the
API raises the same ``EntityNotFound`` (or ``AlertNotFound``) for both, and ``found`` turns
either into the one generic 404 — never the API's message, which names the key asked for.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException

from analytics.queries import EntityNotFound
from analytics.workflow import AlertNotFound
from graph.errors import LianjianError

__all__ = ["BadRequest", "found", "not_found", "day", "page_links", "query_link", "entity_href",
           "profile_href", "portrait_href", "alert_href", "map_available"]

T = TypeVar("T")


class BadRequest(LianjianError):
    """A parameter a user typed that cannot be used: 400 with this one line (page or JSON)."""


def not_found() -> HTTPException:
    """The one 404 of the workbench: the same status and words for missing and out of scope."""
    return HTTPException(404)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except (EntityNotFound, AlertNotFound):
        raise not_found() from None


def found(read: Callable[[], T]) -> T:
    """``read()``, with a missing or out-of-scope key answered 404.

    >>> found(lambda: 1)
    1
    """
    with _translated():
        result = read()
    if result is None:
        raise not_found()
    return result


def day(value: str | None, field: str) -> dt.date | None:
    """An ISO date from a query string, None when empty; anything else is a 400 naming the
    field and the expected form.

    >>> day("2024-03-01", "at"), day("", "at")
    (datetime.date(2024, 3, 1), None)
    """
    if value is None or not str(value).strip():
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadRequest(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def query_link(path: str, params: dict[str, Any], **changes: Any) -> str:
    """``path`` with the query ``params`` updated by ``changes`` (None or '' drops a key;
    lists repeat the key).

    >>> query_link("/alerts", {"rule": ["a", "b"], "page": 2}, page=3, sort=None)
    '/alerts?rule=a&rule=b&page=3'
    """
    merged = {**params, **changes}
    pairs = []
    for key, value in merged.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        pairs += [(key, item) for item in values if item not in (None, "", False)]
    return path + ("?" + urlencode(pairs, doseq=True) if pairs else "")


def page_links(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and those around ``page``; None marks a gap.

    >>> page_links(6, 12)
    [1, None, 4, 5, 6, 7, 8, None, 12]
    >>> page_links(1, 3)
    [1, 2, 3]
    """
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    links: list[int | None] = []
    for number in shown:
        if links and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links


def _path(prefix: str, key: str | None) -> str | None:
    return f"{prefix}/{quote(str(key), safe=':')}" if key not in (None, "") else None


def entity_href(key: str | None) -> str | None:
    """``/entities/<key>``, the key quoted as one path segment; None without a key.

    >>> entity_href("HT 1/2"), entity_href(None)
    ('/entities/HT%201%2F2', None)
    """
    return _path("/entities", key)


def profile_href(id_number: str | None) -> str | None:
    return _path("/profiles", id_number)


def portrait_href(unit_id: str | None) -> str | None:
    return _path("/portraits", unit_id)


def alert_href(alert_id: str | None) -> str | None:
    return _path("/alerts", alert_id)


def map_available(app: Any) -> bool:
    """True once the relationship map (``/map``, issue 12) is served by this app: pages link
    to it only then, never to a page that answers 404."""
    return any(getattr(route, "path", None) == "/map" for route in app.router.routes)
