"""Planted kickback_flow cases: money paid by a unit to a supplier flows back, within 90
days and in transfers of 10,000 yuan or more, to an official of the unit or a relative,
directly or through one or two go-betweens. Look-alikes miss one condition each."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from synthetic.cases.kit import Kit
from synthetic.world import Company, Person, Transaction, Unit, days

__all__ = ["LOOKALIKES", "VARIANTS"]

_BUYERS = ("bureau", "township", "soe", "hospital", "school")


@dataclass
class _Scheme:
    """A paid contract and the people around it."""

    unit: Unit
    official: Person
    company: Company
    owner: Person
    paid: Transaction
    contract: object
    trail: list = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.paid.date


def _scheme(kit: Kit, post_ends: int | None = None) -> _Scheme:
    """A supplier paid by the unit on day d0, and an official of the unit in post then
    (or whose post ended ``post_ends`` days before d0)."""
    unit = kit.unit(*_BUYERS)
    paid_on = kit.day(date(2019, 3, 1), date(2024, 6, 30))
    start = paid_on - days(kit.rng.randint(200, 2500))
    end = paid_on - days(post_ends) if post_ends else None
    official = kit.official(unit, start, end, duties="procurement;infrastructure")
    owner = kit.person()
    company = kit.company(kit.rng.choice(("works", "goods")), legal_rep=owner,
                          established=kit.founded(paid_on))
    amount = float(round(kit.rng.uniform(300_000, 1_800_000), -3))
    contract = kit.contract(unit, company, paid_on - days(kit.rng.randint(20, 90)), amount,
                            pay=False)
    paid = kit.transfer(kit.account(unit.unit_id), kit.account(company.credit_code), amount,
                        paid_on, f"工程款 {contract.contract_id}")
    return _Scheme(unit, official, company, owner, paid, contract)


def _move(kit: Kit, scheme: _Scheme, source: str, target: Person | Company, after: int,
          amount: float | None = None) -> str:
    """Transfer from ``source`` to the target's account ``after`` days after d0."""
    holder = target.credit_code if isinstance(target, Company) else target.id_number
    account = kit.account(holder)
    transfer = kit.transfer(source, account, amount or float(kit.rng.randint(2, 30) * 5_000),
                            scheme.day + days(after), kit.rng.choice(("借款", "往来款", "转账")))
    scheme.trail += [transfer, source, account, target]
    return account


def _flow(kit: Kit, scheme: _Scheme, path: list[Person | Company], offsets: list[int],
          source: str | None = None, amounts: list[float] | None = None) -> None:
    account = source or kit.account(scheme.company.credit_code)
    for index, (target, after) in enumerate(zip(path, offsets)):
        account = _move(kit, scheme, account, target, after,
                        amounts[index] if amounts else None)


def _record(kit: Kit, scheme: _Scheme, variant: str, *extra) -> None:
    kit.case("kickback_flow", variant, scheme.unit, scheme.company, scheme.contract,
             scheme.paid, scheme.paid.from_account, scheme.paid.to_account, scheme.trail,
             scheme.official, extra)


def _offsets(kit: Kit, hops: int) -> list[int]:
    return sorted(kit.rng.randint(0, 90) for _ in range(hops))


def kickback_direct(kit: Kit) -> None:
    scheme = _scheme(kit)
    _flow(kit, scheme, [scheme.official], _offsets(kit, 1))
    _record(kit, scheme, "supplier pays the official")


def kickback_to_relative(kit: Kit) -> None:
    scheme = _scheme(kit)
    _flow(kit, scheme, [kit.relative(scheme.official, "sibling")], _offsets(kit, 1))
    _record(kit, scheme, "supplier pays the official's sibling")


def kickback_one_go_between(kit: Kit) -> None:
    scheme = _scheme(kit)
    _flow(kit, scheme, [kit.person(), scheme.official], _offsets(kit, 2))
    _record(kit, scheme, "through one go-between")


def kickback_two_go_betweens(kit: Kit) -> None:
    scheme = _scheme(kit)
    spouse = kit.relative(scheme.official, "spouse", same_household=True)
    _flow(kit, scheme, [kit.person(), kit.person(), spouse], _offsets(kit, 3))
    _record(kit, scheme, "through two go-betweens to the spouse")


def kickback_from_owner(kit: Kit) -> None:
    scheme = _scheme(kit)
    _flow(kit, scheme, [scheme.official], _offsets(kit, 1),
          source=kit.account(scheme.owner.id_number))
    _record(kit, scheme, "the supplier's legal rep pays from a personal card", scheme.owner)


def kickback_in_law(kit: Kit) -> None:
    scheme = _scheme(kit)
    spouse = kit.relative(scheme.official, "spouse", same_household=True)
    brother_in_law = kit.relative(spouse, "sibling")
    _flow(kit, scheme, [brother_in_law], _offsets(kit, 1))
    _record(kit, scheme, "to the spouse's brother", spouse)


def kickback_window_edges(kit: Kit) -> None:
    scheme = _scheme(kit)
    _flow(kit, scheme, [kit.person(), scheme.official], [0, 90], amounts=[10_000, 10_000])
    _record(kit, scheme, "same-day start, last hop on day 90, exactly 10,000 each")


def _missed(kit: Kit, scheme: _Scheme, path: list, offsets: list[int], **options) -> None:
    _flow(kit, scheme, path, offsets, **options)
    kit.lookalike("kickback_flow")


def kickback_below_minimum(kit: Kit) -> None:
    scheme = _scheme(kit)
    _missed(kit, scheme, [scheme.official], [20], amounts=[9_999])


def kickback_too_late(kit: Kit) -> None:
    scheme = _scheme(kit)
    _missed(kit, scheme, [kit.person(), scheme.official], [30, kit.rng.randint(91, 150)])


def kickback_to_nephew(kit: Kit) -> None:
    scheme = _scheme(kit)
    sibling = kit.relative(scheme.official, "sibling", born=scheme.official.birth_date.year - 6)
    _missed(kit, scheme, [kit.relative(sibling, "child")], [40])


def kickback_three_go_betweens(kit: Kit) -> None:
    scheme = _scheme(kit)
    _missed(kit, scheme, [kit.person(), kit.person(), kit.person(), scheme.official],
            [5, 10, 20, 30])


def kickback_out_of_order(kit: Kit) -> None:
    scheme = _scheme(kit)
    _missed(kit, scheme, [kit.person(), scheme.official], [40, 20])


def kickback_before_payment(kit: Kit) -> None:
    scheme = _scheme(kit)
    _missed(kit, scheme, [scheme.official], [-5])


def kickback_other_unit(kit: Kit) -> None:
    scheme = _scheme(kit)
    outsider = kit.official(kit.unit(*_BUYERS, exclude=(scheme.unit,)), scheme.day - days(900))
    _missed(kit, scheme, [outsider], [25])


def kickback_post_ended(kit: Kit) -> None:
    scheme = _scheme(kit, post_ends=kit.rng.randint(1, 200))
    _missed(kit, scheme, [scheme.official], [10])


def kickback_through_company(kit: Kit) -> None:
    scheme = _scheme(kit)
    _missed(kit, scheme, [kit.company("services"), scheme.official], [10, 20])


VARIANTS = {"kickback_flow": [kickback_direct, kickback_to_relative, kickback_one_go_between,
                              kickback_two_go_betweens, kickback_from_owner, kickback_in_law,
                              kickback_window_edges]}
LOOKALIKES = {"kickback_flow": [kickback_below_minimum, kickback_too_late, kickback_to_nephew,
                                kickback_three_go_betweens, kickback_out_of_order,
                                kickback_before_payment, kickback_other_unit,
                                kickback_post_ended, kickback_through_company]}
