"""Building blocks of planted cases: fresh people, companies and documents.

Every planted case is built from people and companies made for it, tied to the background
only through units, their accounts and approving officials in post. Nobody fresh has a
family tie, an address or a phone in common with the background unless the case says so,
which keeps each case inside its own rule and keeps look-alikes outside every rule.
"""
from __future__ import annotations

from datetime import date

from synthetic.market import new_company
from synthetic.money import open_company_account, open_person_account
from synthetic.population import new_household, new_person
from synthetic.procurement import THRESHOLDS, Procurement, contract_title
from synthetic.world import (Bid, Case, Company, Contract, Payment, Person, Position,
                                   Role, Transaction, Unit, World, days, random_date)

__all__ = ["Kit"]


class Kit:
    """What a plant function gets: the world, its random source and constructors."""

    def __init__(self, world: World, procurement: Procurement) -> None:
        self.world, self.rng, self.procurement = world, world.rng, procurement
        self.county = world.counties[0]
        self.fresh: set[str] = set()  # people made for cases: never picked as approvers

    # -- dates and units ---------------------------------------------------------------
    def day(self, start: date = date(2019, 3, 1), end: date = date(2024, 3, 31)) -> date:
        """A date for a planted event, leaving room for what follows it."""
        return random_date(self.rng, start, end)

    def founded(self, before: date, holder: Person | None = None) -> date:
        """An establishment date well before ``before`` (and after the holder turned 22),
        so no planted contract looks like a shell company's by accident."""
        latest = min(date(2016, 12, 31), before - days(400))
        earliest = date(2008, 1, 1)
        if holder:
            earliest = max(earliest, date(holder.birth_date.year + 22, 1, 1))
        return self.day(min(earliest, latest), latest)

    def unit(self, *profiles: str, exclude: tuple[Unit, ...] = ()) -> Unit:
        """A unit of the case's county with one of the profiles (any when none given)."""
        units = [unit for unit in self.world.units.values()
                 if (not profiles or unit.profile in profiles) and unit not in exclude
                 and unit.region_code == self.county]
        return self.rng.choice(units)

    def parent_of(self, unit: Unit) -> Unit:
        return self.world.units[unit.parent_unit_id]

    # -- people ------------------------------------------------------------------------
    def household(self, township: str | None = None, village: str | None = None) -> tuple:
        return new_household(self.world, self.county, township, village)

    def person(self, household: tuple | None = None, gender: str | None = None,
               born: int | None = None, surname: str | None = None, phone: bool = True,
               name: str | None = None) -> Person:
        """A fresh adult resident, in a new household unless one is given."""
        year = born or self.rng.randint(1962, 1992)
        person = new_person(self.world, household or self.household(),
                            gender or self.rng.choice(("male", "female")),
                            random_date(self.rng, date(year, 1, 1), date(year, 12, 28)),
                            surname, phone=phone)
        if name:
            person.name = name
        self.fresh.add(person.id_number)
        return person

    def kin(self, person: Person, relative: Person, relation: str) -> None:
        self.world.add_kin(person.id_number, relative.id_number, relation)

    def relative(self, of: Person, relation: str, same_household: bool = False,
                 born: int | None = None) -> Person:
        """A fresh relative of ``of`` with the kinship row ``of → relative``."""
        home = self.world.persons[of.id_number]
        household = (home.household_id, home.address, home.township_id, home.village_id) if (
            same_household) else None
        year = born or {"parent": of.birth_date.year - 27, "child": of.birth_date.year + 27
                        }.get(relation, of.birth_date.year + self.rng.randint(-5, 5))
        surname = of.name[0] if relation in ("sibling", "parent", "child") else None
        relative = self.person(household, born=min(year, 2004), surname=surname)
        self.kin(of, relative, relation)
        return relative

    def official(self, unit: Unit, start: date, end: date | None = None,
                 title: str = "副主任", duties: str = "operations", born: int | None = None,
                 household: tuple | None = None) -> Person:
        """A fresh official with one post at ``unit``."""
        year = born or self.rng.randint(max(1966, start.year - 50), min(1990, start.year - 24))
        person = self.person(household, born=year)
        self.world.add_position(Position(person.id_number, unit.unit_id, title, "四级主任科员",
                                         start, end, tuple(duties.split(";"))))
        return person

    # -- companies ---------------------------------------------------------------------
    def company(self, category: str = "goods", established: date | None = None,
                capital: float | None = None, legal_rep: Person | None = None,
                rep_row: bool = True, **contact) -> Company:
        """A fresh company; its legal rep is a fresh resident unless one is given."""
        established = established or self.day(date(2008, 1, 1), date(2016, 12, 31))
        rep = legal_rep or self.person()
        company = new_company(self.world, self.county, category, established, rep.id_number,
                              capital=capital, **contact)
        if rep_row:
            self.role(company, rep, "legal_rep", established)
        open_company_account(self.world, company.credit_code)
        return company

    def role(self, company: Company, holder: Person | Company, role: str,
             start: date | None, end: date | None = None, share: float | None = None) -> None:
        is_company = isinstance(holder, Company)
        code = holder.credit_code if is_company else holder.id_number
        if share is None and role == "shareholder":
            share = float(self.rng.randint(20, 80))
        self.world.add_role(Role(company.credit_code, None if is_company else code,
                                 code if is_company else None, role, share, start, end))

    # -- procurement -------------------------------------------------------------------
    def approver(self, unit: Unit, when: date, duty: str = "procurement") -> str:
        """A background official in post with the duty: never someone made for a case."""
        candidates = [official for official in self.world.officials_at(unit.unit_id, when, duty)
                      if official not in self.fresh]
        if not candidates:
            raise RuntimeError(f"no {duty} official in post at {unit.unit_id} on {when}")
        return self.rng.choice(candidates)

    def contract(self, unit: Unit, company: Company, when: date, amount: float,
                 method: str = "competitive_negotiation", approver: str | None = None,
                 tender: str | None = None, pay: bool = True,
                 category: str | None = None) -> Contract:
        """A contract of a fresh supplier; paid once unless the case pays it itself."""
        world, category = self.world, category or company.category
        contract = world.add_contract(Contract(
            world.next_id("contract", when), tender, unit.unit_id, company.credit_code,
            contract_title(unit, category, when, self.rng), category, float(amount), method,
            when, approver or self.approver(unit, when)))
        if pay:
            self.transfer(self.account(unit.unit_id), self.account(company.credit_code),
                          amount, when + days(self.rng.randint(15, 60)), "合同款")
        return contract

    def small_amount(self, category: str) -> float:
        """An amount no series of two or three can lift to the tender threshold."""
        return float(round(self.rng.uniform(0.05, 0.25) * THRESHOLDS[category], -3))

    def tender(self, unit: Unit, winner: Company, others: list[Company], amount: float,
               signed: date, submitted: date | None = None, clean_rivals: int = 1,
               method: str = "public_tender") -> Contract:
        """A tender won by ``winner`` and signed on ``signed``, with bids of ``others`` and
        of clean background rivals."""
        world = self.world
        submitted = submitted or signed - days(self.rng.randint(10, 25))
        tender = world.next_id("tender", submitted)
        world.bids.append(Bid(tender, winner.credit_code, amount, True, submitted))
        for other in others:
            world.bids.append(Bid(tender, other.credit_code,
                                  float(round(amount * self.rng.uniform(1.01, 1.15), -2)),
                                  False, submitted))
        for rival in self.procurement.rivals(winner.category, self.county, submitted,
                                             clean_rivals, set()):
            world.bids.append(Bid(tender, rival.credit_code,
                                  float(round(amount * self.rng.uniform(1.02, 1.2), -2)),
                                  False, submitted))
        return self.contract(unit, winner, signed, amount, method, tender=tender)

    # -- money and benefits ------------------------------------------------------------
    def account(self, holder: str) -> str:
        """The holder's first account, opening one for a fresh person or company."""
        accounts = self.world.accounts_by_holder.get(holder)
        if accounts:
            return accounts[0]
        if holder in self.world.companies:
            return open_company_account(self.world, holder)
        return open_person_account(self.world, holder)

    def transfer(self, source: str, target: str, amount: float, when: date,
                 memo: str = "转账") -> Transaction:
        transaction = Transaction(self.world.next_id("transaction", when), source, target,
                                  float(amount), when, memo)
        self.world.transactions.append(transaction)
        return transaction

    def payment(self, program: str, recipient: Person, when: date, amount: float,
                approver: str | None = None, account: str | None = None) -> Payment:
        """A benefit paid by the recipient's township, approved there unless said."""
        world = self.world
        township = recipient.township_id
        approver = approver or self.approver(world.units[township], when, "subsidy approval")
        payment = Payment(world.next_id("payment", when), program, recipient.id_number,
                          recipient.household_id, float(amount), when, township, approver,
                          account or self.account(recipient.id_number))
        world.payments.append(payment)
        return payment

    # -- truth -------------------------------------------------------------------------
    def case(self, pattern: str, variant: str, *entities) -> Case:
        """Record a planted case with the identifiers of everything involved."""
        found: list[str] = []
        for entity in entities:
            for value in _identifiers(entity):
                if value and value not in found:
                    found.append(value)
        number = sum(case.pattern == pattern for case in self.world.cases) + 1
        case = Case(f"{pattern}-{number:03d}", pattern, variant, found)
        self.world.cases.append(case)
        return case

    def lookalike(self, pattern: str) -> None:
        """Count an innocent look-alike planted next to the rule's cases."""
        self.world.lookalikes[pattern] += 1


def _identifiers(entity) -> list[str]:
    if entity is None:
        return []
    if isinstance(entity, (list, tuple, set)):
        return [value for item in entity for value in _identifiers(item)]
    if isinstance(entity, str):
        return [entity]
    for attribute in ("payment_id", "txn_id", "contract_id", "credit_code", "id_number",
                      "unit_id"):
        if hasattr(entity, attribute):
            values = [getattr(entity, attribute)]
            if attribute == "contract_id" and entity.tender_id:
                values.append(entity.tender_id)
            return values
    raise TypeError(f"no identifier on {entity!r}")
