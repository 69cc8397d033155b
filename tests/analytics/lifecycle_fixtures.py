"""A small county whose next extract adds evidence to a third of its cases and takes some away.

``cases(world, newer=False)`` writes the first extract; ``newer=True`` the next one of the
same dataset, where (after the same base rows, so every identifier is the same):

- grown: 甲's child also holds 宏达 (a second relative_supplier path for KA1); a third bidder
  with the shared phone joins tender T1 (bid_rigging); a fourth contract joins the split group
  of 拆单商 within the window of its first (bid_splitting);
- shrunk: 戊's sibling tie is gone (one of the two paths to 顺发 for KB1 is closed);
- ended: 壬's spouse tie is gone, so the allowance paid to 癸 no longer matches;
- unchanged: official_business (辛), the pooled account, the young supplier, the revolving door.
"""
from __future__ import annotations

from fixtures import World

GROWN = ("relative_supplier:KA1", "bid_rigging", "bid_splitting")


def cases(w: World, newer: bool = False) -> dict:
    w.county()
    ids: dict = {}
    # relative_supplier, grows: 甲's spouse is 宏达's legal representative.
    ids["甲"] = a = w.official("甲", "U1", start="2015-01-01")
    spouse, child = w.person("乙"), w.person("丁")
    w.kin(a, spouse, "spouse")
    w.kin(a, child, "child")
    ids["宏达"] = w.company("宏达", legal_rep=spouse, established="2012-01-01")
    ids["child"] = child
    w.contract("U1", ids["宏达"], 800_000, "2020-06-01", contract_id="KA1")
    # relative_supplier, shrinks: 戊's spouse and sibling both hold 顺发.
    ids["戊"] = b = w.official("戊", "U2", start="2015-01-01")
    b_spouse, ids["sibling"] = w.person("己"), w.person("庚")
    w.kin(b, b_spouse, "spouse")
    if not newer:
        w.kin(b, ids["sibling"], "sibling")
    shunfa = w.company("顺发", established="2012-01-01")
    w.role(shunfa, b_spouse, "shareholder", start="2016-01-01")
    w.role(shunfa, ids["sibling"], "shareholder", start="2016-01-01")
    w.contract("U2", shunfa, 600_000, "2020-07-01", contract_id="KB1")
    # official_business, unchanged.
    c = w.official("辛", "U1", start="2016-01-01")
    w.role(w.company("辛记", established="2012-01-01"), c, "shareholder", start="2018-01-01")
    # bid_rigging, grows: two bidders of T1 share a phone.
    bidders = [w.company(f"投标{n}", phone="09171234567") for n in "甲乙丙"]
    ids["third_bidder"] = bidders[2]
    w.bid("T1", bidders[0], won=True)
    w.bid("T1", bidders[1])
    w.contract("U1", bidders[0], 1_500_000, "2021-04-01", tender="T1", contract_id="KT1")
    # bid_splitting, grows: three inquiries to one supplier within 90 days.
    splitter = w.company("拆单商", established="2012-01-01")
    for day, contract_id in (("2021-01-10", "KS1"), ("2021-02-15", "KS2"),
                             ("2021-03-10", "KS3")):
        w.contract("U1", splitter, 900_000, day, method="inquiry", contract_id=contract_id)
    # ghost_beneficiary, unchanged: three villagers paid into one account (U2), one more (U1).
    ids["pooled"] = pooled = w.account(w.person("户主"))
    for n in range(3):
        w.payment(w.person(f"村民{n}"), "2021-07-01", unit="U2", account_no=pooled)
    w.payment(w.person("村民3"), "2021-07-02", unit="U1", account_no=pooled)
    # subsidy_ineligible, ends: 壬's spouse receives an allowance.
    d = w.official("壬", "U2", start="2015-01-01")
    d_spouse = w.person("癸")
    if not newer:
        w.kin(d, d_spouse, "spouse")
    w.payment(d_spouse, "2021-05-01", unit="U2")
    # shell_company, unchanged: a young company's contract twenty times its capital.
    young = w.company("新壳", established="2021-01-01", capital="100000")
    w.contract("U2", young, 2_000_000, "2021-03-01", method="public_tender", contract_id="KY1")
    # revolving_door, unchanged: 子 left U1 and joined its supplier.
    leaver = w.official("子", "U1", start="2010-01-01", end="2019-12-31")
    firm = w.company("旋转门公司", established="2012-01-01")
    w.role(firm, leaver, "manager", start="2020-06-01")
    w.contract("U1", firm, 300_000, "2018-05-01", contract_id="KR1")
    if newer:
        w.role(ids["宏达"], child, "shareholder", start="2019-01-01")
        w.bid("T1", bidders[2])
        w.contract("U1", splitter, 900_000, "2021-03-30", method="inquiry", contract_id="KS4")
    return ids
