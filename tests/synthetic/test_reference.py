"""The reference rules against the spec's wording (tiny hand-made datasets), and generated
datasets against their truth.csv under the scoring protocol of rules.md."""
from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest

from synthetic import generate
from synthetic.identifiers import IdentifierFactory
from analytics.evaluate import normalize_identifier, read_truth
from synthetic.reference import reference_hits, score_reference, unit_ids


class Tiny:
    """A hand-made dataset: rows per table, written as CSV with English headers."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.ids = folder, IdentifierFactory(random.Random(7))
        self.tables: dict[str, list[dict]] = {}
        self.add("units", unit_id="U1", name="甲局", kind="government")
        self.add("units", unit_id="U2", name="乙镇", kind="government")

    def add(self, table: str, **row) -> dict:
        self.tables.setdefault(table, []).append(row)
        return row

    def person(self, household: str = "", phone: str = "", address: str = "",
               died: str = "") -> str:
        number = self.ids.resident_id("610323", date(1975, 5, 5), "male")
        household = household or f"H{len(self.tables.get('persons', []))}"
        self.add("persons", id_number=number, name="张伟", household_id=household,
                 phone=phone, address=address or f"{household}号", death_date=died)
        return number

    def official(self, unit: str = "U1", start: str = "2015-01-01", end: str = "",
                 **person) -> str:
        number = self.person(**person)
        self.add("positions", id_number=number, unit_id=unit, start_date=start, end_date=end)
        return number

    def kin(self, person: str, relative: str, relation: str) -> None:
        self.add("kinship", id_number=person, relative_id_number=relative, relation=relation)

    def company(self, rep: str = "", founded: str = "2010-01-01", capital: str = "5000000",
                phone: str = "", address: str = "", email: str = "") -> str:
        code = self.ids.credit_code("610323", date(2010, 1, 1))
        self.add("companies", credit_code=code, legal_rep_id_number=rep, established_date=founded,
                 registered_capital=capital, phone=phone or self.ids.landline(),
                 address=address or f"{code}路", email=email)
        return code

    def role(self, company: str, holder: str, role: str, start: str = "2010-01-01",
             end: str = "") -> None:
        column = "holder_credit_code" if len(holder) == 18 and holder.startswith("9") else (
            "holder_id_number")
        self.add("company_roles", credit_code=company, role=role, start_date=start,
                 end_date=end, **{column: holder})

    def contract(self, supplier: str, signed: str = "2021-06-01", amount: str = "500000",
                 unit: str = "U1", method: str = "inquiry", category: str = "goods",
                 approver: str = "", tender: str = "") -> str:
        number = f"K{len(self.tables.get('contracts', []))}"
        self.add("contracts", contract_id=number, buyer_unit_id=unit,
                 supplier_credit_code=supplier, signed_date=signed, amount=amount, method=method,
                 category=category, approver_id_number=approver, tender_id=tender)
        return number

    def account(self, holder: str, kind: str = "holder_id_number") -> str:
        number = self.ids.corporate_account()
        self.add("accounts", account_no=number, **{kind: holder})
        return number

    def transfer(self, source: str, target: str, amount: float, day: str) -> str:
        number = f"T{len(self.tables.get('transactions', []))}"
        self.add("transactions", txn_id=number, from_account=source, to_account=target,
                 amount=str(amount), date=day)
        return number

    def payment(self, recipient: str, program: str = "subsistence_allowance",
                day: str = "2021-06-01", approver: str = "", account: str = "") -> str:
        number = f"P{len(self.tables.get('subsidies', []))}"
        self.add("subsidies", payment_id=number, program=program, recipient_id_number=recipient,
                 date=day, unit_id="U2", approver_id_number=approver, account_no=account,
                 amount="500")
        return number

    def hits(self, rule: str) -> list[set[str]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        for table, rows in self.tables.items():
            columns = sorted({column for row in rows for column in row})
            with (self.folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, columns)
                writer.writeheader()
                writer.writerows(rows)
        return reference_hits(self.folder)[rule]


@pytest.fixture
def tiny(tmp_path: Path) -> Tiny:
    return Tiny(tmp_path / "tiny")


def _supplied_by_relative(tiny: Tiny, relation_path: list[str], levels: int = 1,
                          role: str = "shareholder", role_end: str = "",
                          post_start: str = "2015-01-01") -> str:
    official = tiny.official(start=post_start)
    person = official
    for relation in relation_path:
        relative = tiny.person()
        tiny.kin(person, relative, relation)
        person = relative
    company = tiny.company()
    tiny.role(company, person, role, end=role_end)
    for _ in range(levels - 1):
        owned = tiny.company()
        tiny.role(owned, company, "shareholder")
        company = owned
    return tiny.contract(company)


@pytest.mark.parametrize("path, levels, role, role_end, post_start, fires", [
    (["sibling"], 1, "shareholder", "", "2015-01-01", True),
    (["spouse", "sibling"], 1, "director", "", "2015-01-01", True),
    (["sibling", "spouse"], 1, "legal_rep", "", "2015-01-01", True),
    (["sibling", "child"], 1, "shareholder", "", "2015-01-01", False),
    (["spouse", "sibling", "spouse"], 1, "shareholder", "", "2015-01-01", False),
    (["parent"], 3, "shareholder", "", "2015-01-01", True),
    (["parent"], 4, "shareholder", "", "2015-01-01", False),
    (["sibling"], 1, "beneficial_owner", "", "2015-01-01", True),
    (["sibling"], 1, "supervisor", "", "2015-01-01", False),
    (["sibling"], 1, "shareholder", "2021-05-31", "2015-01-01", False),
    (["sibling"], 1, "shareholder", "", "2021-06-02", False),
])
def test_relative_supplier_follows_the_definition(tiny, path, levels, role, role_end,
                                                  post_start, fires):
    contract = _supplied_by_relative(tiny, path, levels, role, role_end, post_start)
    assert any(contract in hit for hit in tiny.hits("relative_supplier")) == fires


@pytest.mark.parametrize("role, start, end, nominee, fires", [
    ("shareholder", "2016-01-01", "", "", True),
    ("manager", "2010-01-01", "", "", True),
    ("supervisor", "2016-01-01", "", "", False),
    ("beneficial_owner", "2016-01-01", "", "", False),
    ("director", "2010-01-01", "2014-12-31", "", False),
    ("legal_rep", "2016-01-01", "", "phone", True),
    ("legal_rep", "2016-01-01", "", "address", True),
    ("shareholder", "2010-01-01", "2014-12-31", "phone", False),
])
def test_official_business_follows_the_definition(tiny, role, start, end, nominee, fires):
    official = tiny.official(phone="13900000001", address="某村1组1号")
    holder = official
    if nominee:
        holder = tiny.person(**{nominee: "13900000001" if nominee == "phone" else "某村1组1号"})
    company = tiny.company()
    tiny.role(company, holder, role, start, end)
    assert any(company in hit for hit in tiny.hits("official_business")) == fires


def test_register_legal_rep_counts_from_founding(tiny):
    official = tiny.official(start="2015-01-01")
    company = tiny.company(rep=official, founded="2016-03-01")
    assert any(company in hit for hit in tiny.hits("official_business"))


@pytest.mark.parametrize("relation, same_household, program, reverse, fires", [
    ("self", True, "subsistence_allowance", False, True),
    ("self", True, "farmland_subsidy", False, False),
    ("self", True, "elderly_allowance", False, False),
    ("spouse", False, "rain_dew", False, True),
    ("child", False, "high_school_grant", True, True),
    ("parent", False, "subsistence_allowance", False, False),
    ("other", True, "winter_relief", False, True),
])
def test_subsidy_ineligible_follows_the_definition(tiny, relation, same_household, program,
                                                   reverse, fires):
    official = tiny.official(household="H-official")
    recipient = official
    if relation != "self":
        recipient = tiny.person(household="H-official" if same_household else "")
        if relation != "other":
            if reverse:
                tiny.kin(recipient, official, "parent")
            else:
                tiny.kin(official, recipient, relation)
    payment = tiny.payment(recipient, program)
    assert any(payment in hit for hit in tiny.hits("subsidy_ineligible")) == fires


def test_subsidy_after_the_post_is_allowed(tiny):
    official = tiny.official(end="2020-12-31")
    payment = tiny.payment(official, day="2021-01-01")
    assert not tiny.hits("subsidy_ineligible") and payment


@pytest.mark.parametrize("tie, fires", [("self", True), ("sibling", True), ("household", True),
                                        ("in_law", False)])
def test_self_approval_of_payments(tiny, tie, fires):
    approver = tiny.official(unit="U2", household="H-approver")
    recipient = approver
    if tie == "sibling":
        recipient = tiny.person()
        tiny.kin(recipient, approver, "sibling")
    elif tie == "household":
        recipient = tiny.person(household="H-approver")
    elif tie == "in_law":
        spouse, recipient = tiny.person(), tiny.person()
        tiny.kin(approver, spouse, "spouse")
        tiny.kin(spouse, recipient, "sibling")
    payment = tiny.payment(recipient, "farmland_subsidy", approver=approver)
    assert any(payment in hit for hit in tiny.hits("self_approval")) == fires


@pytest.mark.parametrize("role, end, fires", [("director", "", True),
                                              ("beneficial_owner", "", False),
                                              ("supervisor", "", False),
                                              ("shareholder", "2021-05-01", False)])
def test_self_approval_of_contracts(tiny, role, end, fires):
    approver, brother = tiny.official(unit="U2"), tiny.person()
    tiny.kin(approver, brother, "sibling")
    company = tiny.company()
    tiny.role(company, brother, role, end=end)
    contract = tiny.contract(company, approver=approver)
    assert any(contract in hit for hit in tiny.hits("self_approval")) == fires


@pytest.mark.parametrize("days_apart, amounts, methods, shared_rep, fires", [
    ("2021-03-31", ("1000000", "1000000"), ("inquiry", "direct"), False, True),
    ("2021-04-01", ("1000000", "1000000"), ("inquiry", "direct"), False, False),
    ("2021-02-01", ("1000000", "999999"), ("inquiry", "direct"), False, False),
    ("2021-02-01", ("1500000", "600000"), ("public_tender", "inquiry"), False, False),
    ("2021-02-01", ("2000000", "600000"), ("single_source", "inquiry"), False, False),
    ("2021-02-01", ("1000000", "1000000"), ("inquiry", "inquiry"), True, True),
])
def test_bid_splitting_follows_the_definition(tiny, days_apart, amounts, methods, shared_rep,
                                              fires):
    rep = tiny.person()
    first = tiny.company(rep=rep)
    second = tiny.company(rep=rep) if shared_rep else first
    tiny.contract(first, "2020-12-31", amounts[0], method=methods[0])
    last = tiny.contract(second, days_apart, amounts[1], method=methods[1])
    assert any(last in hit for hit in tiny.hits("bid_splitting")) == fires


@pytest.mark.parametrize("link, fires", [("phone", True), ("email", True), ("rep", True),
                                         ("holder", True), ("holder_left", False),
                                         ("supervisor", False)])
def test_bid_rigging_follows_the_definition(tiny, link, fires):
    person = tiny.person()
    first = tiny.company(phone="0917-5550000" if link == "phone" else "",
                         email="a@163.com" if link == "email" else "",
                         rep=person if link == "rep" else "")
    second = tiny.company(phone="0917-5550000" if link == "phone" else "",
                          email="A@163.com" if link == "email" else "",
                          rep=person if link == "rep" else "")
    if link.startswith("holder") or link == "supervisor":
        role = "supervisor" if link == "supervisor" else "shareholder"
        tiny.role(first, person, role)
        tiny.role(second, person, role, end="2021-01-01" if link == "holder_left" else "")
    for bidder in (first, second):
        tiny.add("bids", tender_id="Z1", bidder_credit_code=bidder, submitted_date="2021-03-01")
    assert bool(tiny.hits("bid_rigging")) == fires


@pytest.mark.parametrize("hops, amount, last_day, fires", [
    (1, 10_000, "2021-04-01", True),
    (3, 50_000, "2021-02-15", True),
    (4, 50_000, "2021-02-15", False),
    (1, 9_999, "2021-02-15", False),
    (1, 50_000, "2021-04-02", False),
])
def test_kickback_flow_follows_the_definition(tiny, hops, amount, last_day, fires):
    official = tiny.official()
    company = tiny.company()
    unit_account, company_account = tiny.account("U1", "holder_unit_id"), tiny.account(
        company, "holder_credit_code")
    tiny.transfer(unit_account, company_account, 800_000, "2021-01-01")
    source = company_account
    for hop in range(hops):
        target = tiny.account(official if hop == hops - 1 else tiny.person())
        day = last_day if hop == hops - 1 else f"2021-01-{hop + 2:02d}"
        tiny.transfer(source, target, amount, day)
        source = target
    assert bool(tiny.hits("kickback_flow")) == fires


def test_kickback_transfers_must_be_in_date_order(tiny):
    official, middle, company = tiny.official(), tiny.person(), tiny.company()
    unit_account = tiny.account("U1", "holder_unit_id")
    company_account = tiny.account(company, "holder_credit_code")
    tiny.transfer(unit_account, company_account, 800_000, "2021-01-01")
    middle_account = tiny.account(middle)
    tiny.transfer(company_account, middle_account, 50_000, "2021-02-01")
    tiny.transfer(middle_account, tiny.account(official), 50_000, "2021-01-20")
    assert not tiny.hits("kickback_flow")


@pytest.mark.parametrize("founded, capital, amount, fires", [
    ("2020-12-03", "100000", "1000000", True),
    ("2020-12-02", "100000", "1000000", False),
    ("2021-06-01", "100000", "999999", False),
    ("2021-06-01", "", "9000000", False),
])
def test_shell_company_age_and_capital(tiny, founded, capital, amount, fires):
    company = tiny.company(founded=founded, capital=capital)
    tiny.contract(company, "2021-06-01", amount)
    assert bool(tiny.hits("shell_company")) == fires


@pytest.mark.parametrize("whose, has_role, fires", [("official", False, True),
                                                    ("spouse_parent", False, True),
                                                    ("sibling", True, False),
                                                    ("stranger", False, False)])
def test_shell_company_contact_details(tiny, whose, has_role, fires):
    official = tiny.official()
    person = {"official": official, "stranger": tiny.person()}.get(whose) or tiny.person()
    if whose == "sibling":
        tiny.kin(official, person, "sibling")
    elif whose == "spouse_parent":
        spouse = tiny.person()
        tiny.kin(official, spouse, "spouse")
        tiny.kin(spouse, person, "parent")
    phone = "1380000" + person[-4:]
    next(row for row in tiny.tables["persons"] if row["id_number"] == person)["phone"] = phone
    company = tiny.company(phone="１３８0000" + person[-4:])
    if has_role:
        tiny.role(company, person, "shareholder")
    tiny.contract(company, unit="U2")
    assert bool(tiny.hits("shell_company")) == fires


def test_ghost_beneficiary_clauses(tiny):
    dead = tiny.person(died="2021-05-31")
    after = tiny.payment(dead, day="2021-06-01")
    tiny.payment(tiny.person(died="2021-06-01"), day="2021-06-01")
    twice = tiny.person()
    tiny.payment(twice, day="2021-07-01")
    tiny.payment(twice, day="2021-07-31")
    tiny.payment(twice, day="2021-08-01", program="winter_relief")
    shared = tiny.account(tiny.person())
    for _ in range(3):
        tiny.payment(tiny.person(), day="2021-09-01", account=shared)
    couple = tiny.account(tiny.person())
    for _ in range(2):
        tiny.payment(tiny.person(), day="2021-09-01", account=couple)
    hits = tiny.hits("ghost_beneficiary")
    assert len(hits) == 3
    assert any(after in hit for hit in hits) and any(twice in hit for hit in hits)
    assert any(shared in hit for hit in hits) and not any(couple in hit for hit in hits)


@pytest.mark.parametrize("start, awarded, role, fires", [
    ("2021-01-01", True, "shareholder", True), ("2023-12-31", True, "director", True),
    ("2020-12-31", True, "shareholder", False), ("2024-01-01", True, "manager", False),
    ("2021-06-01", False, "shareholder", False), ("2021-06-01", True, "supervisor", False),
])
def test_revolving_door_follows_the_definition(tiny, start, awarded, role, fires):
    official = tiny.official(end="2020-12-31")
    company = tiny.company()
    tiny.role(company, official, role, start)
    tiny.contract(company, "2019-05-01", unit="U1" if awarded else "U2")
    assert bool(tiny.hits("revolving_door")) == fires


# -- generated datasets ------------------------------------------------------------------
def _assert_truth_is_exact(folder: Path) -> None:
    result = score_reference(folder)
    assert result.exact, result.report()
    hits, truth, units = reference_hits(folder), read_truth(folder), unit_ids(folder)
    for rule, rule_hits in hits.items():
        cases = [case.entity_ids for case in truth if case.pattern == rule]
        for hit in rule_hits:  # evidence stays within one case: nothing unlabelled
            counted = {normalize_identifier(item) for item in hit - units}
            assert any(counted <= case for case in cases), (rule, sorted(hit))


@pytest.mark.parametrize("seed", [1, 2])
def test_town_truth_is_exactly_what_the_rules_match(tmp_path, seed):
    summary = generate("town", seed, tmp_path / "town", verify=False)
    assert set(summary.cases) == {case.pattern for case in read_truth(tmp_path / "town")}
    _assert_truth_is_exact(tmp_path / "town")


def test_county_truth_is_exactly_what_the_rules_match(tmp_path):
    summary = generate("county", 11, tmp_path / "county", verify=False)
    assert all(8 <= count <= 20 for count in summary.cases.values()), summary.cases
    _assert_truth_is_exact(tmp_path / "county")
