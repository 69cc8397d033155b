"""Saved relationship maps (关系图存档): what the map page keeps, and what cases attach.

A ``SavedMap`` holds a title, its owner and the owner's unit, the map page's ``state``
(positions, styles, filters: JSON text that only the map page reads) and the keys of the
entities on it. Those keys decide who may open it: a map is in a reader's scope when its
unit is and every entity on it is (``analytics.case_entities``), otherwise it reads as
missing, and they are what a report draws. Saving is one transaction with its audit event
(``map.save``); saving again over a map (its owner only) needs the version last read, so
two tabs cannot silently overwrite each other.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import neo4j

from analytics.audit import append as audit_append
from analytics.case_entities import find_entities
from analytics.plain import plain
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["MapError", "MapNotFound", "STATE_LIMIT", "save_map", "get_map", "list_maps"]

STATE_LIMIT = 2_000_000        # characters of JSON: a map of a few thousand nodes
TITLE_LIMIT = 200

LOCK_MAP = """
MATCH (map:SavedMap {map_id: $map_id})
WHERE $scope_units IS NULL OR map.unit_id IN $scope_units
SET map._lock = true
RETURN map.owner AS owner, coalesce(map.version, 0) AS version
"""

CREATE_MAP = """
CREATE (map:SavedMap {map_id: $map_id, title: $title, owner: $owner, unit_id: $unit_id,
                      created_at: $now, updated_at: $now, state: $state,
                      entity_keys: $entity_keys, version: 1})
"""

UPDATE_MAP = """
MATCH (map:SavedMap {map_id: $map_id})
SET map.title = $title, map.state = $state, map.entity_keys = $entity_keys,
    map.updated_at = $now, map.version = $version
REMOVE map._lock
"""

READ_MAPS = """
MATCH (map:SavedMap)
WHERE ($map_id IS NULL OR map.map_id = $map_id)
  AND ($owner IS NULL OR map.owner = $owner)
  AND ($scope_units IS NULL OR map.unit_id IN $scope_units)
RETURN map {.map_id, .title, .owner, .unit_id, .created_at, .updated_at, .state,
            .entity_keys, .version} AS map
ORDER BY map.updated_at DESC, map.map_id
LIMIT $limit
"""


class MapError(LianjianError):
    """A map that cannot be saved as given."""


class MapNotFound(MapError):
    """No saved map has this id, or the reader may not see all of it (the same answer)."""


def save_map(connection: Connection, *, actor: str, unit_id: str, title: str,
             state: dict[str, Any] | str, entity_keys: list[str], scope: Scope,
             map_id: str | None = None, expected_version: int | None = None,
             origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save a new map (``map_id`` None) or a new version of one's own map.

    Every entity key must name an entity in ``scope`` (else ``MapError`` naming the first
    that does not); ``state`` is kept as JSON text, unread. Returns the saved map as
    ``get_map`` gives it (without ``state``).
    """
    actor, title = (actor or "").strip(), (title or "").strip()
    if not actor:
        raise MapError("give who saves the map (--as USER)")
    if not title or len(title) > TITLE_LIMIT:
        raise MapError(f"give the map a title of 1 to {TITLE_LIMIT} characters")
    if not scope.allows_unit(unit_id):
        raise MapError(f"unit {unit_id} is outside your jurisdiction")
    text = state if isinstance(state, str) else json.dumps(state, ensure_ascii=False)
    if len(text) > STATE_LIMIT:
        raise MapError(f"the map's state is {len(text):,} characters; at most "
                       f"{STATE_LIMIT:,} are kept: save a smaller map")
    try:
        json.loads(text)
    except ValueError:
        raise MapError("the map's state is not JSON") from None
    wanted = list(dict.fromkeys(str(key).strip() for key in entity_keys if str(key).strip()))
    found = find_entities(connection, wanted, scope)
    missing = [key for key in wanted if key not in found]
    if missing:
        raise MapError(f"no entity {missing[0]!r} in your jurisdiction: take it off the map")
    keys = sorted({found[key]["key"] for key in wanted})
    now = dt.datetime.now(dt.timezone.utc)

    def work(tx: neo4j.ManagedTransaction) -> str:
        nonlocal map_id
        if map_id is None:
            map_id = f"map-{uuid.uuid4().hex[:12]}"
            tx.run(CREATE_MAP, map_id=map_id, title=title, owner=actor, unit_id=unit_id,
                   now=now, state=text, entity_keys=keys).consume()
            version = 1
        else:
            row = tx.run(LOCK_MAP, map_id=map_id, **scope.parameters()).single()
            if row is None:
                raise MapNotFound(f"no saved map {map_id!r}")
            if row["owner"] != actor:
                raise MapError(f"map {map_id} is {row['owner']}'s: save it as a new map")
            if expected_version is not None and row["version"] != expected_version:
                raise MapError(f"map {map_id} was saved again since you opened it (version "
                               f"{row['version']}, you had {expected_version}): reload it")
            version = row["version"] + 1
            tx.run(UPDATE_MAP, map_id=map_id, title=title, state=text, entity_keys=keys,
                   now=now, version=version).consume()
        audit_append(tx, actor=actor, action="map.save", targets=[map_id, *keys],
                     parameters={**(origin or {}), "title": title, "version": version,
                                 "entities": len(keys)})
        return map_id

    saved = connection.execute_write(work)
    result = get_map(connection, saved, scope)
    result.pop("state", None)
    return result


def get_map(connection: Connection, map_id: str, scope: Scope) -> dict[str, Any] | None:
    """The saved map with its ``state`` (parsed) and ``entity_keys``, or None when it is
    missing or any entity on it is outside ``scope``."""
    found = _read(connection, scope, map_id=map_id, limit=1)
    if not found:
        return None
    saved = found[0]
    visible = find_entities(connection, saved["entity_keys"], scope)
    if len(visible) != len(saved["entity_keys"]):
        return None
    saved["state"] = json.loads(saved["state"] or "{}")
    return saved


def list_maps(connection: Connection, scope: Scope, owner: str | None = None,
              limit: int = 200) -> list[dict[str, Any]]:
    """Maps of the reader's units, newest first (without their state)."""
    maps = _read(connection, scope, owner=owner, limit=limit)
    for saved in maps:
        saved.pop("state", None)
    return maps


def _read(connection: Connection, scope: Scope, map_id: str | None = None,
          owner: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    rows = connection.read(READ_MAPS, map_id=map_id, owner=owner, limit=limit,
                           **scope.parameters())
    maps = [plain(row["map"]) for row in rows]
    for saved in maps:
        saved["entity_keys"] = list(saved["entity_keys"] or [])
    return maps
