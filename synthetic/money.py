"""Bank accounts (账户) and fund flows (资金流水).

Background flows: units pay suppliers for contracts and staff their salaries, companies pay
wages, residents transfer money to each other. None of them can start a kickback chain:
every transfer out of a company account to a person, and every transfer by anyone who
holds a company, stays below the 10,000 yuan the rule watches. Large transfers happen only
between residents who hold no company. The table is produced lazily, row by row.
"""
from __future__ import annotations

import random
from datetime import date
from itertools import islice
from typing import Iterator

from synthetic.identifiers import COUNTY_NAMES
from synthetic.world import (DATA_END, DATA_START, Account, Transaction, World, days,
                                   random_date)

__all__ = ["bank_branch", "open_accounts", "plan_transactions"]

_BANKS = ("中国农业银行", "中国建设银行", "中国工商银行", "中国邮政储蓄银行", "陕西信合")


def bank_branch(bank: str, county: str) -> str:
    """Name of the branch that keeps an account, e.g. 中国农业银行岐山县支行."""
    return f"{bank}{COUNTY_NAMES.get(county, '宝鸡市')}支行"


def open_person_account(world: World, person: str) -> str:
    """A personal debit card account."""
    bank = world.rng.choice(_BANKS)
    return world.add_account(Account(world.ids.card_number(bank),
                                     bank_branch(bank, world.persons[person].county),
                                     holder_id_number=person))


def open_company_account(world: World, credit_code: str) -> str:
    """A company's settlement account."""
    bank = world.rng.choice(_BANKS)
    return world.add_account(Account(world.ids.corporate_account(),
                                     bank_branch(bank, world.companies[credit_code].county),
                                     holder_credit_code=credit_code))


def open_accounts(world: World) -> None:
    """Open accounts for units, companies and residents of 16 and over."""
    rng = world.rng
    for unit in world.units.values():
        for _ in range(1 + (rng.random() < 0.3)):
            bank = rng.choice(_BANKS)
            world.add_account(Account(world.ids.corporate_account(),
                                      bank_branch(bank, unit.region_code),
                                      holder_unit_id=unit.unit_id))
    for code, company in world.companies.items():
        if not company.invalid:
            for _ in range(1 + (rng.random() < 0.15)):
                open_company_account(world, code)
    for person in world.persons.values():
        if 2024 - person.birth_date.year >= 16 and not person.invalid and rng.random() < 0.9:
            for _ in range(1 + (rng.random() < 0.15)):
                open_person_account(world, person.id_number)


class _Flows:
    """Snapshot of the background world the lazy stream draws on."""

    def __init__(self, world: World, target: int) -> None:
        self.rng = random.Random(world.rng.random())
        self.world = world
        self.target = target
        self.contracts = list(world.contracts)
        holders = {role.holder_id_number for role in world.roles if role.holder_id_number}
        holders |= {company.legal_rep_id_number for company in world.companies.values()}
        self.residents = [person for person in world.persons.values()
                          if world.accounts_by_holder.get(person.id_number)]
        self.free_senders = [person for person in self.residents
                             if person.id_number not in holders]
        self.companies = [code for code in world.companies
                          if world.accounts_by_holder.get(code)]
        self.posts = [position for position in world.positions
                      if position.end_date is None or position.end_date >= DATA_START]

    def account(self, holder: str) -> str:
        return self.world.accounts_by_holder[holder][0]

    def transaction(self, source: str, target: str, amount: float, when: date,
                    memo: str) -> Transaction:
        return Transaction(self.world.next_id("transaction", when), source, target,
                           round(amount, 2), when, memo)

    def alive_on(self, person, when: date) -> bool:
        return person.death_date is None or when < person.death_date


def _contract_payments(flows: _Flows) -> Iterator[Transaction]:
    rng = flows.rng
    memos = {"works": "工程款", "goods": "货款", "services": "服务费"}
    for contract in flows.contracts:
        parts = rng.choices((1, 2, 3), (5, 3, 2))[0]
        paid = contract.signed_date
        for part in range(parts):
            paid = paid + days(rng.randint(10, 120))
            if paid > DATA_END:
                break
            share = 1 / parts if part < parts - 1 else 1 - (parts - 1) / parts
            yield flows.transaction(flows.account(contract.buyer_unit_id),
                                    flows.account(contract.supplier_credit_code),
                                    contract.amount * share, paid,
                                    f"{memos[contract.category]} {contract.contract_id}")


def _salaries(flows: _Flows, count: int) -> Iterator[Transaction]:
    rng, persons = flows.rng, flows.world.persons
    for _ in range(count):
        post = rng.choice(flows.posts)
        if not flows.world.accounts_by_holder.get(post.id_number):
            continue
        start = max(post.start_date, DATA_START)
        end = min(post.end_date or DATA_END, DATA_END)
        if start > end or not flows.alive_on(persons[post.id_number], end):
            continue
        when = random_date(rng, start, end).replace(day=rng.randint(5, 15))
        if start <= when <= end:
            yield flows.transaction(flows.account(post.unit_id), flows.account(post.id_number),
                                    rng.randint(3_200, 9_500), when, "工资")


def _wages(flows: _Flows, count: int) -> Iterator[Transaction]:
    rng = flows.rng
    for _ in range(count):
        payer, person = rng.choice(flows.companies), rng.choice(flows.residents)
        when = random_date(rng, DATA_START, DATA_END)
        if flows.alive_on(person, when):
            yield flows.transaction(flows.account(payer), flows.account(person.id_number),
                                    rng.randint(1_500, 9_800), when,
                                    rng.choice(("工资", "劳务费", "报销款")))


def _personal(flows: _Flows, count: int) -> Iterator[Transaction]:
    rng = flows.rng
    for _ in range(count):
        large = rng.random() < 0.2
        sender = rng.choice(flows.free_senders if large else flows.residents)
        receiver = rng.choice(flows.residents)
        when = random_date(rng, DATA_START, DATA_END)
        if sender is receiver or not (flows.alive_on(sender, when)
                                      and flows.alive_on(receiver, when)):
            continue
        amount = rng.randint(10_000, 80_000) if large else rng.randint(100, 5_000)
        yield flows.transaction(flows.account(sender.id_number),
                                flows.account(receiver.id_number), amount, when,
                                rng.choice(("转账", "还款", "借款", "礼金", "生活费")))


def _trade(flows: _Flows, count: int) -> Iterator[Transaction]:
    rng = flows.rng
    for _ in range(count):
        buyer = rng.choice(flows.companies)
        seller = rng.choice(flows.companies)
        when = random_date(rng, DATA_START, DATA_END)
        if rng.random() < 0.5:
            person = rng.choice(flows.residents)
            if flows.alive_on(person, when):
                yield flows.transaction(flows.account(person.id_number), flows.account(seller),
                                        rng.randint(500, 50_000), when, "购货款")
        elif buyer != seller:
            yield flows.transaction(flows.account(buyer), flows.account(seller),
                                    rng.randint(5_000, 500_000), when, "货款")


def plan_transactions(world: World, scale) -> None:
    """Register the lazy background stream of transactions.csv on the world."""
    target = int(scale.transactions * len(world.counties) * 0.99)
    flows = _Flows(world, target)

    def stream() -> Iterator[Transaction]:
        made = 0
        for row in _contract_payments(flows):
            made += 1
            yield row
        rest = max(0, target - made)
        for producer, share in ((_salaries, 0.4), (_wages, 0.25), (_personal, 0.25),
                                (_trade, 0.1)):
            wanted = int(rest * share)  # producers skip some draws: ask for more, keep these
            yield from islice(producer(flows, 2 * wanted), wanted)

    world.streams["transactions"] = stream
