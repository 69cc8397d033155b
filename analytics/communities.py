"""Communities and brokers (关系圈与中间人) on a bounded projection of the graph.

Collusion needs a circle: officials, their relatives, the companies those relatives hold,
and the units that buy from them. Here the people, companies and units around a seed (an
entity, or a unit and its officials) are pulled out of Neo4j as a small ``networkx`` graph
— kinship, company roles, posts, contracts (unit–supplier) and transfers (payer–payee
holders) — capped at ``max_nodes``. Louvain or label propagation finds the circles;
betweenness finds the brokers who connect otherwise separate ones.

Every result is a lead, not an accusation (线索，不是定性): a circle is where to look,
and only the records behind its ties say whether anything is wrong.

Seeds must be in the reader's scope; neighbours outside it are left out of the projection
inside the query and only counted (``graph.graph["withheld"]``).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import networkx as nx
import pandas as pd

from analytics.access import in_scope
from analytics.plain import plain
from analytics.queries import EntityNotFound, as_date, resolve_entity, valid_at
from analytics.scope import Scope

__all__ = [
    "LEAD_WORDING",
    "PROJECTED_TIES",
    "OFFICIAL_FLAGS",
    "UNIT_SEEDS",
    "neighbourhood_graph",
    "detect_communities",
    "broker_scores",
    "community_leads",
    "network_html",
]

LEAD_WORDING = "lead, not an accusation (线索，不是定性)"

# Ties of the projection around the given nodes, each with its neighbour's label, key and
# name. Contracts become unit–supplier ties and transfers payer–payee ties (count, amount).
PROJECTED_TIES = """
UNWIND $element_ids AS element_id
MATCH (n) WHERE elementId(n) = element_id
CALL {
  WITH n MATCH (n)-[r:HAS_RELATIVE|HOLDS_ROLE|HOLDS_POSITION]-(m)
  WHERE (m:Person OR m:Company OR m:Unit)
    AND ($at IS NULL OR (""" + valid_at("r", "$at") + """))
  RETURN m, type(r) AS kind, count(r) AS count, 0.0 AS amount
  UNION ALL
  WITH n MATCH (n)<-[:BUYER|SUPPLIER]-(contract:Contract)-[:BUYER|SUPPLIER]->(m) WHERE m <> n
    AND ($at IS NULL OR contract.signed_date <= $at)
  RETURN m, 'CONTRACT' AS kind, count(contract) AS count,
         sum(coalesce(contract.amount, 0.0)) AS amount
  UNION ALL
  WITH n MATCH (n)<-[:HELD_BY]-(:Account)-[:PAID]->(txn:Transaction)-[:PAID_TO]->(:Account)
               -[:HELD_BY]->(m) WHERE m <> n AND ($at IS NULL OR txn.date <= $at)
  RETURN m, 'PAYMENT_OUT' AS kind, count(txn) AS count, sum(coalesce(txn.amount, 0.0)) AS amount
  UNION ALL
  WITH n MATCH (n)<-[:HELD_BY]-(:Account)<-[:PAID_TO]-(txn:Transaction)<-[:PAID]-(:Account)
               -[:HELD_BY]->(m) WHERE m <> n AND ($at IS NULL OR txn.date <= $at)
  RETURN m, 'PAYMENT_IN' AS kind, count(txn) AS count, sum(coalesce(txn.amount, 0.0)) AS amount
}
WITH element_id, m, kind, count, amount,
     CASE WHEN m:Person THEN {person} WHEN m:Company THEN {company}
          ELSE {unit} END AS visible
RETURN element_id AS source, CASE WHEN visible THEN elementId(m) END AS target, kind, count,
       amount, CASE WHEN visible THEN
         {label: head(labels(m)), key: coalesce(m.id_number, m.credit_code, m.unit_id),
          name: m.name, official: EXISTS { (m)-[:HOLDS_POSITION]->(:Unit) }} END AS neighbour
LIMIT $limit
""".replace("{person}", in_scope("Person", "m")).replace(
    "{company}", in_scope("Company", "m")).replace("{unit}", in_scope("Unit", "m"))

# Whether the given nodes hold or held a post (officials are drawn and counted apart).
OFFICIAL_FLAGS = """
UNWIND $element_ids AS element_id
MATCH (n) WHERE elementId(n) = element_id
RETURN element_id, EXISTS { (n)-[:HOLDS_POSITION]->(:Unit) } AS official
"""

# A unit, its subunits, and everyone who held a post in them (the unit in scope).
UNIT_SEEDS = """
MATCH (root:Unit {unit_id: $unit_id}) WHERE $in_scope
OPTIONAL MATCH (sub:Unit)-[:PART_OF*1..12]->(root)
WITH root, collect(DISTINCT sub) AS subs
UNWIND [root] + subs AS unit
OPTIONAL MATCH (person:Person)-[:HOLDS_POSITION]->(unit)
WITH collect(DISTINCT unit) AS units, collect(DISTINCT person) AS persons
UNWIND units + persons AS seed
RETURN elementId(seed) AS element_id,
       {label: head(labels(seed)), key: coalesce(seed.id_number, seed.unit_id),
        name: seed.name, official: seed:Person} AS node
LIMIT $limit
""".replace("$in_scope", in_scope("Unit", "root"))


def neighbourhood_graph(connection, keys: Iterable[str] = (), unit_id: str | None = None, *,
                        scope: Scope, hops: int = 2, max_nodes: int = 300,
                        at: dt.date | None = None, limit: int = 20000) -> nx.Graph:
    """Pull the people, companies and units around some seeds into a networkx graph.

    Parameters
    ----------
    connection : graph.connection.Connection
    keys : iterable of str
        Seed entities by key (id_number, credit_code, unit_id).
    unit_id : str, optional
        Seed with a unit, its subunits and everyone who held a post in them.
    scope : analytics.scope.Scope
        The reader's jurisdiction: seeds must be in it; neighbours outside it are left out
        and counted in ``graph.graph["withheld"]``.
    hops : int
        Rings of neighbours added around the seeds (breadth first).
    max_nodes : int
        Cap on nodes: once reached, no new node is added (ties among those present still
        are).
    at : date, optional
        Only ties valid at that date, contracts signed and transfers made by then.
    limit : int
        Most ties read per ring.

    Returns
    -------
    networkx.Graph
        Nodes keyed by entity key with ``label``, ``name``, ``official`` and ``seed``;
        edges with ``kinds`` (set of HAS_RELATIVE, HOLDS_ROLE, HOLDS_POSITION, CONTRACT,
        PAYMENT), ``weight`` (number of underlying ties) and ``amount`` (yuan);
        ``graph.graph["withheld"]`` counts ties to neighbours outside the scope and
        ``graph.graph["capped"]`` says whether ``max_nodes`` stopped the growth.

    Raises
    ------
    analytics.queries.EntityNotFound
        When a seed key or the unit is not in scope (or does not exist).
    """
    graph = nx.Graph(withheld=0, capped=False)
    element_of: dict[str, str] = {}
    seen: set = set()
    frontier = []
    for key in keys:
        entity = resolve_entity(connection, key, scope=scope)
        graph.add_node(entity["key"], label=entity["label"], name=entity["name"],
                       official=False, seed=True)
        element_of[entity["element_id"]] = entity["key"]
        frontier.append(entity["element_id"])
    for row in connection.read(OFFICIAL_FLAGS, element_ids=frontier):
        graph.nodes[element_of[row["element_id"]]]["official"] = row["official"]
    if unit_id is not None:
        seeds = connection.read(UNIT_SEEDS, unit_id=unit_id, limit=max_nodes, **scope.parameters())
        if not seeds:
            raise EntityNotFound(f"no unit you may see has unit_id {unit_id!r}")
        for row in seeds:
            node = row["node"]
            graph.add_node(node["key"], label=node["label"], name=node["name"],
                           official=node["official"], seed=True)
            element_of[row["element_id"]] = node["key"]
            frontier.append(row["element_id"])
    for _ in range(int(hops)):
        if not frontier:
            break
        rows = plain(connection.read(PROJECTED_TIES, element_ids=frontier, at=as_date(at),
                                     limit=int(limit), **scope.parameters()))
        frontier = []
        for row in rows:
            neighbour = row["neighbour"]
            if neighbour is None:
                graph.graph["withheld"] += 1
                continue
            if row["target"] not in element_of:
                if graph.number_of_nodes() >= max_nodes:
                    graph.graph["capped"] = True
                    continue
                element_of[row["target"]] = neighbour["key"]
                graph.add_node(neighbour["key"], label=neighbour["label"],
                               name=neighbour["name"], official=neighbour["official"],
                               seed=False)
                frontier.append(row["target"])
            _add_tie(graph, seen, element_of[row["source"]], neighbour["key"], row)
    return graph


def _add_tie(graph: nx.Graph, seen: set, source: str, target: str, row: dict) -> None:
    """Add a projected tie once, though it is read from both of its ends."""
    kind = row["kind"]
    payer = source if kind == "PAYMENT_OUT" else target if kind == "PAYMENT_IN" else None
    kind = "PAYMENT" if payer is not None else kind
    identity = (frozenset((source, target)), kind, payer)
    if identity in seen:
        return
    seen.add(identity)
    if not graph.has_edge(source, target):
        graph.add_edge(source, target, kinds=set(), weight=0, amount=0.0)
    data = graph.edges[source, target]
    data["kinds"].add(kind)
    data["weight"] += row["count"]
    data["amount"] += row["amount"] or 0.0


def detect_communities(graph: nx.Graph, method: str = "louvain", seed: int = 7,
                       resolution: float = 1.0) -> list[frozenset]:
    """Communities of the graph, largest first (ties weighted by their count).

    ``method`` is ``"louvain"`` (modularity, ``resolution`` > 1 gives smaller circles) or
    ``"label_propagation"``; ``seed`` fixes the result.

    >>> graph = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
    >>> [sorted(c) for c in detect_communities(graph)]
    [[1, 2, 3], [4, 5, 6]]
    """
    if graph.number_of_nodes() == 0:
        return []
    if method == "louvain":
        found = nx.community.louvain_communities(graph, weight="weight", seed=seed,
                                                 resolution=resolution)
    elif method == "label_propagation":
        found = nx.community.asyn_lpa_communities(graph, weight="weight", seed=seed)
    else:
        raise ValueError(f"unknown method {method!r}: use 'louvain' or 'label_propagation'")
    return sorted((frozenset(c) for c in found), key=lambda c: (-len(c), sorted(map(str, c))))


def _membership(communities: Iterable[Iterable]) -> dict:
    return {node: index for index, members in enumerate(communities) for node in members}


def broker_scores(graph: nx.Graph, communities: Iterable[Iterable] | None = None,
                  top: int = 20, seed: int = 7, sample: int = 500) -> pd.DataFrame:
    """Brokers: who lies on the most shortest paths between others (betweenness).

    A high betweenness with neighbours in several communities marks someone who connects
    circles — a relative between an official and a company, a company passing money on.

    >>> graph = nx.Graph([(1, 2), (2, 3), (3, 4), (3, 5)])
    >>> top = broker_scores(graph, top=1).iloc[0]
    >>> int(top["key"]), round(float(top["betweenness"]), 3), int(top["degree"])
    (3, 0.833, 3)
    """
    if graph.number_of_nodes() == 0:
        return pd.DataFrame(columns=["key", "label", "name", "betweenness", "degree",
                                     "communities_bridged", "note"])
    k = sample if graph.number_of_nodes() > sample else None
    scores = nx.betweenness_centrality(graph, k=k, seed=seed)
    membership = _membership(communities) if communities is not None else {}
    rows = []
    for node, score in scores.items():
        bridged = {membership.get(n) for n in graph.neighbors(node)} - {membership.get(node)}
        attributes = graph.nodes[node]
        rows.append({"key": node, "label": attributes.get("label"),
                     "name": attributes.get("name"), "betweenness": score,
                     "degree": graph.degree(node),
                     "communities_bridged": len(bridged - {None}), "note": LEAD_WORDING})
    frame = pd.DataFrame(rows).sort_values(["betweenness", "degree"], ascending=False)
    return frame.head(top).reset_index(drop=True)


def community_leads(graph: nx.Graph, communities: Iterable[Iterable]) -> pd.DataFrame:
    """Describe each community as a lead, strongest first.

    A community is stronger when it holds both public power (officials or units) and
    business (companies) and money moves inside it: ``inside_amount`` sums the contracts
    and transfers between its members.

    >>> graph = nx.Graph()
    >>> graph.add_node("U1", label="Unit", name="交通局", official=False)
    >>> graph.add_node("C1", label="Company", name="宏达公司", official=False)
    >>> graph.add_edge("U1", "C1", kinds={"CONTRACT"}, weight=2, amount=5e6)
    >>> lead = community_leads(graph, [{"U1", "C1"}]).loc[0, "lead"]
    >>> lead.startswith("Community 0: 0 official(s), 1 company(ies), 1 unit(s), 5,000,000 yuan")
    True
    """
    rows = []
    for index, members in enumerate(communities):
        members = set(members)
        labels = [graph.nodes[n].get("label") for n in members]
        officials = sum(bool(graph.nodes[n].get("official")) for n in members)
        inside = graph.subgraph(members)
        amount = sum(data.get("amount", 0.0) for _, _, data in inside.edges(data=True))
        companies, units = labels.count("Company"), labels.count("Unit")
        mixes = bool(companies and (officials or units))
        names = sorted(str(graph.nodes[n].get("name") or n) for n in members)
        rows.append({
            "community": index, "size": len(members), "officials": officials,
            "persons": labels.count("Person"), "companies": companies, "units": units,
            "inside_amount": float(amount), "mixes_power_and_business": mixes,
            "members": names,
            "lead": (f"Community {index}: {officials} official(s), {companies} company(ies), "
                     f"{units} unit(s), {amount:,.0f} yuan moving inside — {LEAD_WORDING}"),
        })
    frame = pd.DataFrame(rows, columns=["community", "size", "officials", "persons",
                                        "companies", "units", "inside_amount",
                                        "mixes_power_and_business", "members", "lead"])
    return frame.sort_values(["mixes_power_and_business", "inside_amount", "size"],
                             ascending=False).reset_index(drop=True)


_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac"]
_SHAPES = {"Person": "dot", "Company": "square", "Unit": "triangle"}
_REMOTE_TAG = re.compile(r"<(link|script)\b[^>]*\b(?:href|src)=\"https?://[^\"]*\"[^>]*>"
                         r"(?:\s*</script>)?", re.IGNORECASE | re.DOTALL)


def network_html(graph: nx.Graph, communities: Iterable[Iterable] | None = None,
                 height: str = "600px") -> str:
    """A self-contained interactive picture (pyvis) of the graph: no CDN, no network.

    Nodes are coloured by community and shaped by label (officials drawn with a thick
    border); works for the graphs of ``neighbourhood_graph``, ``paths.paths_graph`` and
    ``paths.money_graph``. The vis-network script is inlined and pyvis's remote
    stylesheet and script tags are removed.

    >>> html = network_html(nx.Graph([("a", "b")]))
    >>> "vis.Network" in html, 'src="http' in html or 'href="http' in html
    (True, False)
    """
    from pyvis.network import Network

    membership = _membership(communities) if communities is not None else {}
    network = Network(height=height, width="100%", cdn_resources="in_line",
                      directed=graph.is_directed())
    for node, data in graph.nodes(data=True):
        group = membership.get(node)
        network.add_node(str(node), label=str(data.get("name") or node),
                         title=f"{data.get('label', '')} {node}",
                         shape=_SHAPES.get(data.get("label"), "dot"),
                         color=_COLOURS[group % len(_COLOURS)] if group is not None else "#999",
                         borderWidth=3 if data.get("official") else 1)
    edges = (graph.edges(keys=True, data=True) if graph.is_multigraph()
             else ((source, target, None, data) for source, target, data in graph.edges(data=True)))
    for source, target, key, data in edges:
        kinds = data.get("kinds") or {key or ""}
        amount = data.get("amount") or 0.0
        title = ", ".join(sorted(map(str, kinds))) + (f" {amount:,.0f}" if amount else "")
        network.add_edge(str(source), str(target), title=title,
                         value=float(data.get("weight", 1)))
    return _REMOTE_TAG.sub("", network.generate_html(notebook=False))
