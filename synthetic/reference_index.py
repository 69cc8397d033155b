"""Lookups the reference rules share: who is whose relative, who holds what and when,
who sat where, whose account is whose. Built once per dataset from the reference reader."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from synthetic.reference_tables import read_dataset

__all__ = ["Index", "overlaps", "valid_at"]


def valid_at(start: date | None, end: date | None, when: date | None) -> bool:
    """start ≤ when ≤ end, empty bounds open (an unknown date is treated as inside)."""
    if when is None:
        return True
    return (start is None or start <= when) and (end is None or when <= end)


def overlaps(start: date | None, end: date | None, other_start: date | None,
             other_end: date | None) -> bool:
    """Two periods with open ends share at least one day."""
    return ((other_end is None or start is None or start <= other_end)
            and (end is None or other_start is None or other_start <= end))


class Index:
    """Indexes over one dataset's normalised tables."""

    @classmethod
    def from_folder(cls, folder: Path | str) -> "Index":
        return cls(read_dataset(folder))

    def __init__(self, tables: dict[str, list[dict]]) -> None:
        self.persons = {row["id_number"]: row for row in tables["persons"]}
        self.households: dict[str, set[str]] = defaultdict(set)
        for person, row in self.persons.items():
            if row.get("household_id"):
                self.households[row["household_id"]].add(person)
        self.posts_of: dict[str, list[dict]] = defaultdict(list)
        self.posts_at: dict[str, list[dict]] = defaultdict(list)
        for row in tables["positions"]:
            self.posts_of[row["id_number"]].append(row)
            self.posts_at[row["unit_id"]].append(row)
        self._index_kinship(tables["kinship"])
        self.companies = {row["credit_code"]: row for row in tables["companies"]}
        self._index_roles(tables["company_roles"])
        self.contracts = tables["contracts"]
        self.subsidies = tables["subsidies"]
        self.bids_by_tender: dict[str, dict[str, date | None]] = defaultdict(dict)
        for row in tables["bids"]:
            if row.get("tender_id") and row.get("bidder_credit_code"):
                self.bids_by_tender[row["tender_id"]].setdefault(row["bidder_credit_code"],
                                                                 row.get("submitted_date"))
        self._index_accounts(tables["accounts"], tables["transactions"])
        self._by_phone: dict[str, set[str]] = defaultdict(set)
        self._by_address: dict[str, set[str]] = defaultdict(set)
        for person, row in self.persons.items():
            if row.get("phone"):
                self._by_phone[row["phone"]].add(person)
            if row.get("address"):
                self._by_address[row["address"]].add(person)
        self._relatives: dict[str, dict[str, str | None]] = {}

    # -- family ------------------------------------------------------------------------
    def _index_kinship(self, rows: list[dict]) -> None:
        self._kin: dict[str, dict[str, bool]] = defaultdict(dict)
        self._spouses: dict[str, set[str]] = defaultdict(set)
        self._parents: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            person, relative, relation = row["id_number"], row["relative_id_number"], row.get(
                "relation")
            if person == relative:
                continue
            spouse = relation == "spouse"
            for one, other in ((person, relative), (relative, person)):
                self._kin[one][other] = self._kin[one].get(other, False) or spouse
            if spouse:
                self._spouses[person].add(relative)
                self._spouses[relative].add(person)
            elif relation == "child":
                self._parents[relative].add(person)
            elif relation == "parent":
                self._parents[person].add(relative)

    def direct_kin(self, person: str) -> set[str]:
        return set(self._kin.get(person, {}))

    def spouses(self, person: str) -> set[str]:
        return self._spouses.get(person, set())

    def parents(self, person: str) -> set[str]:
        """Persons of whom ``person`` is a child by some kinship row."""
        return self._parents.get(person, set())

    def relatives(self, person: str) -> dict[str, str | None]:
        """Relative → the person between (None for a direct tie); two hops only through a
        spouse tie on either hop."""
        if person not in self._relatives:
            direct = self._kin.get(person, {})
            found: dict[str, str | None] = {other: None for other in direct}
            for middle, first_spouse in direct.items():
                for other, second_spouse in self._kin.get(middle, {}).items():
                    if other != person and other not in found and (first_spouse or second_spouse):
                        found[other] = middle
            self._relatives[person] = found
        return self._relatives[person]

    def household_of(self, person: str) -> str | None:
        return self.persons.get(person, {}).get("household_id")

    # -- posts -------------------------------------------------------------------------
    def officials_at(self, unit: str, when: date) -> set[str]:
        return {post["id_number"] for post in self.posts_at.get(unit, ())
                if valid_at(post.get("start_date"), post.get("end_date"), when)}

    def officials_among(self, people: set[str]) -> set[str]:
        return {person for person in people if person in self.posts_of}

    def kickback_targets(self, unit: str, start: date, end: date) -> dict[str, set[str]]:
        """Officials of the unit in post during start..end and their relatives, each
        mapped to the officials they lead to."""
        targets: dict[str, set[str]] = defaultdict(set)
        for post in self.posts_at.get(unit, ()):
            if overlaps(post.get("start_date"), post.get("end_date"), start, end):
                official = post["id_number"]
                targets[official].add(official)
                for relative in self.relatives(official):
                    targets[relative].add(official)
        return targets

    # -- companies ---------------------------------------------------------------------
    def _index_roles(self, rows: list[dict]) -> None:
        self._roles: dict[str, list[dict]] = defaultdict(list)
        dated_reps = set()
        for row in rows:
            holder = row.get("holder_id_number") or row.get("holder_credit_code")
            if not (holder and row.get("credit_code")):
                continue
            self._roles[row["credit_code"]].append({
                "company": row["credit_code"], "holder": holder, "role": row.get("role"),
                "person": bool(row.get("holder_id_number")), "start": row.get("start_date"),
                "end": row.get("end_date")})
            if row.get("role") == "legal_rep":
                dated_reps.add((row["credit_code"], holder))
        for code, company in self.companies.items():
            rep = company.get("legal_rep_id_number")
            if rep and (code, rep) not in dated_reps:
                self._roles[code].append({"company": code, "holder": rep, "role": "legal_rep",
                                          "person": True, "start": company.get(
                                              "established_date"), "end": None})

    def person_roles(self, roles: frozenset[str]):
        """Every role of a person in the given kinds, the register's legal reps included."""
        for entries in self._roles.values():
            for entry in entries:
                if entry["person"] and entry["role"] in roles:
                    yield entry

    def holders(self, company: str, when: date | None, roles: frozenset[str]) -> set[str]:
        """Persons holding the company in one of ``roles`` on ``when``."""
        return {entry["holder"] for entry in self._roles.get(company, ())
                if entry["person"] and entry["role"] in roles
                and valid_at(entry["start"], entry["end"], when)}

    def legal_reps(self, company: str, when: date | None) -> set[str]:
        return self.holders(company, when, frozenset({"legal_rep"}))

    def shareholders(self, company: str, when: date | None) -> set[str]:
        """Shareholders (persons or companies) on ``when``."""
        return {entry["holder"] for entry in self._roles.get(company, ())
                if entry["role"] == "shareholder" and valid_at(entry["start"], entry["end"],
                                                               when)}

    def role_holders(self, company: str) -> set[str]:
        """Everyone with any role row in the company (the register's legal rep included)."""
        return {entry["holder"] for entry in self._roles.get(company, ())}

    def controllers(self, company: str, when: date, depth: int,
                    roles: frozenset[str]) -> dict[str, set[str]]:
        """Persons holding the company on ``when`` (in one of ``roles``) or holding a
        company that owns it as shareholder, up to ``depth`` company levels: person →
        companies on the way."""
        found: dict[str, set[str]] = defaultdict(set)
        level = {company: {company}}
        for _ in range(depth):
            above: dict[str, set[str]] = {}
            for code, chain in level.items():
                for entry in self._roles.get(code, ()):
                    if not valid_at(entry["start"], entry["end"], when):
                        continue
                    if entry["person"] and entry["role"] in roles:
                        found[entry["holder"]] |= chain
                    elif not entry["person"] and entry["role"] == "shareholder":
                        above.setdefault(entry["holder"], set()).update(chain | {entry["holder"]})
            level = above
        return found

    def contracts_by_buyer_and_supplier(self) -> dict[tuple[str, str], list[str]]:
        awarded: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in self.contracts:
            awarded[(row.get("buyer_unit_id"), row.get("supplier_credit_code"))].append(
                row["contract_id"])
        return awarded

    # -- contacts ----------------------------------------------------------------------
    def same_contact(self, person: str) -> set[str]:
        """Other persons with the same phone or address."""
        row = self.persons.get(person, {})
        found = set()
        if row.get("phone"):
            found |= self._by_phone[row["phone"]]
        if row.get("address"):
            found |= self._by_address[row["address"]]
        return found - {person}

    def contact_matches(self, company: str) -> set[str]:
        """Persons whose phone or address equals the company's."""
        row = self.companies.get(company, {})
        found = set()
        if row.get("phone"):
            found |= self._by_phone.get(row["phone"], set())
        if row.get("address"):
            found |= self._by_address.get(row["address"], set())
        return found

    def shared_contact(self, first: str, second: str) -> bool:
        one, two = self.companies.get(first, {}), self.companies.get(second, {})
        for field in ("phone", "address"):
            if one.get(field) and one.get(field) == two.get(field):
                return True
        email_one, email_two = (one.get("email") or "").lower(), (two.get("email") or "").lower()
        return bool(email_one) and email_one == email_two

    # -- money -------------------------------------------------------------------------
    def _index_accounts(self, accounts: list[dict], transactions: list[dict]) -> None:
        self._holder_of: dict[str, tuple[str, str]] = {}
        self.accounts_by_holder: dict[str, list[str]] = defaultdict(list)
        for row in accounts:
            for kind, column in (("person", "holder_id_number"),
                                 ("company", "holder_credit_code"), ("unit", "holder_unit_id")):
                if row.get(column):
                    self._holder_of[row["account_no"]] = (kind, row[column])
                    self.accounts_by_holder[row[column]].append(row["account_no"])
                    break
        self.transactions = [row for row in transactions
                             if row.get("from_account") and row.get("to_account")]
        self._large_out: dict[str, list[dict]] | None = None

    def account_holder(self, account: str) -> str | None:
        holder = self._holder_of.get(account)
        return holder[1] if holder else None

    def unit_to_company_payments(self):
        for row in self.transactions:
            source, target = self._holder_of.get(row["from_account"]), self._holder_of.get(
                row["to_account"])
            if source and target and source[0] == "unit" and target[0] == "company" and row.get(
                    "date"):
                yield {"unit": source[1], "company": target[1], "date": row["date"],
                       "txn_id": row["txn_id"], "from_account": row["from_account"],
                       "to_account": row["to_account"]}

    def flows_from(self, source: str, start: date, end: date, minimum: float,
                   transfers: int) -> list[list[dict]]:
        """Chains of up to ``transfers`` transfers of at least ``minimum`` from ``source``,
        dated start..end in order, each continuing only from a person's account."""
        if self._large_out is None:
            self._large_out = defaultdict(list)
            for row in self.transactions:
                if row.get("amount") is not None and row["amount"] >= minimum and row.get("date"):
                    self._large_out[row["from_account"]].append(row)
        paths: list[list[dict]] = []

        def walk(account: str, after: date, path: list[dict]) -> None:
            for row in self._large_out.get(account, ()):
                target = row["to_account"]
                if not (after <= row["date"] <= end) or any(
                        step["from_account"] == target for step in path) or target == source:
                    continue
                extended = path + [row]
                paths.append(extended)
                holder = self._holder_of.get(target)
                if len(extended) < transfers and holder and holder[0] == "person":
                    walk(target, row["date"], extended)

        walk(source, start, [])
        return paths
