"""Column-mapping profiles: how one source system's export maps onto the canonical tables.

Every county's HR, subsidy or finance system names its columns differently (证件号码,
公民身份号码, 身份证). Rather than editing files, the investigator keeps one small YAML
profile per source system, reviewed once and reused for every later export::

    persons:
      file: "花名册*.csv"          # which files hold this table (glob, optional)
      encoding: gb18030           # optional; detected from the bytes otherwise
      columns: {证件号码: id_number, 部门: ~}   # ~ keeps a column as an extra property
      values: {gender: {M: male, F: female}}
      units: {amount: 万元}         # amounts in the file are in 万元

``suggest_profile`` drafts one from a file, so nobody starts from a blank page.
"""
from __future__ import annotations

import codecs
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from graph.errors import LianjianError
from ingest.identifiers import InvalidValue
from ingest.normalize import parse_enum
from ingest.readers import WORKBOOK_SUFFIXES, detect_encoding, iter_cells, sheet_names
from ingest.tables import HEADER_SYNONYMS, header_aliases, header_key, load_tables_spec, table_for_name

__all__ = [
    "ProfileError",
    "TableProfile",
    "Profile",
    "load_profile",
    "suggest_profile",
    "suggest_profile_yaml",
]

TABLE_KEYS = {"file", "sheet", "encoding", "columns", "values", "units"}
UNITS = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
SAMPLE_ROWS = 500
MAX_DISTINCT_VALUES = 40

class ProfileError(LianjianError, ValueError):
    """A profile is not valid YAML, or names an unknown table, column, key, encoding or unit."""


@dataclass(frozen=True)
class TableProfile:
    """How one table of one source system is mapped; ``columns`` maps header to column or None."""

    table: str
    file: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    @cached_property
    def column_map(self) -> dict[str, str | None]:
        """Source headers in matching form (``header_key``) to canonical column or None."""
        return {header_key(header): column for header, column in self.columns.items()}

    @cached_property
    def _value_maps(self) -> dict[str, dict[str, str]]:
        return {column: {_value_key(source): target for source, target in mapping.items()}
                for column, mapping in self.values.items()}

    def translate(self, column: str, text: str) -> str:
        """Apply the value map, then the unit, to one raw cell of a canonical column.

        >>> TableProfile("contracts", values={"method": {"公开": "public_tender"}},
        ...              units={"amount": "万元"}).translate("amount", "12.5")
        '12.5万元'
        """
        mapping = self._value_maps.get(column)
        if mapping:
            text = mapping.get(_value_key(text), text)
        unit = self.units.get(column)
        if unit and text.strip() and not re.search(r"[元万亿]$", text.strip()):
            text = text.strip() + unit
        return text


@dataclass(frozen=True)
class Profile:
    """A whole profile: one ``TableProfile`` per table the source system provides."""

    tables: dict[str, TableProfile]
    description: str = ""
    path: Path | None = None

    def for_table(self, table: str) -> TableProfile | None:
        return self.tables.get(table)


def _value_key(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


class _StringLoader(yaml.SafeLoader):
    """YAML that reads 是/yes/1/010 as the strings they are in a spreadsheet, never bool or int."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag.endswith(":null")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile; every error names the profile, the table and the fix."""
    path = Path(path)
    if not path.is_file():
        raise ProfileError(f"{path}: no such profile file; give the path of a .yaml profile "
                           "(`lianjian map suggest FILE` drafts one)")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StringLoader) or {}
    except UnicodeDecodeError:
        raise ProfileError(f"{path.name}: a profile must be saved as UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ProfileError(f"{path.name}: not valid YAML{where} ({problem}); fix the "
                           "indentation or quoting there") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path.name}: a profile is a mapping of table names to their settings")
    description = str(data.pop("description", "") or "")
    tables = {}
    for table, entry in data.items():
        spec = load_tables_spec().get(table) or load_tables_spec().get(table_for_name(table) or "")
        if spec is None:
            known = ", ".join(load_tables_spec())
            raise ProfileError(f"{path.name}: unknown table {table!r}; use one of {known}")
        if not isinstance(entry or {}, dict):
            raise ProfileError(f"{path.name}, table {spec.name}: expected settings (file, "
                               f"columns, values, ...) under the table name, found {entry!r}")
        tables[spec.name] = _table_profile(path.name, spec, entry or {})
    return Profile(tables, description, path)


def _table_profile(name: str, spec, entry: dict) -> TableProfile:
    where = f"{name}, table {spec.name}"
    unknown = set(entry) - TABLE_KEYS
    if unknown:
        raise ProfileError(
            f"{where}: unknown key {', '.join(sorted(unknown))}; use {', '.join(sorted(TABLE_KEYS))}")
    for key in ("columns", "values", "units"):
        if not isinstance(entry.get(key) or {}, dict):
            raise ProfileError(f"{where}: {key} must be a mapping (header: column), "
                               f"found {entry[key]!r}")
    if any(not isinstance(mapping or {}, dict) for mapping in (entry.get("values") or {}).values()):
        raise ProfileError(f"{where}: values maps each column to a mapping (source value: value)")
    columns = {str(header): column for header, column in (entry.get("columns") or {}).items()}
    values = {column: {str(k): str(v) for k, v in (mapping or {}).items()}
              for column, mapping in (entry.get("values") or {}).items()}
    units = dict(entry.get("units") or {})
    named = [column for column in columns.values() if column is not None]
    for column in named + list(values) + list(units):
        if column not in spec.columns:
            raise ProfileError(
                f"{where}: unknown column {column!r}; use one of {', '.join(spec.columns)}, "
                "or ~ to keep a source column as an extra property"
            )
    for column, unit in units.items():
        if spec.columns[column].type != "amount" or unit not in UNITS:
            raise ProfileError(f"{where}: units apply to amount columns and are one of {', '.join(UNITS)}")
    encoding = entry.get("encoding")
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ProfileError(f"{where}: unknown encoding {encoding!r}; use utf-8 or gb18030") from None
    return TableProfile(spec.name, entry.get("file"), entry.get("sheet"), encoding, columns, values, units)


# ---- suggesting a profile from a file ------------------------------------------------------

@dataclass
class _Suggestion:
    """A drafted table profile plus the notes the YAML shows to the reviewer."""

    table: str
    file: str
    sheet: str | None = None
    encoding: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    unresolved: dict[str, list[str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    def as_profile(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"file": self.file}
        if self.sheet:
            entry["sheet"] = self.sheet
        if self.encoding:
            entry["encoding"] = self.encoding
        entry["columns"] = dict(self.columns)
        for key in ("values", "units"):
            if getattr(self, key):
                entry[key] = getattr(self, key)
        return entry


def suggest_profile(file_path: str | Path) -> dict[str, Any]:
    """Draft a profile for a CSV or workbook: table, column map and value maps, for review.

    The table is the one the file is named after, else the one whose columns the headers
    match best. Unrecognised headers map to None (kept as extra properties).
    """
    return {suggestion.table: suggestion.as_profile() for suggestion in _suggest(Path(file_path))}


def suggest_profile_yaml(file_path: str | Path) -> str:
    """The suggested profile as commented YAML: ``# ?`` marks what a person must decide."""
    path = Path(file_path)
    lines = [f"# Profile drafted by `lianjian map suggest` from {path.name}.",
             "# Check every line marked '# ?' or '# guessed', then load with --profile."]
    suggestions = _suggest(path)
    if not suggestions:
        lines.append("# No header matched a column of any canonical table; "
                     "see the input format for the column names.")
    for suggestion in suggestions:
        lines += _render(suggestion)
    return "\n".join(lines) + "\n"


def _suggest(path: Path) -> list[_Suggestion]:
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        sheets = sheet_names(path)
        sources = [((path, sheet), sheet if len(sheets) > 1 else None) for sheet in sheets]
    else:
        sources = [(path, None)]
    suggestions, seen = [], set()
    for source, sheet in sources:
        suggestion = _suggest_table(path, source, sheet)
        if suggestion and suggestion.table not in seen:
            seen.add(suggestion.table)
            suggestions.append(suggestion)
    return suggestions


def _suggest_table(path: Path, source, sheet: str | None) -> _Suggestion | None:
    encoding = None if isinstance(source, tuple) else detect_encoding(path)
    rows = [(number, cells) for number, cells in _sample(iter_cells(source, encoding))]
    if not rows:
        return None
    header_index = _header_index(rows)
    headers = rows[header_index][1]
    table = table_for_name(sheet or path.stem) or _best_table(headers)
    suggestion = _Suggestion(table, path.name, sheet,
                             encoding if encoding and not encoding.startswith("utf-8") else None)
    for header in filter(str.strip, headers):
        column, how = _match_header(header, table, used=set(suggestion.columns.values()))
        suggestion.columns[header.strip()] = column
        if how:
            suggestion.notes[header.strip()] = how
        if column and load_tables_spec()[table].columns[column].type == "amount":
            unit = next((unit for unit in ("亿元", "万元") if unit in header), None)
            if unit:
                suggestion.units[column] = unit
    if not any(suggestion.columns.values()):
        return None
    _suggest_values(suggestion, headers, [cells for _, cells in rows[header_index + 1:]])
    return suggestion


def _sample(rows):
    for count, (number, cells) in enumerate(rows):
        if count > SAMPLE_ROWS:
            return
        if any(cell.strip() for cell in cells):
            yield number, cells


def _header_index(rows: list) -> int:
    """The first of the first rows with a header we recognise for some table."""
    for index, (_, cells) in enumerate(rows[:10]):
        if any(_match_header(cell, table, set())[0] for cell in cells if cell.strip()
               for table in load_tables_spec()):
            return index
    return 0


def _best_table(headers: list[str]) -> str:
    weight = {None: 3, "synonym": 2, "guessed": 1}

    def score(table: str) -> int:
        used: set = set()
        total = 0
        for header in filter(str.strip, headers):
            column, how = _match_header(header, table, used)
            if column:
                used.add(column)
                total += weight[how]
        return total

    return max(load_tables_spec(), key=score)


def _match_header(header: str, table: str, used: set) -> tuple[str | None, str | None]:
    """(column, how): how is None for an exact alias, 'synonym' or 'guessed' otherwise."""
    exact = header_aliases()[table].get(header_key(header))
    if exact:
        return (exact, None) if exact not in used else (None, None)
    forms = {form: column for column, form in _forms(table) if column not in used}
    key = _bare(header)
    if key in forms:
        return forms[key], "synonym"
    close = difflib.get_close_matches(key, list(forms), n=1, cutoff=0.8)
    return (forms[close[0]], "guessed") if close else (None, None)


@cache
def _forms(table: str) -> list[tuple[str, str]]:
    forms = []
    for column in load_tables_spec()[table].columns.values():
        for form in (column.name, column.zh, *HEADER_SYNONYMS.get(column.name, ())):
            forms.append((column.name, _bare(form)))
    return forms


def _bare(header: str) -> str:
    """A header without bracketed notes, units and punctuation: 金额（万元）→ 金额."""
    text = re.sub(r"[(\[【（].*?[)\]】）]", "", unicodedata.normalize("NFKC", header))
    return header_key(re.sub(r"(?:万元|亿元|元)$", "", text.strip()))


def _suggest_values(suggestion: _Suggestion, headers: list[str], rows: list[list[str]]) -> None:
    """For enum columns, map every distinct sampled value the built-in aliases do not cover."""
    spec = load_tables_spec()[suggestion.table]
    for position, header in enumerate(headers):
        column = suggestion.columns.get(header.strip())
        if not column or spec.columns[column].type != "enum":
            continue
        allowed = spec.columns[column].values
        distinct = dict.fromkeys(row[position].strip() for row in rows
                                 if position < len(row) and row[position].strip())
        for value in list(distinct)[:MAX_DISTINCT_VALUES]:
            try:
                canonical = parse_enum(value, column, allowed)
            except InvalidValue as error:
                suggestion.unresolved.setdefault(column, []).append(f"{value}: ?   {error.reason}")
                continue
            if canonical != value:
                suggestion.values.setdefault(column, {})[value] = canonical


def _render(suggestion: _Suggestion) -> list[str]:
    lines = ["", f"{suggestion.table}:"]
    lines.append(f"  file: {_scalar(suggestion.file)}  # a glob such as 花名册*.csv also matches later exports")
    for key in ("sheet", "encoding"):
        if getattr(suggestion, key):
            lines.append(f"  {key}: {_scalar(getattr(suggestion, key))}")
    lines.append("  columns:")
    for header, column in suggestion.columns.items():
        note = suggestion.notes.get(header)
        comment = ("  # ? not recognised: map it to a column, or leave ~ to keep it as extra"
                   if column is None else f"  # {note}" if note else "")
        lines.append(f"    {_scalar(header)}: {column or '~'}{comment}")
    if suggestion.values or suggestion.unresolved:
        lines.append("  values:")
        for column in dict.fromkeys([*suggestion.values, *suggestion.unresolved]):
            lines.append(f"    {column}:")
            mapping = suggestion.values.get(column, {})
            lines += [f"      {_scalar(source)}: {target}" for source, target in mapping.items()]
            lines += [f"      # {entry}" for entry in suggestion.unresolved.get(column, [])]
    if suggestion.units:
        lines.append("  units:")
        lines += [f"    {column}: {unit}  # from the header" for column, unit in suggestion.units.items()]
    return lines


def _scalar(text: str) -> str:
    """Write a YAML scalar plainly when safe, else as a double-quoted (JSON) string."""
    if re.fullmatch(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`~][^:#,\[\]{}]*", text) and text == text.strip() \
            and text.casefold() not in {"null", "~"}:
        return text
    return json.dumps(text, ensure_ascii=False)
