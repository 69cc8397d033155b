"""Validation of the identifiers that join tables: 身份证号, 统一社会信用代码, account numbers.

A wrong identifier joins the wrong person to a contract, so these checks are strict: each
function returns the canonical form or raises ``InvalidValue`` with a reason an
investigator can act on. Spaces, dashes, full-width characters and letter case are
normalised silently; anything else is either reported as a correction or rejected.
"""
from __future__ import annotations

import datetime
import re
import unicodedata

from stdnum.cn import ric, uscc

__all__ = [
    "InvalidValue",
    "halfwidth",
    "normalize_id_number",
    "birth_date_from_id_number",
    "gender_from_id_number",
    "normalize_credit_code",
    "normalize_account_no",
    "normalize_region_code",
    "normalize_unit_id",
]

_FULLWIDTH_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SEPARATORS = re.compile(r"[\s\-_]+")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


class InvalidValue(ValueError):
    """A cell value that cannot be used; ``reason`` reads ``<what is wrong>: <detail>``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def halfwidth(text: str) -> str:
    """Turn full-width ASCII (ＡＢＣ１２３，) and the ideographic space into plain ASCII.

    Chinese input methods type full-width digits and letters; they mean the same thing.
    Ideographic punctuation such as 、。 is left alone.

    >>> halfwidth("１１０１０５（东段）、")
    '110105(东段)、'
    """
    return text.translate(_FULLWIDTH_TO_ASCII)


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", halfwidth(text).strip())


def _reject_scientific(compact: str) -> None:
    """Excel shows long numbers as 1.10105E+17 and loses the last digits; say so plainly."""
    if _SCIENTIFIC.match(compact):
        raise InvalidValue(
            f"number in scientific notation: {compact} has lost its last digits; "
            "format the column as text in Excel and export again"
        )


def normalize_id_number(text: str) -> tuple[str, str | None]:
    """Validate a resident identity number (GB 11643); return it with a correction note.

    The note is set when a 15-digit legacy number was upgraded to 18 digits, which
    changes the value and so must be reported. The birth place is not checked against
    the division code list: codes are retired and renamed, and old numbers keep them.

    >>> normalize_id_number("11010519491231002x")
    ('11010519491231002X', None)
    >>> normalize_id_number("110105491231002")
    ('11010519491231002X', 'upgraded 15-digit legacy number to 18 digits: 11010519491231002X')
    >>> normalize_id_number("110105194912310027")
    Traceback (most recent call last):
    ...
    ingest.identifiers.InvalidValue: invalid check digit: should be X, found 7
    """
    number = _compact(text).upper()
    _reject_scientific(number)
    note = None
    if len(number) == 15 and number.isdigit():
        number = _upgrade_legacy_id_number(number)
        note = f"upgraded 15-digit legacy number to 18 digits: {number}"
    if len(number) != 18:
        raise InvalidValue(
            f"wrong length: {len(number)} characters; a resident identity number has 18 "
            "(or 15 for the legacy form)"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidValue("wrong format: must be 17 digits followed by a digit or X")
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise InvalidValue(f"invalid check digit: should be {expected}, found {number[17]}")
    _check_birth_date(number)
    return number, note


def _upgrade_legacy_id_number(number: str) -> str:
    """15-digit numbers (issued before 1999) omit the century, always 19, and the check digit."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def _check_birth_date(number: str) -> None:
    digits = number[6:14]
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidValue(f"invalid birth date in number: {digits} is not a real date") from None
    if born > datetime.date.today() or born.year < 1850:
        raise InvalidValue(f"implausible birth date in number: {born.isoformat()}")


def birth_date_from_id_number(number: str) -> datetime.date:
    """The birth date encoded in a validated 18-digit number.

    >>> birth_date_from_id_number("11010519491231002X")
    datetime.date(1949, 12, 31)
    """
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_from_id_number(number: str) -> str:
    """The gender encoded in a validated 18-digit number: odd 17th digit is male.

    >>> gender_from_id_number("11010519491231002X")
    'female'
    """
    return "male" if int(number[16]) % 2 else "female"


def normalize_credit_code(text: str) -> str:
    """Validate a unified social credit code (GB 32100) and return it upper-case.

    >>> normalize_credit_code("９１１１００００６０００３７３４１ｌ")
    '91110000600037341L'
    >>> normalize_credit_code("91110000600037341A")
    Traceback (most recent call last):
    ...
    ingest.identifiers.InvalidValue: invalid check character: should be L, found A
    """
    code = _compact(text).upper()
    _reject_scientific(code)
    if len(code) != 18:
        hint = ""
        if len(code) == 15 and code.isdigit():
            hint = "; this looks like an old business registration number (注册号)"
        elif len(code) == 9:
            hint = "; this looks like an old organisation code (组织机构代码)"
        raise InvalidValue(f"wrong length: {len(code)} characters; a credit code has 18{hint}")
    if not code[:8].isdigit() or any(char not in uscc._alphabet for char in code[8:]):
        raise InvalidValue(
            "wrong format: 8 digits then 10 digits or letters (no I, O, S, V, Z)"
        )
    expected = uscc.calc_check_digit(code)
    if code[17] != expected:
        raise InvalidValue(f"invalid check character: should be {expected}, found {code[17]}")
    return code


def normalize_account_no(text: str) -> str:
    """Validate a bank account or card number: digits only once spaces and dashes go.

    >>> normalize_account_no("6222 0212-3456 7890")
    '6222021234567890'
    """
    number = _compact(text)
    _reject_scientific(number)
    if not number.isdigit():
        raise InvalidValue(f"wrong format: an account number has digits only, found {number!r}")
    if not 6 <= len(number) <= 32:
        raise InvalidValue(f"wrong length: {len(number)} digits; expected 6 to 32")
    return number


def normalize_region_code(text: str) -> tuple[str, str | None]:
    """Validate a 6-digit division code (GB/T 2260); return it with a correction note.

    A 12-digit statistical code (统计用区划代码) names a township or village inside a
    county; its first 6 digits are the county code, which is kept and reported.

    >>> normalize_region_code("110105")
    ('110105', None)
    >>> normalize_region_code("110105001000")[0]
    '110105'
    """
    code = _compact(text)
    if code.isdigit() and len(code) == 6:
        return code, None
    if code.isdigit() and len(code) == 12:
        return code[:6], f"12-digit statistical code: kept the 6-digit county code {code[:6]}"
    raise InvalidValue(f"wrong format: a division code has 6 digits, found {code!r}")


def normalize_unit_id(text: str) -> str:
    """A public body's own code: any string, so only width and surrounding space are fixed.

    >>> normalize_unit_id(" ＵＮＩＴ-００１ ")
    'UNIT-001'
    """
    return unicodedata.normalize("NFC", halfwidth(text).strip())
