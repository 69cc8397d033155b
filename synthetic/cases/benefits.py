"""Planted benefit cases: subsidy_ineligible, self_approval of payments, ghost_beneficiary,
each with innocent look-alikes."""
from __future__ import annotations

from datetime import date

from synthetic.cases.kit import Kit
from synthetic.world import Person, Unit, days

__all__ = ["LOOKALIKES", "VARIANTS"]


def _local_official(kit: Kit, start: date, end: date | None = None,
                    duties: str = "village affairs",
                    born: int | None = None) -> tuple[Person, Unit]:
    """An official of a village committee (or its township) who lives in the village."""
    village = kit.unit("village")
    unit = village if kit.rng.random() < 0.6 else kit.world.units[village.township_id]
    official = kit.official(unit, start, end, duties=duties, born=born,
                            household=kit.household(village.township_id, village.unit_id))
    return official, unit


def _in_post(kit: Kit) -> tuple[Person, Unit, date]:
    start = kit.day(date(2012, 1, 1), date(2020, 6, 30))
    official, unit = _local_official(kit, start)
    return official, unit, kit.day(max(start + days(30), date(2019, 1, 1)), date(2024, 6, 30))


def _same_home(official: Person) -> tuple:
    return official.household_id, official.address, official.township_id, official.village_id


# -- subsidy_ineligible ----------------------------------------------------------------
def _ineligible(kit: Kit, variant: str, official: Person, unit: Unit, recipient: Person,
                program: str, when: date, amount: float) -> None:
    payment = kit.payment(program, recipient, when, amount)
    kit.case("subsidy_ineligible", variant, payment, recipient, official, unit,
             payment.unit_id)


def subsidy_ineligible_self(kit: Kit) -> None:
    official, unit, when = _in_post(kit)
    _ineligible(kit, "official draws subsistence allowance", official, unit, official,
                "subsistence_allowance", when, kit.rng.randrange(400, 760, 10))


def subsidy_ineligible_self_housing(kit: Kit) -> None:
    official, unit, when = _in_post(kit)
    _ineligible(kit, "official draws a housing renovation grant", official, unit, official,
                "housing_renovation", when, kit.rng.randrange(15_000, 35_000, 100))


def subsidy_ineligible_parent_at_home(kit: Kit) -> None:
    official, unit, when = _in_post(kit)
    mother = kit.relative(official, "parent", same_household=True)
    _ineligible(kit, "official's parent in the same household", official, unit, mother,
                "subsistence_allowance", when, kit.rng.randrange(400, 760, 10))


def subsidy_ineligible_household_member(kit: Kit) -> None:
    official, unit, when = _in_post(kit)
    grandmother = kit.person(_same_home(official), "female", official.birth_date.year - 50,
                             phone=False)
    _ineligible(kit, "household member without a kinship row", official, unit, grandmother,
                "winter_relief", when, kit.rng.randrange(300, 1_000, 50))


def subsidy_ineligible_spouse_elsewhere(kit: Kit) -> None:
    official, unit, when = _in_post(kit)
    spouse = kit.relative(official, "spouse")
    _ineligible(kit, "spouse registered in another household", official, unit, spouse,
                "migrant_transport", when, kit.rng.randrange(200, 500, 10))


def subsidy_ineligible_child_elsewhere(kit: Kit) -> None:
    start = kit.day(date(2012, 1, 1), date(2019, 6, 30))
    when = kit.day(date(2020, 1, 1), date(2024, 6, 30))
    official, unit = _local_official(kit, start,
                                     born=when.year - 17 - kit.rng.randint(25, 33))
    child = kit.person(born=when.year - 17)
    kit.kin(child, official, "parent")  # the official is the child's parent
    _ineligible(kit, "child in another household (row from the child's side)", official, unit,
                child, "high_school_grant", when, 1_000)


def _benefit_lookalike(kit: Kit, pattern: str, recipient: Person, program: str, when: date,
                       amount: float = 800) -> None:
    kit.payment(program, recipient, when, amount)
    kit.lookalike(pattern)


def subsidy_ineligible_farmland(kit: Kit) -> None:
    official, _, when = _in_post(kit)
    _benefit_lookalike(kit, "subsidy_ineligible", official, "farmland_subsidy", when, 1_260)


def subsidy_ineligible_unknown_program(kit: Kit) -> None:
    official, _, when = _in_post(kit)
    _benefit_lookalike(kit, "subsidy_ineligible", official, "elderly_allowance", when, 600)


def subsidy_ineligible_parent_elsewhere(kit: Kit) -> None:
    official, _, when = _in_post(kit)
    _benefit_lookalike(kit, "subsidy_ineligible", kit.relative(official, "parent"),
                       "subsistence_allowance", when, 520)


def subsidy_ineligible_sibling(kit: Kit) -> None:
    official, _, when = _in_post(kit)
    _benefit_lookalike(kit, "subsidy_ineligible", kit.relative(official, "sibling"),
                       "housing_renovation", when, 20_000)


def subsidy_ineligible_after_post(kit: Kit) -> None:
    end = kit.day(date(2018, 6, 1), date(2023, 6, 30))
    official, _ = _local_official(kit, end - days(2000), end)
    _benefit_lookalike(kit, "subsidy_ineligible", official, "subsistence_allowance",
                       end + days(kit.rng.randint(1, 300)), 480)


def subsidy_ineligible_before_post(kit: Kit) -> None:
    start = kit.day(date(2020, 1, 1), date(2024, 3, 31))
    official, _ = _local_official(kit, start)
    spouse = kit.relative(official, "spouse", same_household=True)
    _benefit_lookalike(kit, "subsidy_ineligible", spouse, "winter_relief",
                       start - days(kit.rng.randint(1, 400)), 500)


# -- self_approval (payments) ----------------------------------------------------------
def _approving_official(kit: Kit) -> tuple[Person, date]:
    """A township official with the subsidy-approval duty, living in that township."""
    start = kit.day(date(2012, 1, 1), date(2020, 6, 30))
    official, _ = _local_official(kit, start, duties="subsidy approval")
    return official, kit.day(max(start + days(30), date(2019, 1, 1)), date(2024, 6, 30))


def _self_approved(kit: Kit, variant: str, approver: Person, recipient: Person,
                   program: str, when: date, amount: float, case: bool = True) -> None:
    payment = kit.payment(program, recipient, when, amount, approver=approver.id_number)
    if case:
        kit.case("self_approval", variant, payment, approver, recipient, payment.unit_id)
    else:
        kit.lookalike("self_approval")


def self_approval_own_payment(kit: Kit) -> None:
    approver, when = _approving_official(kit)
    _self_approved(kit, "approves their own farmland subsidy", approver, approver,
                   "farmland_subsidy", when, 1_480)


def self_approval_parent(kit: Kit) -> None:
    approver, when = _approving_official(kit)
    parent = kit.relative(approver, "parent")
    _self_approved(kit, "approves a parent's subsistence allowance", approver, parent,
                   "subsistence_allowance", when, 560)


def self_approval_sibling_reverse_row(kit: Kit) -> None:
    approver, when = _approving_official(kit)
    sibling = kit.person(surname=approver.name[0])
    kit.kin(sibling, approver, "sibling")
    _self_approved(kit, "approves a sibling's grant (row from the sibling's side)", approver,
                   sibling, "migrant_transport", when, 400)


def self_approval_household(kit: Kit) -> None:
    approver, when = _approving_official(kit)
    lodger = kit.person(_same_home(approver), born=approver.birth_date.year - 40, phone=False)
    _self_approved(kit, "approves a payment to a member of their household", approver, lodger,
                   "farmland_subsidy", when, 960)


def self_approval_in_law(kit: Kit) -> None:
    approver, when = _approving_official(kit)
    spouse = kit.relative(approver, "spouse", same_household=True)
    _self_approved(kit, "", approver, kit.relative(spouse, "sibling"), "subsistence_allowance",
                   when, 610, case=False)


def self_approval_nephew(kit: Kit) -> None:
    approver, when = _approving_official(kit)
    sibling = kit.relative(approver, "sibling", born=approver.birth_date.year - 5)
    _self_approved(kit, "", approver, kit.relative(sibling, "child"), "migrant_transport",
                   when, 300, case=False)


# -- ghost_beneficiary -----------------------------------------------------------------
def _elder(kit: Kit) -> Person:
    return kit.person(born=kit.rng.randint(1930, 1950))


def _monthly(kit: Kit, recipient: Person, first: date, months: int, program: str,
             amount: float, account: str | None = None) -> list:
    payments, month = [], first
    for _ in range(months):
        payments.append(kit.payment(program, recipient, month, amount, account=account))
        month = (month.replace(day=1) + days(32)).replace(day=first.day)
    return payments


def ghost_after_death(kit: Kit) -> None:
    recipient = _elder(kit)
    first = kit.day(date(2019, 1, 1), date(2023, 6, 30)).replace(day=15)
    payments = _monthly(kit, recipient, first, 5, "subsistence_allowance", 540)
    recipient.death_date = first + days(kit.rng.randint(35, 85))
    late = [payment for payment in payments if payment.date > recipient.death_date]
    kit.case("ghost_beneficiary", "allowance kept flowing after death", late, recipient,
             late[0].account_no, late[0].unit_id)


def ghost_day_after_death(kit: Kit) -> None:
    recipient = _elder(kit)
    payment = kit.payment("winter_relief", recipient, kit.day(date(2019, 12, 1),
                                                              date(2023, 12, 31)), 600)
    recipient.death_date = payment.date - days(1)
    kit.case("ghost_beneficiary", "paid the day after death", payment, recipient,
             payment.account_no, payment.unit_id)


def ghost_twice_in_month(kit: Kit) -> None:
    recipient = _elder(kit)
    first = kit.day(date(2019, 1, 1), date(2024, 5, 31)).replace(day=kit.rng.randint(1, 10))
    payments = [kit.payment("subsistence_allowance", recipient, first, 580),
                kit.payment("subsistence_allowance", recipient,
                            first.replace(day=kit.rng.randint(15, 28)), 580)]
    kit.case("ghost_beneficiary", "two allowance payments in one month", payments, recipient,
             payments[0].account_no, payments[0].unit_id)


def ghost_twice_rain_dew(kit: Kit) -> None:
    student = kit.person(born=kit.rng.randint(2000, 2004))
    when = date(kit.rng.randint(2020, 2023), 9, kit.rng.randint(1, 12))
    payments = [kit.payment("rain_dew", student, when, 1_500),
                kit.payment("rain_dew", student, when + days(kit.rng.randint(3, 15)), 1_500)]
    kit.case("ghost_beneficiary", "two grants of one term in one month", payments, student,
             payments[0].account_no, payments[0].unit_id)


def _pooled(kit: Kit, variant: str, recipients: int) -> None:
    holder = kit.person()
    account = kit.account(holder.id_number)
    household = kit.household()
    people = [kit.person(kit.household(household[2]), born=kit.rng.randint(1935, 1960))
              for _ in range(recipients)]
    when = kit.day(date(2019, 1, 1), date(2024, 3, 31))
    payments = [kit.payment(kit.rng.choice(("subsistence_allowance", "winter_relief")), person,
                            when + days(kit.rng.randint(0, 40)), 500, account=account)
                for person in people]
    kit.case("ghost_beneficiary", variant, account, people, payments, holder,
             payments[0].unit_id)


def ghost_pooled_account(kit: Kit) -> None:
    _pooled(kit, "three recipients paid into one account", 3)


def ghost_pooled_account_four(kit: Kit) -> None:
    _pooled(kit, "four recipients paid into a village clerk's account", 4)


def ghost_paid_on_death_day(kit: Kit) -> None:
    recipient = _elder(kit)
    payment = kit.payment("subsistence_allowance", recipient,
                          kit.day(date(2019, 1, 1), date(2024, 6, 30)), 500)
    recipient.death_date = payment.date
    kit.lookalike("ghost_beneficiary")


def ghost_consecutive_months(kit: Kit) -> None:
    recipient = _elder(kit)
    year, month = kit.rng.randint(2019, 2024), kit.rng.randint(1, 11)
    end_of_month = date(year, month + 1, 1) - days(1)
    kit.payment("subsistence_allowance", recipient, end_of_month, 500)
    kit.payment("subsistence_allowance", recipient, end_of_month + days(1), 500)
    kit.lookalike("ghost_beneficiary")


def ghost_two_programs_one_month(kit: Kit) -> None:
    recipient = _elder(kit)
    when = kit.day(date(2019, 1, 1), date(2024, 6, 30)).replace(day=5)
    kit.payment("subsistence_allowance", recipient, when, 500)
    kit.payment("winter_relief", recipient, when + days(10), 800)
    kit.lookalike("ghost_beneficiary")


def ghost_couple_account(kit: Kit) -> None:
    husband = _elder(kit)
    wife = kit.relative(husband, "spouse", same_household=True)
    account = kit.account(husband.id_number)
    when = kit.day(date(2019, 1, 1), date(2024, 6, 30))
    kit.payment("subsistence_allowance", husband, when, 500, account=account)
    kit.payment("subsistence_allowance", wife, when, 500, account=account)
    kit.lookalike("ghost_beneficiary")


VARIANTS = {
    "subsidy_ineligible": [subsidy_ineligible_self, subsidy_ineligible_parent_at_home,
                           subsidy_ineligible_spouse_elsewhere,
                           subsidy_ineligible_child_elsewhere,
                           subsidy_ineligible_household_member,
                           subsidy_ineligible_self_housing],
    "self_approval": [self_approval_own_payment, self_approval_parent,
                      self_approval_sibling_reverse_row, self_approval_household],
    "ghost_beneficiary": [ghost_after_death, ghost_twice_in_month, ghost_pooled_account,
                          ghost_day_after_death, ghost_twice_rain_dew,
                          ghost_pooled_account_four],
}
LOOKALIKES = {
    "subsidy_ineligible": [subsidy_ineligible_farmland, subsidy_ineligible_unknown_program,
                           subsidy_ineligible_parent_elsewhere, subsidy_ineligible_sibling,
                           subsidy_ineligible_after_post, subsidy_ineligible_before_post],
    "self_approval": [self_approval_in_law, self_approval_nephew],
    "ghost_beneficiary": [ghost_paid_on_death_day, ghost_consecutive_months,
                          ghost_two_programs_one_month, ghost_couple_account],
}
