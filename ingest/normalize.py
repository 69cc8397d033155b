"""Turn a raw ``SourceRow`` into a typed ``Record``, reporting every change and rejection.

Nothing is loaded half-wrong: a value that cannot be read (a bad identifier, date, amount
or enum) keeps the whole row out of the graph, and the issue names the file, row, column,
value and reason. A value that is changed rather than just tidied (a 15-digit number
upgraded, a birth date contradicting the identity number) is loaded and reported as
"corrected". Tidying (width, case, spaces, separators) is silent.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from ingest import identifiers
from ingest.identifiers import InvalidValue, halfwidth
from ingest.records import Issue, Record, SourceRow
from ingest.report import CORRECTED, REJECTED
from ingest.tables import PROGRAM_IDS, VALUE_ALIASES, ColumnSpec, TableSpec

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


_TRUE = frozenset("true 1 是 yes y t 中标 √".split())
_FALSE = frozenset("false 0 否 no n f 未中标 ×".split())
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_MULTIPLIERS = {"亿元": 100_000_000, "亿": 100_000_000, "万元": 10_000, "万": 10_000}
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def normalize_row(table_spec: TableSpec, source_row: SourceRow) -> tuple[Record | None, list[Issue]]:
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
    values, notes, failures = _parse_columns(table_spec, source_row)
    if table_spec.name == "persons":
        _reconcile_with_id_number(values, notes, failures)
    issues = [_issue(source_row, column, note, CORRECTED) for column, note in notes]
    issues += [_issue(source_row, column, reason, REJECTED) for column, reason in failures.items()]
    issues += _missing_required(table_spec, values, failures, source_row)
    issues += _not_exactly_one(table_spec, failures, source_row)
    issues += _none_of_any(table_spec, failures, source_row)
    if any(issue.action == REJECTED for issue in issues):
        return None, issues
    extra = {name: clean_text(text) for name, text in source_row.extra.items() if text.strip()}
    extra |= {name: clean_text(text) for name, text in source_row.values.items()
              if name not in table_spec.columns and text.strip()}
    return Record(source_row.table, source_row.file, source_row.row, values, extra), issues


def _parse_columns(table_spec: TableSpec, source_row: SourceRow):
    """Typed values, correction notes [(column, note)] and failures {column: reason}."""
    values: dict[str, Any] = {}
    notes: list[tuple[str, str]] = []
    failures: dict[str, str] = {}
    for name, text in source_row.values.items():
        if name not in table_spec.columns:
            continue
        try:
            values[name], note = parse_value(table_spec.columns[name], text)
        except InvalidValue as error:
            values[name], failures[name] = None, error.reason
            continue
        if note:
            notes.append((name, note))
    return values, notes, failures


def _issue(source_row: SourceRow, column: str, reason: str, action: str) -> Issue:
    raw = source_row.values.get(column, "")
    return Issue(source_row.file, source_row.row, column, raw, reason, action)


def parse_value(column: ColumnSpec, text: str) -> tuple[Any, str | None]:
    """Parse one cell by its column type: (value, correction note); empty means None.

    >>> from ingest.tables import load_tables_spec
    >>> parse_value(load_tables_spec()["contracts"].columns["amount"], "1,234.50")
    (1234.5, None)
    >>> parse_value(load_tables_spec()["contracts"].columns["amount"], " ")
    (None, None)
    """
    if not text or not text.strip():
        return None, None
    if column.type in _PARSERS_WITH_NOTE:
        return _PARSERS_WITH_NOTE[column.type](text)
    if column.type == "enum":
        return parse_enum(text, column.name, column.values), None
    if column.type in _PARSERS:
        return _PARSERS[column.type](text), None
    cleaned = clean_text(text)
    return (PROGRAM_IDS.get(cleaned, cleaned) if column.name == "program" else cleaned), None


def parse_date(text: str) -> datetime.date:
    """Read the date forms found in Chinese exports; a time of day is ignored.

    >>> [parse_date(t).isoformat() for t in ("2023-5-1", "2023/05/01", "２０２３年5月1日",
    ...     "20230501", "2023.05.01", "2023-05-01 00:00:00")]
    ['2023-05-01', '2023-05-01', '2023-05-01', '2023-05-01', '2023-05-01', '2023-05-01']
    """
    compact = unicodedata.normalize("NFKC", text).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(compact)
        if match and _TIME_SUFFIX.fullmatch(compact[match.end():]):
            year, month, day = (int(part) for part in match.groups())
            try:
                value = datetime.date(year, month, day)
            except ValueError:
                raise InvalidValue(f"not a real date: {compact}") from None
            if not 1850 <= year <= 2100:
                raise InvalidValue(f"implausible year: {compact}")
            return value
    raise InvalidValue(f"unreadable date: {compact!r}; use YYYY-MM-DD")


def parse_amount(text: str) -> float:
    """Read an amount in yuan; 万元 and 亿元 are scaled, separators and ¥/元 dropped.

    >>> parse_amount("１,234.50元"), parse_amount("¥1234.5"), parse_amount("12.5万元")
    (1234.5, 1234.5, 125000.0)
    """
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    compact = re.sub(r"^(?:¥|RMB|CNY)|(?:元整|元|圆)$", "", compact, flags=re.IGNORECASE)
    multiplier = 1
    for suffix, factor in _MULTIPLIERS.items():
        if compact.endswith(suffix):
            compact, multiplier = compact[: -len(suffix)], factor
            break
    if not _NUMBER.fullmatch(compact):
        raise InvalidValue(f"unreadable amount: {text.strip()!r}; use digits like 1234.50")
    try:
        return float(Decimal(compact.replace(",", "")) * multiplier)
    except InvalidOperation:
        raise InvalidValue(f"unreadable amount: {text.strip()!r}") from None


def parse_percent(text: str) -> float:
    """Read a share in percent: '35%' and '35' both mean 35.0 (a fraction is not guessed).

    >>> parse_percent("35％"), parse_percent("12.5")
    (35.0, 12.5)
    """
    compact = unicodedata.normalize("NFKC", text).strip().removesuffix("%").strip()
    try:
        value = float(compact)
    except ValueError:
        raise InvalidValue(f"unreadable percentage: {text.strip()!r}") from None
    if not 0 <= value <= 100:
        raise InvalidValue(f"percentage out of range: {value} is not between 0 and 100")
    return value


def parse_phone(text: str) -> tuple[str | None, str | None]:
    """Keep the digits of a mainland phone; a non-phone is dropped (not a row rejection).

    Phones join nothing by law, so a bad one should not keep the person out of the graph;
    it is reported as corrected to unknown.

    >>> parse_phone("+86 138-0013-8000"), parse_phone("010-6512 3456")
    (('13800138000', None), ('01065123456', None))
    >>> parse_phone("不详")
    (None, 'not a phone number: value left empty')
    """
    parts = [part for part in re.split(r"[,;/、]", halfwidth(text)) if part.strip()]
    numbers = [_phone_digits(part) for part in parts]
    valid = [number for number in numbers if number]
    if not valid:
        return None, "not a phone number: value left empty"
    if len(parts) > 1:
        return valid[0], f"several phone numbers: kept the first, {valid[0]}"
    return valid[0], None


def _phone_digits(text: str) -> str | None:
    digits = re.sub(r"[\s\-()]+", "", text)
    digits = re.sub(r"^(?:\+86|0086)", "", digits)
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    return digits if 7 <= len(digits) <= 12 else None


def parse_bool(text: str) -> bool:
    """Read yes/no in the forms seen in Chinese forms (是/否, 中标/未中标, Y/N, 1/0).

    >>> parse_bool("是"), parse_bool("FALSE"), parse_bool("N")
    (True, False, False)
    """
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InvalidValue(f"unreadable yes/no: {text.strip()!r}; use true or false (是/否)")


def parse_enum(text: str, column: str, allowed: tuple[str, ...]) -> str:
    """Map an enum value, given in English or Chinese, to its canonical English id.

    >>> parse_enum("公开招标", "method", ("public_tender", "direct"))
    'public_tender'
    >>> parse_enum("Public Tender", "method", ("public_tender", "direct"))
    'public_tender'
    >>> parse_enum("乙", "gender", ("male", "female"))
    Traceback (most recent call last):
    ...
    ingest.identifiers.InvalidValue: unknown value: '乙' is not one of male (男), female (女)
    """
    key = re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", text).strip().casefold())
    if key in allowed:
        return key
    canonical = VALUE_ALIASES.get(column, {}).get(key)
    if canonical in allowed:
        return canonical
    raise InvalidValue(f"unknown value: {text.strip()!r} is not one of {_describe(column, allowed)}")


def _describe(column: str, allowed: tuple[str, ...]) -> str:
    first_synonym = {}
    for synonym, canonical in VALUE_ALIASES.get(column, {}).items():
        if not synonym.isascii():
            first_synonym.setdefault(canonical, synonym)
    return ", ".join(
        f"{value} ({first_synonym[value]})" if value in first_synonym else value for value in allowed
    )


def parse_list(text: str) -> list[str]:
    """Split a ';'-separated list; Chinese ；、 and line breaks also separate.

    >>> parse_list("procurement; subsidy approval；基建、")
    ['procurement', 'subsidy approval', '基建']
    """
    return [clean_text(item) for item in re.split(r"[;；、\n]", text) if item.strip()]


def clean_text(text: str) -> str:
    """Tidy free text: full-width ASCII to plain, whitespace collapsed, none between CJK.

    Names padded for alignment ("张  三") are the same name as "张三".

    >>> clean_text(" 张  三 ")
    '张三'
    >>> clean_text("ＡＢＣ  公司（北京）")
    'ABC 公司(北京)'
    """
    text = re.sub(r"\s+", " ", halfwidth(text)).strip()
    return unicodedata.normalize("NFC", _CJK_GAP.sub("", text))


def _reconcile_with_id_number(values: dict[str, Any], notes: list, failures: dict[str, str]) -> None:
    """The identity number is authoritative for birth date and gender; fix contradictions."""
    number = values.get("id_number")
    if not number:
        return
    derived = {
        "birth_date": identifiers.birth_date_from_id_number(number),
        "gender": identifiers.gender_from_id_number(number),
    }
    for column, from_number in derived.items():
        given = values.get(column)
        if column in failures or (given is not None and given != from_number):
            notes.append((column, f"contradicts the id_number: replaced by {from_number} from the number"))
            values[column] = from_number
            failures.pop(column, None)


def _missing_required(table_spec: TableSpec, values: dict, failures: dict, source_row: SourceRow
                      ) -> list[Issue]:
    return [_issue(source_row, name, "missing value: this column is required", REJECTED)
            for name in table_spec.required if values.get(name) is None and name not in failures]


def _none_of_any(table_spec: TableSpec, failures: dict, source_row: SourceRow) -> list[Issue]:
    """A party known by an identifier or by a name: at least one of each ``any_of`` group."""
    return [_issue(source_row, "/".join(group), f"missing value: one of {', '.join(group)} "
                   "is required", REJECTED)
            for group in table_spec.any_of
            if not any(source_row.values.get(name, "").strip() for name in group)]


def _not_exactly_one(table_spec: TableSpec, failures: dict, source_row: SourceRow) -> list[Issue]:
    """A holder or subject is one party: exactly one column of each ``one_of`` group is filled."""
    issues = []
    for group in table_spec.one_of:
        given = [name for name in group if source_row.values.get(name, "").strip()]
        if len(given) == 1 or any(name in failures for name in given):
            continue  # fine, or the bad value is already reported
        reason = (f"missing value: one of {', '.join(group)} is required" if not given
                  else f"ambiguous: give only one of {', '.join(given)}")
        raw = "; ".join(source_row.values[name].strip() for name in given)
        issues.append(Issue(source_row.file, source_row.row, "/".join(group), raw, reason, REJECTED))
    return issues


_PARSERS_WITH_NOTE = {
    "id_number": identifiers.normalize_id_number,
    "region_code": identifiers.normalize_region_code,
    "phone": parse_phone,
}
_PARSERS = {
    "credit_code": identifiers.normalize_credit_code,
    "account_no": identifiers.normalize_account_no,
    "unit_id": identifiers.normalize_unit_id,
    "date": parse_date,
    "amount": parse_amount,
    "percent": parse_percent,
    "bool": parse_bool,
    "list": parse_list,
}
