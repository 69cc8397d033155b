"""Planted contract cases: self_approval of contracts and shell_company, with look-alikes.

A contract approved by an official of the buyer whose relative holds the supplier is also a
relative_supplier case; the self-approval cases here have the approver sit one level up
(a township approving a village's works, a bureau its school's purchases), which keeps the
two rules apart, as they are in practice when approval goes to the supervising body.
"""
from __future__ import annotations

from datetime import date

from synthetic.cases.kit import Kit
from synthetic.world import Company, Person, Unit, days

__all__ = ["LOOKALIKES", "VARIANTS"]

_SUPERVISED = ("village", "school", "hospital")
_BUYERS = ("bureau", "township", "school", "hospital", "soe", "institution")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


# -- self_approval (contracts) ---------------------------------------------------------
def _supervisor_approves(kit: Kit) -> tuple[Unit, Person, date]:
    """A buyer under a supervising unit, and an approver in post there on the date."""
    unit = kit.unit(*_SUPERVISED)
    signed = kit.day(date(2019, 6, 1), date(2024, 3, 31))
    approver = kit.official(kit.parent_of(unit), signed - days(kit.rng.randint(300, 2500)),
                            duties="procurement")
    return unit, approver, signed


def _approved(kit: Kit, unit: Unit, approver: Person, company: Company, signed: date):
    return kit.contract(unit, company, signed, kit.small_amount(company.category),
                        approver=approver.id_number)


def _kin_holds(kit: Kit, variant: str, relation: str, role: str, reverse: bool = False,
               case: bool = True, ended: bool = False) -> None:
    unit, approver, signed = _supervisor_approves(kit)
    if reverse:
        holder = kit.person(surname=approver.name[0])
        kit.kin(holder, approver, relation)
    else:
        holder = kit.relative(approver, relation)
    company = kit.company(kit.rng.choice(("goods", "works", "services")),
                          established=kit.founded(signed, holder))
    kit.role(company, holder, role, company.established_date,
             signed - days(kit.rng.randint(1, 200)) if ended else None)
    contract = _approved(kit, unit, approver, company, signed)
    if case:
        kit.case("self_approval", variant, contract, approver, holder, company, unit)
    else:
        kit.lookalike("self_approval")


def self_approval_sibling_director(kit: Kit) -> None:
    _kin_holds(kit, "approver's sibling is the supplier's director", "sibling", "director")


def self_approval_parent_shareholder(kit: Kit) -> None:
    _kin_holds(kit, "approver's parent holds the supplier", "parent", "shareholder")


def self_approval_reverse_row_manager(kit: Kit) -> None:
    _kin_holds(kit, "kinship row from the holder's side", "sibling", "manager", reverse=True)


def self_approval_legal_rep_child(kit: Kit) -> None:
    unit, approver, signed = _supervisor_approves(kit)
    child = kit.relative(approver, "child", born=min(1998, approver.birth_date.year + 26))
    company = kit.company("services", established=kit.founded(signed, child), legal_rep=child,
                          rep_row=False)
    contract = _approved(kit, unit, approver, company, signed)
    kit.case("self_approval", "approver's child is legal rep in the register", contract,
             approver, child, company, unit)


def self_approval_approver_holds(kit: Kit) -> None:
    """The approver holds the supplier: also official business (a holding while in post)."""
    unit, approver, signed = _supervisor_approves(kit)
    post = kit.world.positions_by_person[approver.id_number][0]
    company = kit.company(kit.rng.choice(("goods", "works", "services")))
    kit.role(company, approver, "shareholder", post.start_date + days(30))
    contract = _approved(kit, unit, approver, company, signed)
    kit.case("self_approval", "approver holds the supplier", contract, approver, company, unit)
    kit.case("official_business", "approver of its contracts holds the company", approver,
             company, kit.parent_of(unit))


def self_approval_beneficial_owner(kit: Kit) -> None:
    _kin_holds(kit, "", "sibling", "beneficial_owner", case=False)


def self_approval_role_ended(kit: Kit) -> None:
    _kin_holds(kit, "", "sibling", "shareholder", case=False, ended=True)


def self_approval_supervisor_role(kit: Kit) -> None:
    _kin_holds(kit, "", "parent", "supervisor", case=False)


def self_approval_spouse_sibling(kit: Kit) -> None:
    unit, approver, signed = _supervisor_approves(kit)
    spouse = kit.relative(approver, "spouse", same_household=True)
    holder = kit.relative(spouse, "sibling")
    company = kit.company("goods", established=kit.founded(signed, holder), legal_rep=holder)
    _approved(kit, unit, approver, company, signed)
    kit.lookalike("self_approval")


# -- shell_company ---------------------------------------------------------------------
def _young_supplier(kit: Kit, age: int, ratio: float, unknown_capital: bool = False,
                    variant: str = "") -> None:
    """A supplier ``age`` days old winning ``ratio`` times its registered capital."""
    unit = kit.unit(*_BUYERS)
    signed = kit.day(date(2019, 6, 1), date(2024, 3, 31))
    capital = float(kit.rng.choice((100_000, 200_000, 300_000, 500_000)))
    company = kit.company(kit.rng.choice(("goods", "works", "services")),
                          established=signed - days(age), capital=capital)
    if unknown_capital:
        company.registered_capital = None
    contract = kit.contract(unit, company, signed, round(capital * ratio, 2), kit.rng.choice(
        ("competitive_negotiation", "single_source", "inquiry")))
    if variant:
        kit.case("shell_company", variant, company, contract, unit)
    else:
        kit.lookalike("shell_company")


def shell_company_young(kit: Kit) -> None:
    _young_supplier(kit, kit.rng.randint(20, 170), kit.rng.uniform(10.5, 25),
                    variant="months-old company wins many times its capital")


def shell_company_edges(kit: Kit) -> None:
    _young_supplier(kit, 180, 10.0, variant="180 days old, exactly ten times its capital")


def shell_company_same_day(kit: Kit) -> None:
    _young_supplier(kit, 0, kit.rng.uniform(12, 30), variant="contract on the founding day")


def _contact_of(kit: Kit, person: Person, field: str, officials: list[Person],
                variant: str = "", holder_role: str | None = None, contracts: bool = True,
                shape=lambda value: value) -> None:
    """A supplier registered with a person's phone or address."""
    company = kit.company(kit.rng.choice(("goods", "works", "services")),
                          **{field: shape(getattr(person, field))})
    if holder_role:
        kit.role(company, person, holder_role, company.established_date)
    excluded = tuple(kit.world.units[post.unit_id] for official in officials
                     for post in kit.world.positions_by_person.get(official.id_number, ()))
    contract = _awarded(kit, company, excluded) if contracts else None
    if variant:
        kit.case("shell_company", variant, company, person, officials, contract)
    else:
        kit.lookalike("shell_company")


def _awarded(kit: Kit, company: Company, excluded: tuple[Unit, ...]):
    unit = kit.unit(*_BUYERS, exclude=excluded)
    return kit.contract(unit, company, kit.day(date(2019, 6, 1), date(2024, 3, 31)),
                        kit.small_amount(company.category))


def _sitting_official(kit: Kit) -> Person:
    return kit.official(kit.unit(), kit.day(date(2012, 1, 1), date(2020, 12, 31)))


def shell_company_official_phone(kit: Kit) -> None:
    official = _sitting_official(kit)
    _contact_of(kit, official, "phone", [official], "supplier registered with an official's phone")


def shell_company_relative_address(kit: Kit) -> None:
    official = _sitting_official(kit)
    sibling = kit.relative(official, "sibling")
    _contact_of(kit, sibling, "address", [official],
                "supplier registered at an official's sibling's home")


def shell_company_in_law_phone(kit: Kit) -> None:
    official = _sitting_official(kit)
    spouse = kit.relative(official, "spouse", same_household=True)
    parent_in_law = kit.relative(spouse, "parent")
    _contact_of(kit, parent_in_law, "phone", [official],
                "supplier uses the phone of an official's parent-in-law (full-width digits)",
                shape=_fullwidth)


def shell_company_old(kit: Kit) -> None:
    _young_supplier(kit, 181, kit.rng.uniform(11, 20))


def shell_company_capital_ratio(kit: Kit) -> None:
    _young_supplier(kit, kit.rng.randint(10, 170), 9.5)


def shell_company_capital_unknown(kit: Kit) -> None:
    _young_supplier(kit, kit.rng.randint(10, 170), 30, unknown_capital=True)


def shell_company_before_founding(kit: Kit) -> None:
    _young_supplier(kit, -10, 20)


def shell_company_relative_holds(kit: Kit) -> None:
    official = _sitting_official(kit)
    _contact_of(kit, kit.relative(official, "sibling"), "phone", [official],
                holder_role="shareholder")


def shell_company_stranger_phone(kit: Kit) -> None:
    _contact_of(kit, kit.person(), "phone", [])


def shell_company_no_contract(kit: Kit) -> None:
    official = _sitting_official(kit)
    _contact_of(kit, official, "phone", [official], contracts=False)


def shell_company_official_supervisor(kit: Kit) -> None:
    official = _sitting_official(kit)
    _contact_of(kit, official, "address", [official], holder_role="supervisor")


def shell_company_nephew_address(kit: Kit) -> None:
    official = _sitting_official(kit)
    sibling = kit.relative(official, "sibling", born=official.birth_date.year - 6)
    _contact_of(kit, kit.relative(sibling, "child"), "address", [official])


VARIANTS = {
    "self_approval": [self_approval_sibling_director, self_approval_parent_shareholder,
                      self_approval_approver_holds, self_approval_reverse_row_manager,
                      self_approval_legal_rep_child],
    "shell_company": [shell_company_young, shell_company_official_phone,
                      shell_company_edges, shell_company_relative_address,
                      shell_company_same_day, shell_company_in_law_phone],
}
LOOKALIKES = {
    "self_approval": [self_approval_beneficial_owner, self_approval_role_ended,
                      self_approval_supervisor_role, self_approval_spouse_sibling],
    "shell_company": [shell_company_old, shell_company_capital_ratio,
                      shell_company_capital_unknown, shell_company_before_founding,
                      shell_company_relative_holds, shell_company_stranger_phone,
                      shell_company_no_contract, shell_company_official_supervisor,
                      shell_company_nephew_address],
}
