"""Jurisdiction (管辖范围): the unit subtree a reader may see, applied inside the Cypher.

A user belongs to a unit and sees that unit and every unit below it (``PART_OF``); the
command line and administrators see everything. Every read that can reveal an entity takes
a ``Scope`` and passes ``scope.parameters()`` to its query, whose ``WHERE`` starts with
``$scope_units IS NULL OR …``: the filter runs in the database, so what is out of scope is
never fetched, counted by name or cut from a page after the fact. docs/access.md says, per
entity type, what puts it in scope.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["Scope", "UnknownUnit", "units_with_subunits"]

UNITS_WITH_SUBUNITS = """
MATCH (root:Unit) WHERE root.unit_id IN $units
MATCH (unit:Unit)-[:PART_OF*0..12]->(root)
RETURN DISTINCT unit.unit_id AS unit_id
"""


class UnknownUnit(LianjianError):
    """A unit code that no loaded units.csv defines."""


def units_with_subunits(connection: Connection, units: Iterable[str]) -> list[str]:
    """The given unit codes and every unit below them; unknown codes are an error."""
    units = sorted(set(units))
    found = sorted(row["unit_id"] for row in connection.read(UNITS_WITH_SUBUNITS, units=units))
    missing = sorted(set(units) - set(found))
    if missing:
        raise UnknownUnit(f"unknown unit(s) {', '.join(missing)}: load units.csv or check "
                          "the unit codes given")
    return found


@dataclass(frozen=True)
class Scope:
    """The units a reader may see: ``unit_ids`` None means the whole graph.

    >>> Scope.everything().parameters()
    {'scope_units': None}
    >>> scope = Scope(roots=("U1",), unit_ids=("U1", "U1-01"))
    >>> scope.parameters(), scope.allows_unit("U1-01"), scope.allows_unit("U2")
    ({'scope_units': ['U1', 'U1-01']}, True, False)
    """

    roots: tuple[str, ...] = ()
    unit_ids: tuple[str, ...] | None = None

    @classmethod
    def everything(cls) -> Scope:
        """No restriction: the command line, administrators, auditors of the whole body."""
        return cls()

    @classmethod
    def of_units(cls, connection: Connection, roots: Iterable[str]) -> Scope:
        """The subtrees under ``roots`` (read once, when a user's session starts)."""
        roots = tuple(sorted(set(roots)))
        return cls(roots, tuple(units_with_subunits(connection, roots)))

    @property
    def unrestricted(self) -> bool:
        return self.unit_ids is None

    def parameters(self) -> dict[str, list[str] | None]:
        """``{'scope_units': [...] or None}`` for a query's parameters."""
        return {"scope_units": None if self.unit_ids is None else list(self.unit_ids)}

    def allows_unit(self, unit_id: str | None) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids
