"""Companies (企业) and who holds them (股东及主要人员).

Background companies are held by private residents only: no official, and nobody living in
an official's household (a household shares one address, and a shared address makes a
nominee). Relatives of officials may run companies; procurement keeps those companies away
from their relatives' units. Groups form where one person runs several companies or a
company owns subsidiaries; bidding keeps such groups out of each other's tenders.
"""
from __future__ import annotations

import random
from datetime import date

from pypinyin import lazy_pinyin

from synthetic.identifiers import COUNTY_NAMES
from synthetic.names import TRADE_NAMES
from synthetic.population import place_of, places
from synthetic.world import Company, Role, World, days, random_date

__all__ = ["CompanyGroups", "build_companies", "business_people", "company_address",
           "company_name", "controllers", "email_for", "legal_reps", "new_company"]

_TRADES = {
    "works": (("建筑业", ("建筑工程", "建设工程", "路桥工程", "水利水电工程", "市政工程",
                          "园林绿化工程", "装饰工程", "土石方工程", "钢结构工程"))),
    "goods": (("批发和零售业", ("商贸", "办公用品", "医疗器械", "农资", "电子科技", "教学设备",
                            "建材", "食品", "机电设备", "家具", "五金交电"))),
    "services": (("租赁和商务服务业", ("物业管理", "劳务服务", "保洁服务", "文化传媒", "印务",
                                  "安保服务", "工程咨询", "信息技术", "检测技术", "会务服务"))),
}
_TRADE_CHARACTERS = "宏鑫恒泰金华瑞德兴盛天润博众汇嘉福裕昌顺凯万锦信安祥立明益惠荣通鸿诚利元丰龙康晨建正鼎广源达远"
_STREETS = ("工业园区纬二路", "工业园区经三路", "周公大道", "凤鸣东路", "商贸城", "建材市场",
            "物流园", "开发区创业路", "开发区科技路", "迎宾大道", "站前路", "滨河路")
_DOMAINS = ("163.com", "126.com", "qq.com", "sina.com")
_CAPITAL = {"works": (15.5, 1.0), "goods": (14.2, 1.0), "services": (13.5, 1.0)}


def company_name(world: World, county: str, category: str) -> tuple[str, str, str]:
    """A unique registered name, its 字号 and industry, e.g. 岐山县宏达建筑工程有限公司."""
    rng = world.rng
    industry, words = _TRADES[category]
    county_name = COUNTY_NAMES.get(county, "宝鸡市")
    while True:
        trade = rng.choice(TRADE_NAMES) if rng.random() < 0.5 else (
            rng.choice(_TRADE_CHARACTERS) + rng.choice(_TRADE_CHARACTERS))
        prefix = rng.choices((county_name, "陕西", "宝鸡"), (6, 2, 2))[0]
        suffix = "有限公司" if rng.random() < 0.85 else "有限责任公司"
        name = f"{prefix}{trade}{rng.choice(words)}{suffix}"
        if world.ids.claim(name):
            return name, trade, industry


def company_address(world: World, county: str) -> str:
    """A registered business address, never a residence."""
    rng = world.rng
    townships, _ = places(world, county)
    while True:
        _, township = place_of(world, rng.choice(townships))
        county_name = COUNTY_NAMES[county]
        text = f"陕西省宝鸡市{county_name}{township}{rng.choice(_STREETS)}{rng.randint(1, 400)}号"
        if world.ids.claim(text):
            return text


def email_for(world: World, trade: str) -> str:
    """A company mailbox on a common free provider."""
    rng = world.rng
    domain = rng.choice(_DOMAINS)
    local = str(rng.randrange(10**7, 10**10)) if domain == "qq.com" else (
        "".join(lazy_pinyin(trade)) + (str(rng.randint(1, 2024)) if rng.random() < 0.6 else ""))
    return world.ids.unique(f"{local}@{domain}")


def new_company(world: World, county: str, category: str, established: date,
                legal_rep: str | None, capital: float | None = None,
                phone: str | None = None, address: str | None = None,
                email: str | None = None, status: str = "存续") -> Company:
    """Register a company with fresh contact details unless some are given."""
    rng = world.rng
    name, trade, industry = company_name(world, county, category)
    if capital is None:
        mean, sigma = _CAPITAL[category]
        capital = max(100_000.0, round(rng.lognormvariate(mean, sigma), -4))
    return world.add_company(Company(
        credit_code=world.ids.credit_code(county, established), name=name,
        legal_rep_id_number=legal_rep,
        address=address or company_address(world, county),
        phone=phone or (world.ids.landline() if rng.random() < 0.7 else world.ids.mobile()),
        email=email if email is not None else (
            email_for(world, trade) if rng.random() < 0.7 else None),
        established_date=established, status=status, registered_capital=capital,
        industry=industry, category=category, county=county))


def business_people(world: World, county: str) -> list[str]:
    """Residents who may hold background companies (see the module docstring)."""
    official_homes = {world.persons[person].household_id
                      for person in world.positions_by_person}
    return [person.id_number for person in world.persons.values()
            if person.county == county and person.death_date is None
            and 1950 <= person.birth_date.year <= 1998
            and person.id_number not in world.positions_by_person
            and person.household_id not in official_homes]


class _Owners:
    """Hands out business people, each once while any is left, so that company groups
    stay small: partners are mostly family members of the legal rep (夫妻店)."""

    def __init__(self, world: World, people: list[str]) -> None:
        self.world, self.rng = world, world.rng
        self.people = list(people)
        self.rng.shuffle(self.people)
        self.members = set(people)
        self.used: set[str] = set()
        self.next = 0

    def fresh(self) -> str:
        while self.next < len(self.people):
            self.next += 1
            person = self.people[self.next - 1]
            if person not in self.used:
                self.used.add(person)
                return person
        return self.rng.choice(self.people)

    def partner(self, rep: str) -> str:
        family = [kin for kin in sorted(self.world.direct_kin(rep))
                  if kin in self.members and kin not in self.used]
        if family and self.rng.random() < 0.8:
            chosen = self.rng.choice(family)
            self.used.add(chosen)
            return chosen
        return self.fresh()


def _roles(world: World, company: Company, owners_pool: _Owners,
           parents: list[Company]) -> None:
    rng = world.rng
    code, start = company.credit_code, company.established_date
    rep = company.legal_rep_id_number

    def add(holder: str, role: str, share: float | None = None, begin: date | None = start,
            end: date | None = None, is_company: bool = False) -> None:
        world.add_role(Role(code, None if is_company else holder, holder if is_company else None,
                            role, share, begin, end))

    if rng.random() < 0.65:
        add(rep, "legal_rep")
    owners = [rep] if rng.random() < 0.9 else []
    partners = rng.choices((0, 1, 2), (7, 2.5, 0.5))[0]
    owners += [owners_pool.partner(rep) for _ in range(partners)]
    owners = list(dict.fromkeys(owners)) or [owners_pool.partner(rep)]
    parent = rng.choice(parents) if parents and rng.random() < 0.06 else None
    shares = [rng.randint(10, 90) for _ in owners] + ([rng.randint(51, 90)] if parent else [])
    total = sum(shares)
    for owner, share in zip(owners, shares):
        joined = None if rng.random() < 0.05 else (
            start if rng.random() < 0.8 else random_date(rng, start, max(start, date(2024, 1, 1))))
        left = None
        if joined and rng.random() < 0.1 and joined < date(2023, 1, 1):
            left = random_date(rng, joined + days(365), date(2024, 6, 30))
        add(owner, "shareholder", round(100 * share / total, 2), joined, left)
    if parent:
        add(parent.credit_code, "shareholder", round(100 * shares[-1] / total, 2),
            is_company=True)
    for role, probability in (("director", 0.3), ("manager", 0.25), ("supervisor", 0.4),
                              ("beneficial_owner", 0.1)):
        if rng.random() < probability:
            holder = owners[0] if role in ("director", "beneficial_owner") else (
                owners_pool.partner(rep))
            add(holder, role)


def build_companies(world: World, scale) -> None:
    """Register each county's companies, their holders and their group ties."""
    rng = world.rng
    for county in world.counties:
        owners = _Owners(world, business_people(world, county))
        represented: list[str] = []
        created: list[Company] = []
        for _ in range(int(scale.companies * 0.95)):
            category = rng.choices(("goods", "works", "services"), (4, 3, 3))[0]
            established = random_date(rng, date(1998, 1, 1), date(2024, 6, 30)) if (
                rng.random() < 0.3) else random_date(rng, date(2006, 1, 1), date(2020, 12, 31))
            rep = rng.choice(represented) if represented and rng.random() < 0.08 else (
                owners.fresh())
            represented.append(rep)
            status = rng.choices(("存续", "在业", "注销", "吊销"), (90, 5, 3, 2))[0]
            company = new_company(world, county, category, established, rep, status=status)
            if rng.random() < 0.04:
                company.registered_capital = None
            parents = [other for other in created[-300:] if other.established_date < established]
            _roles(world, company, owners, parents)
            created.append(company)


def controllers(world: World, credit_code: str, depth: int = 3) -> set[str]:
    """Persons who hold the company, or hold a company that owns it (any date, up to
    ``depth`` company levels): the people relative_supplier looks for."""
    key = ("controllers", credit_code)
    if key in world.cache:
        return world.cache[key]
    found, level = set(), {credit_code}
    for _ in range(depth):
        above = set()
        for code in level:
            for holder in world.holders_of(code):
                if holder in world.companies:
                    above.add(holder)
                else:
                    found.add(holder)
        level = above
    world.cache[key] = found
    return found


def legal_reps(world: World, credit_code: str) -> set[str]:
    """Legal representatives by companies.csv and by company_roles, at any date."""
    reps = {role.holder for role in world.roles_by_company.get(credit_code, ())
            if role.role == "legal_rep"}
    if world.companies[credit_code].legal_rep_id_number:
        reps.add(world.companies[credit_code].legal_rep_id_number)
    return reps


class CompanyGroups:
    """Companies tied by a common legal representative or shareholder, at any date
    (union-find): bid_rigging flags two such companies in one tender."""

    def __init__(self, world: World) -> None:
        self.parent: dict[str, str] = {}
        by_holder: dict[str, list[str]] = {}
        for code, company in world.companies.items():
            holders = {role.holder for role in world.roles_by_company.get(code, ())
                       if role.role in ("legal_rep", "shareholder")}
            holders.add(company.legal_rep_id_number or code)
            for holder in holders:
                by_holder.setdefault(holder, []).append(code)
        for holder, codes in by_holder.items():
            for code in codes[1:]:
                self._union(codes[0], code)
            if holder in world.companies:
                self._union(codes[0], holder)

    def _find(self, code: str) -> str:
        root = code
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        self.parent[code] = root
        return root

    def _union(self, first: str, second: str) -> None:
        self.parent[self._find(first)] = self._find(second)

    def group(self, code: str) -> str:
        """The group's representative company."""
        return self._find(code)
