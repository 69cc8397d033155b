"""Reading one cell: dates, money, percentages, phones, yes/no, vocabularies and free text.

Each parser takes the raw text and returns a typed value, or raises ``InvalidValue`` with a
reason an investigator can act on. Spellings real registers and ledgers use are read as
they are written: ``100万元人民币``, ``50万美元`` (its currency kept), ``2023年1月`` (a month,
never a made-up day), ``货物类``. What a value means for its row (blank it, reject the row,
warn) is decided by ``ingest.normalize``.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ingest.identifiers import InvalidValue, halfwidth
from ingest.tables import VALUE_ALIASES

__all__ = [
    "Period",
    "CNY",
    "parse_date",
    "parse_date_or_period",
    "parse_money",
    "parse_amount",
    "parse_currency",
    "parse_percent",
    "parse_phone",
    "parse_bool",
    "parse_enum",
    "parse_list",
    "clean_text",
    "is_yuan",
]

CNY = "CNY"
_TRUE = frozenset("true 1 是 yes y t 中标 √".split())
_FALSE = frozenset("false 0 否 no n f 未中标 ×".split())
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
_PERIOD_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.]?"),
    re.compile(r"(\d{4})年(\d{1,2})月(?:份)?"),
    re.compile(r"(\d{4})(\d{2})"),
    re.compile(r"(\d{4})年?()"),
)
_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# The same in ASCII digits only: a cell that is nothing else needs no normalising.
_PLAIN_NUMBER = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
PLACEHOLDER_YEAR = 9000  # 9999-12-31 and the like stand for "no end" in HR systems

# Currency words as registers and ledgers write them, longest first when stripped.
CURRENCIES = {
    "CNY": "人民币 元 圆 元整 rmb cny ¥ ￥",
    "USD": "美元 美金 usd us$ $",
    "EUR": "欧元 eur €",
    "HKD": "港元 港币 hkd hk$",
    "JPY": "日元 jpy",
    "GBP": "英镑 gbp £",
    "MOP": "澳门元 澳门币 mop",
    "TWD": "新台币 twd",
    "KRW": "韩元 krw",
    "RUB": "卢布 rub",
    "AUD": "澳元 aud",
    "CAD": "加元 cad",
    "SGD": "新加坡元 sgd",
    "CHF": "瑞士法郎 chf",
}
_CURRENCY_WORDS = sorted(((word, code) for code, words in CURRENCIES.items()
                          for word in words.split()), key=lambda item: -len(item[0]))
_MULTIPLIERS = {"亿": 100_000_000, "万": 10_000, "千": 1_000}


@dataclass(frozen=True)
class Period:
    """A date known only to its month (``2023-01``) or year (``2023``): never a made-up day."""

    text: str

    def __str__(self) -> str:
        return self.text


def parse_date(text: str) -> datetime.date:
    """Read the date forms found in Chinese exports; a time of day is ignored.

    >>> [parse_date(t).isoformat() for t in ("2023-5-1", "2023/05/01", "２０２３年5月1日",
    ...     "20230501", "2023.05.01", "2023-05-01 00:00:00")]
    ['2023-05-01', '2023-05-01', '2023-05-01', '2023-05-01', '2023-05-01', '2023-05-01']
    """
    value = parse_date_or_period(text)
    if isinstance(value, Period):
        raise InvalidValue(f"month or year only: {value}; the day is not known")
    return value


def parse_date_or_period(text: str) -> datetime.date | Period | None:
    """A date, or the month or year when that is all the cell says; None for 9999-12-31.

    >>> parse_date_or_period("2023年1月"), parse_date_or_period("2023-01"), parse_date_or_period("2023年")
    (Period(text='2023-01'), Period(text='2023-01'), Period(text='2023'))
    >>> parse_date_or_period("9999-12-31") is None
    True
    """
    compact = unicodedata.normalize("NFKC", text).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(compact)
        if match and _TIME_SUFFIX.fullmatch(compact[match.end():]):
            year, month, day = (int(part) for part in match.groups())
            if year >= PLACEHOLDER_YEAR:
                return None
            try:
                value = datetime.date(year, month, day)
            except ValueError:
                raise InvalidValue(f"not a real date: {compact}") from None
            _check_year(year, compact)
            return value
    for pattern in _PERIOD_PATTERNS:
        match = pattern.fullmatch(compact)
        if match:
            year, month = int(match.group(1)), match.group(2)
            _check_year(year, compact)
            if not month:
                return Period(f"{year:04d}")
            if not 1 <= int(month) <= 12:
                raise InvalidValue(f"not a real month: {compact}")
            return Period(f"{year:04d}-{int(month):02d}")
    raise InvalidValue(f"unreadable date: {compact!r}; use YYYY-MM-DD")


def _check_year(year: int, compact: str) -> None:
    if not 1800 <= year <= 2200:
        raise InvalidValue(f"implausible year: {compact}")


def parse_money(text: str) -> tuple[float, str]:
    """An amount and its currency, as registers write capital: words, 万/亿 and symbols.

    >>> parse_money("100万元人民币"), parse_money("50万美元"), parse_money("人民币1,000.5元")
    ((1000000.0, 'CNY'), (500000.0, 'USD'), (1000.5, 'CNY'))
    >>> parse_money("USD 2,000"), parse_money("1.2亿")
    ((2000.0, 'USD'), (120000000.0, 'CNY'))
    """
    if _PLAIN_NUMBER.fullmatch(text):  # most cells: what the steps below would give
        return float(Decimal(text.replace(",", ""))), CNY
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()
    currencies: set[str] = set()
    multiplier = 1
    changed = True
    while changed and compact:
        changed = False
        for word, code in _CURRENCY_WORDS:
            if compact.startswith(word) and not _NUMBER.fullmatch(compact):
                compact, changed = compact[len(word):], True
                currencies.add(code)
            if compact.endswith(word):
                compact, changed = compact[: -len(word)], True
                currencies.add(code)
        if compact.endswith("整"):
            compact, changed = compact[:-1], True
        for suffix, factor in _MULTIPLIERS.items():
            if compact.endswith(suffix) and multiplier == 1:
                compact, multiplier, changed = compact[: -len(suffix)], factor, True
    if len(currencies) > 1:
        raise InvalidValue(f"two currencies in one amount: {text.strip()!r}")
    if not _NUMBER.fullmatch(compact):
        raise InvalidValue(f"unreadable amount: {text.strip()!r}; use digits like 1234.50")
    try:
        value = float(Decimal(compact.replace(",", "")) * multiplier)
    except InvalidOperation:
        raise InvalidValue(f"unreadable amount: {text.strip()!r}") from None
    return value, currencies.pop() if currencies else CNY


def parse_amount(text: str) -> float:
    """Read an amount; 万元 and 亿元 are scaled, separators and ¥/元 dropped (see parse_money).

    >>> parse_amount("１,234.50元"), parse_amount("¥1234.5"), parse_amount("12.5万元")
    (1234.5, 1234.5, 125000.0)
    """
    return parse_money(text)[0]


def parse_currency(text: str) -> str:
    """An ISO 4217 code for a currency written as a code, a symbol or its Chinese name.

    >>> parse_currency("人民币"), parse_currency("usd"), parse_currency("港币")
    ('CNY', 'USD', 'HKD')
    """
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()
    for word, code in _CURRENCY_WORDS:
        if key == word:
            return code
    if re.fullmatch(r"[a-z]{3}", key):
        return key.upper()
    raise InvalidValue(f"unknown currency: {text.strip()!r}; use a code such as CNY or USD")


def is_yuan(currency: str | None) -> bool:
    """An amount is in yuan when no currency is given or the currency is CNY."""
    return currency in (None, "", CNY)


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
