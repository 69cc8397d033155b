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
import os
import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ingest.bulk_graph import BulkUnsupported, FirstLoadGraph

__all__ = ["ImportFiles", "WriterProcesses", "unwritable", "write_import_files",
           "write_nodes", "write_relationships", "ARRAY_DELIMITER"]

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

    def add(self, other: "ImportFiles") -> None:
        self.nodes += other.nodes
        self.relationships += other.relationships
        self.multiline = self.multiline or other.multiline
        self.node_count += other.node_count
        self.relationship_count += other.relationship_count

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
    """The import types of each property. The Python classes are gathered first (one
    look-up per value); only a property holding lists or rarer classes is looked at value
    by value."""
    classes: dict[str, set[type]] = defaultdict(set)
    for _, props in items:
        for name, value in props.items():
            classes[name].add(type(value))
    types: dict[str, set[str]] = {}
    for name, found in classes.items():
        if found.issubset(_TYPE_NAMES):
            types[name] = {_TYPE_NAMES[kind] for kind in found}
        else:
            types[name] = {value_type(props[name]) for _, props in items if name in props}
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


# How a column of one import type is written (every value in it has that type).
_COLUMN_FORMATS = {"string": _quoted, "long": str, "double": repr, "date": dt.date.isoformat,
                   "boolean": _text}


def _write(path: Path, id_header: list[str], columns: list[tuple[str, str]],
           items: list[tuple[tuple, dict]], files: ImportFiles) -> None:
    formats = [(name, _COLUMN_FORMATS.get(kind, format_value)) for name, kind in columns]
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(",".join(id_header + [f"{name}:{kind}" for name, kind in columns]) + "\n")
        for ids, props in items:
            fields = [_quoted(str(i)) for i in ids]
            fields += ["" if (value := props.get(name)) is None else write(value)
                       for name, write in formats]
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


def write_import_files(graph: FirstLoadGraph, folder: Path) -> ImportFiles:
    """Write every node and relationship ``graph`` still holds into ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    return _write_part(folder, {label: graph.take_label(label) for label in sorted(graph.nodes)},
                       {rel_type: graph.take_type(rel_type) for rel_type in sorted(graph.rels)})


def unwritable(folder: Path, failure: OSError) -> BulkUnsupported:
    """The one line for import files that cannot be written (a full disk, no permission)."""
    return BulkUnsupported(f"bulk load: cannot write the import files in {folder} "
                           f"({failure.strerror or failure})")


def _write_part(folder: Path, nodes: dict[str, dict], rels: dict[str, dict]) -> ImportFiles:
    files = ImportFiles()
    for label, by_key in nodes.items():
        write_nodes(label, by_key, folder, files)
    for rel_type, by_identity in rels.items():
        write_relationships(rel_type, by_identity, folder, files)
    return files


class WriterProcesses:
    """Import files written by child processes while the loader goes on.

    Writing a finished label's or type's files is Python work on data that will not change
    again; in a forked child it runs on the second core instead of taking turns with
    validation under the interpreter lock. Each child gets the entities by fork (nothing is
    copied or pickled on the way in) and hands back its ``ImportFiles`` in a small file.
    Each label and type is written by one writer only, so file names never collide.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: list[tuple[int, Path]] = []

    def spawn(self, nodes: dict[str, dict], rels: dict[str, dict]) -> None:
        if not nodes and not rels:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        answer = self.folder / f"written-{len(self.children)}.pickle"
        pid = os.fork()
        if pid == 0:  # the child: write, answer, leave without running the parent's exits
            code = 1
            try:
                try:
                    outcome: ImportFiles | str = _write_part(self.folder, nodes, rels)
                except OSError as failure:
                    outcome = str(unwritable(self.folder.parent, failure))
                except BulkUnsupported as failure:
                    outcome = str(failure)
                answer.write_bytes(pickle.dumps(outcome))
                code = 0
            finally:
                os._exit(code)
        self.children.append((pid, answer))

    def join(self) -> ImportFiles:
        """Wait for every child; their files, or ``BulkUnsupported`` with the first failure."""
        files, failures = ImportFiles(), []
        for pid, answer in self.children:
            _, status = os.waitpid(pid, 0)
            outcome = pickle.loads(answer.read_bytes()) if answer.exists() else None
            if isinstance(outcome, ImportFiles) and os.waitstatus_to_exitcode(status) == 0:
                files.add(outcome)
            else:
                failures.append(outcome if isinstance(outcome, str) else
                                f"bulk load: a process writing import files ended with "
                                f"status {os.waitstatus_to_exitcode(status)}; load without "
                                "--bulk")
        self.children = []
        if failures:
            raise BulkUnsupported(failures[0])
        return files
