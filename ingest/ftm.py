"""Import and export FollowTheMoney (FtM) entity streams as canonical records.

FtM, the format of Aleph, OpenSanctions and many investigation tools, is one JSON entity per
line: ``{id, schema, properties}``. Schemas are read through the ``followthemoney`` model
(``schema.is_a``), so sub-schemas map without a change here. A party without a valid 身份证号
or 统一社会信用代码 gets the key ``ftm:<entity id>`` and ``extra["keyless"]``; resolve links it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterator

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.util import make_entity_id

from ingest.identifiers import (InvalidValue, normalize_account_no, normalize_credit_code,
                                normalize_id_number)
from ingest.ocds import ImportResult, json_documents, parse_amount, parse_date
from ingest.records import Issue, Record
from ingest.report import MERGED

__all__ = ["read_ftm", "write_ftm", "RELATIONS", "ROLES"]

Source = tuple[str, int, str]
_PARTIES = {"persons": ("Person", "id_number", "holder_id_number"),  # schema, key, as holder
            "companies": ("Company", "credit_code", "holder_credit_code"),
            "units": ("PublicBody", "unit_id", "holder_unit_id")}
_PROPERTIES = {  # canonical column -> FtM property, both ways
    "persons": {"name": "name", "gender": "gender", "birth_date": "birthDate",
                "death_date": "deathDate", "phone": "phone", "address": "address"},
    "companies": {"name": "name", "address": "address", "phone": "phone", "email": "email",
                  "established_date": "incorporationDate", "status": "status",
                  "industry": "sector"},
    "units": {"name": "name"},
}
_IDENTIFIERS = {"persons": ("idNumber", "nationalId", "taxNumber", "socialSecurityNumber",
                            "passportNumber"),
                "companies": ("uscCode", "registrationNumber", "taxNumber", "idNumber", "vatCode")}
_LINKS = ("Ownership", "Directorship", "Family", "Payment", "Contract", "ContractAward")
# Family.relationship → relation: "mother" means the relative is the person's mother, as in
# kinship.csv ("relative is the <relation> of id_number"). In-laws are tested first.
RELATIONS = [
    ("parent_in_law", r"(father|mother|parent).in.law|岳父|岳母|公公|婆婆"),
    ("child_in_law", r"(son|daughter|child).in.law|女婿|儿媳|媳妇"),
    ("sibling_in_law", r"(brother|sister|sibling).in.law|姐夫|妹夫|嫂|弟媳|连襟|妯娌|伯子|叔子|"
                       r"姑子|舅子|内兄|内弟"),
    ("grandparent", r"grand(father|mother|parent)|祖父|祖母|外公|外婆|爷爷|奶奶"),
    ("grandchild", r"grand(son|daughter|child)|孙"),
    ("other", r"cousin|uncle|aunt|nephew|niece|表|堂|叔|伯|舅|姑|姨|侄|甥"),
    ("spouse", r"spouse|wife|husband|partner|配偶|妻|丈夫|夫人|老婆|老公"),
    ("parent", r"father|mother|parent|父|母|爸|妈"),
    ("child", r"\bson\b|daughter|child|儿|女"),
    ("sibling", r"brother|sister|sibling|兄|哥|弟|姐|妹"),
]
# Directorship role text → canonical company role; anything else reads as director.
ROLES = [("legal_rep", r"legal.rep|法定代表|法人"), ("supervisor", r"supervis|监事"),
         ("manager", r"manag|ceo|chief exec|经理|总裁|厂长"), ("director", r"")]


def read_ftm(path: Path) -> ImportResult:
    """Read a file of FtM entities (JSON lines, or a JSON array) into canonical records;
    schemas without a canonical table and links that cannot join are listed as skipped."""
    path, result, entities = Path(path), ImportResult(), {}
    for line, document in json_documents(path, path.name, result):
        listed = isinstance(document, list)
        for index, data in enumerate(document if listed else [document]):
            source = (path.name, line or index + 1, f"/{index}" if listed else "")
            try:
                entity = model.get_proxy(data)
            except Exception as error:  # FtM raises several types for a bad entity
                result.skip(source, str(data)[:120], f"not an FtM entity: {error}")
                continue
            entities.setdefault(entity.id, (entity, source))
    _Reader(entities, result).map()
    result.stats["entities"] = len(entities)
    return result


class _Reader:
    """Parties and accounts first, then the links between them, which need their keys."""

    def __init__(self, entities: dict[str, tuple[EntityProxy, Source]], result: ImportResult):
        self.entities, self.result = entities, result
        self.keys: dict[str, tuple[str, str]] = {}  # entity id -> (table, key)
        self.accounts: dict[str, Record] = {}  # entity id or account_no -> record, holder later
        self.awarded = {e.first("contract") for e, _ in entities.values()
                        if e.schema.name == "ContractAward"}
        self.roles: dict[tuple, Record] = {}  # one company role per holder, company, role, start

    def map(self) -> None:
        links = []
        for entity, source in self.entities.values():
            if entity.schema.is_a("LegalEntity"):
                self._party(entity, source)
            elif entity.schema.is_a("BankAccount"):
                self._account(entity, source)
            elif entity.schema.name in _LINKS:
                links.append((entity, source))
            else:
                self.result.skip(source, entity.id, f"no table for schema {entity.schema.name}")
        for entity, source in links:
            getattr(self, "_" + entity.schema.name.lower())(entity, source)
        for record in self.accounts.values():
            self.result.add(record, (record.values["account_no"],))

    def _party(self, entity: EntityProxy, source: Source) -> None:
        schema = entity.schema
        table = "persons" if schema.is_a("Person") else "units" if schema.is_a(
            "PublicBody") else "companies"
        column = _PARTIES[table][1]
        ids = [v for p in _IDENTIFIERS.get(table, _IDENTIFIERS["companies"])
               if p in schema.properties for v in entity.get(p)]
        check = normalize_credit_code if table != "persons" else (  # the number, not the note
            lambda value: normalize_id_number(value)[0])
        key = next(filter(None, (_valid(check, v) for v in ids)), None)
        values = {c: entity.first(p) for c, p in _PROPERTIES[table].items()}
        values |= {c: parse_date(v) for c, v in values.items() if c.endswith("_date")}
        values |= {column: key or f"ftm:{entity.id}"}
        if values.get("gender") not in (None, "male", "female"):
            values["gender"] = None
        self.keys[entity.id] = (table, values[column])
        self.result.add(_record(table, values, source, entity, keyless=key is None or None,
                                identifiers=sorted(set(ids) - {key}),
                                aliases=entity.get("name")[1:]), (values[column],))

    def _account(self, entity: EntityProxy, source: Source) -> None:
        number = entity.first("accountNumber") or entity.first("iban") or ""
        account_no = (_valid(normalize_account_no, number) or re.sub(r"\s+", "", number)
                      or f"ftm-acct:{entity.id}")
        self.keys[entity.id] = ("accounts", account_no)
        self.accounts[entity.id] = _record("accounts", {"account_no": account_no, "bank":
                                           entity.first("bankName")}, source, entity)

    def _link(self, entity: EntityProxy, prop: str, source: Source, *tables: str) -> str | None:
        """The key of the entity a property points to, or None, reported, if it cannot join."""
        target = entity.first(prop)
        table, key = self.keys.get(target, ("", None))
        if target and table in tables:
            return key
        expected = " or ".join(tables)
        reason = (f"{prop} is missing" if not target else f"{prop} {target} is not in the stream"
                  if target not in self.entities else f"{prop} is not one of {expected}")
        self.result.skip(source, entity.id, f"{entity.schema.name}: {reason}; not imported")
        return None

    def _holder(self, entity_id: str) -> dict:
        table, key = self.keys[entity_id]
        return {_PARTIES[table][2]: key}

    def _ownership(self, entity: EntityProxy, source: Source) -> None:
        """Owning a bank account makes its holder; owning a company makes a shareholder."""
        if self.keys.get(entity.first("asset"), ("",))[0] == "accounts":
            if self._link(entity, "owner", source, *_PARTIES):
                self.accounts[entity.first("asset")].values |= self._holder(entity.first("owner"))
            return
        company = self._link(entity, "asset", source, "companies")
        text = " ".join(entity.get("role") + entity.get("ownershipType")).lower()
        role = "beneficial_owner" if "beneficial" in text or "受益" in text else "shareholder"
        share = parse_amount((entity.first("percentage") or "").replace("%", "") or None)
        self._role(entity, source, company, "owner", role, share)

    def _directorship(self, entity: EntityProxy, source: Source) -> None:
        company = self._link(entity, "organization", source, "companies")
        text = " ".join(entity.get("role")).lower()
        role = next(role for role, pattern in ROLES if re.search(pattern, text))
        self._role(entity, source, company, "director", role, None)

    def _role(self, entity: EntityProxy, source: Source, company: str | None, holder_prop: str,
              role: str, share: float | None) -> None:
        """One company role; FtM entities for the same holder, company, role and start (a
        founder who is also the owner) become one tie carrying each role text and id."""
        if company and self._link(entity, holder_prop, source, "persons", "companies"):
            values = {"credit_code": company, **self._holder(entity.first(holder_prop)),
                      "role": role, "share_pct": share,
                      "start_date": parse_date(entity.first("startDate")),
                      "end_date": parse_date(entity.first("endDate"))}
            key = tuple(values.get(column) for column in (
                "credit_code", "holder_id_number", "holder_credit_code", "role", "start_date"))
            texts = entity.get("role") + entity.get("ownershipType", quiet=True)
            first = self.roles.get(key)
            if first is None:
                self.roles[key] = record = _record("company_roles", values, source, entity,
                                                   role_text=entity.first("role"))
                record.extra.update(ftm_ids=[entity.id], role_texts=list(texts))
                self.result.add(record)
                return
            self._merge_role(first, values, entity, source, texts)

    def _merge_role(self, first: Record, values: dict, entity: EntityProxy, source: Source,
                    texts: list[str]) -> None:
        first.extra["ftm_ids"].append(entity.id)
        first.extra["role_texts"] = list(dict.fromkeys(first.extra["role_texts"] + texts))
        notes = []
        for column in ("share_pct", "end_date"):
            if values.get(column) is not None and first.values.get(column) is None:
                first.values[column] = values[column]
            elif values.get(column) not in (None, first.values.get(column)):
                notes.append(f"{column} {values[column]} differs from {first.values[column]}, "
                             "which is kept")
        roles = "; ".join(first.extra["role_texts"]) or first.values["role"]
        self.result.merged.append(Issue(
            source[0], source[1], "role", entity.id,
            f"merged: same holder, company, role and start as {first.extra['ftm_id']} "
            f"(row {first.row}); one {first.values['role']} tie carries each role ({roles}) "
            f"and entity id{'; ' + '; '.join(notes) if notes else ''}", MERGED,
            "company_roles"))
        self.result.stats["merged"] += 1

    def _family(self, entity: EntityProxy, source: Source) -> None:
        person = self._link(entity, "person", source, "persons")
        relative = person and self._link(entity, "relative", source, "persons")
        text = " ".join(entity.get("relationship")).lower()
        relation = next((name for name, pattern in RELATIONS if re.search(pattern, text)), "other")
        if relative:
            values = {"id_number": person, "relative_id_number": relative, "relation": relation}
            self.result.add(_record("kinship", values, source, entity,
                                    relationship=entity.first("relationship")))

    def _payment(self, entity: EntityProxy, source: Source) -> None:
        ends = [self._account_of(entity, side, source) for side in ("payer", "beneficiary")]
        if all(ends):
            values = {"txn_id": entity.first("transactionNumber") or f"ftm:{entity.id}",
                      "from_account": ends[0], "to_account": ends[1],
                      "amount": parse_amount(entity.first("amount")),
                      "currency": entity.first("currency"),
                      "date": parse_date(entity.first("date") or entity.first("startDate")),
                      "memo": entity.first("purpose") or entity.first("description")}
            self.result.add(_record("transactions", values, source, entity))

    def _account_of(self, entity: EntityProxy, side: str, source: Source) -> str | None:
        """The side's bank account; without one, a synthetic ``ftm-acct:<party id>`` account
        held by the party, so that the money still flows between people and companies."""
        if entity.first(f"{side}Account"):
            return self._link(entity, f"{side}Account", source, "accounts")
        if not self._link(entity, side, source, *_PARTIES):
            return None
        account_no = f"ftm-acct:{entity.first(side)}"
        self.accounts.setdefault(account_no, _record("accounts", {
            "account_no": account_no, **self._holder(entity.first(side))}, source, entity,
            synthetic=True))
        return account_no

    def _contract(self, entity: EntityProxy, source: Source) -> None:
        """A contract with awards is imported through them, one row per supplier."""
        if entity.id not in self.awarded:
            self._contract_row(entity, entity, source)

    def _contractaward(self, entity: EntityProxy, source: Source) -> None:
        contract = self.entities.get(entity.first("contract"), (None,))[0]
        if contract is None:
            return self.result.skip(source, entity.id, "ContractAward: contract not in the stream")
        self._contract_row(contract, entity, source)

    def _contract_row(self, contract: EntityProxy, row: EntityProxy, source: Source) -> None:
        """Contract columns, with the award's supplier, amount and date where it has them."""
        award = row.schema.name == "ContractAward"
        values = {"contract_id": f"ftm:{contract.id}",
                  "tender_id": contract.first("procedureNumber"),
                  "buyer_unit_id": contract.first("authority") and self._link(
                      contract, "authority", source, "units"),
                  "supplier_credit_code": self._link(row, "supplier", source, "companies")
                  if award else None,
                  "title": contract.first("title") or contract.first("name"),
                  "amount": parse_amount(row.first("amount") or contract.first("amount")),
                  "currency": row.first("currency") or contract.first("currency"),
                  "signed_date": parse_date(contract.first("contractDate")
                                            or row.first("date", quiet=True))}
        self.result.add(_record("contracts", values, source, row, method_raw=contract.first(
            "method")), (values["contract_id"], values["supplier_credit_code"] or None))


def _valid(check: Callable[[str], Any], value: str) -> str | None:
    try:
        return check(value)
    except InvalidValue:
        return None


def _record(table: str, values: dict, source: Source, entity: EntityProxy, **extra: Any) -> Record:
    file, row, pointer = source
    extra = {"src_pointer": pointer, "ftm_id": entity.id, "ftm_schema": entity.schema.name, **extra}
    return Record(table, file, row, {k: v for k, v in values.items() if v not in (None, "")},
                  {k: v for k, v in extra.items() if v not in (None, "", [])})


def write_ftm(records_by_table: dict[str, list[Record]]) -> Iterator[dict]:
    """Export canonical records as FtM entity dicts, one per line of a ``.ftm`` file.

    Parties, company roles (Ownership, Directorship), kinship (Family), accounts (BankAccount
    held through Ownership), transactions (Payment) and contracts (Contract, ContractAward);
    other tables have no FtM counterpart. Ids of FtM origin are kept, others hashed from keys.
    """
    writer, tables = _Writer(), records_by_table
    for table, (schema, column, _) in _PARTIES.items():
        yield from (writer.party(table, schema, column, r) for r in tables.get(table, []))
    for record in tables.get("accounts", []):
        yield from writer.account(record)
    yield from (writer.role(record) for record in tables.get("company_roles", []))
    yield from (writer.family(record) for record in tables.get("kinship", []))
    for record in tables.get("transactions", []):
        yield from writer.payment(record)
    yield from writer.contracts(tables.get("contracts", []))
    yield from writer.stubs.values()


class _Writer:
    def __init__(self):
        self.ids: dict[tuple[str, str], str] = {}  # (table, key) -> entity id
        self.stubs: dict[tuple[str, str], dict] = {}  # parties linked to but without a record
        self.holders: dict[str, tuple[str, str]] = {}  # account_no -> (table, key) of holder
        self.accounts: dict[str, str] = {}  # account_no -> BankAccount id

    def party(self, table: str, schema: str, column: str, record: Record) -> dict:
        """Written in the schema it was imported with (an Organization stays one)."""
        key, extra = record.values[column], record.extra
        properties = {prop: record.values.get(name) for name, prop in _PROPERTIES[table].items()}
        properties["name"] = [record.values.get("name"), *extra.get("aliases", [])]
        entity = _make(extra.get("ftm_schema", schema), record, _entity_id(table, key),
                       **properties, **_identity(table, key, extra.get("identifiers", [])))
        self.ids[(table, key)] = entity["id"]
        return entity

    def ref(self, table: str, key: str) -> str:
        """The entity id of a party; one without a record gets a stub entity with its key."""
        if (table, key) not in self.ids:
            entity = _make(_PARTIES[table][0], None, _entity_id(table, key),
                           **_identity(table, key, []))
            self.ids[(table, key)], self.stubs[(table, key)] = entity["id"], entity
        return self.ids[(table, key)]

    def account(self, record: Record) -> Iterator[dict]:
        """An ``ftm-acct:`` account stood in for a payment party: the Payment names the party."""
        account_no = record.values["account_no"]
        self.holders[account_no] = holder = _holder(record.values)
        if not account_no.startswith("ftm-acct:"):
            account = _make("BankAccount", record, _entity_id("accounts", account_no),
                            accountNumber=account_no, bankName=record.values.get("bank"))
            self.accounts[account_no] = account["id"]
            yield account
            if holder:
                yield _make("Ownership", None, make_entity_id("holds", account_no),
                            owner=self.ref(*holder), asset=account["id"])

    def role(self, record: Record) -> dict:
        values = record.values
        ends = {"company": self.ref("companies", values["credit_code"]),
                "holder": self.ref(*_holder(values))}
        dates = {"startDate": values.get("start_date"), "endDate": values.get("end_date")}
        entity_id = make_entity_id("company_roles", *map(str, values.values()))
        if values.get("role") in ("shareholder", "beneficial_owner"):
            return _make("Ownership", record, entity_id, owner=ends["holder"],
                         asset=ends["company"], percentage=values.get("share_pct"), ownershipType=
                         "beneficial" if values["role"] == "beneficial_owner" else None, **dates)
        role = record.extra.get("role_text") or values.get("role", "").replace("_", " ")
        return _make("Directorship", record, entity_id, director=ends["holder"],
                     organization=ends["company"], role=role, **dates)

    def family(self, record: Record) -> dict:
        values = record.values
        return _make("Family", record, make_entity_id("kinship", *map(str, values.values())),
                     person=self.ref("persons", values["id_number"]),
                     relative=self.ref("persons", values["relative_id_number"]),
                     relationship=record.extra.get("relationship") or values.get("relation"))

    def payment(self, record: Record) -> Iterator[dict]:
        values, sides = record.values, {}
        for side, column in (("payer", "from_account"), ("beneficiary", "to_account")):
            account_no = values[column]
            if account_no not in self.accounts and not account_no.startswith("ftm-acct:"):
                self.accounts[account_no] = _entity_id("accounts", account_no)
                yield _make("BankAccount", None, self.accounts[account_no],
                            accountNumber=account_no)
            holder = self.holders.get(account_no)
            sides |= {side: holder and self.ref(*holder),
                      side + "Account": self.accounts.get(account_no)}
        txn_id = values["txn_id"]
        yield _make("Payment", record, _entity_id("transactions", txn_id), **sides,
                    amount=values.get("amount"), currency=values.get("currency"),
                    date=values.get("date"), purpose=values.get("memo"),
                    transactionNumber=None if txn_id.startswith("ftm:") else txn_id)

    def contracts(self, records: list[Record]) -> Iterator[dict]:
        """Rows sharing a contract_id are one Contract with a ContractAward per supplier."""
        by_contract: dict[str, list[Record]] = {}
        for record in records:
            by_contract.setdefault(record.values["contract_id"], []).append(record)
        for contract_id, rows in by_contract.items():
            first, buyer = rows[0].values, rows[0].values.get("buyer_unit_id")
            contract = _make("Contract", None, _entity_id("contracts", contract_id),
                             title=first.get("title"), amount=first.get("amount"),
                             currency=first.get("currency"), contractDate=first.get("signed_date"),
                             procedureNumber=first.get("tender_id"),
                             authority=buyer and self.ref("units", buyer))
            yield contract
            for row in (r for r in rows if r.values.get("supplier_credit_code")):
                supplier = row.values["supplier_credit_code"]
                yield _make("ContractAward", row, make_entity_id("awards", contract_id, supplier),
                            contract=contract["id"], supplier=self.ref("companies", supplier),
                            amount=row.values.get("amount"))


def _holder(values: dict) -> tuple[str, str] | None:
    return next(((table, values[c]) for table, (*_, c) in _PARTIES.items() if values.get(c)), None)


def _entity_id(table: str, key: str) -> str:
    """A key of FtM origin (``ftm:<id>``) gives its id back; others a stable hash, as FtM's."""
    return key[4:] if key.startswith("ftm:") else make_entity_id(table, key)


def _make(schema: str, record: Record | None, entity_id: str, **properties: Any) -> dict:
    """An entity keeping the id it was imported with, else ``entity_id``."""
    entity = model.make_entity(schema)
    same = record is not None and record.extra.get("ftm_schema") == schema
    entity.id = record.extra["ftm_id"] if same else entity_id
    for prop, value in properties.items():
        for item in value if isinstance(value, list) else [value]:
            if item not in (None, ""):
                entity.add(prop, item.isoformat() if hasattr(item, "isoformat") else str(item))
    return entity.to_dict()


def _identity(table: str, key: str, identifiers: list[str]) -> dict:
    """The key where ``read_ftm`` looks for it (idNumber; uscCode or registrationNumber); a
    synthetic ``ftm:`` key lives on as the entity id instead."""
    own = [] if key.startswith("ftm:") else [key]
    if table == "persons":
        return {"idNumber": own + identifiers}
    code = _valid(normalize_credit_code, key)
    return {"uscCode": code, "registrationNumber": ([] if code else own) + identifiers}
