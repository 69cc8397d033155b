"""Heap and page cache of the local Neo4j, sized for the machine it runs on.

The rule is Neo4j's own (``neo4j-admin server memory-recommendation``, class
``MemoryRecommendationsCommand`` of 5.26): a table of memory sizes with the share the
operating system keeps and the heap, interpolated linearly between its rows; the page cache
gets the rest. The one difference is the memory the rule is given: Neo4j takes the machine's
total, which suits a server that has the machine to itself; Lianjian also runs on an
investigator's workstation beside a browser, so it takes the memory *available* when the
server starts (``MemAvailable``), never more than the total. On a dedicated server the two
are nearly the same and so is the result. ``LIANJIAN_HEAP`` / ``LIANJIAN_PAGECACHE``
(``heap`` / ``pagecache`` in lianjian.toml) override either value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from graph.errors import SetupError

GIB = 1 << 30
MIB = 1 << 20

# (total GiB, operating system GiB, heap GiB): Neo4j 5.26's data points.
BRACKETS = (
    (0.01, 0.007, 0.002), (1.0, 0.65, 0.3), (2.0, 1.0, 0.5), (4.0, 1.5, 2.0),
    (6.0, 2.0, 3.0), (8.0, 2.5, 3.5), (10.0, 3.0, 4.0), (12.0, 3.5, 4.5), (16.0, 4.0, 5.0),
    (24.0, 6.0, 8.0), (32.0, 8.0, 12.0), (64.0, 12.0, 24.0), (128.0, 16.0, 31.0),
    (256.0, 20.0, 31.0), (512.0, 24.0, 31.0), (1024.0, 30.0, 31.0),
)
MIN_PAGECACHE = 8 * MIB
MAX_PAGECACHE = 16 << 40


@dataclass(frozen=True)
class MemoryPlan:
    """What the server is given and why (printed by ``lianjian db status``)."""

    heap: str
    pagecache: str
    reason: str


def _interpolate(total_bytes: int, column: int) -> int:
    total = total_bytes / GIB
    lower = upper = BRACKETS[-1]
    for previous, current in zip(BRACKETS, BRACKETS[1:]):
        if total < current[0]:
            lower, upper = previous, current
            break
    if upper is lower:
        value = lower[column]
    else:
        factor = (total - lower[0]) / (upper[0] - lower[0])
        value = lower[column] + (upper[column] - lower[column]) * factor
    return int(value * GIB)


def recommend(total_bytes: int) -> tuple[int, int]:
    """(heap, page cache) in bytes for ``total_bytes`` of memory, by Neo4j's rule."""
    os_share = _interpolate(total_bytes, 1)
    heap = _interpolate(total_bytes, 2)
    pagecache = min(max(total_bytes - os_share - heap, MIN_PAGECACHE), MAX_PAGECACHE)
    return heap, pagecache


def to_bytes(size: str) -> int:
    """``512m``/``1g``/``2048k``/bytes as bytes; one line naming the value otherwise."""
    match = re.fullmatch(r"(\d+)([kmgKMG]?)", size.strip())
    if not match:
        raise SetupError(f"memory size {size!r} is not like 512m or 1g")
    return int(match.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[match.group(2).lower()]


def to_size(n_bytes: int) -> str:
    """Whole mebibytes as Neo4j and the JVM read them (``7833m``)."""
    return f"{max(n_bytes // MIB, 1)}m"


def machine_memory(meminfo: Path = Path("/proc/meminfo")) -> tuple[int, int] | None:
    """(MemTotal, MemAvailable) in bytes, or None where /proc/meminfo cannot be read."""
    try:
        values = {}
        for line in meminfo.read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("MemTotal", "MemAvailable"):
                values[name] = int(rest.split()[0]) << 10
        return values["MemTotal"], values.get("MemAvailable", values["MemTotal"])
    except (OSError, KeyError, ValueError, IndexError):
        return None


def plan_memory(heap: str | None, pagecache: str | None,
                memory: tuple[int, int] | None) -> MemoryPlan:
    """The server's heap and page cache: the settings where given, else the rule's.

    Parameters
    ----------
    heap, pagecache
        The settings (``LIANJIAN_HEAP``, ``LIANJIAN_PAGECACHE``), None to choose.
    memory
        (total, available) bytes of the machine (``machine_memory()``); None when unknown,
        then 512m each, the project's former fixed default.
    """
    if heap and pagecache:
        return MemoryPlan(heap, pagecache, "set by LIANJIAN_HEAP and LIANJIAN_PAGECACHE")
    if memory is None:
        chosen_heap, chosen_cache = 512 * MIB, 512 * MIB
        basis = "machine memory unknown: 512m each"
    else:
        total, available = memory
        chosen_heap, chosen_cache = recommend(min(total, available))
        basis = (f"Neo4j's memory-recommendation rule on {min(total, available) / GIB:.1f} GiB "
                 f"available of {total / GIB:.1f} GiB")
    overridden = [name for name, value in (("LIANJIAN_HEAP", heap),
                                           ("LIANJIAN_PAGECACHE", pagecache)) if value]
    reason = basis + (f"; {overridden[0]} set" if overridden else "")
    return MemoryPlan(heap or to_size(chosen_heap), pagecache or to_size(chosen_cache), reason)
