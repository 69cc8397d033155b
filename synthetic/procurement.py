"""Public procurement (合同, 投标): contracts from units to companies, tenders and bids.

Background contracts are kept clean of every rule by construction: no supplier controlled
by an official of the buyer or a relative of one; no series of small contracts that adds up
to a tender threshold within 90 days; no young company winning ten times its capital; no
two bidders of one tender from the same company group or with shared contact details.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from synthetic.market import CompanyGroups, controllers, legal_reps
from synthetic.officials import approver_for
from synthetic.world import (DATA_END, DATA_START, Bid, Company, Contract, Unit, World,
                                   days, random_date)
from synthetic.units import category_weights

__all__ = ["SPLIT_METHODS", "THRESHOLDS", "Procurement", "contract_title"]

THRESHOLDS = {"goods": 2_000_000, "services": 2_000_000, "works": 4_000_000}
SPLIT_METHODS = frozenset({"competitive_negotiation", "inquiry", "single_source", "direct"})
_METHODS = {"direct": 34, "inquiry": 26, "competitive_negotiation": 12, "single_source": 6,
            "invited_tender": 7, "public_tender": 15}
_AMOUNTS = {"public_tender": (500_000, 6_000_000), "invited_tender": (300_000, 2_500_000),
            "competitive_negotiation": (100_000, 1_200_000), "single_source": (50_000, 900_000),
            "inquiry": (10_000, 400_000), "direct": (1_000, 50_000)}
_BUYER_WEIGHTS = {"bureau": 6, "township": 5, "village": 0.8, "school": 2, "hospital": 3,
                  "soe": 4, "institution": 2, "county_party": 1, "county_government": 2,
                  "party_department": 1, "city": 2}
_ITEMS = {
    "works": ("道路硬化工程", "校舍维修改造工程", "农田水利设施建设项目", "人居环境整治工程",
              "饮水安全巩固提升工程", "便民服务中心改造工程", "河道治理工程", "危桥改造工程"),
    "goods": ("办公设备采购", "教学仪器采购", "医疗设备采购", "农资采购", "信息化设备采购",
              "办公家具采购", "防汛物资采购", "图书采购", "食堂食材采购"),
    "services": ("物业管理服务", "印刷服务", "信息系统运维服务", "审计服务", "保洁服务",
                 "安保服务", "工程监理服务", "造价咨询服务", "培训服务"),
}


def contract_title(unit: Unit, category: str, when: date, rng) -> str:
    """A project title as procurement notices word them."""
    short = unit.name.removesuffix("人民政府").removesuffix("村民委员会")
    return f"{when.year}年{short}{rng.choice(_ITEMS[category])}"


def _amount(rng, method: str, category: str) -> float:
    low, high = _AMOUNTS[method]
    if category == "works" and method in ("public_tender", "invited_tender"):
        high *= 3
    return float(round(rng.uniform(low, high), -2 if high < 100_000 else -3))


class Procurement:
    """Issues background contracts and tenders while keeping every rule's books clean."""

    def __init__(self, world: World) -> None:
        self.world, self.rng = world, world.rng
        self.groups = CompanyGroups(world)
        self.suppliers: dict[tuple[str, str], list[Company]] = defaultdict(list)
        for company in world.companies.values():
            if company.status in ("存续", "在业") and not company.invalid:
                self.suppliers[(company.county, company.category)].append(company)
        self._forbidden: dict[str, set[str]] = {}
        self._series: dict[tuple, list[tuple[date, float]]] = defaultdict(list)
        self._favourites: dict[tuple[str, str], list[Company]] = defaultdict(list)

    def forbidden(self, unit_id: str) -> set[str]:
        """Officials who ever sat at the unit and all their relatives."""
        if unit_id not in self._forbidden:
            found: set[str] = set()
            for position in self.world.positions_by_unit.get(unit_id, ()):
                found.add(position.id_number)
                found.update(self.world.relatives(position.id_number))
            self._forbidden[unit_id] = found
        return self._forbidden[unit_id]

    def allowed(self, unit: Unit, company: Company, when: date, amount: float,
                category: str, method: str) -> bool:
        """Whether the contract would stay outside every rule's definition."""
        if company.established_date >= when - days(30):
            return False
        age = (when - company.established_date).days
        capital = company.registered_capital
        if age <= 180 and capital and amount >= 10 * capital:
            return False
        if controllers(self.world, company.credit_code) & self.forbidden(unit.unit_id):
            return False
        return not (method in SPLIT_METHODS and amount < THRESHOLDS[category]
                    and self._would_split(unit, company, when, amount, category))

    def _series_keys(self, unit: Unit, company: Company, category: str) -> list[tuple]:
        keys = [(unit.unit_id, category, "supplier", company.credit_code)]
        return keys + [(unit.unit_id, category, "legal_rep", rep)
                       for rep in legal_reps(self.world, company.credit_code)]

    def _would_split(self, unit, company, when, amount, category) -> bool:
        for key in self._series_keys(unit, company, category):
            near = sum(value for signed, value in self._series[key]
                       if abs((signed - when).days) <= 90)
            if near + amount >= THRESHOLDS[category]:
                return True
        return False

    def record(self, contract: Contract) -> None:
        """Count a contract towards the split-purchase series of its buyer."""
        if contract.method in SPLIT_METHODS and contract.amount < THRESHOLDS[contract.category]:
            unit = self.world.units[contract.buyer_unit_id]
            company = self.world.companies[contract.supplier_credit_code]
            for key in self._series_keys(unit, company, contract.category):
                self._series[key].append((contract.signed_date, contract.amount))

    def _candidate(self, unit: Unit, category: str) -> Company:
        favourites = self._favourites[(unit.unit_id, category)]
        if favourites and self.rng.random() < 0.3:
            return self.rng.choice(favourites)
        county = unit.region_code if self.rng.random() < 0.85 else self.rng.choice(
            self.world.counties)
        pool = self.suppliers.get((county, category)) or self.suppliers[
            (self.world.counties[0], category)]
        return self.rng.choice(pool)

    def issue(self, unit: Unit) -> Contract | None:
        """One background contract of the unit, with its tender when the method has one."""
        rng, world = self.rng, self.world
        category = rng.choices(("goods", "works", "services"), category_weights(unit))[0]
        method = rng.choices(tuple(_METHODS), tuple(_METHODS.values()))[0]
        when = random_date(rng, DATA_START + days(45), DATA_END - days(20))
        amount = _amount(rng, method, category)
        for _ in range(25):
            company = self._candidate(unit, category)
            if self.allowed(unit, company, when, amount, category, method):
                break
        else:
            return None
        approver = approver_for(world, unit.unit_id, when, "procurement")
        tendered = method in ("public_tender", "invited_tender") or (
            method == "competitive_negotiation" and rng.random() < 0.4)
        tender = world.next_id("tender", when) if tendered else None
        contract = world.add_contract(Contract(
            world.next_id("contract", when), tender, unit.unit_id, company.credit_code,
            contract_title(unit, category, when, rng), category, amount, method, when, approver))
        self.record(contract)
        self._favourites[(unit.unit_id, category)].append(company)
        if tender:
            self.bid(tender, company, amount, when - days(rng.randint(7, 30)),
                     rng.randint(2, 5))
        return contract

    def rivals(self, category: str, county: str, submitted: date, count: int,
               seen: set[str]) -> list[Company]:
        """Background companies of distinct groups (none in ``seen``) able to bid then."""
        chosen: list[Company] = []
        pool = self.suppliers[(county, category)]
        for _ in range(count * 10):
            if len(chosen) == count:
                break
            rival = self.rng.choice(pool)
            group = self.groups.group(rival.credit_code)
            if group not in seen and rival.established_date < submitted:
                seen.add(group)
                chosen.append(rival)
        return chosen

    def bid(self, tender: str, winner: Company, amount: float, submitted: date,
            rivals: int) -> None:
        """The winner's bid plus bids of rivals from other company groups."""
        world, rng = self.world, self.rng
        world.bids.append(Bid(tender, winner.credit_code, amount, True, submitted))
        seen = {self.groups.group(winner.credit_code)}
        for rival in self.rivals(winner.category, winner.county, submitted, rivals, seen):
            world.bids.append(Bid(tender, rival.credit_code,
                                  float(round(amount * rng.uniform(1.01, 1.18), -2)), False,
                                  submitted + days(rng.randint(0, 2))))


def build_procurement(world: World, scale) -> Procurement:
    """Issue the background contracts of every county."""
    procurement = Procurement(world)
    buyers = list(world.units.values())
    weights = [_BUYER_WEIGHTS[unit.profile] for unit in buyers]
    target = int(scale.contracts * len(world.counties) * 0.98)
    made = 0
    for unit in world.rng.choices(buyers, weights, k=int(target * 1.02)):
        if made >= target:
            break
        made += procurement.issue(unit) is not None
    return procurement
