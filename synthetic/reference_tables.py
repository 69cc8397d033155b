"""The reference's own reader: a dataset folder into plain rows, normalised the way
shared/spec says the importer normalises (and no further).

It deliberately shares no code with ingest/ or with the generator (only the file
ingest/tables.yaml, read here as plain YAML), so that a bug in either cannot hide in both:
headers in English or Chinese, UTF-8 with or without BOM or GB18030, three date forms,
thousands separators, full-width digits, 15-digit ID numbers upgraded, and rows whose ID
number or credit code fails its check digit dropped.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from ingest.tables import TABLES_YAML  # the file only: the table and column names

__all__ = ["read_dataset"]

_SPEC = yaml.safe_load(TABLES_YAML.read_text("utf-8"))
_DATE = re.compile(r"^(\d{4})(?:-|/|年)(\d{1,2})(?:-|/|月)(\d{1,2})日?$")


class _Invalid(ValueError):
    """A value the importer rejects, taking its row with it."""


_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SEPARATORS = str.maketrans({" ": None, "-": None, "\t": None})


def _ascii(text: str) -> str:
    """Full-width forms (U+FF01..FF5E and the ideographic space) to ASCII."""
    return text.translate(_FULL_WIDTH)


def _compact(text: str) -> str:
    return _ascii(text).translate(_SEPARATORS).upper()


@lru_cache(maxsize=None)
def _birth_place_valid(prefix: str, year: int) -> bool:
    """Whether stdnum knows the region code for that birth year (slow: asked once)."""
    try:
        ric.get_birth_place(f"{prefix}{year:04d}0101")
        return True
    except ValidationError:
        return False


@lru_cache(maxsize=None)
def _id_number(text: str) -> str:
    """A valid 18-character number, as stdnum's ``ric.validate`` decides (check digit,
    birth date, region code), with 15-digit numbers upgraded first."""
    value = _compact(text)
    if len(value) == 15 and value.isdigit():
        body = value[:6] + "19" + value[6:]
        value = body + ric.calc_check_digit(body + "0")
    if len(value) != 18 or not value[:17].isdigit() or value[17] != ric.calc_check_digit(
            value):
        raise _Invalid(text)
    try:
        born = ric.get_birth_date(value)
    except ValidationError:
        raise _Invalid(text) from None
    if not _birth_place_valid(value[:6], born.year):
        raise _Invalid(text)
    return value


@lru_cache(maxsize=None)
def _credit_code(text: str) -> str:
    value = _compact(text)
    if not uscc.is_valid(value):
        raise _Invalid(text)
    return value


@lru_cache(maxsize=1 << 18)
def _account(text: str) -> str:
    value = _compact(text)
    if not value.isdigit():
        raise _Invalid(text)
    return value


@lru_cache(maxsize=1 << 16)
def _date(text: str) -> date | None:
    match = _DATE.match(_ascii(text).strip())
    return date(*map(int, match.groups())) if match else None


@lru_cache(maxsize=1 << 16)
def _number(text: str) -> float | None:
    value = _ascii(text).replace(",", "").replace("%", "").strip()
    try:
        return float(value) if value else None
    except ValueError:
        return None


_CONVERTERS = {
    "id_number": _id_number, "credit_code": _credit_code, "account_no": _account,
    "date": _date, "amount": _number, "percent": _number,
    "phone": lambda text: _ascii(text).strip(),
    "bool": lambda text: text.strip().lower() in ("true", "1", "yes", "是", "y"),
    "list": lambda text: [part.strip() for part in text.split(";") if part.strip()],
}


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _text(value: str) -> str:
    return _ascii(value).strip()


def _read_table(path: Path, spec: dict) -> list[dict]:
    columns = spec["columns"]
    by_header = {name: name for name in columns} | {
        column["zh"]: name for name, column in columns.items()}
    reader = csv.reader(io.StringIO(_decode(path.read_bytes())))
    header = [by_header.get(cell.strip(), cell.strip()) for cell in next(reader, [])]
    converters = [_CONVERTERS.get(columns.get(name, {}).get("type", "text"), _text)
                  for name in header]
    rows = []
    for cells in reader:
        row = {}
        try:
            for name, convert, cell in zip(header, converters, cells):
                text = cell.strip()
                row[name] = convert(text) if text else None
        except _Invalid:
            continue
        rows.append(row)
    return rows


def read_dataset(folder: Path | str, only: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """Every canonical table present in the folder (``<table>.csv`` or ``<zh>.csv``), as
    lists of dicts with normalised values; absent tables are empty lists. ``only`` limits
    the tables read."""
    folder = Path(folder)
    tables = {}
    for table, spec in _SPEC.items():
        if only and table not in only:
            continue
        path = next((candidate for candidate in (folder / f"{table}.csv",
                                                 folder / f"{spec['zh']}.csv")
                     if candidate.exists()), None)
        tables[table] = _read_table(path, spec) if path else []
    return tables
