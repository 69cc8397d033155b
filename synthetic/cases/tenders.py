"""Planted procurement-pattern cases: bid_splitting and bid_rigging, with look-alikes."""
from __future__ import annotations

from datetime import date

from synthetic.cases.kit import Kit
from synthetic.procurement import THRESHOLDS
from synthetic.world import Company, Person, days

__all__ = ["LOOKALIKES", "VARIANTS"]

_BUYERS = ("bureau", "township", "school", "hospital", "soe", "institution")
_SPLIT = ("competitive_negotiation", "inquiry", "single_source", "direct")


# -- bid_splitting ---------------------------------------------------------------------
def _series(kit: Kit, companies: list[Company], shares: list[float], offsets: list[int],
            methods: list[str] | None = None, buyers: list | None = None,
            categories: list[str] | None = None) -> list:
    """Contracts of one buyer (unless ``buyers``) at ``offsets`` days from the first, each
    worth ``share`` of the category threshold."""
    unit = kit.unit(*_BUYERS)
    first = kit.day(date(2019, 3, 1), date(2024, 1, 31))
    contracts = []
    for index, (share, offset) in enumerate(zip(shares, offsets)):
        company = companies[index % len(companies)]
        category = categories[index] if categories else company.category
        method = methods[index] if methods else kit.rng.choice(_SPLIT)
        amount = float(round(THRESHOLDS[category] * share, -2))
        buyer = buyers[index] if buyers else unit
        if method == "public_tender":
            contracts.append(kit.tender(buyer, company, [], amount, first + days(offset),
                                        clean_rivals=2))
        else:
            contracts.append(kit.contract(buyer, company, first + days(offset), amount, method,
                                          category=category))
    return [unit, *contracts]


def _shared_rep(kit: Kit, category: str, count: int = 2) -> tuple[Person, list[Company]]:
    rep = kit.person()
    return rep, [kit.company(category, legal_rep=rep) for _ in range(count)]


def bid_splitting_goods(kit: Kit) -> None:
    supplier = kit.company("goods")
    shares = [kit.rng.uniform(0.36, 0.45) for _ in range(3)]
    found = _series(kit, [supplier], shares, [0, kit.rng.randint(10, 30), kit.rng.randint(31, 60)])
    kit.case("bid_splitting", "three goods purchases from one supplier in 60 days", supplier,
             found)


def bid_splitting_window_edge(kit: Kit) -> None:
    supplier = kit.company("services")
    found = _series(kit, [supplier], [0.55, 0.5], [0, 90], ["single_source", "single_source"])
    kit.case("bid_splitting", "second contract on the 90th day", supplier, found)


def bid_splitting_shared_rep(kit: Kit) -> None:
    rep, suppliers = _shared_rep(kit, "works")
    found = _series(kit, suppliers, [0.35, 0.36, 0.34], [0, 25, 80])
    kit.case("bid_splitting", "works split between two companies of one legal rep", rep,
             suppliers, found)


def bid_splitting_exact_threshold(kit: Kit) -> None:
    supplier = kit.company("goods")
    found = _series(kit, [supplier], [0.6, 0.4], [0, 45], ["inquiry", "direct"])
    kit.case("bid_splitting", "two purchases summing exactly to the threshold", supplier,
             found)


def bid_splitting_mixed_methods(kit: Kit) -> None:
    rep, suppliers = _shared_rep(kit, "goods", 3)
    found = _series(kit, suppliers, [0.3, 0.28, 0.25, 0.3], [0, 20, 50, 85],
                    ["direct", "inquiry", "single_source", "competitive_negotiation"])
    kit.case("bid_splitting", "four purchases by four methods from three companies of one rep",
             rep, suppliers, found)


def _split_lookalike(kit: Kit, *arguments, **options) -> None:
    _series(kit, *arguments, **options)
    kit.lookalike("bid_splitting")


def bid_splitting_two_buyers(kit: Kit) -> None:
    first = kit.unit(*_BUYERS)
    _split_lookalike(kit, [kit.company("goods")], [0.6, 0.6], [0, 20],
                     buyers=[first, kit.unit(*_BUYERS, exclude=(first,))])


def bid_splitting_beyond_window(kit: Kit) -> None:
    _split_lookalike(kit, [kit.company("goods")], [0.6, 0.6], [0, 91])


def bid_splitting_below_threshold(kit: Kit) -> None:
    _split_lookalike(kit, [kit.company("works")], [0.3, 0.3, 0.3], [0, 20, 40])


def bid_splitting_with_tender(kit: Kit) -> None:
    _split_lookalike(kit, [kit.company("services")], [0.7, 0.5], [0, 30],
                     ["public_tender", "inquiry"])


def bid_splitting_not_below(kit: Kit) -> None:
    _split_lookalike(kit, [kit.company("goods")], [1.0, 0.4], [0, 15],
                     ["single_source", "inquiry"])


def bid_splitting_two_categories(kit: Kit) -> None:
    _split_lookalike(kit, [kit.company("goods")], [0.6, 0.6], [0, 15],
                     categories=["goods", "services"])


def bid_splitting_common_shareholder(kit: Kit) -> None:
    owner = kit.person()
    suppliers = [kit.company("goods"), kit.company("goods")]
    for supplier in suppliers:
        kit.role(supplier, owner, "shareholder", supplier.established_date)
    _split_lookalike(kit, suppliers, [0.6, 0.6], [0, 20])


# -- bid_rigging -----------------------------------------------------------------------
def _tender(kit: Kit, bidders: list[Company], submitted: date | None = None):
    unit = kit.unit(*_BUYERS)
    submitted = submitted or kit.day(date(2019, 3, 1), date(2024, 3, 31))
    category = bidders[0].category
    amount = float(round(THRESHOLDS[category] * kit.rng.uniform(0.4, 1.5), -3))
    contract = kit.tender(unit, bidders[0], bidders[1:], amount,
                          submitted + days(kit.rng.randint(10, 25)), submitted,
                          clean_rivals=kit.rng.randint(1, 2))
    return unit, contract, submitted


def _colluders(kit: Kit, count: int = 2, **shared) -> list[Company]:
    category = kit.rng.choice(("goods", "works", "services"))
    first = kit.company(category)
    return [first] + [kit.company(category, **{key: getattr(first, key) for key in shared})
                      for _ in range(count - 1)]


def bid_rigging_phone(kit: Kit) -> None:
    bidders = _colluders(kit, kit.rng.choice((2, 3)), phone=True)
    unit, contract, _ = _tender(kit, bidders)
    kit.case("bid_rigging", "bidders give the same phone", contract.tender_id, bidders, unit)


def bid_rigging_address(kit: Kit) -> None:
    bidders = _colluders(kit, address=True)
    unit, contract, _ = _tender(kit, bidders)
    kit.case("bid_rigging", "bidders registered at one address", contract.tender_id, bidders,
             unit)


def bid_rigging_email(kit: Kit) -> None:
    category = kit.rng.choice(("goods", "works", "services"))
    first = kit.company(category, email=kit.world.ids.unique(
        f"tb{kit.rng.randint(100, 999)}@163.com"))
    bidders = [first, kit.company(category, email=first.email)]
    unit, contract, _ = _tender(kit, bidders)
    kit.case("bid_rigging", "bidders share a mailbox", contract.tender_id, bidders, unit)


def bid_rigging_legal_rep(kit: Kit) -> None:
    rep, bidders = _shared_rep(kit, kit.rng.choice(("goods", "works", "services")))
    unit, contract, _ = _tender(kit, bidders)
    kit.case("bid_rigging", "bidders have one legal rep", contract.tender_id, bidders, rep,
             unit)


def bid_rigging_shareholder(kit: Kit) -> None:
    owner = kit.person()
    bidders = _colluders(kit)
    for bidder in bidders:
        kit.role(bidder, owner, "shareholder", bidder.established_date)
    unit, contract, _ = _tender(kit, bidders)
    kit.case("bid_rigging", "bidders share a shareholder", contract.tender_id, bidders, owner,
             unit)


def bid_rigging_parent_company(kit: Kit) -> None:
    bidders = _colluders(kit)
    parent = kit.company(bidders[0].category)
    for bidder in bidders:
        kit.role(bidder, parent, "shareholder", bidder.established_date)
    unit, contract, _ = _tender(kit, bidders)
    kit.case("bid_rigging", "bidders owned by one company", contract.tender_id, bidders,
             parent, unit)


def _rigging_lookalike(kit: Kit, bidders: list[Company], submitted: date | None = None):
    _tender(kit, bidders, submitted)
    kit.lookalike("bid_rigging")


def bid_rigging_phone_of_outsider(kit: Kit) -> None:
    bidder = kit.company("goods")
    kit.company("goods", phone=bidder.phone)  # shares the phone but never bids
    _rigging_lookalike(kit, [bidder, kit.company("goods")])


def bid_rigging_similar_phone(kit: Kit) -> None:
    first = kit.company("works")
    similar = first.phone[:-1] + str((int(first.phone[-1]) + 1) % 10)
    if not kit.world.ids.claim(similar):
        similar = kit.world.ids.mobile()
    _rigging_lookalike(kit, [first, kit.company("works", phone=similar)])


def bid_rigging_shareholder_left(kit: Kit) -> None:
    owner, submitted = kit.person(), kit.day(date(2019, 6, 1), date(2024, 3, 31))
    bidders = _colluders(kit)
    kit.role(bidders[0], owner, "shareholder", bidders[0].established_date)
    kit.role(bidders[1], owner, "shareholder", bidders[1].established_date,
             submitted - days(kit.rng.randint(1, 300)))
    _rigging_lookalike(kit, bidders, submitted)


def bid_rigging_shareholder_joined_after(kit: Kit) -> None:
    owner, submitted = kit.person(), kit.day(date(2019, 6, 1), date(2024, 3, 31))
    bidders = _colluders(kit)
    kit.role(bidders[0], owner, "shareholder", bidders[0].established_date)
    kit.role(bidders[1], owner, "shareholder", submitted + days(kit.rng.randint(1, 200)))
    _rigging_lookalike(kit, bidders, submitted)


def bid_rigging_shared_supervisor(kit: Kit) -> None:
    supervisor = kit.person()
    bidders = _colluders(kit)
    for bidder in bidders:
        kit.role(bidder, supervisor, "supervisor", bidder.established_date)
    _rigging_lookalike(kit, bidders)


def bid_rigging_rep_in_separate_tenders(kit: Kit) -> None:
    _, companies = _shared_rep(kit, "services")
    for company in companies:
        _tender(kit, [company])
    kit.lookalike("bid_rigging")


VARIANTS = {
    "bid_splitting": [bid_splitting_goods, bid_splitting_shared_rep, bid_splitting_window_edge,
                      bid_splitting_exact_threshold, bid_splitting_mixed_methods],
    "bid_rigging": [bid_rigging_phone, bid_rigging_address, bid_rigging_email,
                    bid_rigging_legal_rep, bid_rigging_shareholder, bid_rigging_parent_company],
}
LOOKALIKES = {
    "bid_splitting": [bid_splitting_two_buyers, bid_splitting_beyond_window,
                      bid_splitting_below_threshold, bid_splitting_with_tender,
                      bid_splitting_not_below, bid_splitting_two_categories,
                      bid_splitting_common_shareholder],
    "bid_rigging": [bid_rigging_phone_of_outsider, bid_rigging_similar_phone,
                    bid_rigging_shareholder_left, bid_rigging_shareholder_joined_after,
                    bid_rigging_shared_supervisor, bid_rigging_rep_in_separate_tenders],
}
