"""Dataset sizes. Counts are per county; a province slice is four counties of one city."""
from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["SCALES", "Scale"]


@dataclass(frozen=True)
class Scale:
    name: str
    counties: tuple[str, ...]
    townships: int
    villages: int  # per township
    bureaus: int
    party_departments: int
    schools: int
    hospitals: int
    institutions: int
    soes: int
    staff_factor: float  # share of the usual staff of each unit
    persons: int
    companies: int
    contracts: int
    transactions: int
    subsidies: int
    complaints: int
    cases_per_rule: int  # 0: each variant of each rule once
    lookalike_repeats: int  # each kind of innocent look-alike, this many times


_COUNTY = Scale(
    name="county", counties=("610323",), townships=12, villages=15, bureaus=22,
    party_departments=5, schools=30, hospitals=14, institutions=4, soes=5, staff_factor=0.85,
    persons=15_000,
    companies=4_000, contracts=15_000, transactions=60_000, subsidies=40_000,
    complaints=400, cases_per_rule=12, lookalike_repeats=2)

SCALES = {
    "town": replace(
        _COUNTY, name="town", townships=2, villages=6, bureaus=5, party_departments=1,
        schools=3, hospitals=2, institutions=1, soes=1, staff_factor=0.35, persons=1_500,
        companies=400, contracts=1_500, transactions=6_000, subsidies=4_000, complaints=40,
        cases_per_rule=0, lookalike_repeats=1),
    "county": _COUNTY,
    "province-slice": replace(
        _COUNTY, name="province-slice", counties=("610323", "610324", "610326", "610327"),
        cases_per_rule=40, lookalike_repeats=4),
}
