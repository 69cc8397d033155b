"""Planting (案例植入): cases of all ten rules, and innocent look-alikes around them.

Each rule has variants that together cover every clause of its definition in
shared/spec/rules.md, and look-alikes that miss the definition by one condition. Variants
are planted in turn until the scale's number of cases per rule is reached.
"""
from __future__ import annotations

from synthetic.cases import benefits, contracts, holdings, kickbacks, tenders
from synthetic.cases.kit import Kit
from synthetic.procurement import Procurement
from synthetic.world import World

__all__ = ["PATTERNS", "plant_cases"]

PATTERNS = ("relative_supplier", "official_business", "subsidy_ineligible", "self_approval",
            "bid_splitting", "bid_rigging", "kickback_flow", "shell_company",
            "ghost_beneficiary", "revolving_door")


def _catalogue(attribute: str) -> dict[str, list]:
    merged: dict[str, list] = {pattern: [] for pattern in PATTERNS}
    for module in (holdings, benefits, contracts, tenders, kickbacks):
        for pattern, functions in getattr(module, attribute).items():
            merged[pattern].extend(functions)
    return merged


VARIANTS = _catalogue("VARIANTS")
LOOKALIKES = _catalogue("LOOKALIKES")


def plant_cases(world: World, procurement: Procurement, scale) -> None:
    """Plant every rule's cases and look-alikes; counties take turns in a province slice."""
    kit = Kit(world, procurement)
    turn = 0
    for pattern in PATTERNS:
        variants = VARIANTS[pattern]
        for index in range(scale.cases_per_rule or len(variants)):
            kit.county = world.counties[turn % len(world.counties)]
            turn += 1
            variants[index % len(variants)](kit)
        for lookalike in LOOKALIKES[pattern]:
            for _ in range(scale.lookalike_repeats):
                kit.county = world.counties[turn % len(world.counties)]
                turn += 1
                lookalike(kit)
