"""Import Open Contracting (OCDS) data as canonical records: units, companies, contracts, bids.

Publishers differ: OCDS 1.0 and 1.1, packages, records or bare releases, identifiers with or
without a scheme, amounts as text. All releases of a process (``ocid``) are merged in date
order as a compiled release is, so a process published as records and releases imports once.
What cannot be used is listed in ``ImportResult.skipped`` with its JSON pointer and why.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ingest.records import Issue, Record
from ingest.resolve import fold_accents, organisation_key

__all__ = ["ImportResult", "read_ocds", "json_documents", "parse_date", "parse_amount"]

Source = tuple[str, int, str]  # file, row (1-based release, record or line), JSON pointer
_SRC = "__src__"  # the Source each merged object last came from; never exported
_BUYER_ROLES = {"buyer", "procuringentity", "comprador", "entidad que realiza la contratacion"}
_SUPPLIER_ROLES = {"supplier", "tenderer", "proveedor o contratista", "participante"}
_NO_CONTRACT = {"unsuccessful", "cancelled"}
_METHOD_CODES = {"open": "public_tender", "selective": "invited_tender",
                 "limited": "single_source", "direct": "direct"}
_METHOD_WORDING = [  # procurementMethodDetails (or non-standard procurementMethod) wording
    (r"negotiat|negocia|谈判|磋商", "competitive_negotiation"),
    (r"quotation|cotizacion|ofertelor de pre|询价", "inquiry"),
    (r"invitacion|invited|restricted|邀请", "invited_tender"),
    (r"single.source|sole.source|单一来源", "single_source"),
    (r"adjudicacion directa|contratacion directa|direct award|直接", "direct"),
    (r"licitacion publica|licitatie publica|open proc|public tender|公开招标", "public_tender"),
]
_CATEGORIES = dict(goods="goods", works="works", services="services", consultingservices="services")


@dataclass
class ImportResult:
    """What an importer returns: records by canonical table, and what it left out and why."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    skipped: list[Issue] = field(default_factory=list)
    corrected: list[Issue] = field(default_factory=list)
    merged: list[Issue] = field(default_factory=list)  # several input records, one fact
    stats: Counter = field(default_factory=Counter)
    _seen: dict[tuple, Record] = field(default_factory=dict, repr=False)

    def add(self, record: Record, key: tuple | None = None) -> None:
        """One record per key: a party in many processes is one; later mentions fill gaps."""
        first = self._seen.setdefault((record.table, *key), record) if key else record
        for column, value in record.values.items() if first is not record else ():
            first.values.setdefault(column, value)
        if first is record:
            self.records.setdefault(record.table, []).append(record)
            self.stats[record.table] += 1

    def skip(self, source: Source, value: Any, reason: str) -> None:
        if isinstance(value, dict):  # the object's own scalar fields are enough to find it
            value = {k: v for k, v in value.items() if isinstance(v, (str, int, float))}
        self.skipped.append(Issue(*source, str(value or "")[:200], reason, "skipped"))
        self.stats["skipped"] += 1


def read_ocds(path: Path) -> ImportResult:
    """Read OCDS JSON or JSON lines from a file or, recursively, a folder (*.json, *.jsonl).
    ``Record.file`` runs from the folder's name down (``mexico/cdmx/…/x.json``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"OCDS input not found: {path}; give a .json/.jsonl file or folder")
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".jsonl"))
    result = ImportResult()
    by_ocid: dict[str, list[tuple[dict, Source]]] = defaultdict(list)
    for file in files:
        name = file.name if file == path else str(Path(path.name) / file.relative_to(path))
        result.stats["files"] += 1
        for line, document in json_documents(file, name, result):
            for release, source in _releases(document, (name, line, ""), result):
                by_ocid[release["ocid"]].append((release, source))
                result.stats["releases"] += 1
    for ocid, releases in by_ocid.items():
        _Process(ocid, _compile(releases), result).map()
    result.stats["processes"] = len(by_ocid)
    return result


def json_documents(file: Path, name: str, result: ImportResult) -> Iterator[tuple[int, Any]]:
    """(line, document): line 0 for a whole-file document, else its JSON-lines line number."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        result.skip((name, 0, ""), "", f"not UTF-8 (byte {error.start}): not read; save as UTF-8")
        return
    try:
        yield 0, json.loads(text)
        return
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":  # "Extra data" after a first document: JSON lines
            result.skip((name, error.lineno, ""), "", f"invalid JSON: {error.msg} at line "
                        f"{error.lineno} column {error.colno}; file not read")
            return
    for number, line in enumerate(text.splitlines(), 1):
        try:
            if line.strip():
                yield number, json.loads(line)
        except json.JSONDecodeError as error:
            result.skip((name, number, ""), line[:80], f"invalid JSON line: {error.msg}")


def _releases(doc: Any, at: Source, result: ImportResult) -> Iterator[tuple[dict, Source]]:
    """Unwrap packages and records down to releases: a record gives its compiled release, else
    its embedded releases (links to releases are not fetched); report what holds none."""
    name, line, pointer = at
    here, doc_ocid = (name, line or 1, pointer), _text(_dict(doc).get("ocid"))
    key = next((k for k in ("records", "releases") if isinstance(_dict(doc).get(k), list)), "")
    if isinstance(_dict(doc).get("compiledRelease"), dict):
        compiled = {"ocid": doc_ocid, **doc["compiledRelease"]}
        yield from _releases(compiled, (name, line or 1, f"{pointer}/compiledRelease"), result)
    elif isinstance(doc, list) or key == "records" or key and not doc_ocid:
        prefix = f"{pointer}/{key}" if key else pointer
        for i, item in enumerate(doc[key] if key else doc):
            yield from _releases(item, (name, line or i + 1, f"{prefix}/{i}"), result)
    elif key and "tag" not in doc:  # a record without compiled release
        embedded = [(i, r) for i, r in enumerate(_dicts(doc["releases"]))
                    if set(r) - {"url", "date", "tag"}]
        for i, release in embedded:
            yield from _releases({"ocid": doc_ocid, **release}, (name, line or 1,
                                 f"{pointer}/releases/{i}"), result)
        if not embedded:
            result.skip(here, doc_ocid, "record has no compiledRelease and links its releases "
                        "by URL only; links are not fetched, so the process can only come from "
                        "release files in the input")
    elif doc_ocid:
        yield {**doc, "ocid": doc_ocid}, here
    else:
        result.skip(here, doc, "no ocid, releases or records: not an OCDS release, record or "
                    "package")


def _compile(releases: list[tuple[dict, Source]]) -> dict:
    """Merge the releases of one process oldest first, as OCDS compiles a record: later values
    win and lists of objects with ``id`` merge by id, so duplicate releases collapse."""
    compiled: dict = {}
    for release, source in sorted(releases, key=lambda item: _instant(item[0].get("date"))):
        _merge(compiled, release, source)
    return compiled


def _merge(target: dict, new: dict, source: Source) -> None:
    name, row, pointer = target[_SRC] = source
    for key, value in new.items():
        if isinstance(value, dict):
            target[key] = node = target[key] if isinstance(target.get(key), dict) else {}
            _merge(node, value, (name, row, f"{pointer}/{key}"))
        elif isinstance(value, list):
            target[key] = _merge_list(target.get(key), value, (name, row, f"{pointer}/{key}"))
        else:
            target[key] = value


def _merge_list(old: Any, new: list, source: Source) -> list:
    """Objects with ids merge by id into the old list (when it has ids too); others replace."""
    keyed = all(isinstance(item, dict) and "id" in item for item in new)
    merged = list(old) if keyed and isinstance(old, list) and all(
        isinstance(item, dict) and "id" in item for item in old) else []
    by_id = {str(item["id"]): item for item in merged}
    for i, item in enumerate(new):
        node = by_id.get(str(item["id"])) if keyed else None
        if node is None:
            merged.append(node := {} if isinstance(item, dict) else item)
            by_id[str(_dict(item).get("id"))] = node
        if isinstance(item, dict):
            _merge(node, item, (source[0], source[1], f"{source[2]}/{i}"))
    return merged


def _instant(value: Any) -> dt.datetime:
    """Release dates compare as instants, whatever their zone; a bad date sorts first."""
    try:
        moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        moment = dt.datetime(1, 1, 1)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def parse_date(value: Any) -> dt.date | None:
    """The calendar date as the publisher wrote it; time and zone are ignored.

    >>> parse_date("2016-07-28T04:00:00+04:00"), parse_date(""), parse_date("2017/02/30")
    (datetime.date(2016, 7, 28), None, None)
    """
    match = re.match(r"\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})", str(value or ""))
    try:
        return dt.date(*map(int, match.groups())) if match else None
    except ValueError:
        return None


def parse_amount(value: Any) -> float | None:
    """A number from JSON; text such as ``"1,234.50"`` or ``"1.234,50"`` is read too.

    >>> parse_amount("1,234.50"), parse_amount("1.234,50"), parse_amount(12), parse_amount("n/a")
    (1234.5, 1234.5, 12.0, None)
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value == value else None
    text = re.sub(r"[\s\u00a0]", "", value) if isinstance(value, str) else ""
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+,\d{1,2}", text):
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


class _Process:
    """Maps one compiled contracting process to records."""

    def __init__(self, ocid: str, release: dict, result: ImportResult):
        self.ocid, self.release, self.result = ocid, release, result
        match = re.match(r"ocds-[^-]+", ocid, re.IGNORECASE)
        self.publisher = match.group(0).lower() if match else ocid  # scope of buyer party ids
        self.tender = _dict(release.get("tender"))
        self.parties = {_text(p.get("id")) or f"#{i}": p
                        for i, p in enumerate(_dicts(release.get("parties")))}
        self.used: set[int] = set()  # parties (by object id) mapped through a reference

    def map(self) -> None:
        refs = [_dict(self.release.get("buyer")), _dict(self.tender.get("procuringEntity"))]
        refs += [p for p in self.parties.values() if _roles(p) & _BUYER_ROLES]
        self.buyer = next(filter(None, [self.unit(ref) for ref in refs if ref]), None)
        awards = _dicts(self.release.get("awards"))
        lists = [a.get("suppliers") for a in awards if _text(a.get("status")) not in _NO_CONTRACT]
        lists += [c.get("suppliers") for c in _dicts(self.release.get("contracts"))]
        self.winners = {self.company(ref) for refs in lists for ref in _dicts(refs)}
        self._contracts(awards)
        self._bids(bool(awards))
        for party in (p for p in self.parties.values() if id(p) not in self.used):
            if not (_roles(party) & _SUPPLIER_ROLES and self.company(party)):
                roles = ", ".join(sorted(_roles(party))) or "none"
                self.result.skip(party[_SRC], _name(party), f"party with role(s) {roles}: "
                                 "not a buyer, supplier or tenderer")

    def _organisation(self, ref: dict) -> dict:
        """A reference joined with its ``parties`` entry (by id, else by name)."""
        party = self.parties.get(_text(ref.get("id"))) if _text(ref.get("id")) else next(
            (p for p in self.parties.values() if _name(ref) and _name(p) == _name(ref)), None)
        self.used.add(id(party))
        return {**(party or {}), **{k: v for k, v in ref.items() if v not in (None, "", {}, [])}}

    def unit(self, ref: dict) -> str | None:
        return self._party(ref, "units", "unit_id", self.publisher)

    def company(self, ref: dict) -> str | None:
        return self._party(ref, "companies", "credit_code", self.ocid)

    def _party(self, ref: dict, table: str, column: str, scope: str) -> str | None:
        """Synthetic buyer keys are scoped by publisher (its party ids name the same body in
        every process), supplier keys by process (OCDS ids are only unique within one)."""
        org = self._organisation(ref)
        identifier = _dict(org.get("identifier"))
        found = organisation_key(_text(identifier.get("scheme")), _text(identifier.get("id")),
                                 scope=scope, local_id=_text(org.get("id")), name=_name(org))
        if found is None:
            what = "public body" if table == "units" else "supplier or tenderer"
            self.result.skip(ref[_SRC], ref, f"{what} without id, identifier or name")
            return None
        contact, address = _dict(org.get("contactPoint")), _dict(org.get("address"))
        parts = ("streetAddress", "locality", "region", "postalCode", "countryName")
        values = {column: found[0], "name": _name(org)} if table == "units" else {
            column: found[0], "name": _name(org), "phone": _text(contact.get("telephone")),
            "email": _text(contact.get("email")),
            "address": ", ".join(filter(None, (_text(address.get(k)) for k in parts)))}
        synthetic = found[1].startswith("ocds-") and table == "companies"
        self.result.add(_record(table, values, ref[_SRC], id_scheme=found[1], ocid=self.ocid,
                                keyless=synthetic or None, identifier=_text(identifier.get("id"))
                                if synthetic else None), (found[0],))
        return found[0]

    def _contracts(self, awards: list[dict]) -> None:
        """Each contract with its award; an award without a contract stands for one."""
        contracts = _dicts(self.release.get("contracts"))
        by_award: dict[str, list[dict]] = defaultdict(list)
        for contract in contracts:
            by_award[_text(contract.get("awardID"))].append(contract)
        pairs, lonely = [], []
        for award in awards:
            linked = by_award.pop(_text(award.get("id")), []) if _text(award.get("id")) else []
            pairs += [(contract, award) for contract in linked]
            if not linked and _text(award.get("status")) in _NO_CONTRACT:
                self.result.skip(award[_SRC], award.get("id"),
                                 f"award status '{award['status']}': no contract was awarded")
            elif not linked:
                lonely.append(award)
        orphans = [contract for group in by_award.values() for contract in group]
        if len(orphans) == 1 and len(lonely) == 1:
            self.result.corrected.append(Issue(*orphans[0][_SRC], _text(orphans[0].get("awardID")),
                                               "awardID matches no award: linked to the only award "
                                               "left", "corrected"))
            pairs.append((orphans.pop(), lonely.pop()))
        pairs += [({}, award) for award in lonely] + [(contract, {}) for contract in orphans]
        for contract, award in pairs:
            self._contract(contract, award, (contracts if contract else awards).index(
                contract or award))

    def _contract(self, contract: dict, award: dict, position: int) -> None:
        main = contract or award
        own_id = _text(main.get("id")) or f"#{position + 1}"
        contract_id = (f"{self.ocid}/award/{own_id}" if not contract else own_id
                       if own_id.startswith(self.ocid) else f"{self.ocid}/{own_id}")
        value = next((v for v in map(_dict, (contract.get("value"), award.get("value"), main.get(
            "valueWithTax"))) if v.get("amount") not in (None, "")), {})
        amount = parse_amount(value.get("amount"))
        if value and amount is None:
            self.result.skip(value[_SRC], value.get("amount"), "amount is not a number: "
                             "contract loaded without amount")
        code = _text(self.tender.get("procurementMethod"))
        details = _text(self.tender.get("procurementMethodDetails"))
        category = _text(self.tender.get("mainProcurementCategory")).lower()
        values = {"contract_id": contract_id, "tender_id": self.ocid, "buyer_unit_id": self.buyer,
                  "title": _localised(contract, "title") or _localised(award, "title")
                  or _localised(self.tender, "title"), "amount": amount,
                  "currency": _text(value.get("currency")), "method": _method(code, details),
                  "category": _CATEGORIES.get(category), "signed_date":
                  parse_date(contract.get("dateSigned")) or parse_date(award.get("date"))}
        refs = _dicts(contract.get("suppliers")) or _dicts(award.get("suppliers"))
        suppliers = list(dict.fromkeys(filter(None, map(self.company, refs)))) or [None]
        for supplier in suppliers:
            self.result.add(_record(
                "contracts", {**values, "supplier_credit_code": supplier}, main[_SRC],
                ocid=self.ocid, status=main.get("status"), award_id=_text(award.get("id")),
                method_raw=" / ".join(filter(None, (code, details))),
                suppliers=len(suppliers) if len(suppliers) > 1 else None), (contract_id, supplier))

    def _bids(self, awarded: bool) -> None:
        """Tenderers become bids; ``won`` stays unknown while nothing has been awarded."""
        bidders: dict[str | None, tuple[dict, dict]] = {}
        for ref in _dicts(self.tender.get("tenderers")):
            bidders.setdefault(self.company(ref), (ref, {}))
        for detail in _dicts(_dict(self.release.get("bids")).get("details")):
            for ref in _dicts(detail.get("tenderers")):
                bidders[self.company(ref)] = (ref, detail)
        bidders.pop(None, None)
        for key, (ref, detail) in bidders.items():
            value = _dict(detail.get("value"))
            values = {"tender_id": self.ocid, "bidder_credit_code": key,
                      "won": key in self.winners if awarded else None,
                      "bid_amount": parse_amount(value.get("amount")),
                      "submitted_date": parse_date(detail.get("date"))}
            self.result.add(_record("bids", values, (detail or ref)[_SRC], ocid=self.ocid,
                                    currency=_text(value.get("currency"))), (self.ocid, key))


def _method(code: str, details: str) -> str | None:
    texts = [fold_accents(text).lower() for text in (details, code) if text]
    return next((method for text in texts for pattern, method in _METHOD_WORDING
                 if re.search(pattern, text)), _METHOD_CODES.get(code.lower()))


def _record(table: str, values: dict, source: Source, **extra: Any) -> Record:
    file, row, pointer = source
    extra = {"src_pointer": pointer, **extra}
    return Record(table, file, row, {k: v for k, v in values.items() if v not in (None, "")},
                  {k: v for k, v in extra.items() if v not in (None, "")})


def _roles(party: dict) -> set[str]:
    return {fold_accents(_text(r)).lower() for r in _list(party.get("roles")) if _text(r)}


def _name(org: dict) -> str:
    return _localised(org, "name") or _localised(_dict(org.get("identifier")), "legalName")


def _localised(node: dict, field_name: str) -> str:
    """``title``, else a language variant such as ``title_en`` (Canada publishes en and fr)."""
    return _text(node.get(field_name)) or next(
        (_text(v) for k, v in node.items() if k.startswith(field_name + "_") and _text(v)), "")


def _text(value: Any) -> str:
    ok = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return str(value).strip() if ok else ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict]:
    """Objects in a list; a lone object where a list belongs (Paraguay's suppliers) counts too."""
    return [item for item in _list(value) or [value] if isinstance(item, dict)]
