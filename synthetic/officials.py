"""Public posts (任职): who sat where, with titles, ranks, duties and tenures.

Each unit keeps its leading posts filled without gaps (a chain of successive holders), so
every contract and benefit payment has an approver in post on its date; other staff come
and go. Some officials move between units; some have left public service.
"""
from __future__ import annotations

import random
from datetime import date

from synthetic.world import Position, Unit, World, days, random_date

__all__ = ["approver_for", "build_officials"]

# (title, rank, duties, chain?, fewest, most): a chain is one post held without gaps.
_STAFFING = {
    "county_party": [("县委书记", "正处级", "overall;personnel", True, 1, 1),
                     ("县委副书记", "副处级", "procurement;party affairs", True, 1, 1),
                     ("县委常委", "副处级", "party affairs", False, 3, 5),
                     ("科员", "一级科员", "clerical", False, 5, 9)],
    "county_government": [("县长", "正处级", "overall;finance", True, 1, 1),
                          ("副县长", "副处级", "procurement;infrastructure", True, 1, 1),
                          ("副县长", "副处级", "agriculture;education", False, 2, 4),
                          ("科员", "一级科员", "clerical", False, 6, 10)],
    "party_department": [("部长", "正科级", "overall", True, 1, 1),
                         ("副部长", "副科级", "procurement;finance", True, 1, 1),
                         ("科员", "四级主任科员", "clerical", False, 5, 10)],
    "bureau": [("局长", "正科级", "overall;personnel", True, 1, 1),
               ("副局长", "副科级", "procurement;finance", True, 1, 1),
               ("副局长", "副科级", "operations", False, 1, 2),
               ("股长", "一级主任科员", "operations", False, 3, 6),
               ("科员", "一级科员", "clerical", False, 10, 26)],
    "township": [("党委书记", "正科级", "overall;personnel", True, 1, 1),
                 ("镇长", "正科级", "overall;finance", True, 1, 1),
                 ("副镇长", "副科级", "procurement;infrastructure", True, 1, 1),
                 ("副镇长", "副科级", "subsidy approval;civil affairs", True, 1, 1),
                 ("民政助理员", "四级主任科员", "subsidy approval", True, 1, 1),
                 ("站所负责人", "四级主任科员", "operations", False, 3, 6),
                 ("科员", "一级科员", "clerical", False, 9, 16)],
    "village": [("村党支部书记", "", "overall;procurement;subsidy review", True, 1, 1),
                ("村委会委员", "", "village affairs", False, 2, 4)],
    "school": [("校长", "管理七级", "overall;procurement", True, 1, 1),
               ("副校长", "管理八级", "teaching", False, 1, 2),
               ("总务主任", "管理九级", "logistics", False, 1, 1)],
    "hospital": [("院长", "管理七级", "overall;procurement", True, 1, 1),
                 ("副院长", "管理八级", "medical affairs", False, 1, 3),
                 ("科主任", "专业技术七级", "medical affairs", False, 1, 3)],
    "institution": [("主任", "管理七级", "overall;procurement", True, 1, 1),
                    ("副主任", "管理八级", "operations", False, 1, 2),
                    ("科员", "管理九级", "clerical", False, 2, 5)],
    "soe": [("董事长", "", "overall", True, 1, 1),
            ("总经理", "", "procurement;operations", True, 1, 1),
            ("副总经理", "", "operations", False, 1, 3),
            ("部门经理", "", "operations", False, 2, 4)],
    "city": [("局长", "正处级", "overall;procurement", True, 1, 1),
             ("科员", "一级科员", "clerical", False, 3, 6)],
}
_CHAIN_FROM = date(2010, 1, 1)
_VILLAGE_TERMS = (date(2012, 1, 15), date(2015, 1, 15), date(2018, 1, 15), date(2021, 1, 15))
_LAST_POST_START = date(2024, 6, 30)
_LEADERSHIP = frozenset({"county_party", "county_government", "city"})


def _title(unit: Unit, title: str) -> str:
    return title.replace("镇", "乡") if "乡人民政府" in unit.name else title


class _Staffer:
    """Picks people for posts: of working age for the whole tenure, one post at a time."""

    def __init__(self, world: World, county: str) -> None:
        self.world, self.rng = world, world.rng
        people = [person for person in world.persons.values()
                  if person.county == county and person.death_date is None
                  and 1956 <= person.birth_date.year <= 1999]
        self.rng.shuffle(people)
        self.county_pool = people
        self.village_pool: dict[str, list] = {}
        for person in people:
            if person.village_id:
                self.village_pool.setdefault(person.village_id, []).append(person)
        self.used: set[str] = set()

    def pick(self, unit: Unit, start: date, end: date | None, youngest: int = 23) -> str | None:
        pool = self.village_pool.get(unit.unit_id, []) if unit.profile == "village" else []
        pool = pool if len(pool) > 3 else self.county_pool
        for _ in range(80):
            person = self.rng.choice(pool)
            if person.id_number in self.used:
                continue
            born = person.birth_date
            if start.year - born.year < youngest or start.year - born.year > 56:
                continue
            if (end or date(2024, 12, 31)).year - born.year > 59:
                continue
            self.used.add(person.id_number)
            return person.id_number
        return None


def _post(world: World, person: str, unit: Unit, title: str, rank: str, duties: str,
          start: date, end: date | None) -> Position:
    return world.add_position(Position(person, unit.unit_id, _title(unit, title), rank, start,
                                       end, tuple(duties.split(";"))))


def _chain_terms(rng: random.Random, unit: Unit) -> list[tuple[date, date | None]]:
    """Successive tenures of one leading post up to today."""
    if unit.profile == "village":
        starts = list(_VILLAGE_TERMS)
    else:
        starts, current = [], _CHAIN_FROM + days(rng.randint(0, 900))
        while current <= _LAST_POST_START:
            starts.append(current)
            current = current + days(rng.randint(3 * 365, 7 * 365))
    return [(start, starts[index + 1] - days(1) if index + 1 < len(starts) else None)
            for index, start in enumerate(starts)]


def _fill_chain(world: World, staffer: _Staffer, unit: Unit, title: str, rank: str,
                duties: str) -> None:
    terms = _chain_terms(world.rng, unit)
    youngest = 40 if unit.profile in _LEADERSHIP else 30 if unit.profile != "village" else 25
    holder = None
    for start, end in terms:
        keep = holder and unit.profile == "village" and world.rng.random() < 0.5
        holder = holder if keep else staffer.pick(unit, start, end, youngest)
        if holder is None:
            holder = staffer.pick(unit, start, None, youngest - 5)
        if holder:
            _post(world, holder, unit, title, rank, duties, start, end)


def _fill_staff(world: World, staffer: _Staffer, unit: Unit, title: str, rank: str,
                duties: str, count: int, units: list[Unit]) -> None:
    rng = world.rng
    for index in range(count + int(count * 0.45 + rng.random())):
        if index < count:
            start, end = random_date(rng, date(2003, 1, 1), _LAST_POST_START), None
        else:
            start = random_date(rng, date(1998, 1, 1), date(2020, 6, 30))
            end = min(start + days(rng.randint(700, 3650)), _LAST_POST_START)
        person = staffer.pick(unit, start, end)
        if person is None:
            continue
        _post(world, person, unit, title, rank, duties, start, end)
        _career_step(world, person, unit, start, end, units)


def _career_step(world: World, person: str, unit: Unit, start: date, end: date | None,
                 units: list[Unit]) -> None:
    """A transfer: a post elsewhere before this one, or after it ended."""
    rng = world.rng
    other = rng.choice(units)
    if other.unit_id == unit.unit_id or rng.random() > 0.3:
        return
    born = world.persons[person].birth_date.year
    if end is None:
        earlier = start - days(rng.randint(700, 2900))
        if earlier.year - born >= 23:
            _post(world, person, other, "科员", "一级科员", "clerical", earlier,
                  start - days(1))
    elif end < date(2023, 6, 30) and 2024 - born <= 59:
        _post(world, person, other, "副主任科员", "四级主任科员", "operations",
              end + days(1), None)


def build_officials(world: World, staff_factor: float) -> None:
    """Staff every unit of every county; city bodies draw on the first county's people."""
    for county in world.counties:
        staffer = _Staffer(world, county)
        units = [unit for unit in world.units.values()
                 if unit.region_code == county and unit.profile != "village"]
        served = [unit for unit in world.units.values() if unit.region_code == county or (
            county == world.counties[0] and unit.profile == "city")]
        for unit in served:
            for title, rank, duties, chain, fewest, most in _STAFFING[unit.profile]:
                if chain:
                    _fill_chain(world, staffer, unit, title, rank, duties)
                else:
                    count = round(world.rng.randint(fewest, most) * staff_factor)
                    _fill_staff(world, staffer, unit, title, rank, duties, count, units)


def approver_for(world: World, unit_id: str, when: date, duty: str) -> str | None:
    """The official who signs off: one in post at the unit with the duty, else its head."""
    candidates = world.officials_at(unit_id, when, duty) or world.officials_at(unit_id, when)
    return world.rng.choice(candidates) if candidates else None
