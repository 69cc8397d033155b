"""Real-world noise (数据噪声): how the same facts arrive from different source systems.

Everything here changes only the written form, never the meaning after the importer's
normalisation: lowercase ``x`` and full-width digits in ID numbers, three date forms,
thousands separators, account numbers grouped with spaces, 15-digit legacy ID numbers in
persons.csv. The only rows that do lose meaning are a few isolated persons and companies
written with a wrong check digit; nothing else refers to them, so rejecting them changes
no rule's result.
"""
from __future__ import annotations

import random
from datetime import date

from synthetic.identifiers import (credit_check_character, legacy_id,
                                         resident_check_digit)
from synthetic.market import new_company
from synthetic.population import new_household, new_person
from synthetic.world import World

__all__ = ["Noise", "add_isolated_invalid_rows", "mark_legacy_ids"]

_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def mark_legacy_ids(world: World, rng: random.Random) -> list[str]:
    """Pick residents born before 1999 whose persons.csv row keeps the 15-digit number."""
    older = [person for person in world.persons.values() if person.birth_date.year < 1999]
    chosen = rng.sample(older, max(3, len(older) // 800))
    for person in chosen:
        person.legacy_id = True
    return [person.id_number for person in chosen]


def add_isolated_invalid_rows(world: World, rng: random.Random) -> tuple[list[str], list[str]]:
    """A few persons and companies, referenced nowhere, written with a wrong check digit."""
    persons, companies = [], []
    for _ in range(3):
        county = rng.choice(world.counties)
        person = new_person(world, new_household(world, county), rng.choice(("male", "female")),
                            date(rng.randint(1950, 1990), rng.randint(1, 12), rng.randint(1, 28)))
        person.invalid = True
        persons.append(person.id_number)
    for _ in range(2):
        company = new_company(world, rng.choice(world.counties), "services",
                              date(rng.randint(2005, 2015), 6, 1), None, email="")
        company.invalid = True
        companies.append(company.credit_code)
    return persons, companies


def broken_resident_id(id_number: str) -> str:
    """The number with a check digit that fails validation."""
    right = resident_check_digit(id_number[:17])
    wrong = "0123456789X"[("0123456789X".index(right) + 3) % 11]
    return id_number[:17] + wrong


def broken_credit_code(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    right = credit_check_character(code[:17])
    return code[:17] + alphabet[(alphabet.index(right) + 7) % 31]


class Noise:
    """Cell formatters that vary the written form with a seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def date(self, value: date | None) -> str:
        if value is None:
            return ""
        roll = self.rng.random()
        if roll < 0.9:
            return value.isoformat()
        if roll < 0.95:
            return f"{value:%Y/%m/%d}"
        return f"{value.year}年{value.month}月{value.day}日"

    def amount(self, value: float | None) -> str:
        if value is None:
            return ""
        text = f"{value:.2f}" if value != int(value) or self.rng.random() < 0.3 else str(
            int(value))
        roll = self.rng.random()
        if roll < 0.15:
            text = f"{value:,.2f}"
        elif roll < 0.17:
            text = text.translate(_FULL_WIDTH)
        return text

    def id_number(self, value: str | None) -> str:
        if not value:
            return ""
        roll = self.rng.random()
        if value.endswith("X") and roll < 0.3:
            return value[:-1] + "x"
        if roll > 0.985:
            return value.translate(_FULL_WIDTH)
        return value

    def legacy(self, value: str) -> str:
        return legacy_id(value)

    def credit_code(self, value: str | None) -> str:
        if not value:
            return ""
        return value.translate(_FULL_WIDTH) if self.rng.random() > 0.99 else value

    def phone(self, value: str | None) -> str:
        if not value:
            return ""
        roll = self.rng.random()
        if roll < 0.03:
            return value + " "
        if roll < 0.05:
            return value.translate(_FULL_WIDTH)
        return value

    def account(self, value: str | None) -> str:
        if not value:
            return ""
        roll = self.rng.random()
        if roll < 0.08:
            return " ".join(value[index:index + 4] for index in range(0, len(value), 4))
        if roll < 0.1:
            return f"{value[:6]}-{value[6:]}"
        return value
