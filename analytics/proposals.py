"""A proposed row (事前监督): one contracts.csv or subsidies.csv row sent as JSON by a
business system, checked and normalised before it is tried against the graph.

The columns are those of ``shared/spec/input-format.md`` (English names). Identifiers
are validated as the importer does — resident ID numbers by their GB 11643 check digit,
credit codes by their GB 32100 check character (python-stdnum) — and normalised the same
way (full-width to ASCII, spaces and dashes removed, upper-case ``X``); property types
come from the graph model. A row that fails says, in one line, which field and why.

This module does not import ``ingest`` (analytics may not): it repeats the few rules it
needs (a 15-digit legacy ID number is upgraded to 18, as the importer does).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from stdnum.cn import ric, uscc

from analytics.days import local_today
from graph.errors import LianjianError
from graph.model import load_model

__all__ = ["KINDS", "ProposalError", "Proposal", "parse_proposal", "normalise_identifier"]

METHODS = ("public_tender", "invited_tender", "competitive_negotiation", "inquiry",
           "single_source", "direct")
CATEGORIES = ("goods", "works", "services")

# kind → (label, key column, unit column, {column: (property or None, required, check)})
KINDS: dict[str, dict[str, Any]] = {
    "contract": {
        "label": "Contract", "key": "contract_id", "unit": "buyer_unit_id",
        "columns": {
            "contract_id": ("contract_id", False, "text"),
            "tender_id": ("tender_id", False, "text"),
            "buyer_unit_id": (None, True, "text"),
            "supplier_credit_code": (None, True, "credit_code"),
            "title": ("title", False, "text"),
            "category": ("category", False, CATEGORIES),
            "amount": ("amount", True, "amount"),
            "currency": ("currency", False, "text"),
            "method": ("method", False, METHODS),
            "signed_date": ("signed_date", False, "date"),
            "approver_id_number": (None, False, "id_number"),
        }},
    "subsidy": {
        "label": "SubsidyPayment", "key": "payment_id", "unit": "unit_id",
        "columns": {
            "payment_id": ("payment_id", False, "text"),
            "program": ("program", True, "text"),
            "recipient_id_number": (None, True, "id_number"),
            "household_id": ("household_id", False, "text"),
            "amount": ("amount", True, "amount"),
            "currency": ("currency", False, "text"),
            "date": ("date", False, "date"),
            "unit_id": (None, True, "text"),
            "approver_id_number": (None, False, "id_number"),
            "account_no": ("account_no", False, "account_no"),
        }},
}
DATE_COLUMN = {"contract": "signed_date", "subsidy": "date"}
MAX_TEXT = 500


class ProposalError(LianjianError):
    """A proposed row that cannot be checked: the message names the field and the fix."""


@dataclass(frozen=True)
class Proposal:
    """A validated proposed row: its kind, columns (normalised) and node properties."""

    kind: str
    values: dict[str, Any]
    properties: dict[str, Any]

    @property
    def unit_id(self) -> str:
        return self.values[KINDS[self.kind]["unit"]]

    @property
    def key(self) -> str | None:
        return self.values.get(KINDS[self.kind]["key"])


def normalise_identifier(value: Any) -> str:
    """Full-width to ASCII, spaces and dashes removed, upper case.

    >>> normalise_identifier(" １１０１０５-1980 0101 001x ")
    '11010519800101001X'
    """
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s\-]", "", text).upper()


def parse_proposal(kind: str, row: dict[str, Any], today: dt.date | None = None) -> Proposal:
    """Validate and normalise a proposed row; ProposalError names the first bad field.

    An absent date is today's (the row is proposed now); an absent key is left out and
    made by the check. Unknown columns are refused, so a typo is not silently ignored.

    >>> parse_proposal("contract", {"buyer_unit_id": "U1", "amount": "1,200.50",
    ...     "supplier_credit_code": "91330102MA00000013"}).properties["amount"]
    Traceback (most recent call last):
    ...
    analytics.proposals.ProposalError: supplier_credit_code: 91330102MA00000013 is not a valid unified social credit code (GB 32100 check character)
    """
    if kind not in KINDS:
        raise ProposalError(f"unknown kind {kind!r}: use contract or subsidy")
    if not isinstance(row, dict):
        raise ProposalError("row must be an object of column: value")
    spec = KINDS[kind]
    unknown = sorted(set(row) - set(spec["columns"]))
    if unknown:
        raise ProposalError(f"unknown column(s) {', '.join(unknown)} for a {kind}: use "
                            f"{', '.join(spec['columns'])}")
    model = load_model().node(spec["label"]).properties
    values: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    for column, (prop, required, check) in spec["columns"].items():
        raw = row.get(column)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                raise ProposalError(f"{column} is required for a {kind}")
            continue
        value = _checked(column, raw, check)
        values[column] = value
        if prop is not None:
            if model[prop].type == "date" and not isinstance(value, dt.date):
                raise ProposalError(f"{column}: not a date")
            properties[prop] = value
    date_column = DATE_COLUMN[kind]
    if date_column not in values:
        values[date_column] = properties[date_column] = today or local_today()
    return Proposal(kind, values, properties)


def _id_number(column: str, value: str) -> str:
    """As the importer checks it: 18 characters (a 15-digit legacy number is upgraded),
    the GB 11643 check digit, a real birth date; the division code is not checked (codes
    are retired and renamed, old numbers keep them).

    >>> _id_number("x", "110105491231002")
    '11010519491231002X'
    """
    if len(value) == 15 and value.isdigit():
        body = value[:6] + "19" + value[6:]
        value = body + ric.calc_check_digit(body + "0")
    if not re.fullmatch(r"\d{17}[\dX]", value) or ric.calc_check_digit(value) != value[17]:
        raise ProposalError(f"{column}: {value} is not a valid resident ID number (18 "
                            "characters, GB 11643 check digit)")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born > local_today() or born.year < 1850:
        raise ProposalError(f"{column}: {value} holds no plausible birth date")
    return value


def _checked(column: str, raw: Any, check: Any) -> Any:
    if isinstance(check, tuple):
        value = str(raw).strip()
        if value not in check:
            raise ProposalError(f"{column}: {value!r} is not one of {', '.join(check)}")
        return value
    if check == "text":
        value = unicodedata.normalize("NFKC", str(raw)).strip()
        if len(value) > MAX_TEXT:
            raise ProposalError(f"{column}: at most {MAX_TEXT} characters")
        return value
    if check == "amount":
        try:
            value = float(str(raw).replace(",", "").strip())
        except ValueError:
            raise ProposalError(f"{column}: {raw!r} is not an amount in yuan") from None
        if value < 0 or value != value or value in (float("inf"),):
            raise ProposalError(f"{column}: {raw!r} is not an amount in yuan")
        return value
    if check == "date":
        text = str(raw).strip().replace("/", "-")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ProposalError(f"{column}: {raw!r} is not a date (YYYY-MM-DD)") from None
    value = normalise_identifier(raw)
    if check == "id_number":
        return _id_number(column, value)
    elif check == "credit_code":
        if not uscc.is_valid(value):
            raise ProposalError(f"{column}: {value} is not a valid unified social credit "
                                "code (GB 32100 check character)")
    elif check == "account_no" and not value.isdigit():
        raise ProposalError(f"{column}: {value} is not an account number (digits)")
    return value
