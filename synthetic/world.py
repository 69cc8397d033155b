"""The generated world in memory: one record type per canonical table, plus the indexes
the generator needs to keep background data clean (who is whose relative, who sits where).

Values here are typed (``date``, ``float``); formatting and noise happen only when the
writer turns records into CSV cells.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Iterator

from synthetic.identifiers import IdentifierFactory
from synthetic.names import NameMaker

__all__ = [
    "DATA_END", "DATA_START", "Account", "Bid", "Case", "Company", "Complaint", "Contract",
    "Kin", "Payment", "Person", "Position", "Role", "Transaction", "Unit", "World",
    "days", "random_date",
]

DATA_START = date(2018, 1, 1)  # procurement, money flows and benefits are recorded from here
DATA_END = date(2024, 12, 31)


def days(count: int) -> timedelta:
    """A span of ``count`` days."""
    return timedelta(days=count)


def random_date(rng: random.Random, start: date, end: date) -> date:
    """A date drawn uniformly from ``start``..``end`` inclusive."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


@dataclass(slots=True)
class Unit:
    unit_id: str
    name: str
    parent_unit_id: str | None
    level: str
    region_code: str
    kind: str
    profile: str  # what the unit buys and how it is staffed, e.g. "bureau", "village"
    township_id: str | None = None  # the township a village or township school belongs to


@dataclass(slots=True)
class Person:
    id_number: str
    name: str
    gender: str
    birth_date: date
    household_id: str
    address: str
    phone: str | None = None
    death_date: date | None = None
    county: str = ""
    township_id: str | None = None
    village_id: str | None = None
    legacy_id: bool = False  # written in its 15-digit form in persons.csv
    invalid: bool = False  # written with a wrong check digit (an isolated person)


@dataclass(slots=True)
class Kin:
    id_number: str
    relative_id_number: str
    relation: str


@dataclass(slots=True)
class Position:
    id_number: str
    unit_id: str
    title: str
    rank: str
    start_date: date
    end_date: date | None
    duties: tuple[str, ...]

    def valid_at(self, when: date) -> bool:
        return self.start_date <= when and (self.end_date is None or when <= self.end_date)

    def overlaps(self, start: date | None, end: date | None) -> bool:
        return ((end is None or self.start_date <= end)
                and (self.end_date is None or start is None or start <= self.end_date))


@dataclass(slots=True)
class Company:
    credit_code: str
    name: str
    legal_rep_id_number: str | None
    address: str
    phone: str | None
    email: str | None
    established_date: date
    status: str
    registered_capital: float | None
    industry: str
    category: str  # what it sells to public buyers: goods, works or services
    county: str = ""
    invalid: bool = False


@dataclass(slots=True)
class Role:
    credit_code: str
    holder_id_number: str | None
    holder_credit_code: str | None
    role: str
    share_pct: float | None
    start_date: date | None
    end_date: date | None

    @property
    def holder(self) -> str:
        return self.holder_id_number or self.holder_credit_code or ""

    def valid_at(self, when: date) -> bool:
        return ((self.start_date is None or self.start_date <= when)
                and (self.end_date is None or when <= self.end_date))


@dataclass(slots=True)
class Contract:
    contract_id: str
    tender_id: str | None
    buyer_unit_id: str
    supplier_credit_code: str
    title: str
    category: str
    amount: float
    method: str
    signed_date: date
    approver_id_number: str | None


@dataclass(slots=True)
class Bid:
    tender_id: str
    bidder_credit_code: str
    bid_amount: float
    won: bool
    submitted_date: date


@dataclass(slots=True)
class Account:
    account_no: str
    bank: str
    holder_id_number: str | None = None
    holder_credit_code: str | None = None
    holder_unit_id: str | None = None


@dataclass(slots=True)
class Transaction:
    txn_id: str
    from_account: str
    to_account: str
    amount: float
    date: date
    memo: str


@dataclass(slots=True)
class Payment:
    payment_id: str
    program: str
    recipient_id_number: str
    household_id: str
    amount: float
    date: date
    unit_id: str
    approver_id_number: str
    account_no: str


@dataclass(slots=True)
class Complaint:
    complaint_id: str
    date: date
    subject_id_number: str | None
    subject_unit_id: str | None
    category: str
    text: str


@dataclass
class Case:
    """One planted wrongdoing: a row of truth.csv."""

    case_id: str
    pattern: str
    variant: str
    entity_ids: list[str]


@dataclass
class World:
    """Every table of one dataset, with the indexes generation needs."""

    rng: random.Random
    ids: IdentifierFactory
    names: NameMaker
    counties: tuple[str, ...]
    units: dict[str, Unit] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    households: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    kinship: list[Kin] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    companies: dict[str, Company] = field(default_factory=dict)
    roles: list[Role] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    bids: list[Bid] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    lookalikes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    #: Large background tables, produced lazily by the writer so memory stays bounded.
    streams: dict[str, Callable[[], Iterator]] = field(default_factory=dict)
    _kin: dict[str, list[tuple[str, bool]]] = field(default_factory=lambda: defaultdict(list))
    _kin_rows: dict[str, list[Kin]] = field(default_factory=lambda: defaultdict(list))
    positions_by_person: dict[str, list[Position]] = field(
        default_factory=lambda: defaultdict(list))
    positions_by_unit: dict[str, list[Position]] = field(default_factory=lambda: defaultdict(list))
    roles_by_company: dict[str, list[Role]] = field(default_factory=lambda: defaultdict(list))
    roles_by_holder: dict[str, list[Role]] = field(default_factory=lambda: defaultdict(list))
    accounts_by_holder: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    contracts_by_unit: dict[str, list[Contract]] = field(default_factory=lambda: defaultdict(list))
    sequences: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cache: dict = field(default_factory=dict)

    # -- adding rows -------------------------------------------------------------------
    def add_person(self, person: Person) -> Person:
        self.persons[person.id_number] = person
        self.households[person.household_id].append(person.id_number)
        return person

    def add_kin(self, id_number: str, relative: str, relation: str) -> None:
        row = Kin(id_number, relative, relation)
        self.kinship.append(row)
        spouse = relation == "spouse"
        self._kin[id_number].append((relative, spouse))
        self._kin[relative].append((id_number, spouse))
        self._kin_rows[id_number].append(row)
        self._kin_rows[relative].append(row)

    def add_position(self, position: Position) -> Position:
        self.positions.append(position)
        self.positions_by_person[position.id_number].append(position)
        self.positions_by_unit[position.unit_id].append(position)
        return position

    def add_company(self, company: Company) -> Company:
        self.companies[company.credit_code] = company
        return company

    def add_role(self, role: Role) -> Role:
        self.roles.append(role)
        self.roles_by_company[role.credit_code].append(role)
        self.roles_by_holder[role.holder].append(role)
        return role

    def add_contract(self, contract: Contract) -> Contract:
        self.contracts.append(contract)
        self.contracts_by_unit[contract.buyer_unit_id].append(contract)
        return contract

    def add_account(self, account: Account) -> str:
        self.accounts.append(account)
        holder = account.holder_id_number or account.holder_credit_code or account.holder_unit_id
        self.accounts_by_holder[holder].append(account.account_no)
        return account.account_no

    def next_id(self, kind: str, when: date | None = None) -> str:
        """Identifiers of documents, shaped like the registers that issue them."""
        self.sequences[kind] += 1
        number = self.sequences[kind]
        year = when.year if when else 2024
        return {"contract": f"HT{year}-{number:06d}", "tender": f"ZB{year}-{number:05d}",
                "transaction": f"LS{when:%Y%m%d}{number:07d}" if when else f"LS{number:09d}",
                "payment": f"FF{year}{number:07d}", "complaint": f"XF{year}-{number:05d}",
                "household": f"{number:06d}"}[kind]

    # -- family ------------------------------------------------------------------------
    def direct_kin(self, id_number: str) -> set[str]:
        """Persons with a kinship row to or from ``id_number``."""
        return {other for other, _ in self._kin[id_number]}

    def relatives(self, id_number: str) -> dict[str, str | None]:
        """Relatives by the default rule (kinship_hops=2): each maps to the person between
        (None when the tie is direct). Two hops count only through a spouse tie."""
        found: dict[str, str | None] = {other: None for other, _ in self._kin[id_number]}
        for middle, first_is_spouse in self._kin[id_number]:
            for other, second_is_spouse in self._kin[middle]:
                if other != id_number and other not in found and (
                        first_is_spouse or second_is_spouse):
                    found[other] = middle
        return found

    def spouses_and_children(self, id_number: str) -> set[str]:
        """Spouse and children as kinship rows state them, in either direction."""
        found = set()
        for row in self._kin_rows[id_number]:
            if row.relation == "spouse":
                found.add(row.relative_id_number if row.id_number == id_number
                          else row.id_number)
            elif row.relation == "child" and row.id_number == id_number:
                found.add(row.relative_id_number)
            elif row.relation == "parent" and row.relative_id_number == id_number:
                found.add(row.id_number)
        return found

    def household_circle(self, id_number: str) -> set[str]:
        """The household of a person as subsidy_ineligible reads it: same household_id,
        plus spouse and children."""
        person = self.persons[id_number]
        return set(self.households[person.household_id]) | self.spouses_and_children(id_number)

    # -- posts -------------------------------------------------------------------------
    def is_official(self, id_number: str) -> bool:
        return bool(self.positions_by_person.get(id_number))

    def officials_at(self, unit_id: str, when: date, duty: str | None = None) -> list[str]:
        """Officials whose position at the unit is valid on ``when`` (optionally with a duty)."""
        return [position.id_number for position in self.positions_by_unit.get(unit_id, ())
                if position.valid_at(when) and (duty is None or duty in position.duties)]

    def holders_of(self, credit_code: str) -> set[str]:
        """Everyone who ever held the company in any role, companies.csv's legal rep included."""
        holders = {role.holder for role in self.roles_by_company.get(credit_code, ())}
        legal_rep = self.companies[credit_code].legal_rep_id_number
        if legal_rep:
            holders.add(legal_rep)
        return holders
