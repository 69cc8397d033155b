"""Communities and brokers on a bounded projection around an official or a unit.

Partitions are checked against graphs whose circles are known (two cliques joined by one
bridge; a heavy tie that must win over topology), and on the county against what the story
says: the family's company sits with the family, apart from the unrelated supplier.
"""
from __future__ import annotations

import re

import networkx as nx
import pytest
from explore_fixture import (ANDA, CONSULTANCY, FORMER_CLERK, HONGDA, OFFICIAL,
                             SPOUSE, SPOUSE_SIBLING, TOWNSHIP_HEAD, county)

from analytics.communities import (LEAD_WORDING, broker_scores, community_leads,
                                   detect_communities, neighbourhood_graph, network_html)
from analytics.queries import EntityNotFound
from analytics.scope import Scope

__all__ = ["county"]
ALL = Scope.everything()


def two_circles() -> nx.Graph:
    """An official's circle (a1..a4: official, spouse, company, unit) and a stranger's
    (b1..b4), each a clique, joined by the one tie a1–b1."""
    graph = nx.Graph()
    labels = {"1": ("Person", True), "2": ("Person", False), "3": ("Company", False),
              "4": ("Unit", False)}
    for side in "ab":
        for index, (label, official) in labels.items():
            graph.add_node(side + index, label=label, name=side + index,
                           official=official and side == "a")
        for i in "1234":
            for j in "1234":
                if i < j:
                    graph.add_edge(side + i, side + j, weight=1, amount=0.0, kinds={"TIE"})
    graph.edges["a3", "a4"]["amount"] = 1_000_000.0  # the unit pays the family's company
    graph.add_edge("a1", "b1", weight=1, amount=0.0, kinds={"TIE"})
    return graph


@pytest.fixture(scope="module")
def around_official(county):
    return neighbourhood_graph(county, keys=[OFFICIAL], scope=ALL, hops=3)


def test_projection_links_family_companies_units_and_money(around_official):
    graph = around_official
    assert graph.nodes[OFFICIAL]["seed"] and graph.nodes[OFFICIAL]["official"]
    assert {SPOUSE, SPOUSE_SIBLING, HONGDA, "U1"} <= set(graph)
    holder = graph.edges[SPOUSE_SIBLING, HONGDA]
    # shareholder + registered legal representative, and one transfer TX2 — read once
    # although the tie is seen from both of its ends.
    assert holder["kinds"] == {"HOLDS_ROLE", "PAYMENT"} and holder["weight"] == 3
    assert holder["amount"] == 200_000.0
    supply = graph.edges["U1", HONGDA]
    assert supply["kinds"] == {"CONTRACT", "PAYMENT"}
    assert supply["amount"] == 3_500_000 + 1_900_000 + 3_500_000  # K1, K2 and TX1
    assert graph.edges[OFFICIAL, SPOUSE]["weight"] == 1
    assert graph.graph == {"withheld": 0, "capped": False}


def test_projection_is_capped_and_says_so(county):
    graph = neighbourhood_graph(county, keys=[OFFICIAL], scope=ALL, hops=3, max_nodes=5)
    assert graph.number_of_nodes() == 5 and graph.graph["capped"]
    assert graph.nodes[OFFICIAL]["seed"]


def test_unit_seeds_are_the_unit_tree_and_its_officials(county):
    graph = neighbourhood_graph(county, unit_id="C0", scope=ALL, hops=0)
    assert set(graph) == {"C0", "U1", "U2", "V1", OFFICIAL, FORMER_CLERK, TOWNSHIP_HEAD}
    assert graph.number_of_edges() == 0
    grown = neighbourhood_graph(county, unit_id="U1", scope=ALL, hops=1)
    assert {HONGDA, CONSULTANCY} <= set(grown)


def test_neighbours_outside_the_scope_are_left_out_and_counted(county):
    township = Scope(("U2",), ("U2", "V1"))
    graph = neighbourhood_graph(county, keys=[TOWNSHIP_HEAD], scope=township, hops=1)
    # 己's ties: the township (in), 安达 (a supplier of the township: in), and nothing else.
    assert set(graph) == {TOWNSHIP_HEAD, "U2", ANDA}
    around = neighbourhood_graph(county, keys=[OFFICIAL], scope=township, hops=1)
    assert "U1" not in around and around.graph["withheld"] >= 1  # his current bureau
    with pytest.raises(EntityNotFound):
        neighbourhood_graph(county, unit_id="U1", scope=township, hops=0)
    with pytest.raises(EntityNotFound):
        neighbourhood_graph(county, keys=[CONSULTANCY], scope=township)


def test_two_cliques_joined_by_a_bridge_are_two_communities():
    graph = two_circles()
    expected = [frozenset({"a1", "a2", "a3", "a4"}), frozenset({"b1", "b2", "b3", "b4"})]
    assert detect_communities(graph) == expected
    assert detect_communities(graph, method="label_propagation") == expected
    with pytest.raises(ValueError, match="unknown method"):
        detect_communities(graph, method="girvan")


def test_a_heavy_tie_outweighs_topology():
    # One transfer between a2 and b2 changes nothing; a hundred put them in one circle.
    for weight, together in ((1, False), (100, True)):
        graph = two_circles()
        graph.add_edge("a2", "b2", weight=weight, amount=0.0, kinds={"PAYMENT"})
        membership = {node: index for index, members in enumerate(detect_communities(graph))
                      for node in members}
        assert (membership["a2"] == membership["b2"]) is together, weight


def test_the_family_company_sits_with_the_family_not_with_the_unrelated_supplier(
        around_official):
    first = detect_communities(around_official)
    assert first == detect_communities(around_official)  # the seed fixes the result
    membership = {node: index for index, members in enumerate(first) for node in members}
    assert membership[SPOUSE_SIBLING] == membership[HONGDA] == membership[SPOUSE]
    assert membership[HONGDA] != membership[ANDA]


def test_the_bridge_is_the_broker():
    graph = two_circles()
    communities = detect_communities(graph)
    brokers = broker_scores(graph, communities, top=8).set_index("key")
    # a1 lies on every shortest path from a2..a4 to the 4 b's: 12 of C(7,2)=21 pairs.
    assert brokers.loc["a1", "betweenness"] == pytest.approx(12 / 21)
    assert brokers.loc["b1", "betweenness"] == pytest.approx(12 / 21)
    assert brokers.loc["a2", "betweenness"] == 0.0
    assert brokers.index[:2].tolist() == ["a1", "b1"]
    assert brokers.loc["a1", "communities_bridged"] == 1
    assert brokers.loc["a2", "communities_bridged"] == 0
    assert set(brokers["note"]) == {LEAD_WORDING}


def test_leads_describe_each_circle_and_put_power_with_business_first():
    graph = two_circles()
    graph.nodes["b1"]["official"] = False
    leads = community_leads(graph, detect_communities(graph))
    official_circle = leads.iloc[0]
    assert official_circle["members"] == ["a1", "a2", "a3", "a4"]
    assert official_circle[["officials", "persons", "companies", "units"]].tolist() == [1, 2, 1, 1]
    assert official_circle["inside_amount"] == 1_000_000.0
    assert official_circle["mixes_power_and_business"]
    # b's circle has a company and a unit but no official: it still mixes, with no money.
    assert leads.iloc[1]["inside_amount"] == 0.0
    assert all(lead.endswith(LEAD_WORDING) for lead in leads["lead"])


def test_network_picture_needs_no_network(around_official):
    html = network_html(around_official, detect_communities(around_official))
    assert HONGDA in html and "vis.Network" in html
    assert not re.search(r"(src|href)=\"https?://", html)
