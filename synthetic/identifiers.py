"""Identifiers that join the tables: resident ID numbers, credit codes, accounts, phones.

Check characters follow the national standards (GB 11643 for resident ID numbers, GB 32100
for unified social credit codes, GB 11714 for the organisation code inside them), so every
generated row passes the importer's validation, except the few the noise pass breaks on
purpose. A factory hands out each identifier once: two entities never share one by chance.
"""
from __future__ import annotations

import random
from datetime import date

__all__ = [
    "BIRTH_REGIONS",
    "COUNTY_NAMES",
    "IdentifierFactory",
    "credit_check_character",
    "legacy_id",
    "organisation_check_character",
    "resident_check_digit",
    "upgrade_legacy_id",
]

#: Counties of 宝鸡市 (Shaanxi) whose GB/T 2260 codes were valid in every year, so birth
#: regions validate for any birth date (python-stdnum checks the code against the year).
COUNTY_NAMES = {"610323": "岐山县", "610324": "扶风县", "610326": "眉县", "610327": "陇县"}
#: Where spouses and migrants were born (neighbouring counties, Gansu, Sichuan).
BIRTH_REGIONS = ("610328", "610329", "610330", "610331", "620121", "620123", "510121")
CITY_CODE, CITY_NAME, PHONE_AREA = "610300", "宝鸡市", "0917"

_RESIDENT_WEIGHTS = [pow(2, 17 - position, 11) for position in range(17)]
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORGANISATION_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                    "151", "152", "153", "155", "156", "157", "158", "159", "177", "180",
                    "181", "182", "183", "186", "187", "188", "189", "199")
_CARD_PREFIXES = {"中国农业银行": "622848", "中国建设银行": "621700", "中国工商银行": "622202",
                  "中国邮政储蓄银行": "621799", "陕西信合": "621396"}


def resident_check_digit(body: str) -> str:
    """GB 11643 check digit of the first 17 digits of a resident ID number.

    >>> resident_check_digit("11010519491231002")
    'X'
    """
    total = sum(int(digit) * weight for digit, weight in zip(body, _RESIDENT_WEIGHTS))
    return "10X98765432"[total % 11]


def legacy_id(id_number: str) -> str:
    """The 15-digit form issued before 1999: two-digit year and no check digit."""
    return id_number[:6] + id_number[8:17]


def upgrade_legacy_id(legacy: str) -> str:
    """Upgrade a 15-digit number to 18 digits (all legacy holders were born in the 1900s).

    >>> upgrade_legacy_id("110105491231002")
    '11010519491231002X'
    """
    body = legacy[:6] + "19" + legacy[6:]
    return body + resident_check_digit(body)


def organisation_check_character(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code."""
    total = sum((int(char) if char.isdigit() else ord(char) - 55) * weight
                for char, weight in zip(body, _ORGANISATION_WEIGHTS))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def credit_check_character(body: str) -> str:
    """GB 32100 check character of the first 17 characters of a credit code.

    >>> credit_check_character("91110000600037341")
    'L'
    """
    total = sum(_CREDIT_ALPHABET.index(char) * weight
                for char, weight in zip(body, _CREDIT_WEIGHTS))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def luhn_digit(body: str) -> str:
    """Luhn check digit, as on Chinese bank cards (UnionPay)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


class IdentifierFactory:
    """Hands out unique identifiers; one per dataset, seeded from the dataset's seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._taken: set[str] = set()

    def _claim(self, value: str) -> bool:
        """Take ``value`` when nobody has it yet; False when it is already taken."""
        if value in self._taken:
            return False
        self._taken.add(value)
        return True

    def claim(self, value: str) -> bool:
        """Reserve a value built elsewhere (an address); False when it is already taken."""
        return self._claim(value)

    def resident_id(self, region: str, birth: date, gender: str) -> str:
        """An 18-digit number; the 17th digit is odd for men and even for women."""
        stem = f"{region}{birth:%Y%m%d}"
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
            body = f"{stem}{sequence:03d}"
            if self._claim(body):
                return body + resident_check_digit(body)

    def credit_code(self, region: str, established: date) -> str:
        """A unified social credit code of an enterprise registered with the SAMR (91...).

        Codes issued from 2015 carry an ``MA`` organisation code; older ones were converted
        from the numeric organisation code certificate.
        """
        while True:
            if established.year >= 2015:
                tail = "".join(self.rng.choice("0123456789" + _ORGANISATION_LETTERS)
                               for _ in range(6))
                body = "MA" + tail
            else:
                body = "".join(self.rng.choice("0123456789") for _ in range(8))
            organisation = body + organisation_check_character(body)
            stem = f"91{region}{organisation}"
            if self._claim(stem):
                return stem + credit_check_character(stem)

    def card_number(self, bank: str) -> str:
        """A 19-digit personal debit card number with a valid Luhn digit."""
        while True:
            body = _CARD_PREFIXES[bank] + "".join(self.rng.choice("0123456789")
                                                  for _ in range(12))
            number = body + luhn_digit(body)
            if self._claim(number):
                return number

    def corporate_account(self) -> str:
        """A settlement account number of an organisation (public bodies and companies)."""
        while True:
            number = str(self.rng.randrange(10**15, 10**16)) + f"{self.rng.randrange(100):02d}"
            if self._claim(number):
                return number

    def mobile(self) -> str:
        """An 11-digit mobile number."""
        while True:
            number = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if self._claim(number):
                return number

    def landline(self) -> str:
        """A fixed line of the 宝鸡 area, as companies register them."""
        while True:
            number = f"{PHONE_AREA}-{self.rng.randrange(5, 9)}{self.rng.randrange(10**6):06d}"
            if self._claim(number):
                return number

    def unique(self, candidate: str, suffixes: str = "123456789") -> str:
        """``candidate`` or, when taken, the candidate with a number appended."""
        if self._claim(candidate):
            return candidate
        counter = 2
        while True:
            if "@" in candidate:
                local, domain = candidate.split("@", 1)
                value = f"{local}{counter}@{domain}"
            else:
                value = f"{candidate}{counter}"
            if self._claim(value):
                return value
            counter += 1

    def banks(self) -> tuple[str, ...]:
        """Banks that issue personal cards in the county."""
        return tuple(_CARD_PREFIXES)
