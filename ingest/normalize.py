"""Turn a raw ``SourceRow`` into a typed ``Record``, reporting every change, doubt and rejection.

A row is rejected only when it cannot be identified: its own key or a required column fails
(a bad 身份证号 in persons.csv, an empty 合同编号), or a party it must name is missing. Any
other cell that cannot be read (a reference identifier with a wrong check digit, an unknown
category, an unreadable amount) is left empty and reported as "corrected", and its original
text stays on the row as ``<column>_raw``, so one bad cell no longer takes the row's other
facts with it. Values changed rather than tidied (a 15-digit number upgraded, a birth date
contradicting the identity number) are "corrected"; implausible values kept as given (a
negative amount, a date in the future or before 1900, death before birth, a post ending
before it starts) are "warning"s, stored on the row as ``warnings``. Tidying (width, case,
spaces, separators) is silent.

Derived values ride along as extras of the record: ``<column>_period`` for a date known only
to its month or year (the date itself stays empty), ``<column>_raw`` for text that could not
be used as it stands, and the currency of an amount in its currency column.
"""
from __future__ import annotations

import datetime
from typing import Any

from ingest import identifiers
from ingest.identifiers import InvalidValue
from ingest.parsers import (CNY, Period, clean_text, parse_bool, parse_currency,
                            parse_date, parse_date_or_period, parse_enum, parse_list, parse_money,
                            parse_percent, parse_phone, parse_amount)
from ingest.records import Issue, Record, SourceRow
from ingest.report import CORRECTED, REJECTED, WARNING
from ingest.tables import PROGRAM_IDS, ColumnSpec, TableSpec

__all__ = [
    "normalize_row",
    "parse_value",
    "parse_date",
    "parse_amount",
    "parse_percent",
    "parse_phone",
    "parse_bool",
    "parse_enum",
    "clean_text",
]

EARLIEST_PLAUSIBLE = datetime.date(1900, 1, 1)
_OTHER = "other"
_OTHER_WORDS = ("other", "其他", "其它")


def normalize_row(table_spec: TableSpec, source_row: SourceRow,
                  today: datetime.date | None = None) -> tuple[Record | None, list[Issue]]:
    """Validate and type one row; return the record (None if rejected) and its issues.

    >>> from ingest.tables import load_tables_spec
    >>> row = SourceRow("persons", "persons.csv", 2,
    ...     {"id_number": "110105491231002", "name": " 张  三 ", "birth_date": "1949年12月31日"})
    >>> record, issues = normalize_row(load_tables_spec()["persons"], row)
    >>> record.values["id_number"], record.values["name"], record.values["birth_date"]
    ('11010519491231002X', '张三', datetime.date(1949, 12, 31))
    >>> [(issue.column, issue.action) for issue in issues]
    [('id_number', 'corrected')]
    """
    row = _Row(table_spec, source_row)
    row.parse()
    if table_spec.name == "persons":
        _reconcile_with_id_number(row)
    rejected = row.key_failures()
    if rejected:
        return None, row.issues + rejected
    row.blank_failures()
    row.check_plausibility(today or datetime.date.today())
    return row.record(), row.issues


class _Row:
    """One row being judged: typed values, failures by column, issues and derived extras."""

    def __init__(self, spec: TableSpec, source: SourceRow):
        self.spec, self.source = spec, source
        self.values: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.failures: dict[str, str] = {}
        self.texts: dict[str, str] = {}  # what a failed cell held, when the cell text is not it
        self.issues: list[Issue] = []
        self.warnings: list[str] = []

    def issue(self, column: str, reason: str, action: str, value: str | None = None) -> None:
        raw = self.source.values.get(column, "") if value is None else value
        self.issues.append(Issue(self.source.file, self.source.row, column, raw, reason, action,
                                 self.source.table))

    def parse(self) -> None:
        unreadable = {note.column: note for note in self.source.notes if note.unreadable}
        for note in self.source.notes:
            if not note.unreadable:
                self.issue(note.column, note.reason, note.action, note.text)
                if note.action == WARNING:
                    self.warnings.append(f"{note.column or 'row'}: {note.reason.split(':')[0]}")
        for name, text in self.source.values.items():
            column = self.spec.columns.get(name)
            if column is None:
                continue
            if name in unreadable:
                self.values[name], self.failures[name] = None, unreadable[name].reason
                self.texts[name] = unreadable[name].text
                continue
            try:
                value, note = parse_value(column, text)
            except InvalidValue as error:
                self.values[name], self.failures[name] = None, error.reason
                continue
            if isinstance(value, Period):
                self.extra[f"{name}_period"] = value.text
                self.extra[f"{name}_raw"] = clean_text(text)
                note = (f"month or year only: kept as {name}_period = {value.text}, "
                        f"{name} left empty")
                value = None
            elif column.type == "amount" and value is not None:
                value, note = self._amount(column, text, value)
            elif column.type == "enum" and value == _OTHER and _key(text) not in _OTHER_WORDS:
                self.extra[f"{name}_raw"] = clean_text(text)
            elif column.type == "date" and value is None and text.strip():
                note = "a placeholder for no date (such as 9999-12-31): left empty"
            if value is None and text.strip():
                self.extra.setdefault(f"{name}_raw", clean_text(text))
            self.values[name] = value
            if note:
                self.issue(name, note, CORRECTED)

    def _amount(self, column: ColumnSpec, text: str, money: tuple[float, str]):
        """The number; a currency written in the cell goes to the amount's currency column."""
        value, currency = money
        if currency == CNY or not column.currency:
            return value, None
        given = self.source.values.get(column.currency, "").strip()
        try:
            given = parse_currency(given) if given else None
        except InvalidValue:
            given = None
        if given not in (None, currency):
            self.failures[column.name] = (f"currency conflict: the amount says {currency}, "
                                          f"{column.currency} says {given}")
            return None, None
        self.extra[column.currency] = currency
        return value, None

    def key_failures(self) -> list[Issue]:
        """Issues that reject the row: its key or a required party cannot be read or is absent."""
        spec, rejected = self.spec, []
        must = set(spec.required)
        for name, reason in self.failures.items():
            group = next((g for g in (*spec.one_of, *spec.any_of) if name in g), None)
            rescued = group and any(self.values.get(other) is not None
                                    or self.source.values.get(other, "").strip()
                                    for other in group if other != name
                                    and other not in self.failures)
            if name in must or (group and not rescued):
                rejected.append(self._issue(name, reason, REJECTED))
        for name in spec.required:
            if self.values.get(name) is None and name not in self.failures:
                rejected.append(self._issue(name, "missing value: this column is required",
                                            REJECTED))
        rejected += self._group_issues()
        return rejected

    def _issue(self, column: str, reason: str, action: str) -> Issue:
        text = self.texts.get(column, self.source.values.get(column, ""))
        return Issue(self.source.file, self.source.row, column, text, reason, action,
                     self.source.table)

    def _group_issues(self) -> list[Issue]:
        """Exactly one of each ``one_of`` group; at least one of each ``any_of`` group."""
        issues = []
        for group, exactly in [(g, True) for g in self.spec.one_of] + \
                              [(g, False) for g in self.spec.any_of]:
            given = [name for name in group if self.source.values.get(name, "").strip()]
            if any(name in self.failures for name in given):
                continue  # reported with the failing value
            if given and (len(given) == 1 or not exactly):
                continue
            reason = (f"missing value: one of {', '.join(group)} is required" if not given
                      else f"ambiguous: give only one of {', '.join(given)}")
            raw = "; ".join(self.source.values[name].strip() for name in given)
            issues.append(Issue(self.source.file, self.source.row, "/".join(group), raw,
                                reason, REJECTED, self.source.table))
        return issues

    def blank_failures(self) -> None:
        """A cell that is not the row's key is left empty; its text is kept as ``_raw``."""
        for name, reason in self.failures.items():
            text = self.texts.get(name, self.source.values.get(name, ""))
            self.values[name] = None
            if text.strip():
                self.extra[f"{name}_raw"] = clean_text(text)
            self.issue(name, f"{reason} (value left empty, original kept as {name}_raw)",
                       CORRECTED, text)

    def check_plausibility(self, today: datetime.date) -> None:
        for name, value in self.values.items():
            kind = self.spec.columns[name].type
            if kind == "amount" and value is not None and value < 0:
                self._warn(name, f"negative amount: {value:g}")
            elif kind == "date" and value is not None and value > today:
                self._warn(name, f"date in the future: {value.isoformat()} is after {today}")
            elif kind == "date" and value is not None and value < EARLIEST_PLAUSIBLE:
                self._warn(name, f"date before 1900: {value.isoformat()}")
        born = self.values.get("birth_date")
        if born is None and self.values.get("id_number") and self.spec.name == "persons":
            born = identifiers.birth_date_from_id_number(self.values["id_number"])
        for earlier, later, what in (("birth_date", "death_date", "death before birth"),
                                     ("start_date", "end_date", "ends before it starts")):
            first = born if earlier == "birth_date" else self.values.get(earlier)
            last = self.values.get(later)
            if first and last and last < first:
                self._warn(later, f"{what}: {later} {last.isoformat()} is before {earlier} "
                                  f"{first.isoformat()}")

    def _warn(self, column: str, reason: str) -> None:
        self.issue(column, reason + " (loaded as given)", WARNING)
        self.warnings.append(f"{column}: {reason}")

    def record(self) -> Record:
        source, extra = self.source, dict(self.extra)
        extra |= {name: clean_text(text) for name, text in source.extra.items() if text.strip()}
        extra |= {name: clean_text(text) for name, text in source.values.items()
                  if name not in self.spec.columns and text.strip()}
        if self.warnings:
            extra["warnings"] = self.warnings
        return Record(source.table, source.file, source.row, self.values, extra)


def _key(text: str) -> str:
    return clean_text(text).casefold()


def parse_value(column: ColumnSpec, text: str) -> tuple[Any, str | None]:
    """Parse one cell by its column type: (value, correction note); empty means None.

    A date column may give a ``Period`` (month or year only) and an amount column a
    (number, currency) pair; ``normalize_row`` stores those as described above.

    >>> from ingest.tables import load_tables_spec
    >>> parse_value(load_tables_spec()["contracts"].columns["amount"], "1,234.50")
    ((1234.5, 'CNY'), None)
    >>> parse_value(load_tables_spec()["contracts"].columns["category"], "货物类")
    ('goods', None)
    >>> parse_value(load_tables_spec()["contracts"].columns["amount"], " ")
    (None, None)
    """
    if not text or not text.strip():
        return None, None
    if column.type in _PARSERS_WITH_NOTE:
        return _PARSERS_WITH_NOTE[column.type](text)
    if column.type == "enum":
        return _enum(column, text)
    if column.type in _PARSERS:
        return _PARSERS[column.type](text), None
    cleaned = clean_text(text)
    return (PROGRAM_IDS.get(cleaned, cleaned) if column.name == "program" else cleaned), None


def _enum(column: ColumnSpec, text: str) -> tuple[str, str | None]:
    """A known value; an unknown one becomes ``other`` where the vocabulary has it."""
    try:
        return parse_enum(text, column.name, column.values), None
    except InvalidValue as error:
        if _OTHER not in column.values:
            raise
        return _OTHER, f"{error.reason}: read as other, original kept as {column.name}_raw"


def _reconcile_with_id_number(row: _Row) -> None:
    """The identity number is authoritative for birth date and gender; fix contradictions."""
    number = row.values.get("id_number")
    if not number:
        return
    derived = {
        "birth_date": identifiers.birth_date_from_id_number(number),
        "gender": identifiers.gender_from_id_number(number),
    }
    for column, from_number in derived.items():
        given = row.values.get(column)
        if column in row.failures or f"{column}_period" in row.extra or (
                given is not None and given != from_number):
            row.issue(column, f"contradicts the id_number: replaced by {from_number} from the "
                      "number", CORRECTED)
            row.values[column] = from_number
            row.failures.pop(column, None)
            row.extra.pop(f"{column}_period", None)


_PARSERS_WITH_NOTE = {
    "id_number": identifiers.normalize_id_number,
    "region_code": identifiers.normalize_region_code,
    "phone": parse_phone,
}
_PARSERS = {
    "credit_code": identifiers.normalize_credit_code,
    "account_no": identifiers.normalize_account_no,
    "unit_id": identifiers.normalize_unit_id,
    "date": parse_date_or_period,
    "amount": parse_money,
    "currency": parse_currency,
    "percent": parse_percent,
    "bool": parse_bool,
    "list": parse_list,
}
