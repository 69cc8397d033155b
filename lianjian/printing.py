"""How the CLI prints: tables of Chinese text that line up, and amounts written as amounts.

pandas pads columns by characters, so a column of Chinese names drifts (each character
takes two cells of a terminal), and it writes a large float as ``1.789e+09``. Every table
the commands print goes through ``print_table`` (a rich table, which measures the display
width of each character); money goes through ``yuan`` (exact, as an investigator checks it
against a voucher) or ``yuan_short`` (万 / 亿, for a summary line). Nothing here imports
pandas: a frame is read through its ``to_dict``.
"""
from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["out", "err", "yuan", "yuan_short", "number", "cell", "rows_of", "table",
           "print_table"]

# Piped or captured output is not wrapped at 80 columns: a table stays one line per row.
out = Console(width=None if sys.stdout.isatty() else 1000, highlight=False)
err = Console(stderr=True, highlight=False)

#: Columns holding money (yuan), besides any column whose name ends in ``amount``; a
#: column named ``share`` or ending in ``_share`` holds a fraction, printed as a percentage.
AMOUNT_COLUMNS = frozenset({"paid", "returned", "threshold", "registered_capital"})
YI, WAN = 100_000_000, 10_000


def yuan(value: Any) -> str:
    """An amount exactly, with thousands separators and two decimals (never 1.789e+09).

    >>> yuan(1_789_000_000)
    '1,789,000,000.00'
    >>> yuan(-1234.5)
    '-1,234.50'
    >>> yuan(None)
    ''
    """
    if _blank(value):
        return ""
    return f"{float(value):,.2f}"


def yuan_short(value: Any) -> str:
    """An amount in 亿 or 万 with two decimals, for summaries; under 10,000 yuan exactly.

    >>> yuan_short(1_789_000_000)
    '17.89 亿'
    >>> yuan_short(35_000)
    '3.50 万'
    >>> yuan_short(9_999.5)
    '9,999.50'
    >>> yuan_short(-250_000_000)
    '-2.50 亿'
    """
    if _blank(value):
        return ""
    amount = float(value)
    for size, word in ((YI, "亿"), (WAN, "万")):
        if abs(amount) >= size:
            return f"{amount / size:,.2f} {word}"
    return yuan(amount)


def number(value: Any) -> str:
    """A number as a person writes it: integers whole, others without an exponent.

    >>> number(3.0), number(0.35), number(1e-05), number(12345678.9), number(7)
    ('3', '0.35', '0.00001', '12345678.9', '7')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or value.is_integer():
        return f"{value:.0f}"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def cell(value: Any, column: str = "") -> str:
    """One table cell: empty for a missing value, money and shares by the column's name.

    >>> cell(1.789e9, "amount"), cell(0.125, "amount_share"), cell(True), cell(float("nan"))
    ('1,789,000,000.00', '12.5%', '是', '')
    >>> cell(dt.date(2021, 3, 1)), cell(["宏达", "恒通"]), cell(42.0, "total"), cell(80, "share_pct")
    ('2021-03-01', '宏达、恒通', '42', '80')
    """
    if _blank(value):
        return ""
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):
        value = value.item()           # numpy scalars
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        if column in AMOUNT_COLUMNS or column.endswith("amount"):
            return yuan(value)
        if column == "share" or column.endswith("_share"):
            return f"{value:.1%}"
        return number(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "iso_format"):   # neo4j.time values
        return value.iso_format()
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(cell(item) for item in value)
    return str(value)


def rows_of(data: Any) -> list[dict]:
    """Rows as dicts, from a list of mappings or a pandas DataFrame (without importing it).

    >>> rows_of([{"a": 1}])
    [{'a': 1}]
    """
    if data is None:
        return []
    if hasattr(data, "to_dict"):
        return data.to_dict("records")
    return [dict(row) for row in data]


def table(rows: Iterable[Mapping], columns: Sequence[str] | None = None,
          title: str | None = None) -> Table:
    """A rich table of ``columns`` (those the rows have; default all), numbers on the right.

    >>> Console(width=60).print(table([{"name": "宏达建筑有限公司", "amount": 1.789e9},
    ...                                {"name": "abc", "amount": 12}], ["name", "amount"]))
    ┏━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━┓
    ┃ name             ┃           amount ┃
    ┡━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━┩
    │ 宏达建筑有限公司 │ 1,789,000,000.00 │
    │ abc              │            12.00 │
    └──────────────────┴──────────────────┘
    """
    rows = list(rows)
    present = {key for row in rows for key in row}
    columns = [column for column in (columns or list(dict.fromkeys(
        key for row in rows for key in row))) if column in present or not rows]
    shown = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        numeric = all(isinstance(row.get(column), (int, float)) or _blank(row.get(column))
                      for row in rows)
        shown.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        shown.add_row(*(cell(row.get(column), column) for column in columns))
    return shown


def print_table(title: str, data: Any, columns: Sequence[str] | None = None,
                total: int | None = None, withheld: int = 0,
                console: Console | None = None) -> None:
    """Print ``title (n)`` then the table, or "none" when there is no row.

    ``total`` (when more rows exist than are printed) and ``withheld`` (rows outside the
    reader's jurisdiction, counted, never named) make the title say what is not shown.
    """
    console = console or out
    rows = rows_of(data)
    shown = f"{len(rows)}" if total is None or total == len(rows) else f"{len(rows)} of {total}"
    note = f", {withheld} outside your jurisdiction" if withheld else ""
    console.print(f"\n[bold]{escape(title)}[/bold] ({shown}{note})")
    if not rows:
        console.print("  none")
        return
    console.print(table(rows, columns))


def _blank(value: Any) -> bool:
    """None, NaN, pandas' NA and NaT: a value no source gave."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)    # NaT; pd.NA raises TypeError
    except (TypeError, ValueError):
        return type(value).__name__ in ("NAType", "NaTType")
