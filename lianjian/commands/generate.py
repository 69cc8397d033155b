"""``lianjian generate``: a synthetic county (合成县域数据) with planted cases and truth.csv.

The generator is the ``synthetic`` package, imported only when the command runs.
"""
from __future__ import annotations

from pathlib import Path

import typer

from lianjian.printing import err, print_table

__all__ = ["generate_dataset"]


def generate_dataset(
    scale: str = typer.Option("county", help="town | county | province-slice"),
    seed: int = typer.Option(1, help="Random seed: the same seed writes the same dataset"),
    out: Path = typer.Option(..., "--out", help="Folder to write the tables and truth.csv into"),
) -> None:
    """Write a realistic county dataset with planted cases of all ten rules (truth.csv)."""
    if scale not in ("town", "county", "province-slice"):
        raise typer.BadParameter("--scale must be town, county or province-slice")
    from synthetic import generate

    summary = generate(scale=scale, seed=seed, out_dir=out)
    err.print(f"wrote {out} ({scale}, seed {seed})")
    print_table("Tables 数据表", [{"table": table, "rows": rows}
                                  for table, rows in summary.tables.items()],
                console=err)
    print_table("Planted cases 植入案例", [{"rule": rule, "cases": count}
                                          for rule, count in summary.cases.items()],
                console=err)
