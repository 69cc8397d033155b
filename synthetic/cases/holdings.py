"""Planted cases about who holds a company: relative_supplier, official_business and
revolving_door, each with innocent look-alikes just outside the definition."""
from __future__ import annotations

from datetime import date

from synthetic.cases.kit import Kit
from synthetic.world import Company, Person, Position, Unit, days

__all__ = ["LOOKALIKES", "VARIANTS"]

_BUYERS = ("bureau", "township", "school", "hospital", "soe", "institution")


def _category(kit: Kit) -> str:
    return kit.rng.choice(("goods", "works", "services"))


def _post_and_date(kit: Kit, born: int | None = None) -> tuple[Unit, Person, date]:
    """An official in post at a buyer on the signing date of a coming contract."""
    unit = kit.unit(*_BUYERS)
    signed = kit.day(date(2019, 6, 1), date(2024, 3, 31))
    official = kit.official(unit, signed - days(kit.rng.randint(200, 3000)), born=born)
    return unit, official, signed


def _award(kit: Kit, unit: Unit, company: Company, signed: date):
    """A contract to the company, tendered or negotiated."""
    amount = kit.small_amount(company.category)
    if kit.rng.random() < 0.3:
        return kit.tender(unit, company, [], amount, signed, clean_rivals=2)
    return kit.contract(unit, company, signed, amount)


def _held_by(kit: Kit, holder: Person, role: str, before: date) -> Company:
    """A fresh company the holder runs (legal rep and shareholder) or holds in ``role``."""
    established = kit.founded(before, holder)
    if role == "legal_rep":
        company = kit.company(_category(kit), established=established, legal_rep=holder)
        kit.role(company, holder, "shareholder", established)
        return company
    company = kit.company(_category(kit), established=established)
    kit.role(company, holder, role, established)
    return company


def _chain(kit: Kit, holder: Person, role: str, levels: int, before: date) -> list[Company]:
    """Companies from the one the holder holds down to the supplier, each owning the next."""
    companies = [_held_by(kit, holder, role, before)]
    for _ in range(levels - 1):
        founded = min(before - days(400),
                      companies[-1].established_date + days(kit.rng.randint(30, 900)))
        owned = kit.company(_category(kit), established=founded)
        kit.role(owned, companies[-1], "shareholder", founded)
        companies.append(owned)
    return companies


# -- relative_supplier -----------------------------------------------------------------
def _relative_supplier(kit: Kit, variant: str, context: tuple, relative: Person,
                       between: list, role: str = "legal_rep", levels: int = 1) -> None:
    unit, official, signed = context
    companies = _chain(kit, relative, role, levels, signed)
    contract = _award(kit, unit, companies[-1], signed)
    kit.case("relative_supplier", variant, official, relative, between, companies, contract,
             unit)


def relative_supplier_sibling(kit: Kit) -> None:
    context = _post_and_date(kit)
    _relative_supplier(kit, "sibling runs the supplier", context,
                       kit.relative(context[1], "sibling"), [])


def relative_supplier_child(kit: Kit) -> None:
    context = _post_and_date(kit, born=kit.rng.randint(1960, 1966))
    _relative_supplier(kit, "adult child in another household runs the supplier", context,
                       kit.relative(context[1], "child"), [])


def relative_supplier_reverse_row(kit: Kit) -> None:
    context = _post_and_date(kit)
    brother = kit.person(surname=context[1].name[0])
    kit.kin(brother, context[1], "sibling")  # the row is written from the relative's side
    _relative_supplier(kit, "kinship row points from the relative", context, brother, [],
                       role="shareholder")


def relative_supplier_spouse_sibling(kit: Kit) -> None:
    context = _post_and_date(kit)
    spouse = kit.relative(context[1], "spouse", same_household=True)
    _relative_supplier(kit, "spouse's sibling (two hops through a spouse)", context,
                       kit.relative(spouse, "sibling"), [spouse])


def relative_supplier_sibling_spouse(kit: Kit) -> None:
    context = _post_and_date(kit)
    sibling = kit.relative(context[1], "sibling")
    _relative_supplier(kit, "sibling's spouse (a relative's spouse)", context,
                       kit.relative(sibling, "spouse", same_household=True), [sibling])


def relative_supplier_chain_two(kit: Kit) -> None:
    context = _post_and_date(kit)
    _relative_supplier(kit, "relative controls the supplier through one holding company",
                       context, kit.relative(context[1], "sibling"), [], levels=2)


def relative_supplier_chain_three(kit: Kit) -> None:
    context = _post_and_date(kit)
    _relative_supplier(kit, "relative controls the supplier through two holding companies",
                       context, kit.relative(context[1], "parent"), [], role="shareholder",
                       levels=3)


def relative_supplier_beneficial_owner(kit: Kit) -> None:
    context = _post_and_date(kit)
    _relative_supplier(kit, "relative is the supplier's beneficial owner", context,
                       kit.relative(context[1], "sibling"), [], role="beneficial_owner")


def _relative_elsewhere(kit: Kit, relative: Person, unit: Unit, signed: date,
                        role: str = "legal_rep", levels: int = 1) -> None:
    _award(kit, unit, _chain(kit, relative, role, levels, signed)[-1], signed)
    kit.lookalike("relative_supplier")


def relative_supplier_other_unit(kit: Kit) -> None:
    unit, official, signed = _post_and_date(kit)
    _relative_elsewhere(kit, kit.relative(official, "sibling"),
                        kit.unit(*_BUYERS, exclude=(unit,)), signed)


def relative_supplier_before_tenure(kit: Kit) -> None:
    unit = kit.unit(*_BUYERS)
    signed = kit.day(date(2019, 6, 1), date(2023, 6, 30))
    start = signed + days(kit.rng.randint(30, 400))
    official = kit.official(kit.unit(*_BUYERS, exclude=(unit,)), start - days(2000),
                            start - days(1))
    kit.world.add_position(Position(official.id_number, unit.unit_id, "副局长", "副科级", start,
                                    None, ("operations",)))
    _relative_elsewhere(kit, kit.relative(official, "sibling"), unit, signed)


def relative_supplier_after_tenure(kit: Kit) -> None:
    unit = kit.unit(*_BUYERS)
    signed = kit.day(date(2020, 6, 1), date(2024, 3, 31))
    official = kit.official(unit, signed - days(2500), signed - days(kit.rng.randint(1, 300)))
    _relative_elsewhere(kit, kit.relative(official, "sibling"), unit, signed)


def relative_supplier_nephew(kit: Kit) -> None:
    unit, official, signed = _post_and_date(kit)
    sibling = kit.relative(official, "sibling", born=official.birth_date.year - 8)
    _relative_elsewhere(kit, kit.relative(sibling, "child"), unit, signed)


def relative_supplier_three_hops(kit: Kit) -> None:
    unit, official, signed = _post_and_date(kit)
    spouse = kit.relative(official, "spouse", same_household=True)
    sibling_in_law = kit.relative(spouse, "sibling")
    _relative_elsewhere(kit, kit.relative(sibling_in_law, "spouse", same_household=True),
                        unit, signed)


def relative_supplier_role_ended(kit: Kit) -> None:
    unit, official, signed = _post_and_date(kit)
    relative = kit.relative(official, "sibling")
    company = kit.company(_category(kit), established=kit.founded(signed, relative))
    kit.role(company, relative, "shareholder", company.established_date,
             signed - days(kit.rng.randint(30, 400)))
    _award(kit, unit, company, signed)
    kit.lookalike("relative_supplier")


def relative_supplier_chain_four(kit: Kit) -> None:
    unit, official, signed = _post_and_date(kit)
    _relative_elsewhere(kit, kit.relative(official, "sibling"), unit, signed, levels=4)


def relative_supplier_supervisor(kit: Kit) -> None:
    unit, official, signed = _post_and_date(kit)
    _relative_elsewhere(kit, kit.relative(official, "sibling"), unit, signed,
                        role="supervisor")


def relative_supplier_namesake(kit: Kit) -> None:
    unit, official, signed = _post_and_date(kit)
    relative = kit.relative(official, "sibling")
    _relative_elsewhere(kit, kit.person(name=relative.name), unit, signed)


# -- official_business -----------------------------------------------------------------
def _sitting(kit: Kit) -> tuple[Unit, Person, date]:
    """An official in post, and a date during the post when a holding begins."""
    unit = kit.unit()
    start = kit.day(date(2012, 1, 1), date(2021, 6, 30))
    official = kit.official(unit, start)
    return unit, official, kit.day(start + days(30), date(2024, 6, 30))


def official_business_shareholder(kit: Kit) -> None:
    unit, official, begins = _sitting(kit)
    company = kit.company(_category(kit))
    kit.role(company, official, "shareholder", begins)
    if kit.rng.random() < 0.5:
        _award(kit, kit.unit(*_BUYERS, exclude=(unit,)), company,
               kit.day(max(begins, date(2019, 6, 1)), date(2024, 6, 30)))
    kit.case("official_business", "official is a shareholder while in post", official,
             company, unit)


def official_business_registry_rep(kit: Kit) -> None:
    unit, official, begins = _sitting(kit)
    company = kit.company(_category(kit), established=begins, legal_rep=official,
                          rep_row=False)
    kit.case("official_business", "official is legal rep in the company register", official,
             company, unit)


def official_business_director(kit: Kit) -> None:
    unit, official, begins = _sitting(kit)
    company = kit.company(_category(kit))
    kit.role(company, official, "director", begins)
    kit.case("official_business", "official is a director while in post", official, company,
             unit)


def official_business_before_post(kit: Kit) -> None:
    unit, official, _ = _sitting(kit)
    post = kit.world.positions_by_person[official.id_number][0]
    company = kit.company(_category(kit), established=post.start_date - days(900))
    kit.role(company, official, "manager", post.start_date - days(500))
    kit.case("official_business", "manager since before the post and still", official,
             company, unit)


def official_business_nominee_phone(kit: Kit) -> None:
    unit, official, begins = _sitting(kit)
    nominee = kit.person(phone=False)
    nominee.phone = official.phone
    company = kit.company(_category(kit), established=begins, legal_rep=nominee)
    kit.case("official_business", "nominee shares the official's phone", official, nominee,
             company, unit)


def official_business_spouse_address(kit: Kit) -> None:
    unit, official, begins = _sitting(kit)
    spouse = kit.relative(official, "spouse", same_household=True)
    company = kit.company(_category(kit))
    kit.role(company, spouse, "shareholder", begins)
    kit.case("official_business", "spouse at the same address holds the company", official,
             spouse, company, unit)


def official_business_lodger_address(kit: Kit) -> None:
    unit, official, begins = _sitting(kit)
    household = (f"{kit.county}{kit.world.next_id('household')}", official.address,
                 official.township_id, official.village_id)
    lodger = kit.person(household)
    company = kit.company(_category(kit))
    kit.role(company, lodger, "director", begins)
    kit.case("official_business", "nominee registered at the official's address", official,
             lodger, company, unit)


def _holding_lookalike(kit: Kit, holder: Person, role: str, start: date,
                       end: date | None = None) -> Company:
    company = kit.company(_category(kit), established=min(start, date(2016, 6, 30)))
    kit.role(company, holder, role, start, end)
    kit.lookalike("official_business")
    return company


def official_business_supervisor(kit: Kit) -> None:
    _, official, begins = _sitting(kit)
    _holding_lookalike(kit, official, "supervisor", begins)


def official_business_beneficial_owner(kit: Kit) -> None:
    _, official, begins = _sitting(kit)
    _holding_lookalike(kit, official, "beneficial_owner", begins)


def official_business_held_before(kit: Kit) -> None:
    _, official, _ = _sitting(kit)
    start = kit.world.positions_by_person[official.id_number][0].start_date
    _holding_lookalike(kit, official, "shareholder", start - days(2000), start - days(300))


def official_business_nominee_earlier(kit: Kit) -> None:
    _, official, _ = _sitting(kit)
    start = kit.world.positions_by_person[official.id_number][0].start_date
    nominee = kit.person(phone=False)
    nominee.phone = official.phone
    _holding_lookalike(kit, nominee, "shareholder", start - days(2500), start - days(200))


def official_business_namesake(kit: Kit) -> None:
    _, official, begins = _sitting(kit)
    _holding_lookalike(kit, kit.person(name=official.name), "shareholder", begins)


# -- revolving_door --------------------------------------------------------------------
def _left_office(kit: Kit, latest: date) -> tuple[Unit, Person, date]:
    unit = kit.unit(*_BUYERS)
    ended = kit.day(date(2018, 6, 1), latest)
    official = kit.official(unit, ended - days(kit.rng.randint(900, 3000)), ended)
    return unit, official, ended


def _revolving(kit: Kit, variant: str, role: str, after: int, awarded: bool = True,
               case: bool = True) -> None:
    """A former official takes a role ``after`` days after leaving; the company supplied
    the old unit while they were there (or another unit when not ``awarded``)."""
    unit, official, ended = _left_office(kit, min(date(2022, 6, 30),
                                                  date(2024, 12, 1) - days(after)))
    company = kit.company(_category(kit), established=kit.founded(ended - days(30)))
    kit.role(company, official, role, ended + days(after))
    buyer = unit if awarded else kit.unit(*_BUYERS, exclude=(unit,))
    post = kit.world.positions_by_person[official.id_number][0]
    contract = _award(kit, buyer, company, kit.day(max(post.start_date, date(2018, 3, 1)),
                                                   ended - days(30)))
    if case:
        kit.case("revolving_door", variant, official, company, unit, contract)
    else:
        kit.lookalike("revolving_door")


def revolving_door_shareholder(kit: Kit) -> None:
    _revolving(kit, "shareholder of a supplier soon after leaving", "shareholder",
               kit.rng.randint(30, 1000))


def revolving_door_first_day(kit: Kit) -> None:
    _revolving(kit, "director the day after leaving", "director", 1)


def revolving_door_last_day(kit: Kit) -> None:
    _revolving(kit, "manager on the 1095th day after leaving", "manager", 1095)


def revolving_door_registry_rep(kit: Kit) -> None:
    unit, official, ended = _left_office(kit, date(2022, 3, 31))
    established = ended + days(kit.rng.randint(60, 500))
    company = kit.company(_category(kit), established=established, legal_rep=official,
                          rep_row=False)
    contract = _award(kit, unit, company, established + days(kit.rng.randint(200, 400)))
    kit.case("revolving_door", "founds a company that then supplies the old unit", official,
             company, unit, contract)


def revolving_door_too_late(kit: Kit) -> None:
    _revolving(kit, "", "shareholder", 1096, case=False)


def revolving_door_not_awarded(kit: Kit) -> None:
    _revolving(kit, "", "shareholder", kit.rng.randint(30, 900), awarded=False, case=False)


def revolving_door_supervisor(kit: Kit) -> None:
    _revolving(kit, "", "supervisor", kit.rng.randint(30, 900), case=False)


def revolving_door_beneficial_owner(kit: Kit) -> None:
    _revolving(kit, "", "beneficial_owner", kit.rng.randint(30, 900), case=False)


VARIANTS = {
    "relative_supplier": [relative_supplier_sibling, relative_supplier_spouse_sibling,
                          relative_supplier_chain_two, relative_supplier_beneficial_owner,
                          relative_supplier_sibling_spouse, relative_supplier_chain_three,
                          relative_supplier_child, relative_supplier_reverse_row],
    "official_business": [official_business_shareholder, official_business_nominee_phone,
                          official_business_registry_rep, official_business_spouse_address,
                          official_business_director, official_business_lodger_address,
                          official_business_before_post],
    "revolving_door": [revolving_door_shareholder, revolving_door_registry_rep,
                       revolving_door_first_day, revolving_door_last_day],
}
LOOKALIKES = {
    "relative_supplier": [relative_supplier_other_unit, relative_supplier_before_tenure,
                          relative_supplier_after_tenure, relative_supplier_nephew,
                          relative_supplier_three_hops, relative_supplier_role_ended,
                          relative_supplier_chain_four, relative_supplier_supervisor,
                          relative_supplier_namesake],
    "official_business": [official_business_supervisor, official_business_beneficial_owner,
                          official_business_held_before, official_business_nominee_earlier,
                          official_business_namesake],
    "revolving_door": [revolving_door_too_late, revolving_door_not_awarded,
                       revolving_door_supervisor, revolving_door_beneficial_owner],
}
