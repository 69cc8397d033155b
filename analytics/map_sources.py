"""What opens a relationship map (关系图谱的来源): an alert's evidence, the paths between two
entities, a money trail (资金穿透), or entities by key — each as the map's nodes and ties.

Each builder reads through the analytics API (``get_alert``, ``shortest_paths`` /
``all_short_paths``, ``money_trails``) and ``analytics.map_graph``, so the same scope
applies: entities in scope are described (facts, provenance, badge counts) and their ties
re-read with provenance; what the API shows withheld stays withheld on the map, as a
placeholder carrying its label only (``withheld: true``, an id opaque to this answer, no
key, no name) — and it is never saved with a map or exported.
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from analytics.alerts import get_alert
from analytics.map_graph import (describe, describe_one, expand_page, hidden_ties, make_edge,
                                 node_id, public, split_id, ties)
from analytics.paths import all_short_paths, money_trails, shortest_paths
from analytics.queries import EntityNotFound
from analytics.scope import Scope
from analytics.workflow import AlertNotFound

__all__ = ["entities_graph", "alert_graph", "paths_graph", "trail_graph", "placeholder"]


def _key(typed: str) -> str:
    """The key of a map id, or the text itself when it is a bare key."""
    try:
        return split_id(typed)[1]
    except ValueError:
        return str(typed)


def placeholder(label: str, ref: str, token: str) -> dict:
    """A node the reader may not see: its label, nothing that names it."""
    return {"id": f"withheld:{token}:{ref}", "label": label, "key": None, "name": None,
            "withheld": True, "facts": {}, "ties": {}, "provenance": {}}


def entities_graph(connection, ids: Iterable[str], *, scope: Scope,
                   hidden: bool = True) -> dict:
    """Entities by map id, their ties among themselves (and shared identifiers).

    Returns ``{nodes, edges, missing}``: ``missing`` counts the ids that are not (or no
    longer) in the reader's scope — a reopened map says how many it left out, never which.
    """
    ids = list(dict.fromkeys(ids))
    found = describe(connection, ids, scope=scope)
    edges = ties(connection, [node["element_id"] for node in found.values()], scope=scope)
    if hidden:
        edges += hidden_ties(connection, found.values())
    return {"nodes": [public(node) for node in found.values()], "edges": edges,
            "missing": len(ids) - len(found)}


def alert_graph(connection, alert_id: str, *, scope: Scope) -> dict:
    """An alert's evidence as a map: the alert, the entities it names (EVIDENCE ties with
    their roles), the ties among them, and the evidence ties the scan recorded.

    Returns ``{alert, nodes, edges, evidence: {nodes: {id: [roles]}, edges: [ids]},
    withheld, more}``: ``withheld`` counts evidence items whose entities the reader may not
    see; ``more`` the entities named beyond the first 500 (never in practice: a rule's
    evidence is a handful of rows).
    Raises ``EntityNotFound`` for an alert missing or out of scope (same words).
    """
    try:
        found = get_alert(connection, alert_id, scope)
    except AlertNotFound:
        found = None
    if not found:
        raise EntityNotFound(f"no alert you may see has the id {alert_id!r}: check it")
    alert = found["alert"]
    typed = node_id("Alert", alert["alert_id"])
    ids = [typed]
    roles: dict[str, list[str]] = {}
    named = expand_page(connection, typed, scope=scope, tie_types=["EVIDENCE"], limit=500)
    for rel in named["edges"]:
        if rel["type"] == "EVIDENCE" and rel["from"] == typed:
            ids.append(rel["to"])
            roles.setdefault(rel["to"], []).append(rel["props"].get("role"))
    keyed: dict[str, list[str]] = {}
    for item in found["evidence"]:
        if "type" in item:
            keyed.setdefault(str(item.get("from")), [])
            keyed.setdefault(str(item.get("to")), [])
        elif item.get("label") and item.get("id"):
            other = node_id(item["label"], item["id"])
            ids.append(other)
            roles.setdefault(other, []).append(item.get("role"))
    known = {split_id(i)[1]: i for i in ids}
    for key in keyed:
        if key not in known:   # an end of an evidence tie that is not evidence itself
            try:
                known[key] = describe_one(connection, key, scope=scope)["id"]
                ids.append(known[key])
            except EntityNotFound:
                pass
    graph = entities_graph(connection, ids, scope=scope)
    on_map = {node["id"] for node in graph["nodes"]}
    evidence_edges, withheld = [], graph["missing"]
    wanted = {(item["type"], str(item.get("from")), str(item.get("to")))
              for item in found["evidence"] if "type" in item}
    for edge in graph["edges"]:
        if (edge["type"], _key(edge["from"]), _key(edge["to"])) in wanted:
            evidence_edges.append(edge["id"])
            edge["evidence"] = True
        elif edge["type"] == "EVIDENCE" and edge["from"] == typed:
            edge["evidence"] = True
    withheld += sum(1 for item in found["evidence"] if "type" in item and not (
        known.get(str(item.get("from"))) in on_map and known.get(str(item.get("to"))) in on_map))
    return {"alert": {k: alert.get(k) for k in ("alert_id", "rule_id", "severity", "status",
                                                 "summary_zh", "summary_en", "matching")},
            "nodes": graph["nodes"], "edges": graph["edges"],
            "evidence": {"nodes": {i: sorted({r for r in rs if r}) for i, rs in roles.items()
                                   if i in on_map},
                         "edges": evidence_edges},
            "withheld": withheld, "more": named["more"].get("EVIDENCE", 0)}


def paths_graph(connection, a: str, b: str, *, scope: Scope, every: bool = False,
                max_hops: int = 4, at: dt.date | str | None = None,
                types: Iterable[str] | None = None, limit: int = 25) -> dict:
    """The shortest paths (or, ``every``, all short paths) between two entities as a map.

    Returns ``{paths: [[edge ids]], nodes, edges, withheld}``; nodes on a path outside the
    scope are placeholders (``withheld`` counts them). Raises as ``shortest_paths``.
    """
    find = all_short_paths if every else shortest_paths
    found = find(connection, _key(a), _key(b), scope=scope, max_hops=max_hops, at=at,
                 types=types, limit=limit)
    token = secrets.token_hex(3)
    visible, hidden_nodes, edges, paths = [], {}, {}, []

    def end(summary: dict) -> str:
        if summary.get("withheld") or not summary.get("key"):
            node = placeholder(summary["label"], summary.get("ref") or "withheld", token)
            hidden_nodes[node["id"]] = node
            return node["id"]
        typed = node_id(summary["label"], summary["key"])
        visible.append(typed)
        return typed

    for steps in found:
        path = []
        for step in steps:
            left, right = end(step["from"]), end(step["to"])
            source, target = (left, right) if step["direction"] == "->" else (right, left)
            edge = make_edge(step["type"], source, target,
                             {**step["properties"], **step["provenance"]}, path=True)
            edges.setdefault(edge["id"], edge)
            path.append(edge["id"])
        paths.append(path)
    nodes = describe(connection, visible, scope=scope)
    return {"paths": paths, "nodes": [public(n) for n in nodes.values()]
            + list(hidden_nodes.values()), "edges": list(edges.values()),
            "withheld": len(hidden_nodes)}


def trail_graph(connection, source: str, target: str | None = None, *, scope: Scope,
                start: dt.date | str | None = None, window_days: int | None = 90,
                min_amount: float = 0.0, max_transfers: int = 3, limit: int = 50) -> dict:
    """Money trails (资金穿透) out of an account or holder as a map: accounts, holders and
    transfers (each transfer a ``Transaction`` node with its ``PAID`` and ``PAID_TO`` ties,
    which the page draws as one arrow labelled with amount and date).

    Returns ``{trails: [[{id, step, date, amount}]], nodes, edges, withheld}``; a transfer
    outside the scope is a ``TRANSFER`` tie between placeholders or accounts, with only
    its date and amount, as ``money_trails`` gives it.
    """
    found = money_trails(connection, _key(source), _key(target) if target else None,
                         scope=scope, start=start, window_days=window_days,
                         min_amount=min_amount, max_transfers=max_transfers, limit=limit)
    token = secrets.token_hex(3)
    visible, hidden_nodes, virtual, trails = [], {}, {}, []

    def account(transfer: dict, side: str) -> str:
        key = transfer[f"{side}_account"]
        if key:
            visible.append(node_id("Account", key))
            typed = node_id("Account", key)
        else:
            node = placeholder("Account", transfer.get(f"{side}_account_ref") or side, token)
            hidden_nodes[node["id"]] = node
            typed = node["id"]
        holder = transfer[f"{side}_holder"]
        if holder and holder.get("key") and not holder.get("withheld"):
            visible.append(node_id(holder["label"], holder["key"]))
        elif holder:
            node = placeholder(holder["label"], holder.get("ref") or f"{side}-holder", token)
            hidden_nodes[node["id"]] = node
            edge = make_edge("HELD_BY", typed, node["id"], {}, withheld=True)
            virtual[edge["id"]] = edge
        return typed

    for trail in found:
        steps = []
        for number, transfer in enumerate(trail, 1):
            payer, payee = account(transfer, "from"), account(transfer, "to")
            if transfer["txn_id"] and not transfer["withheld"]:
                typed = node_id("Transaction", transfer["txn_id"])
                visible.append(typed)
                for edge in ((make_edge("PAID", payer, typed, {}, withheld=True)
                              if payer in hidden_nodes else None),
                             (make_edge("PAID_TO", typed, payee, {}, withheld=True)
                              if payee in hidden_nodes else None)):
                    if edge:
                        virtual[edge["id"]] = edge
            else:
                edge = make_edge("TRANSFER", payer, payee,
                                 {"date": transfer["date"], "amount": transfer["amount"],
                                  "value": f"{token}-{len(virtual)}"}, withheld=True)
                virtual[edge["id"]] = edge
                typed = edge["id"]
            steps.append({"id": typed, "step": number, "date": transfer["date"],
                          "amount": transfer["amount"]})
        trails.append(steps)
    graph = entities_graph(connection, visible, scope=scope, hidden=False)
    known = {edge["id"] for edge in graph["edges"]}
    return {"trails": trails, "nodes": graph["nodes"] + list(hidden_nodes.values()),
            "edges": graph["edges"] + [e for i, e in virtual.items() if i not in known],
            "withheld": len(hidden_nodes) + sum(1 for e in virtual.values()
                                                if e["type"] == "TRANSFER")}

