"""Residents, households (户) and family ties.

The population grows in clans: an elder couple's household and the households their grown
children formed with spouses from elsewhere. kinship.csv records what a civil register or
an official's declaration would: spouses, parents and children, some siblings and in-laws.
Members of one household share its household_id and its address.
"""
from __future__ import annotations

import random
from datetime import date

from synthetic.identifiers import BIRTH_REGIONS, COUNTY_NAMES
from synthetic.world import Person, World, random_date

__all__ = ["build_population", "new_household", "new_person", "place_of", "places"]

_ROADS = ("人民路", "解放路", "建设路", "周公路", "凤鸣路", "中山街", "新华路", "文化路", "东大街",
          "西大街", "南环路", "北环路", "迎宾大道", "岐山路", "渭滨路")
_ESTATES = ("锦绣花园", "阳光小区", "凤鸣苑", "书香门第", "金色家园", "紫荆花园", "和谐家园",
            "周原小区", "兴业小区", "教师小区", "翠屏苑", "幸福里")


def place_of(world: World, township_id: str) -> tuple[str, str]:
    """County name and short township name (without 人民政府) for addresses."""
    unit = world.units[township_id]
    county = COUNTY_NAMES[unit.region_code]
    return county, unit.name.removeprefix(county).removesuffix("人民政府")


def _address(world: World, township_id: str, village_id: str | None) -> str:
    rng = world.rng
    county, township = place_of(world, township_id)
    while True:
        if village_id:
            village = world.units[village_id].name.removeprefix(township)
            village = village.removesuffix("村民委员会").removesuffix("居民委员会")
            text = (f"陕西省宝鸡市{county}{township}{village}{rng.randint(1, 12)}组"
                    f"{rng.randint(1, 180)}号")
        else:
            text = (f"陕西省宝鸡市{county}{township}{rng.choice(_ESTATES)}{rng.randint(1, 30)}号楼"
                    f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室")
        if world.ids.claim(text):
            return text


def places(world: World, county: str) -> tuple[list[str], dict[str, list[str]]]:
    """Townships of a county and the villages of each (cached: asked for every household)."""
    key = ("places", county)
    if key not in world.cache:
        townships = [unit.unit_id for unit in world.units.values()
                     if unit.profile == "township" and unit.region_code == county]
        villages: dict[str, list[str]] = {township: [] for township in townships}
        for unit in world.units.values():
            if unit.profile == "village" and unit.township_id in villages:
                villages[unit.township_id].append(unit.unit_id)
        world.cache[key] = (townships, villages)
    return world.cache[key]


def new_household(world: World, county: str, township_id: str | None = None,
                  village_id: str | None = None) -> tuple[str, str, str, str | None]:
    """A fresh household: id, address, township and village (None in town).

    Most households live in a village; many in the county seat (城关) live in town.
    """
    rng = world.rng
    townships, villages = places(world, county)
    township_id = township_id or rng.choice(townships)
    urban = "城关" in world.units[township_id].name and rng.random() < 0.6
    if village_id is None and not urban and villages[township_id]:
        village_id = rng.choice(villages[township_id])
    household_id = f"{county}{world.next_id('household')}"
    return household_id, _address(world, township_id, village_id), township_id, village_id


def new_person(world: World, household: tuple[str, str, str, str | None], gender: str,
               birth: date, surname: str | None = None, born_in: str | None = None,
               phone: bool | None = None) -> Person:
    """A resident of ``household``; adults usually have a mobile phone."""
    rng = world.rng
    household_id, address, township_id, village_id = household
    county = household_id[:6]
    region = born_in or (county if rng.random() < 0.85 else rng.choice(BIRTH_REGIONS))
    if phone is None:
        age = 2024 - birth.year
        phone = age >= 16 and rng.random() < (0.6 if age > 72 else 0.93)
    return world.add_person(Person(
        id_number=world.ids.resident_id(region, birth, gender),
        name=world.names.full_name(gender, birth.year, surname), gender=gender,
        birth_date=birth, household_id=household_id, address=address,
        phone=world.ids.mobile() if phone else None, county=county,
        township_id=township_id, village_id=village_id))


def _birth(rng: random.Random, first: int, last: int) -> date:
    return random_date(rng, date(first, 1, 1), date(last, 12, 28))


def _maybe_die(rng: random.Random, person: Person) -> None:
    age = 2024 - person.birth_date.year
    risk = 0.55 if age >= 85 else 0.25 if age >= 75 else 0.06 if age >= 62 else 0.0
    if rng.random() < risk:
        person.death_date = _birth(rng, max(2012, person.birth_date.year + 60), 2024)


def _child_row(world: World, parent: Person, child: Person, probability: float) -> None:
    """Record a parent-child tie, from either side, as registers do."""
    if world.rng.random() >= probability:
        return
    if world.rng.random() < 0.85:
        world.add_kin(parent.id_number, child.id_number, "child")
    else:
        world.add_kin(child.id_number, parent.id_number, "parent")


def _grown_child(world: World, county: str, elders: list[Person], mother_birth: int,
                 elder_household, shares_home: bool) -> list[Person]:
    rng = world.rng
    father = elders[0]
    surname = father.name[0]
    born = min(1998, mother_birth + rng.randint(20, 35))
    gender = rng.choice(("male", "female"))
    household = elder_household if shares_home else new_household(
        world, county, elder_household[2], elder_household[3] if rng.random() < 0.6 else None)
    child = new_person(world, household, gender, _birth(rng, born, born), surname)
    for elder in elders:
        _child_row(world, elder, child, 0.95 if elder is father else 0.6)
    family = [child]
    if born > 1997 or rng.random() < 0.08:
        return family
    spouse_gender = "female" if gender == "male" else "male"
    spouse = new_person(world, household, spouse_gender,
                        _birth(rng, born - 3, min(1998, born + 3)))
    if rng.random() < 0.5:
        world.add_kin(child.id_number, spouse.id_number, "spouse")
    else:
        world.add_kin(spouse.id_number, child.id_number, "spouse")
    if rng.random() < 0.1:
        world.add_kin(spouse.id_number, father.id_number, "parent_in_law")
    family.append(spouse)
    husband = child if gender == "male" else spouse
    younger = max(child.birth_date.year, spouse.birth_date.year)
    for _ in range(rng.choices((0, 1, 2, 3), (15, 45, 30, 10))[0]):
        kid_year = min(2021, younger + rng.randint(22, 38))
        kid = new_person(world, household, rng.choice(("male", "female")),
                         _birth(rng, kid_year, kid_year), husband.name[0])
        _child_row(world, child, kid, 0.97)
        _child_row(world, spouse, kid, 0.6)
        if rng.random() < 0.05:
            world.add_kin(kid.id_number, father.id_number, "grandparent")
        family.append(kid)
    return family


def _clan(world: World, county: str) -> int:
    """One elder couple and their grown children's households; returns persons made."""
    rng = world.rng
    home = new_household(world, county)
    father_year = rng.randint(1932, 1966)
    father = new_person(world, home, "male", _birth(rng, father_year, father_year))
    mother = new_person(world, home, "female",
                        _birth(rng, father_year - 2, min(1968, father_year + 4)))
    world.add_kin(father.id_number, mother.id_number, "spouse")
    for elder in (father, mother):
        _maybe_die(rng, elder)
    made = 2
    children: list[Person] = []
    co_resident = rng.random() < 0.2
    for index in range(rng.choices((1, 2, 3, 4), (25, 40, 25, 10))[0]):
        family = _grown_child(world, county, [father, mother], mother.birth_date.year, home,
                              co_resident and index == 0)
        made += len(family)
        children.append(family[0])
    for first in range(len(children)):
        for second in range(first + 1, len(children)):
            if rng.random() < 0.4:
                world.add_kin(children[first].id_number, children[second].id_number,
                              "sibling")
    return made


def _incomers(world: World, county: str, count: int) -> None:
    """Traders who moved to the county seat from elsewhere, alone or as a couple."""
    rng = world.rng
    townships, _ = places(world, county)
    made = 0
    while made < count:
        household = new_household(world, county, townships[0], None)
        year = rng.randint(1962, 1995)
        head = new_person(world, household, rng.choice(("male", "female")),
                          _birth(rng, year, year), born_in=rng.choice(BIRTH_REGIONS),
                          phone=True)
        made += 1
        if rng.random() < 0.4:
            partner = new_person(world, household, "female" if head.gender == "male" else "male",
                                 _birth(rng, year - 3, min(1998, year + 3)),
                                 born_in=rng.choice(BIRTH_REGIONS), phone=True)
            world.add_kin(head.id_number, partner.id_number, "spouse")
            made += 1


def build_population(world: World, scale) -> None:
    """Fill every county with clans, and with traders who moved in, until it holds its
    share of residents. Planted cases add their own people later; the background leaves
    room for them."""
    for county in world.counties:
        target = int(scale.persons * 0.76)
        made = 0
        while made < target:
            made += _clan(world, county)
        _incomers(world, county, int(scale.persons * 0.18))
