"""Warming the database's query plans in the background (``analytics.api.warm_up``).

Neo4j plans a query once per text and per parameter types, and a scope of 1, 2–10, 11–100 …
units counts as another type, so the first profile or portrait a user of a new *kind* of
jurisdiction opens would wait seconds for planning (docs/analytics.md: 10–15 s on a cold
server). ``Warmer`` runs the API's main reads once per kind of scope in a daemon thread:
at start for the top units (so serving begins at once and the first request of the county
office finds the plans ready), and when a user of a kind not seen yet appears. Reads only;
a failure is logged and forgotten (the request then just plans its own query).
"""
from __future__ import annotations

import logging
import threading
import time

from analytics.accounts import top_units
from analytics.api import warm_up
from analytics.scope import Scope
from graph.connection import Connection

__all__ = ["Warmer", "scope_kind"]

log = logging.getLogger("lianjian.web")


def scope_kind(scope: Scope) -> str:
    """The planning class of a scope: how many units, by order of magnitude.

    >>> scope_kind(Scope()), scope_kind(Scope(("U",), ("U",))), scope_kind(Scope(("U",),
    ...     tuple(str(i) for i in range(40))))
    ('all', '1', '11-100')
    """
    if scope.unit_ids is None:
        return "all"
    size = len(scope.unit_ids)
    for bound, name in ((1, "1"), (10, "2-10"), (100, "11-100"), (1000, "101-1000")):
        if size <= bound:
            return name
    return ">1000"


class Warmer:
    """Warms each kind of scope once, in the background; ``seconds`` keeps what it took."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.seconds: dict[str, dict[str, float]] = {}
        self._kinds: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def notice(self, scope: Scope) -> None:
        """Warm ``scope``'s kind unless it was warmed (or is being warmed) already."""
        kind = scope_kind(scope)
        with self._lock:
            if kind in self._kinds:
                return
            self._kinds.add(kind)
        self._start(lambda: self._warm(kind, scope))

    def start(self) -> None:
        """At app start: warm the scope of the largest unit tree (the county office's)."""
        def run() -> None:
            units = top_units(self.connection)
            if units:
                self.notice(Scope.of_units(self.connection, units[:1]))
        self._start(run)

    def wait(self, timeout_s: float = 300.0) -> bool:
        """Wait for the warm-ups started so far (benchmarks, tests); True when all ended."""
        deadline = time.monotonic() + timeout_s
        while True:     # a warm-up may start another (the start finds the first scope)
            alive = [thread for thread in list(self._threads) if thread.is_alive()]
            if not alive or time.monotonic() >= deadline:
                return not alive
            alive[0].join(max(0.0, deadline - time.monotonic()))

    def _start(self, work) -> None:
        thread = threading.Thread(target=self._guarded, args=(work,), daemon=True,
                                  name="lianjian-warm-up")
        self._threads.append(thread)
        thread.start()

    def _warm(self, kind: str, scope: Scope) -> None:
        began = time.perf_counter()
        self.seconds[kind] = warm_up(self.connection, scope=scope)
        log.info("query plans warmed for scopes of %s unit(s) in %.1f s", kind,
                 time.perf_counter() - began)

    @staticmethod
    def _guarded(work) -> None:
        try:
            work()
        except Exception as error:  # warming is an optimisation: never a failure
            log.info("warming the query plans stopped: %s", error)
