"""Reference implementation of the ten detection rules (shared/spec/rules.md), in plain
Python over a dataset folder.

It exists to check two things: that a generated dataset's truth.csv is exactly what the
default definitions match, and that the graph detectors agree with the definitions. It is
written for obviousness, not speed: each rule reads like its sentence in rules.md.

>>> from synthetic.reference import RULES
>>> len(RULES)
10
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import combinations
from pathlib import Path

from analytics.evaluate import (Evaluation, hits_as_alerts, normalize_identifier, read_truth,
                                score)
from synthetic.reference_index import Index, overlaps, valid_at

__all__ = ["RULES", "reference_hits", "score_reference", "unit_ids"]

HOLDER_ROLES = frozenset({"shareholder", "legal_rep", "director", "manager", "beneficial_owner"})
BUSINESS_ROLES = frozenset({"shareholder", "legal_rep", "director", "manager"})
EXCLUDING_PROGRAMS = frozenset({"subsistence_allowance", "rain_dew", "high_school_grant",
                                "winter_relief", "startup_loan", "migrant_transport",
                                "housing_renovation"})
SPLIT_METHODS = frozenset({"competitive_negotiation", "inquiry", "single_source", "direct"})
THRESHOLDS = {"goods": 2_000_000, "services": 2_000_000, "works": 4_000_000}
CHAIN_DEPTH, SPLIT_WINDOW, KICKBACK_WINDOW, KICKBACK_MINIMUM = 3, 90, 90, 10_000
MAX_INTERMEDIARIES, MAX_AGE_DAYS, CAPITAL_RATIO = 2, 180, 10
POOLED_RECIPIENTS, REVOLVING_WINDOW = 3, 1095


def _ids(*values) -> set[str]:
    found = set()
    for value in values:
        if isinstance(value, (set, list, tuple, frozenset)):
            found |= _ids(*value)
        elif value:
            found.add(value)
    return found


def relative_supplier(index: Index) -> list[set[str]]:
    """An official in post at the buyer on the signing date has a relative who then holds
    the supplier or controls it through up to three company levels."""
    hits = []
    for contract in index.contracts:
        signed, unit = contract.get("signed_date"), contract.get("buyer_unit_id")
        supplier = contract.get("supplier_credit_code")
        if not (signed and unit and supplier):
            continue
        officials = index.officials_at(unit, signed)
        if not officials:
            continue
        for person, chain in index.controllers(supplier, signed, CHAIN_DEPTH,
                                                          HOLDER_ROLES).items():
            relatives = index.relatives(person)
            for official in officials & relatives.keys():
                hits.append(_ids(official, person, relatives[official], supplier, chain, unit,
                                 contract["contract_id"], contract.get("tender_id")))
    return hits


def official_business(index: Index) -> list[set[str]]:
    """A person holds a company while in post, or a nominee sharing an official's phone or
    address holds it while the official is in post."""
    found: dict[tuple, set[str]] = {}
    for role in index.person_roles(BUSINESS_ROLES):
        holder, company = role["holder"], role["company"]
        for official in {holder} | index.same_contact(holder):
            units = [post["unit_id"] for post in index.posts_of.get(official, ())
                     if overlaps(post["start_date"], post["end_date"], role["start"],
                                 role["end"])]
            if units:
                key = (official, company, holder)
                found.setdefault(key, set()).update(_ids(official, holder, company, units))
    return list(found.values())


def subsidy_ineligible(index: Index) -> list[set[str]]:
    """A payment of an excluding programme to an official in post, or to someone in the
    household of one (same household_id, or the official's spouse or child)."""
    hits = []
    for payment in index.subsidies:
        recipient, paid = payment.get("recipient_id_number"), payment.get("date")
        if payment.get("program") not in EXCLUDING_PROGRAMS or not (recipient and paid):
            continue
        household = index.household_of(recipient)
        candidates = {recipient} | index.spouses(recipient) | index.parents(recipient)
        candidates |= index.households.get(household, set()) if household else set()
        for official in candidates:
            units = [post["unit_id"] for post in index.posts_of.get(official, ())
                     if valid_at(post["start_date"], post["end_date"], paid)]
            if units:
                hits.append(_ids(payment["payment_id"], recipient, official, units,
                                 payment.get("unit_id")))
    return hits


def self_approval(index: Index) -> list[set[str]]:
    """A subsidy approved by its recipient, a direct relative or a household member; a
    contract approved by someone holding the supplier, or a direct relative of a holder."""
    hits = []
    for payment in index.subsidies:
        approver, recipient = payment.get("approver_id_number"), payment.get(
            "recipient_id_number")
        if not (approver and recipient):
            continue
        household = index.household_of(recipient)
        if (approver == recipient or approver in index.direct_kin(recipient)
                or (household and index.household_of(approver) == household)):
            hits.append(_ids(payment["payment_id"], approver, recipient, payment.get("unit_id")))
    for contract in index.contracts:
        approver, supplier = contract.get("approver_id_number"), contract.get(
            "supplier_credit_code")
        signed = contract.get("signed_date")
        if not (approver and supplier and signed):
            continue
        for holder in index.holders(supplier, signed, BUSINESS_ROLES):
            if holder == approver or approver in index.direct_kin(holder):
                hits.append(_ids(contract["contract_id"], contract.get("tender_id"), approver,
                                 holder, supplier, contract.get("buyer_unit_id")))
    return hits


def bid_splitting(index: Index) -> list[set[str]]:
    """Small non-tender contracts of one buyer and category, to one supplier or to
    suppliers sharing a legal rep, within 90 days of the first, adding up to the threshold."""
    series: dict[tuple, list[dict]] = defaultdict(list)
    for contract in index.contracts:
        category, amount = contract.get("category"), contract.get("amount")
        signed, supplier = contract.get("signed_date"), contract.get("supplier_credit_code")
        if (contract.get("method") not in SPLIT_METHODS or category not in THRESHOLDS
                or amount is None or amount >= THRESHOLDS[category] or not (signed and supplier)):
            continue
        unit = contract.get("buyer_unit_id")
        series[(unit, category, "supplier", supplier)].append(contract)
        for rep in index.legal_reps(supplier, signed):
            series[(unit, category, "legal_rep", rep)].append(contract)
    found: dict[frozenset, set[str]] = {}
    for (unit, category, kind, key), contracts in series.items():
        contracts.sort(key=lambda row: row["signed_date"])
        for first in contracts:
            window = [row for row in contracts if 0 <= (
                row["signed_date"] - first["signed_date"]).days <= SPLIT_WINDOW]
            if len(window) >= 2 and sum(row["amount"] for row in window) >= THRESHOLDS[category]:
                suppliers = {row["supplier_credit_code"] for row in window}
                ids = frozenset(row["contract_id"] for row in window)
                found.setdefault(ids, set()).update(_ids(
                    unit, ids, suppliers, key if kind == "legal_rep" and len(suppliers) > 1
                    else None))
    return list(found.values())


def bid_rigging(index: Index) -> list[set[str]]:
    """Two bidders of one tender share a phone, address, email, legal rep, or a
    shareholder in post at the bids' dates."""
    hits = []
    for tender, bids in index.bids_by_tender.items():
        for first, second in combinations(sorted(bids.items()), 2):
            (code_a, day_a), (code_b, day_b) = first, second
            shared = index.shared_contact(code_a, code_b)
            people = (index.legal_reps(code_a, day_a) & index.legal_reps(code_b, day_b)) | (
                index.shareholders(code_a, day_a) & index.shareholders(code_b, day_b))
            if shared or people:
                hits.append(_ids(tender, code_a, code_b, people))
    return hits


def kickback_flow(index: Index) -> list[set[str]]:
    """Money paid by a unit to a company reaches, within 90 days in transfers of 10,000 or
    more in date order, an official of the unit or a relative, directly or through up to
    two persons' accounts, from the company's accounts or its holders'."""
    hits = []
    window = timedelta(days=KICKBACK_WINDOW)
    for payment in index.unit_to_company_payments():
        unit, company, paid = payment["unit"], payment["company"], payment["date"]
        sources = {account: None for account in index.accounts_by_holder.get(company, ())}
        for holder in index.holders(company, paid, HOLDER_ROLES):
            for account in index.accounts_by_holder.get(holder, ()):
                sources.setdefault(account, holder)
        paths = [path for source in sources
                 for path in index.flows_from(source, paid, paid + window, KICKBACK_MINIMUM,
                                              MAX_INTERMEDIARIES + 1)]
        if not paths:
            continue
        targets = index.kickback_targets(unit, paid, paid + window)
        for path in paths:
            receiver = index.account_holder(path[-1]["to_account"])
            if receiver in targets:
                hits.append(_ids(unit, company, payment["txn_id"], payment["from_account"],
                                 payment["to_account"], sources[path[0]["from_account"]],
                                 [(row["txn_id"], row["from_account"], row["to_account"],
                                   index.account_holder(row["to_account"])) for row in path],
                                 targets[receiver]))
    return hits


def shell_company(index: Index) -> list[set[str]]:
    """A supplier wins, within 180 days of founding, ten times its capital; or a supplier
    uses the phone or address of an official or an official's relative with no role in it."""
    hits = []
    awarded: dict[str, list[dict]] = defaultdict(list)
    for contract in index.contracts:
        supplier = contract.get("supplier_credit_code")
        if not supplier:
            continue
        awarded[supplier].append(contract)
        company = index.companies.get(supplier, {})
        founded, signed = company.get("established_date"), contract.get("signed_date")
        capital, amount = company.get("registered_capital"), contract.get("amount")
        if (founded and signed and capital and amount is not None
                and 0 <= (signed - founded).days <= MAX_AGE_DAYS
                and amount >= CAPITAL_RATIO * capital):
            hits.append(_ids(supplier, contract["contract_id"], contract.get("tender_id"),
                             contract.get("buyer_unit_id")))
    for supplier, contracts in awarded.items():
        for person in index.contact_matches(supplier):
            officials = index.officials_among({person} | set(index.relatives(person)))
            if officials and person not in index.role_holders(supplier):
                hits.append(_ids(supplier, person, officials,
                                 [row["contract_id"] for row in contracts]))
    return hits


def ghost_beneficiary(index: Index) -> list[set[str]]:
    """A payment after the recipient's death; two payments of one programme to one
    recipient in one month; three or more recipients paid into one account."""
    hits = []
    monthly: dict[tuple, list[dict]] = defaultdict(list)
    pooled: dict[str, list[dict]] = defaultdict(list)
    for payment in index.subsidies:
        recipient, paid = payment.get("recipient_id_number"), payment.get("date")
        died = index.persons.get(recipient, {}).get("death_date")
        if died and paid and paid > died:
            hits.append(_ids(payment["payment_id"], recipient, payment.get("account_no")))
        if recipient and paid:
            monthly[(recipient, payment.get("program"), paid.year, paid.month)].append(payment)
        if payment.get("account_no") and recipient:
            pooled[payment["account_no"]].append(payment)
    for (recipient, *_), payments in monthly.items():
        if len(payments) >= 2:
            hits.append(_ids(recipient, [(row["payment_id"], row.get("account_no"))
                                         for row in payments]))
    for account, payments in pooled.items():
        recipients = {row["recipient_id_number"] for row in payments}
        if len(recipients) >= POOLED_RECIPIENTS:
            hits.append(_ids(account, recipients, [row["payment_id"] for row in payments]))
    return hits


def revolving_door(index: Index) -> list[set[str]]:
    """Within 1..1095 days after leaving a post at U, a role in a company U awarded."""
    found: dict[tuple, set[str]] = {}
    awarded = index.contracts_by_buyer_and_supplier()
    for role in index.person_roles(BUSINESS_ROLES):
        person, company, began = role["holder"], role["company"], role["start"]
        if began is None:
            continue
        for post in index.posts_of.get(person, ()):
            ended, unit = post["end_date"], post["unit_id"]
            contracts = awarded.get((unit, company))
            if ended and contracts and 1 <= (began - ended).days <= REVOLVING_WINDOW:
                found.setdefault((person, company, unit), set()).update(
                    _ids(person, company, unit, contracts))
    return list(found.values())


RULES = {
    "relative_supplier": relative_supplier, "official_business": official_business,
    "subsidy_ineligible": subsidy_ineligible, "self_approval": self_approval,
    "bid_splitting": bid_splitting, "bid_rigging": bid_rigging, "kickback_flow": kickback_flow,
    "shell_company": shell_company, "ghost_beneficiary": ghost_beneficiary,
    "revolving_door": revolving_door,
}


def reference_hits(dataset_dir: Path | str) -> dict[str, list[set[str]]]:
    """What each rule's default definition matches in a dataset folder: per rule id, one
    set of entity identifiers (id_number, credit_code, unit_id, contract_id, tender_id,
    payment_id, txn_id, account_no) per hit."""
    index = Index.from_folder(dataset_dir)
    return {rule: function(index) for rule, function in RULES.items()}


def unit_ids(dataset_dir: Path | str) -> set[str]:
    """Identifiers of the dataset's units, which never count toward a match."""
    from synthetic.reference_tables import read_dataset
    return {normalize_identifier(row["unit_id"])
            for row in read_dataset(dataset_dir, only=("units",))["units"]}


def score_reference(dataset_dir: Path | str) -> Evaluation:
    """The reference hits scored against truth.csv by the project's one scoring protocol
    (``analytics.evaluate``, rules.md "Scoring"): ``exact`` when they agree case for case."""
    alerts = [alert for rule, hits in reference_hits(dataset_dir).items()
              for alert in hits_as_alerts(rule, hits)]
    return score(read_truth(Path(dataset_dir)), alerts, unit_ids(dataset_dir))
