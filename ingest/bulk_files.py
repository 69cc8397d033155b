"""Write an in-memory first-load graph (``ingest.bulk_graph``) as ``neo4j-admin`` import files.

One node file per label and one relationship file per type and pair of end labels, each
with a typed header (``name:string``, ``amount:double``, ``signed_date:date``,
``src_row:long``, ``stub:boolean``, ``aliases:string[]``), so that every value comes back
with the type the online path's driver would have stored. A property whose values have
several types in one label is split over several files, one per combination of types.

Each node is identified by its label's key in the label's own id space (``:ID(Person)``,
not stored as a property: the key property is written as an ordinary column, exactly as
the online path stores it). Strings are always quoted, so an empty string stays an empty
string and an absent value (an empty unquoted field) stays absent; quotes are doubled
(RFC 4180); array elements are separated by U+001F, which no value may contain.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ingest.bulk_graph import BulkUnsupported, FirstLoadGraph

__all__ = ["ImportFiles", "write_import_files", "write_nodes", "write_relationships",
           "ARRAY_DELIMITER"]

ARRAY_DELIMITER = "\x1f"
ARRAY_DELIMITER_OPTION = "U+001F"
_SCALARS = ((bool, "boolean"), (int, "long"), (float, "double"), (str, "string"),
            (dt.datetime, None), (dt.date, "date"))


@dataclass
class ImportFiles:
    """The files written and what the import tool must be told about them."""

    nodes: list[tuple[str, Path]] = field(default_factory=list)
    relationships: list[tuple[str, Path]] = field(default_factory=list)
    multiline: bool = False  # a value holds a line break: the tool must parse for it
    node_count: int = 0
    relationship_count: int = 0

    def arguments(self) -> list[str]:
        """``--nodes``/``--relationships`` and the parsing options these files need."""
        return ([f"--nodes={label}={path}" for label, path in self.nodes]
                + [f"--relationships={rel_type}={path}" for rel_type, path in self.relationships]
                + [f"--array-delimiter={ARRAY_DELIMITER_OPTION}",
                   f"--multiline-fields={'true' if self.multiline else 'false'}",
                   "--ignore-empty-strings=false", "--trim-strings=false",
                   "--bad-tolerance=0", "--skip-bad-relationships=false",
                   "--skip-duplicate-nodes=false", "--id-type=string"])


def _scalar_type(value) -> str:
    for kind, name in _SCALARS:
        if isinstance(value, kind):
            if kind is dt.datetime:
                return "datetime" if value.tzinfo else "localdatetime"
            return name
    raise BulkUnsupported(f"bulk load: a value of type {type(value).__name__} ({value!r:.40}) "
                          "has no import type; load without --bulk")


# The common types by exact type (a dict look-up instead of a chain of isinstance).
_TYPE_NAMES = {str: "string", bool: "boolean", int: "long", float: "double", dt.date: "date"}


def value_type(value) -> str:
    """The import header type of a value: ``string``, ``long``, ``date[]``, …"""
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    if isinstance(value, (list, tuple)):
        kinds = {_scalar_type(item) for item in value}
        if len(kinds) != 1:
            raise BulkUnsupported(f"bulk load: a list with {'no' if not kinds else 'mixed'} "
                                  f"values ({value!r:.40}) has no import type; load without "
                                  "--bulk")
        return kinds.pop() + "[]"
    return _scalar_type(value)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, dt.date)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return str(value)


def _element(value) -> str:
    text = _text(value)
    if ARRAY_DELIMITER in text:
        raise BulkUnsupported("bulk load: a value holds the control character U+001F; "
                              "load without --bulk")
    return text


_FORMATS = {str: _quoted, int: str, float: repr, bool: _text, dt.date: dt.date.isoformat}


def format_value(value) -> str:
    """One CSV field: strings quoted, arrays joined by U+001F, None as an empty field."""
    if value is None:
        return ""
    fast = _FORMATS.get(type(value))
    if fast is not None:
        return fast(value)
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, (list, tuple)):
        return _quoted(ARRAY_DELIMITER.join(_element(item) for item in value))
    return _text(value)


def _check_name(name: str) -> str:
    if not name or any(c in name for c in ':,"\n\r' + ARRAY_DELIMITER):
        raise BulkUnsupported(f"bulk load: property name {name!r} cannot go into an import "
                              "header; load without --bulk")
    return name


def _types(items: list[tuple[object, dict]]) -> dict[str, set[str]]:
    types: dict[str, set[str]] = defaultdict(set)
    for _, props in items:
        for name, value in props.items():
            types[name].add(value_type(value))
    return types


def _groups(items: list[tuple[object, dict]]) -> list[tuple[list[tuple[str, str]], list]]:
    """Entities grouped so that each group has one type per property (one file each),
    with each group's columns ``(name, type)``.

    Usually one group; when a property's type varies, one group per combination of the
    varying properties' types (or their absence).
    """
    types = _types(items)
    varying = sorted(name for name, kinds in types.items() if len(kinds) > 1)
    if not varying:
        return [(_columns(types), items)]
    groups: dict[tuple, list] = defaultdict(list)
    for item in items:
        props = item[1]
        groups[tuple(value_type(props[n]) if n in props else None for n in varying)].append(item)
    return [(_columns(_types(group)), group) for group in groups.values()]


def _columns(types: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(_check_name(name), next(iter(kinds))) for name, kinds in sorted(types.items())]


def _write(path: Path, id_header: list[str], columns: list[tuple[str, str]],
           items: list[tuple[tuple, dict]], files: ImportFiles) -> None:
    names = [name for name, _ in columns]
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(",".join(id_header + [f"{name}:{kind}" for name, kind in columns]) + "\n")
        for ids, props in items:
            fields = [_quoted(str(i)) for i in ids]
            fields += [format_value(props.get(name)) for name in names]
            line = ",".join(fields)
            if "\n" in line or "\r" in line:
                files.multiline = True
            stream.write(line + "\n")


def write_nodes(label: str, by_key: dict[str, dict], folder: Path, files: ImportFiles) -> None:
    """One label's nodes as one file per combination of property types (none if none)."""
    items = [((key,), props) for key, props in by_key.items()]
    for columns, group in _groups(items) if items else ():
        path = folder / f"nodes-{label}-{len(files.nodes)}.csv"
        _write(path, [f":ID({label})"], columns, group, files)
        files.nodes.append((label, path))
        files.node_count += len(group)


def write_relationships(rel_type: str, by_identity: dict[tuple, dict], folder: Path,
                        files: ImportFiles) -> None:
    """One type's relationships as one file per pair of end labels and types of values."""
    by_ends: dict[tuple[str, str], list] = defaultdict(list)
    for (start_label, start, end_label, end, _), props in by_identity.items():
        by_ends[(start_label, end_label)].append(((start, end), props))
    for (start_label, end_label), items in sorted(by_ends.items()):
        for columns, group in _groups(items):
            path = folder / f"rels-{rel_type}-{start_label}-{end_label}-" \
                f"{len(files.relationships)}.csv"
            _write(path, [f":START_ID({start_label})", f":END_ID({end_label})"], columns,
                   group, files)
            files.relationships.append((rel_type, path))
            files.relationship_count += len(group)


def write_import_files(graph: FirstLoadGraph, folder: Path,
                       files: ImportFiles | None = None) -> ImportFiles:
    """Write every node and relationship ``graph`` still holds into ``folder`` (created),
    beside the ``files`` already written of it (``FirstLoadGraph.take_label``/``take_type``)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = files or ImportFiles()
    for label in sorted(graph.nodes):
        write_nodes(label, graph.take_label(label), folder, files)
    for rel_type in sorted(graph.rels):
        write_relationships(rel_type, graph.take_type(rel_type), folder, files)
    return files
