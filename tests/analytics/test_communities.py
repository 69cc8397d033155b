"""Communities and brokers on a bounded projection around an official or a unit."""
from __future__ import annotations

import re

import pytest
from explore_fixture import (CONSULTANCY, FORMER_CLERK, HONGDA, OFFICIAL, SPOUSE,
                             SPOUSE_SIBLING, county)

from analytics.communities import (LEAD_WORDING, broker_scores, community_leads,
                                   detect_communities, neighbourhood_graph, network_html)

__all__ = ["county"]


@pytest.fixture(scope="module")
def around_official(county):
    return neighbourhood_graph(county, keys=[OFFICIAL], hops=3)


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


def test_projection_is_capped(county):
    graph = neighbourhood_graph(county, keys=[OFFICIAL], hops=3, max_nodes=5)
    assert graph.number_of_nodes() == 5
    assert graph.nodes[OFFICIAL]["seed"]


def test_unit_seeds_are_the_unit_tree_and_its_officials(county):
    graph = neighbourhood_graph(county, unit_id="C0", hops=0)
    assert set(graph) == {"C0", "U1", "U2", "V1", OFFICIAL, FORMER_CLERK,
                          [n for n, d in graph.nodes(data=True) if d["name"] == "己"][0]}
    assert graph.number_of_edges() == 0
    grown = neighbourhood_graph(county, unit_id="U1", hops=1)
    assert {HONGDA, CONSULTANCY} <= set(grown)


def test_communities_are_deterministic_and_group_the_family_company(around_official):
    first = detect_communities(around_official)
    assert first == detect_communities(around_official)
    membership = {node: index for index, members in enumerate(first) for node in members}
    assert membership[SPOUSE_SIBLING] == membership[HONGDA] == membership[SPOUSE]
    assert sum(len(members) for members in first) == around_official.number_of_nodes()
    by_propagation = detect_communities(around_official, method="label_propagation")
    assert sum(len(members) for members in by_propagation) == around_official.number_of_nodes()
    with pytest.raises(ValueError, match="unknown method"):
        detect_communities(around_official, method="girvan")


def test_brokers_and_leads_are_worded_as_leads(around_official):
    communities = detect_communities(around_official)
    brokers = broker_scores(around_official, communities, top=5)
    assert len(brokers) == 5 and brokers["betweenness"].is_monotonic_decreasing
    assert set(brokers["note"]) == {LEAD_WORDING}
    assert brokers["communities_bridged"].max() >= 1
    leads = community_leads(around_official, communities)
    assert leads["size"].sum() == around_official.number_of_nodes()
    assert all(LEAD_WORDING in lead for lead in leads["lead"])
    assert leads["mixes_power_and_business"].iloc[0]


def test_network_picture_needs_no_network(around_official):
    html = network_html(around_official, detect_communities(around_official))
    assert HONGDA in html and "vis.Network" in html
    assert not re.search(r"(src|href)=\"https?://", html)
