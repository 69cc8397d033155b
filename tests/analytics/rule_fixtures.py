"""Per rule, a firing fixture and quiet look-alikes, built as tiny canonical datasets.

A firing fixture returns the hits it expects, each as identifiers that must all be in one
alert (one alert per expected hit, no more); a quiet fixture holds look-alikes just outside
the rule's definition in rules.md and must raise nothing.
"""
from __future__ import annotations

from fixtures import World


def relative_supplier_firing(w: World) -> list[set]:
    official = w.official("甲", "U1", start="2015-01-01")
    spouse, brother_in_law, child = w.person("乙"), w.person("丙"), w.person("丁")
    w.kin(official, spouse, "spouse")
    w.kin(brother_in_law, spouse, "sibling")          # two hops, through the spouse tie
    holding, supplier = w.company("控股公司"), w.company("宏达建筑")
    w.role(holding, brother_in_law, "beneficial_owner", start="2019-01-01")
    w.role(supplier, holding, "shareholder", start="2019-01-01")
    first = w.contract("U1", supplier, 500_000, "2020-06-01")
    w.kin(child, official, "parent")                  # 甲 is 丁's parent: a direct tie
    own = w.company("丁记商贸", legal_rep=child, established="2019-03-01")
    second = w.contract("U1", own, 300_000, "2021-02-01")
    sister, her_husband = w.person("甲之妹"), w.person("妹夫")
    w.kin(sister, official, "sibling")
    w.kin(sister, her_husband, "spouse")              # a relative's spouse
    chain = [her_husband] + [w.company(f"链{level}") for level in range(1, 4)]
    for holder, held in zip(chain, chain[1:]):
        w.role(held, holder, "director" if holder == her_husband else "shareholder")
    third = w.contract("U1", chain[-1], 200_000, "2021-03-01")     # depth 3 exactly
    return [{first, official, brother_in_law, supplier}, {second, official, child, own},
            {third, official, her_husband, *chain[1:]}]


def relative_supplier_quiet(w: World) -> None:
    official = w.official("甲", "U1", start="2019-01-01", end="2022-12-31")
    sibling, nephew, spouse = w.person("兄"), w.person("侄"), w.person("妻")
    w.kin(official, sibling, "sibling")
    w.kin(sibling, nephew, "child")                   # two hops, no spouse tie
    w.kin(official, spouse, "spouse")
    early = w.company("早年公司")
    w.role(early, spouse, "shareholder", start="2015-01-01")
    w.contract("U1", early, 100_000, "2018-06-01")    # before 甲 took the post
    w.contract("U1", early, 100_000, "2023-06-01")    # after 甲 left
    w.contract("U2", early, 100_000, "2020-06-01")    # 甲 has no post at U2
    nephews = w.company("侄子公司")
    w.role(nephews, nephew, "shareholder")
    w.contract("U1", nephews, 100_000, "2020-06-01")
    ended = w.company("退股公司")
    w.role(ended, spouse, "shareholder", start="2015-01-01", end="2019-12-31")
    w.contract("U1", ended, 100_000, "2020-06-01")
    chain = [spouse] + [w.company(f"链{level}") for level in range(1, 5)]
    for holder, held in zip(chain, chain[1:]):
        w.role(held, holder, "shareholder")
    w.contract("U1", chain[-1], 100_000, "2020-06-01")   # depth 4 > chain_depth 3
    managed, held = w.company("被管公司"), w.company("下属公司")
    w.role(managed, spouse, "director")
    w.role(held, managed, "director")                 # a company director is no shareholding
    w.contract("U1", held, 100_000, "2020-06-01")


def official_business_firing(w: World) -> list[set]:
    official = w.official("甲", "U1", start="2015-01-01")
    company = w.company("甲的公司")
    w.role(company, official, "shareholder", start="2018-01-01")
    second = w.official("乙", "U1", start="2016-01-01", end="2020-12-31", phone="13900000001")
    nominee = w.person("代持人", phone="13900000001")
    other = w.company("代持公司")
    w.role(other, nominee, "director", start="2019-01-01", end="2019-12-31")
    third = w.official("丙", "U2", start="2019-01-01", end="2021-12-31", address="幸福路1号")
    tenant = w.person("同址人", address="幸福路1号")
    registered = w.company("登记公司", legal_rep=tenant, established="2020-01-01")
    return [{official, company}, {second, nominee, other}, {third, tenant, registered}]


def official_business_quiet(w: World) -> None:
    retired = w.official("甲", "U1", start="2010-01-01", end="2014-12-31")
    w.role(w.company("退休后公司"), retired, "shareholder", start="2016-01-01")
    supervisor = w.official("乙", "U1")
    w.role(w.company("监事公司"), supervisor, "supervisor", start="2018-01-01")
    owner = w.official("丙", "U1")
    w.role(w.company("受益公司"), owner, "beneficial_owner", start="2018-01-01")
    w.person("路人", phone="13900000009")
    stranger = w.person("路人代持", phone="13900000009")
    w.role(w.company("路人公司"), stranger, "shareholder")
    w.official("丁", "U1", start="2010-01-01", phone="13900000008")
    early = w.person("早年代持", phone="13900000008")
    w.role(w.company("早年公司"), early, "shareholder", start="2000-01-01", end="2005-12-31")


def subsidy_ineligible_firing(w: World) -> list[set]:
    official = w.official("甲", "U1", start="2015-01-01", household_id="H1")
    own = w.payment(official, "2020-03-01", "subsistence_allowance", unit="U1")
    second = w.official("乙", "U1", household_id="H2")
    housemate = w.person("同户人", household_id="H2")
    housemate_payment = w.payment(housemate, "2020-03-01", "rain_dew", unit="U1")
    third = w.official("丙", "U1", household_id="H3")
    child = w.person("丙之子", household_id="H9")
    w.kin(child, third, "parent")                     # 丙 is the parent of the child
    child_payment = w.payment(child, "2020-09-01", "high_school_grant", unit="U1")
    fourth = w.official("丁", "U1", household_id="H4")
    spouse = w.person("丁之妻", household_id="H8")
    w.kin(spouse, fourth, "spouse")
    spouse_payment = w.payment(spouse, "2020-12-01", "winter_relief", unit="U1")
    return [{own, official}, {housemate_payment, housemate, second},
            {child_payment, child, third}, {spouse_payment, spouse, fourth}]


def subsidy_ineligible_quiet(w: World) -> None:
    official = w.official("甲", "U1", start="2015-01-01", household_id="H1")
    w.payment(official, "2020-03-01", "farmland_subsidy", unit="U1")
    w.payment(official, "2020-03-01", "eco_compensation", unit="U1")
    former = w.official("乙", "U1", start="2010-01-01", end="2015-12-31", household_id="H2")
    later = w.official("丙", "U1", start="2021-01-01", household_id="H3")
    parent, sibling = w.person("甲之父", household_id="H7"), w.person("甲之兄", household_id="H6")
    w.kin(official, parent, "parent")                 # a parent is not the household
    w.kin(official, sibling, "sibling")
    for person in (former, later, parent, sibling, w.person("村民", household_id="H5")):
        w.payment(person, "2020-03-01", "subsistence_allowance", unit="U1")


def self_approval_firing(w: World) -> list[set]:
    clerk = w.official("甲", "U1", household_id="H1")
    own = w.payment(clerk, "2021-01-05", unit="U1", approver=clerk)
    sister = w.person("甲之妹", household_id="H2")
    w.kin(sister, clerk, "sibling")
    kin_payment = w.payment(sister, "2021-01-05", unit="U1", approver=clerk)
    housemate = w.person("同户人", household_id="H1")
    house_payment = w.payment(housemate, "2021-01-05", unit="U1", approver=clerk)
    owner = w.official("乙", "U1")
    company = w.company("乙的公司")
    w.role(company, owner, "shareholder", start="2019-01-01")
    signed = w.contract("U1", company, 100_000, "2020-05-01", approver=owner)
    husband = w.person("法人")
    w.kin(clerk, husband, "spouse")
    registered = w.company("丈夫公司", legal_rep=husband, established="2018-01-01")
    approved = w.contract("U1", registered, 100_000, "2020-05-01", approver=clerk)
    return [{own, clerk}, {kin_payment, sister, clerk}, {house_payment, housemate, clerk},
            {signed, owner, company}, {approved, clerk, husband, registered}]


def self_approval_quiet(w: World) -> None:
    clerk = w.official("甲", "U1", household_id="H1")
    spouse, in_law = w.person("甲之妻", household_id="H1x"), w.person("妻之弟", household_id="H3")
    w.kin(clerk, spouse, "spouse")
    w.kin(spouse, in_law, "sibling")                  # two hops: not a direct tie
    w.payment(in_law, "2021-01-05", unit="U1", approver=clerk)
    owner, director = w.company("受益人公司"), w.company("监事公司")
    w.role(owner, spouse, "beneficial_owner")
    w.contract("U1", owner, 100_000, "2020-05-01", approver=clerk)
    w.role(director, spouse, "supervisor")
    w.contract("U1", director, 100_000, "2020-05-01", approver=clerk)
    former = w.company("旧公司")
    w.role(former, clerk, "shareholder", start="2010-01-01", end="2019-12-31")
    w.contract("U1", former, 100_000, "2020-05-01", approver=clerk)


def bid_splitting_firing(w: World) -> list[set]:
    supplier = w.company("拆单供应商")
    parts = [w.contract("U1", supplier, 900_000, day, method="inquiry")
             for day in ("2021-01-10", "2021-02-15", "2021-04-10")]   # last: day 90
    boss = w.person("共同法人")
    sister_a = w.company("姐妹公司甲", legal_rep=boss)
    sister_b = w.company("姐妹公司乙")
    w.role(sister_b, boss, "legal_rep", start="2015-01-01")
    first = w.contract("U2", sister_a, 1_100_000, "2021-05-01", method="direct",
                       category="services")
    second = w.contract("U2", sister_b, 1_000_000, "2021-06-01", method="single_source",
                        category="services")
    return [{*parts, supplier}, {first, second, sister_a, sister_b, boss}]


def bid_splitting_quiet(w: World) -> None:
    supplier = w.company("供应商")
    for unit, amount, day, method, category in [
            ("U1", 1_500_000, "2021-01-01", "inquiry", "goods"),
            ("U1", 1_500_000, "2021-04-15", "inquiry", "goods"),         # day 104
            ("U1", 900_000, "2022-01-01", "inquiry", "goods"),
            ("U1", 900_000, "2022-01-02", "inquiry", "goods"),           # 1.8M < 2M
            ("U1", 1_500_000, "2023-01-01", "public_tender", "goods"),
            ("U1", 1_500_000, "2023-01-02", "inquiry", "goods"),
            ("U1", 1_500_000, "2024-01-01", "inquiry", "services"),      # other category
            ("U2", 1_500_000, "2024-01-02", "inquiry", "goods"),         # other buyer
            ("U1", 2_500_000, "2025-01-01", "direct", "goods"),          # not below
            ("U1", 100_000, "2025-01-02", "direct", "goods"),
            ("U1", 1_900_000, "2025-06-01", "direct", "works"),          # 3.8M < 4M
            ("U1", 1_900_000, "2025-06-02", "direct", "works")]:
        w.contract(unit, supplier, amount, day, method=method, category=category)
    for name, day in (("甲", "2021-05-01"), ("乙", "2021-05-02")):     # different legal reps
        w.contract("U2", w.company(name, legal_rep=w.person(f"法人{name}")), 1_100_000, day,
                   method="direct")
    boss, former = w.person("现法人"), w.person("前法人")
    first, second = w.company("丙", legal_rep=boss), w.company("丁")
    w.role(second, former, "legal_rep", start="2010-01-01", end="2020-12-31")
    w.role(second, boss, "legal_rep", start="2021-06-01")             # shared only later
    w.contract("U2", first, 1_100_000, "2021-05-03", method="direct", category="works")
    w.contract("U2", second, 2_950_000, "2021-05-04", method="direct", category="works")


def bid_rigging_firing(w: World) -> list[set]:
    phone_a, phone_b = (w.company(name, phone="05718880001") for name in ("甲", "乙"))
    honest = w.company("丙")
    rep = w.person("法人")
    rep_a = w.company("丁", legal_rep=rep)
    rep_b = w.company("戊")
    w.role(rep_b, rep, "legal_rep", start="2015-01-01")
    owner = w.person("股东")
    share_a, share_b = w.company("己"), w.company("庚")
    w.role(share_a, owner, "shareholder", start="2020-01-01")
    w.role(share_b, owner, "shareholder", start="2020-06-01")
    mail_a, mail_b = (w.company(name, email="bid@example.com") for name in ("辛", "壬"))
    for tender, bidders in (("T1", (phone_a, phone_b, honest)), ("T2", (rep_a, rep_b)),
                            ("T3", (share_a, share_b)), ("T4", (mail_a, mail_b))):
        for bidder in bidders:
            w.bid(tender, bidder, submitted="2021-03-01")
    w.contract("U1", phone_a, 1_000_000, "2021-04-01", tender="T1")
    return [{"T1", phone_a, phone_b}, {"T2", rep_a, rep_b, rep}, {"T3", share_a, share_b, owner},
            {"T4", mail_a, mail_b}]


def bid_rigging_quiet(w: World) -> None:
    owner, director, rep = w.person("前股东"), w.person("董事"), w.person("后任法人")
    for tender, holder, role, start, end in (
            ("T5", owner, "shareholder", "2015-01-01", "2020-12-31"),   # left before the bids
            ("T6", director, "director", "", ""),                       # not a shared role
            ("T9", rep, "legal_rep", "2021-06-01", "")):                # rep after the bids
        for name in ("甲", "乙"):
            bidder = w.company(f"{tender}{name}")
            w.role(bidder, holder, role, start=start, end=end)
            w.bid(tender, bidder, submitted="2021-03-01")
    w.bid("T7", w.company("戊", phone="05718880002"))                 # same phone, two tenders
    w.bid("T8", w.company("己", phone="05718880002"))
    w.bid("T8", w.company("庚"))


def kickback_flow_firing(w: World) -> list[set]:
    official = w.official("甲", "U1", start="2015-01-01")
    spouse, middleman = w.person("甲之妻"), w.person("中间人")
    w.kin(spouse, official, "spouse")
    supplier = w.company("宏达")
    unit_account, company_account = w.account("U1"), w.account(supplier)
    middle_account, spouse_account = w.account(middleman), w.account(spouse)
    paid = w.transfer(unit_account, company_account, 1_000_000, "2021-03-01")
    step1 = w.transfer(company_account, middle_account, 200_000, "2021-03-05")
    step2 = w.transfer(middle_account, spouse_account, 150_000, "2021-03-10")
    holder = w.person("法人")
    other = w.company("恒通", legal_rep=holder, established="2019-01-01")
    holder_account, official_account = w.account(holder), w.account(official)
    paid2 = w.transfer(unit_account, w.account(other), 500_000, "2021-06-01")
    back = w.transfer(holder_account, official_account, 50_000, "2021-08-30")   # day 90
    return [{paid, step1, step2, spouse_account, supplier}, {paid2, back, holder, official}]


def kickback_flow_quiet(w: World) -> None:
    official = w.official("甲", "U1", start="2015-01-01")
    elsewhere = w.official("乙", "U2", start="2015-01-01")
    retired = w.official("丙", "U1", start="2010-01-01", end="2020-12-31")
    unit_account, official_account = w.account("U1"), w.account(official)

    def paid_company(date: str, **company) -> str:
        account = w.account(w.company(f"公司{date}", **company))
        w.transfer(unit_account, account, 100_000, date)
        return account

    def middleman() -> str:
        return w.account(w.person("中间人"))

    w.transfer(paid_company("2021-01-01"), official_account, 9_999, "2021-01-10")  # too small
    w.transfer(paid_company("2021-02-01"), official_account, 50_000, "2021-05-03")  # day 91
    source, middle = paid_company("2021-03-01"), middleman()
    w.transfer(source, middle, 50_000, "2021-03-20")
    w.transfer(middle, official_account, 50_000, "2021-03-10")                     # out of order
    hops = [paid_company("2021-04-01"), middleman(), middleman(), middleman(), official_account]
    for day, (payer, payee) in enumerate(zip(hops, hops[1:]), start=2):            # 3 middlemen
        w.transfer(payer, payee, 50_000, f"2021-04-{day:02d}")
    w.transfer(paid_company("2021-05-01"), w.account(elsewhere), 50_000, "2021-05-02")
    w.transfer(paid_company("2021-06-01"), w.account(retired), 50_000, "2021-06-02")
    trading = w.account(w.company("贸易公司"))
    w.transfer(paid_company("2021-07-01"), trading, 50_000, "2021-07-02")         # via a company
    w.transfer(trading, official_account, 50_000, "2021-07-03")
    early = w.account(w.company("先付公司"))
    w.transfer(early, official_account, 50_000, "2021-07-31")                      # before d0
    w.transfer(unit_account, early, 100_000, "2021-08-01")
    former, watcher = w.person("前股东"), w.person("监事")
    for holder, role, end in ((former, "shareholder", "2020-12-31"), (watcher, "supervisor", "")):
        company = w.company(f"{holder}公司")
        w.role(company, holder, role, start="2015-01-01", end=end)
        w.transfer(unit_account, w.account(company), 100_000, "2021-09-01")
        w.transfer(w.account(holder), official_account, 50_000, "2021-09-05")


def shell_company_firing(w: World) -> list[set]:
    young = w.company("新公司", established="2021-01-01", capital="100000")
    first = w.contract("U1", young, 1_200_000, "2021-04-01")                   # day 90
    newborn = w.company("当日公司", established="2021-05-01", capital="50000")
    second = w.contract("U1", newborn, 500_000, "2021-05-01")                  # day 0, 10×
    official = w.official("甲", "U1", phone="13700000001")
    spouse = w.person("甲之妻", address="和平路8号")
    w.kin(official, spouse, "spouse")
    phone_twin = w.company("同电话公司", phone="13700000001")
    third = w.contract("U2", phone_twin, 100_000, "2020-01-01")
    address_twin = w.company("同地址公司", address="和平路8号")
    fourth = w.contract("U2", address_twin, 100_000, "2020-01-01")
    return [{first, young}, {second, newborn}, {phone_twin, official, third},
            {address_twin, spouse, official, fourth}]


def shell_company_quiet(w: World) -> None:
    late = w.company("半年公司", established="2021-01-01", capital="100000")
    w.contract("U1", late, 1_200_000, "2021-07-01")                            # day 181
    for name, capital, signed in (("九倍", "100000", "2021-02-01"), ("无资本", "", "2021-02-01"),
                                  ("零资本", "0", "2021-02-01"), ("先签后立", "10000", "2020-12-31")):
        w.contract("U1", w.company(name, established="2021-01-01", capital=capital), 900_000,
                   signed)
    official = w.official("甲", "U1", phone="13700000002")
    owned = w.company("持股公司", phone="13700000002", established="2000-01-01")
    w.role(owned, official, "shareholder")
    w.contract("U1", owned, 100_000, "2020-01-01")
    w.person("路人", phone="13700000003")
    w.contract("U1", w.company("路人同号", phone="13700000003"), 100_000, "2020-01-01")
    w.company("无合同公司", phone="13700000002")


def ghost_beneficiary_firing(w: World) -> list[set]:
    dead = w.person("已故", death_date="2021-01-15")
    late = w.payment(dead, "2021-03-01", unit="U1")
    twice = w.person("重复")
    first, second = (w.payment(twice, day, unit="U1") for day in ("2021-05-01", "2021-05-31"))
    pooled = w.account(w.person("归集户主"))
    payments = [w.payment(w.person(f"领取人{i}"), "2021-07-01", unit="U1", account_no=pooled)
                for i in range(3)]
    return [{late, dead}, {first, second, twice}, {pooled, *payments}]


def ghost_beneficiary_quiet(w: World) -> None:
    dead = w.person("已故", death_date="2021-01-15")
    w.payment(dead, "2021-01-15", unit="U1")                                   # on the day
    twice, monthly = w.person("两项"), w.person("逐月")
    w.payment(twice, "2021-05-01", "subsistence_allowance", unit="U1")
    w.payment(twice, "2021-05-02", "farmland_subsidy", unit="U1")             # two programmes
    w.payment(monthly, "2021-05-31", unit="U1")
    w.payment(monthly, "2021-06-01", unit="U1")                                # two months
    shared = w.account(w.person("两人户"))
    for i in range(2):
        w.payment(w.person(f"领取人{i}"), "2021-07-01", unit="U1", account_no=shared)
    own = w.account(w.person("本人户"))
    holder = w.person("多次")
    for month in ("01", "02", "03"):
        w.payment(holder, f"2021-{month}-01", unit="U1", account_no=own)


def revolving_door_firing(w: World) -> list[set]:
    leaver = w.official("甲", "U1", start="2010-01-01", end="2019-12-31")
    company = w.company("咨询公司")
    w.role(company, leaver, "shareholder", start="2020-01-01")                 # day 1
    contract = w.contract("U1", company, 100_000, "2018-01-01")
    second = w.official("乙", "U1", start="2010-01-01", end="2018-06-30")
    founded = w.company("新设公司", legal_rep=second, established="2021-06-29")  # day 1095
    later = w.contract("U1", founded, 100_000, "2023-01-01")
    return [{leaver, company, contract}, {second, founded, later}]


def revolving_door_quiet(w: World) -> None:
    same_day = w.official("甲", "U1", start="2010-01-01", end="2019-12-31")
    company = w.company("同日公司")
    w.role(company, same_day, "shareholder", start="2019-12-31")
    w.contract("U1", company, 100_000, "2018-01-01")
    late = w.official("乙", "U1", start="2010-01-01", end="2018-06-30")
    w.contract("U1", w.company("晚设公司", legal_rep=late, established="2021-06-30"),
               100_000, "2023-01-01")                                          # day 1096
    other = w.official("丙", "U1", start="2010-01-01", end="2019-12-31")
    current = w.official("丁", "U1", start="2010-01-01")                    # still in post
    for holder, role, buyer in ((other, "director", "U2"), (other, "supervisor", "U1"),
                                (current, "manager", "U1")):
        company = w.company(f"{role}公司")
        w.role(company, holder, role, start="2020-06-01")
        w.contract(buyer, company, 100_000, "2021-01-01")


FIXTURES = {
    rule_id: (globals()[f"{rule_id}_firing"], globals()[f"{rule_id}_quiet"])
    for rule_id in ("relative_supplier", "official_business", "subsidy_ineligible",
                    "self_approval", "bid_splitting", "bid_rigging", "kickback_flow",
                    "shell_company", "ghost_beneficiary", "revolving_door")
}
