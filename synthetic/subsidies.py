"""Benefits paid to residents (惠民资金发放), issued by townships.

Background payments stay outside every rule: programmes that exclude officials go only to
households without one; the approving township official is never the recipient, a direct
relative or a household member; a recipient gets at most one payment of a programme per
month, none after death, each into an account no other recipient uses. Farmland subsidies
(耕地地力保护补贴) go to every rural household, officials' included, as the policy allows.
"""
from __future__ import annotations

import random
from datetime import date
from typing import Iterator

from synthetic.world import DATA_END, DATA_START, Payment, Person, World, days

__all__ = ["EXCLUDING_PROGRAMS", "PROGRAM_NAMES", "plan_payments", "subsidy_approver"]

#: English ids written to subsidies.csv, with the Chinese names used in the field.
PROGRAM_NAMES = {"subsistence_allowance": "低保", "rain_dew": "雨露计划",
                 "high_school_grant": "普高助学金", "housing_renovation": "危房改造",
                 "farmland_subsidy": "耕地地力保护补贴", "winter_relief": "冬春救助",
                 "startup_loan": "创业担保贷款", "migrant_transport": "外出务工交通补贴"}
EXCLUDING_PROGRAMS = frozenset(PROGRAM_NAMES) - {"farmland_subsidy"}
_SHARES = {"subsistence_allowance": 0.55, "farmland_subsidy": 0.25, "winter_relief": 0.07,
           "migrant_transport": 0.07, "rain_dew": 0.015, "high_school_grant": 0.01,
           "housing_renovation": 0.02, "startup_loan": 0.01}


def subsidy_approver(world: World, township: str, when: date, recipient: str,
                     rng: random.Random, posts: list | None = None) -> str | None:
    """A township official who may approve the payment: not the recipient, no direct
    kinship with them, not in their household."""
    household = world.persons[recipient].household_id
    kin = world.direct_kin(recipient)
    posts = world.positions_by_unit.get(township, ()) if posts is None else posts
    candidates = [post.id_number for post in posts
                  if "subsidy approval" in post.duties and post.valid_at(when)
                  and post.id_number != recipient and post.id_number not in kin
                  and world.persons[post.id_number].household_id != household]
    return rng.choice(candidates) if candidates else None


class _Benefits:
    """Snapshot of eligible residents and the lazy payment producer."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = random.Random(world.rng.random())
        excluded: set[str] = set()
        for official in world.positions_by_person:
            excluded |= world.household_circle(official)
        self.eligible = [person for person in world.persons.values()
                         if person.id_number not in excluded and self._account(person)
                         and (person.death_date is None or person.death_date > DATA_START)]
        self.posts = {unit: list(posts) for unit, posts in world.positions_by_unit.items()}
        self.farm_heads = []
        for members in list(world.households.values()):
            head = world.persons[members[0]]
            if head.village_id and self._account(head):
                self.farm_heads.append(head)

    def _account(self, person: Person) -> str | None:
        accounts = self.world.accounts_by_holder.get(person.id_number)
        return accounts[0] if accounts else None

    def payment(self, program: str, person: Person, when: date, amount: float) -> Payment | None:
        if when > DATA_END or (person.death_date and when >= person.death_date):
            return None
        approver = subsidy_approver(self.world, person.township_id, when, person.id_number,
                                    self.rng, self.posts.get(person.township_id, []))
        if approver is None:
            return None
        return Payment(self.world.next_id("payment", when), program, person.id_number,
                       person.household_id, float(amount), when, person.township_id, approver,
                       self._account(person))

    def people(self, low_age: int, high_age: int, year: int) -> list[Person]:
        return [person for person in self.eligible
                if low_age <= year - person.birth_date.year <= high_age]


def _monthly(benefits: _Benefits, budget: int) -> Iterator[Payment]:
    rng, made = benefits.rng, 0
    people = benefits.people(18, 100, 2021)
    rng.shuffle(people)
    for person in people:
        if made >= budget:
            return
        month = date(rng.randint(2018, 2024), rng.randint(1, 12), 1)
        amount, day = rng.randrange(350, 760, 10), rng.randint(8, 20)
        for _ in range(rng.randint(6, 60)):
            paid = benefits.payment("subsistence_allowance", person, month.replace(day=day),
                                    amount)
            if paid is None:
                break
            made += 1
            yield paid
            month = (month + days(32)).replace(day=1)


def _yearly(benefits: _Benefits, program: str, budget: int, people: list[Person],
            months: tuple[int, ...], amounts: tuple[int, int], years: int) -> Iterator[Payment]:
    """Programmes paid once a year (or once a term) to the same people."""
    rng, made = benefits.rng, 0
    rng.shuffle(people)
    for person in people:
        first = rng.randint(2018, 2024)
        for year in range(first, min(2025, first + years)):
            for month in months:
                if made >= budget:
                    return
                paid = benefits.payment(program, person, date(year, month, rng.randint(1, 28)),
                                        rng.randrange(*amounts, 10))
                if paid:
                    made += 1
                    yield paid


def plan_payments(world: World, scale) -> None:
    """Register the lazy background stream of subsidies.csv on the world."""
    target = int(scale.subsidies * len(world.counties) * 0.99)
    benefits = _Benefits(world)

    def stream() -> Iterator[Payment]:
        budget = {program: int(target * share) for program, share in _SHARES.items()}
        yield from _monthly(benefits, budget["subsistence_allowance"])
        plans = (
            ("farmland_subsidy", benefits.farm_heads, (5,), (300, 3_000), 7),
            ("winter_relief", benefits.people(60, 100, 2021), (12,), (300, 1_000), 3),
            ("migrant_transport", benefits.people(18, 50, 2021), (2,), (200, 500), 3),
            ("rain_dew", benefits.people(16, 21, 2021), (3, 9), (1_500, 1_501), 3),
            ("high_school_grant", benefits.people(15, 18, 2021), (4, 10), (1_000, 1_001), 3),
            ("housing_renovation", benefits.people(30, 90, 2021), (7,), (10_000, 35_000), 1),
            ("startup_loan", benefits.people(20, 45, 2021), (6,), (50_000, 200_000), 1),
        )
        for program, people, months, amounts, years in plans:
            yield from _yearly(benefits, program, budget[program], list(people), months,
                               amounts, years)

    world.streams["subsidies"] = stream
