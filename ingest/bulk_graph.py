"""The graph a first load would write, built in memory from the loader's own write rows.

A bulk first load (``ingest.bulk_load``) runs the loader unchanged up to the point where a
batch of parameter rows would be sent to Neo4j with one of the queries of
``ingest.writes``; here each such ``(query, rows)`` is *applied* to an in-memory graph
instead, with the query's own semantics, so that the files handed to
``neo4j-admin database import`` hold the graph the online path would have written.

Semantics followed (the online queries' plans, checked with ``EXPLAIN``, put an ``Eager``
between every clause, i.e. Neo4j runs them clause at a time):

- each clause runs over all rows of the batch, in order, before the next clause; a
  ``FOREACH`` is one clause whose body runs row by row;
- ``MERGE`` finds or creates by label and key (relationships: by type, both ends and, for
  keyed ties, ``rel_key``); ``ON CREATE SET`` applies only on creation;
- ``SET x += map`` sets each non-null value and removes each key whose value is null;
  ``SET x = map`` replaces all properties; ``REMOVE`` drops a property.

So when several rows name the same node, the same row wins here as online: a stub keeps
the provenance of the first row (in table order, batch order, clause order) that named
it; a node's own row overwrites its stub's properties and removes the flag; a keyless
party takes the properties of the last row that named it.

A query this module does not know, or a row that would need what only a database with
other datasets holds (claims of several sources), raises ``BulkUnsupported``: the bulk
path never guesses.

Memory: once no later table's query can touch a label or relationship type (``TOUCHES``,
tables in ``TABLE_ORDER``), the loader takes it out (``take``) and writes it to its import
files; the graph held is then the nodes later tables still name and the relationships of
the tables still loading, not the whole extract. A taken name is sealed: a query reaching
it later raises ``BulkUnsupported`` (a wrong ``TOUCHES`` stops the load, it never changes
the graph).
"""
from __future__ import annotations

from collections.abc import Callable

from graph.errors import LianjianError
from graph.model import load_model
from ingest import writes

__all__ = ["BulkUnsupported", "FirstLoadGraph", "TOUCHES"]

STUB_REMOVED = ("stub", "stub_column")
UNREPORTED = ("unreported_since", "unreported_run")

_LINKED = {"contracts": ({"Contract", "Unit", "Company", "Person", "Tender"},
                         {"BUYER", "SUPPLIER", "APPROVED_BY", "FOR_TENDER"}),
           "subsidies": ({"SubsidyPayment", "Person", "Unit", "Account"},
                         {"RECIPIENT", "ISSUED_BY", "APPROVED_BY", "INTO_ACCOUNT"}),
           "accounts": ({"Account", "Person", "Company", "Unit"}, {"HELD_BY"}),
           "transactions": ({"Transaction", "Account"}, {"PAID", "PAID_TO"}),
           "complaints": ({"Complaint", "Person", "Unit"}, {"ABOUT"}),
           "bids": ({"Bid", "Tender", "Company"}, {"FOR_TENDER", "BIDDER"})}

# The labels and relationship types each write query reads or writes (its step below).
TOUCHES: dict[str, tuple[set[str], set[str]]] = {
    writes.UPSERT_UNITS: ({"Unit"}, {"PART_OF"}),
    writes.UPSERT_PERSONS: ({"Person"}, set()), writes.CREATE_PERSONS: ({"Person"}, set()),
    writes.UPSERT_COMPANIES: ({"Company", "Person"}, {"HOLDS_ROLE"}),
    writes.CREATE_COMPANIES: ({"Company", "Person"}, {"HOLDS_ROLE"}),
    writes.UPSERT_POSITIONS: ({"Person", "Unit"}, {"HOLDS_POSITION"}),
    writes.UPSERT_KINSHIP: ({"Person"}, {"HAS_RELATIVE"}),
    writes.UPSERT_PERSON_ROLES: ({"Company", "Person"}, {"HOLDS_ROLE"}),
    writes.UPSERT_COMPANY_ROLES: ({"Company"}, {"HOLDS_ROLE"}),
    **{query: _LINKED[table] for table, queries in (
        ("contracts", (writes.UPSERT_CONTRACTS, writes.CREATE_CONTRACTS)),
        ("bids", (writes.UPSERT_BIDS, writes.CREATE_BIDS)),
        ("accounts", (writes.UPSERT_ACCOUNTS, writes.CREATE_ACCOUNTS)),
        ("transactions", (writes.UPSERT_TRANSACTIONS, writes.CREATE_TRANSACTIONS)),
        ("subsidies", (writes.UPSERT_SUBSIDIES, writes.CREATE_SUBSIDIES)),
        ("complaints", (writes.UPSERT_COMPLAINTS, writes.CREATE_COMPLAINTS))) for query in queries},
}


class _Sealable(dict):
    """Label (or type) -> its entities; a name taken out is sealed, and reaching it again
    raises instead of silently starting an empty table."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind, self.sealed = kind, set()

    def __missing__(self, name: str) -> dict:
        if name in self.sealed:
            raise BulkUnsupported(f"bulk load: the {self.kind} {name} was already written to "
                                  "its import files when a later query reached it; load "
                                  "without --bulk")
        table = self[name] = {}
        return table

    def take(self, name: str) -> dict:
        self.sealed.add(name)
        return self.pop(name, {})


class BulkUnsupported(LianjianError):
    """Something the bulk first load cannot reproduce exactly: load online instead."""


def _set_plus(props: dict, values: dict | None) -> None:
    """``SET x += values``: null removes, anything else sets."""
    for name, value in (values or {}).items():
        if value is None:
            props.pop(name, None)
        else:
            props[name] = value


def _ref(row: dict, column: str) -> dict:
    """``coalesce(row.ref_src.<column>, row.rel_props)``."""
    chosen = (row.get("ref_src") or {}).get(column)
    return chosen if chosen is not None else row["rel_props"]


class FirstLoadGraph:
    """Nodes by label and key, relationships by type and identity, as the queries leave them.

    A relationship's identity is ``(start label, start key, end label, end key, rel_key)``
    (``rel_key`` None for the ties ``MERGE`` matches by type and ends alone).
    """

    def __init__(self) -> None:
        self.model = load_model()
        self.nodes: dict[str, dict[str, dict]] = _Sealable("label")
        self.rels: dict[str, dict[tuple, dict]] = _Sealable("relationship type")
        self.keyed: dict[tuple[str, str], dict] = {}   # (type, rel_key) -> props
        self.steps: dict[str, Callable[[list[dict]], None]] = {
            writes.UPSERT_UNITS: self._units, writes.UPSERT_PERSONS: self._persons,
            writes.UPSERT_COMPANIES: self._companies, writes.UPSERT_POSITIONS: self._positions,
            writes.UPSERT_KINSHIP: self._kinship, writes.UPSERT_PERSON_ROLES: self._person_roles,
            writes.UPSERT_COMPANY_ROLES: self._company_roles,
            writes.UPSERT_CONTRACTS: self._upsert_contracts,
            writes.CREATE_CONTRACTS: self._create_contracts, writes.UPSERT_BIDS: self._bids,
            writes.UPSERT_ACCOUNTS: self._accounts,
            writes.UPSERT_TRANSACTIONS: self._upsert_transactions,
            writes.CREATE_TRANSACTIONS: self._create_transactions,
            writes.UPSERT_SUBSIDIES: self._upsert_subsidies,
            writes.CREATE_SUBSIDIES: self._create_subsidies,
            writes.UPSERT_COMPLAINTS: self._complaints,
            # The loader's CREATE of rows whose key nothing holds yet: for such a key the
            # upsert builds the same node and ties (tests/ingest/test_bulk_load.py).
            writes.CREATE_PERSONS: self._persons, writes.CREATE_COMPANIES: self._companies,
            writes.CREATE_BIDS: self._bids, writes.CREATE_ACCOUNTS: self._accounts,
            writes.CREATE_COMPLAINTS: self._complaints,
        }

    # -- what the loader asks --------------------------------------------------------------
    def apply(self, query: str, rows: list[dict]) -> None:
        """Apply one batch of one write query of ``ingest.writes``."""
        step = self.steps.get(query)
        if step is None:
            raise BulkUnsupported("bulk load: a write query the bulk path does not know "
                                  f"({query.strip().splitlines()[1][:60]}…); load without --bulk")
        step(rows)

    def take_label(self, label: str) -> dict[str, dict]:
        """The label's nodes, out of memory and sealed: nothing may touch them any more."""
        return self.nodes.take(label)

    def take_type(self, rel_type: str) -> dict[tuple, dict]:
        """The type's relationships, out of memory and sealed (their ``rel_key`` index too)."""
        taken = self.rels.take(rel_type)
        for identity in taken:
            if identity[4] is not None:
                del self.keyed[(rel_type, identity[4])]
        return taken

    def node_state(self, label: str, key: str) -> list | None:
        """What ``writes.STORED_NODE_HASHES`` would return for one key (None: absent)."""
        node = self.nodes[label].get(key)
        if node is None:
            return None
        return [key, node.get("src_hash"), node.get("src_dataset"), node.get("stub"),
                node.get("src_sources"), None]

    def tie_state(self, rel_type: str, key: str) -> list | None:
        """What ``writes.STORED_TIE_HASHES`` would return for one key (None: absent)."""
        self.rels[rel_type]  # a sealed type raises: "absent" would be a guess
        props = self.keyed.get((rel_type, key))
        if props is None:
            return None
        reported = props.get("unreported_since") is None
        return [key, props.get("src_hash") if reported else None, props.get("src_dataset"),
                None, props.get("src_sources"), None]

    # -- nodes -----------------------------------------------------------------------------
    def _new(self, label: str, key: str) -> dict:
        props = {self.model.node(label).key: key}
        self.nodes[label][key] = props
        return props

    def _upsert(self, label: str, rows: list[dict], remove_stub: bool) -> None:
        """``MERGE (n {key: row.key}) SET n += row.props [REMOVE n.stub, n.stub_column]``."""
        for row in rows:
            props = self.nodes[label].get(row["key"]) or self._new(label, row["key"])
            _set_plus(props, row["props"])
            if remove_stub:
                for name in STUB_REMOVED:
                    props.pop(name, None)

    def _create(self, label: str, rows: list[dict]) -> None:
        """``CREATE (n) SET n = row.props`` (rows whose node does not exist yet)."""
        for row in rows:
            if row["key"] in self.nodes[label]:
                raise BulkUnsupported(f"bulk load: {label} {row['key']} created twice; "
                                      "load without --bulk")
            self.nodes[label][row["key"]] = {k: v for k, v in row["props"].items()
                                             if v is not None}

    def _reference(self, label: str, key: str, row: dict, column: str | None,
                   given: str = "rel_props") -> None:
        """``MERGE (n {key}) ON CREATE SET n += row.<given>[, n.stub = true, …]``."""
        if key in self.nodes[label]:
            return
        props = self._new(label, key)
        _set_plus(props, row[given])
        if column is not None:
            props["stub"], props["stub_column"] = True, column

    def _references(self, label: str, column: str, rows: list[dict], stub: bool = True) -> None:
        for row in rows:
            self._reference(label, row[column], row, column if stub else None)

    # -- relationships ---------------------------------------------------------------------
    def _merge_rel(self, rel_type: str, start: tuple, end: tuple, rel_key: str | None,
                   values: dict | None, create: bool = False) -> None:
        identity = (*start, *end, rel_key)
        props = self.rels[rel_type].get(identity)
        if props is None:
            props = self.rels[rel_type][identity] = {} if rel_key is None else {
                "rel_key": rel_key}
            if rel_key is not None:
                self.keyed[(rel_type, rel_key)] = props
        elif create:
            raise BulkUnsupported(f"bulk load: a second {rel_type} between the same nodes; "
                                  "load without --bulk")
        if create:
            props.clear()
            props.update({k: v for k, v in (values or {}).items() if v is not None})
        else:
            _set_plus(props, values)

    def _ties(self, rel_type: str, start: tuple[str, str], end: tuple[str, str],
              rows: list[dict]) -> None:
        """``MERGE (a)-[r:T {rel_key: row.key}]->(b)``, then ``SET r += row.props`` and
        ``REMOVE r.unreported_since, r.unreported_run`` (the tie tables)."""
        for row in rows:
            self._merge_rel(rel_type, (start[0], row[start[1]]), (end[0], row[end[1]]),
                            row["key"], None)
        for row in rows:
            props = self.keyed[(rel_type, row["key"])]
            _set_plus(props, row["props"])
            for name in UNREPORTED:
                props.pop(name, None)

    def _drop(self, rel_types: tuple[str, ...], label: str, rows: list[dict],
              incoming: bool = False, keep: Callable[[tuple, dict, dict], bool] | None = None
              ) -> None:
        """``OPTIONAL MATCH (n)-[old:T]->() DELETE old`` for the rows' nodes.

        A node new in this load has no relationship yet, so only rows whose node existed
        before the batch (a stub named earlier) are looked at.
        """
        ends = {row["key"]: row for row in rows}
        for rel_type in rel_types:
            for identity, props in list(self.rels[rel_type].items()):
                node = identity[2:4] if incoming else identity[0:2]
                row = ends.get(node[1]) if node[0] == label else None
                if row is None or (keep and keep(identity, props, row)):
                    continue
                del self.rels[rel_type][identity]
                if identity[4] is not None:
                    self.keyed.pop((rel_type, identity[4]), None)

    def _foreach(self, rows: list[dict], start_label: str, column: str, label: str,
                 rel_type: str, create: bool = False, stub: bool = True,
                 outgoing: bool = True) -> None:
        """``FOREACH (… row.<column> IS NOT NULL | MERGE (m) ON CREATE … MERGE|CREATE
        (n)-[r:T]->(m) SET r += coalesce(row.ref_src.<column>, row.rel_props)`` (CREATE:
        ``SET r = row.rel_props``)."""
        for row in rows:
            key = row.get(column)
            if key is None:
                continue
            self._reference(label, key, row, column if stub else None)
            here, there = (start_label, row["key"]), (label, key)
            start, end = (here, there) if outgoing else (there, here)
            self._merge_rel(rel_type, start, end, None,
                            row["rel_props"] if create else _ref(row, column), create)

    @staticmethod
    def _has_old(rows: list[dict], existed: set[str]) -> list[dict]:
        return [row for row in rows if row["key"] in existed]

    def _existing(self, label: str, rows: list[dict]) -> set[str]:
        return {row["key"] for row in rows if row["key"] in self.nodes[label]}

    # -- the queries of ingest.writes ------------------------------------------------------
    def _units(self, rows: list[dict]) -> None:
        existed = self._existing("Unit", rows)
        self._upsert("Unit", rows, remove_stub=True)
        self._drop(("PART_OF",), "Unit", self._has_old(rows, existed),
                   keep=lambda identity, _, row: identity[3] == (row.get("parent_unit_id") or ""))
        self._foreach(rows, "Unit", "parent_unit_id", "Unit", "PART_OF")

    def _persons(self, rows: list[dict]) -> None:
        self._upsert("Person", rows, remove_stub=True)

    def _companies(self, rows: list[dict]) -> None:
        existed = self._existing("Company", rows)
        self._upsert("Company", rows, remove_stub=True)
        self._drop(("HOLDS_ROLE",), "Company", self._has_old(rows, existed),
                   incoming=True, keep=lambda identity, props, row: identity[0] != "Person"
                   or props.get("derived") is not True
                   or props.get("rel_key") is None
                   or props.get("rel_key") == (row.get("rel_key") or ""))
        for row in rows:
            if row.get("legal_rep") is None:
                continue
            self._reference("Person", row["legal_rep"], row, "legal_rep_id_number",
                            given="stub_props")
            self._merge_rel("HOLDS_ROLE", ("Person", row["legal_rep"]),
                            ("Company", row["key"]), row["rel_key"], row["rel_props"])

    def _positions(self, rows: list[dict]) -> None:
        self._references("Person", "id_number", rows)
        self._references("Unit", "unit_id", rows)
        self._ties("HOLDS_POSITION", ("Person", "id_number"), ("Unit", "unit_id"), rows)

    def _kinship(self, rows: list[dict]) -> None:
        self._references("Person", "id_number", rows)
        self._references("Person", "relative_id_number", rows)
        for row in rows:
            _set_plus(self.nodes["Person"][row["relative_id_number"]], row.get("relative_props"))
        self._ties("HAS_RELATIVE", ("Person", "id_number"), ("Person", "relative_id_number"),
                   rows)

    def _person_roles(self, rows: list[dict]) -> None:
        self._references("Company", "credit_code", rows)
        self._references("Person", "holder_id_number", rows)
        self._ties("HOLDS_ROLE", ("Person", "holder_id_number"), ("Company", "credit_code"),
                   rows)

    def _company_roles(self, rows: list[dict]) -> None:
        self._references("Company", "credit_code", rows)
        self._references("Company", "holder_credit_code", rows)
        self._ties("HOLDS_ROLE", ("Company", "holder_credit_code"), ("Company", "credit_code"),
                   rows)

    CONTRACT_LINKS = (("buyer_unit_id", "Unit", "BUYER", True),
                      ("supplier_credit_code", "Company", "SUPPLIER", True),
                      ("approver_id_number", "Person", "APPROVED_BY", True),
                      ("tender_id", "Tender", "FOR_TENDER", False))
    SUBSIDY_LINKS = (("recipient_id_number", "Person", "RECIPIENT", True),
                     ("unit_id", "Unit", "ISSUED_BY", True),
                     ("approver_id_number", "Person", "APPROVED_BY", True),
                     ("account_no", "Account", "INTO_ACCOUNT", True))
    ACCOUNT_LINKS = (("holder_id_number", "Person", "HELD_BY", True),
                     ("holder_credit_code", "Company", "HELD_BY", True),
                     ("holder_unit_id", "Unit", "HELD_BY", True))
    COMPLAINT_LINKS = (("subject_id_number", "Person", "ABOUT", True),
                       ("subject_unit_id", "Unit", "ABOUT", True))

    def _linked(self, label: str, rows: list[dict], links: tuple, *, create: bool,
                remove_stub: bool = False) -> None:
        """A node per row and its outgoing references (contracts, subsidies, accounts,
        complaints): upsert (with the old links dropped) or create, then one FOREACH each."""
        if create:
            self._create(label, rows)
        else:
            existed = self._existing(label, rows)
            self._upsert(label, rows, remove_stub)
            self._drop(tuple({link[2] for link in links}), label,
                       self._has_old(rows, existed))
        for column, end_label, rel_type, stub in links:
            self._foreach(rows, label, column, end_label, rel_type, create=create, stub=stub)

    def _upsert_contracts(self, rows: list[dict]) -> None:
        self._linked("Contract", rows, self.CONTRACT_LINKS, create=False)

    def _create_contracts(self, rows: list[dict]) -> None:
        self._linked("Contract", rows, self.CONTRACT_LINKS, create=True)

    def _upsert_subsidies(self, rows: list[dict]) -> None:
        self._linked("SubsidyPayment", rows, self.SUBSIDY_LINKS, create=False)

    def _create_subsidies(self, rows: list[dict]) -> None:
        self._linked("SubsidyPayment", rows, self.SUBSIDY_LINKS, create=True)

    def _accounts(self, rows: list[dict]) -> None:
        self._linked("Account", rows, self.ACCOUNT_LINKS, create=False, remove_stub=True)

    def _complaints(self, rows: list[dict]) -> None:
        self._linked("Complaint", rows, self.COMPLAINT_LINKS, create=False)

    def _bids(self, rows: list[dict]) -> None:
        self._upsert("Bid", rows, remove_stub=False)
        self._references("Tender", "tender_id", rows, stub=False)
        self._references("Company", "bidder_credit_code", rows)
        for row in rows:
            _set_plus(self.nodes["Company"][row["bidder_credit_code"]], row.get("bidder_props"))
        for row in rows:
            self._merge_rel("FOR_TENDER", ("Bid", row["key"]), ("Tender", row["tender_id"]),
                            None, row["rel_props"])
        for row in rows:
            self._merge_rel("BIDDER", ("Bid", row["key"]),
                            ("Company", row["bidder_credit_code"]), None, row["rel_props"])

    def _transactions(self, rows: list[dict], create: bool) -> None:
        if create:
            self._create("Transaction", rows)
        else:
            existed = self._existing("Transaction", rows)
            self._upsert("Transaction", rows, remove_stub=False)
            old = self._has_old(rows, existed)
            self._drop(("PAID_TO",), "Transaction", old)
            self._drop(("PAID",), "Transaction", old, incoming=True)
        self._references("Account", "from_account", rows)
        self._references("Account", "to_account", rows)
        for row in rows:
            self._merge_rel("PAID", ("Account", row["from_account"]), ("Transaction", row["key"]),
                            None, row["rel_props"] if create else _ref(row, "from_account"),
                            create)
        for row in rows:
            self._merge_rel("PAID_TO", ("Transaction", row["key"]), ("Account", row["to_account"]),
                            None, row["rel_props"] if create else _ref(row, "to_account"), create)

    def _upsert_transactions(self, rows: list[dict]) -> None:
        self._transactions(rows, create=False)

    def _create_transactions(self, rows: list[dict]) -> None:
        self._transactions(rows, create=True)
