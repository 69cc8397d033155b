"""Group commit (组提交): concurrent callers' small writes share one transaction.

Every audit append takes the audit head's lock (the chain is one sequence), so one
transaction per page read or per pre-approval check serialises all callers on that lock
and on a commit (a log flush) each. A ``GroupCommitter`` keeps one writer thread per
connection and purpose: a caller hands over its item and waits; the writer takes every
item waiting (up to ``batch``), writes them in one managed transaction with the
purpose's ``write(tx, items) -> results`` and releases the callers, each with its own
result. Nothing is answered before its write is committed, and a failed transaction fails
every caller of the batch (none goes on unrecorded). Items of one batch are written in the
order they arrived.

The writer thread ends after ``idle_s`` without work and starts again with the next item,
so connections that are closed (tests, notebooks) do not leave threads behind for long.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:      # annotations only: the command line imports the audit trail at once
    import neo4j

    from graph.connection import Connection

__all__ = ["GroupCommitter", "committer"]

Write = Callable[["neo4j.ManagedTransaction", list[Any]], list[Any]]


class GroupCommitter:
    """One writer thread for one connection and one ``write`` function."""

    def __init__(self, connection: Connection, write: Write, *, batch: int = 200,
                 idle_s: float = 30.0, name: str = "group-commit"):
        self.connection, self.write = connection, write
        self.batch, self.idle_s, self.name = batch, idle_s, name
        self._waiting: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, item: Any) -> Any:
        """Write ``item`` with the others waiting; returns its result once committed."""
        entry = {"item": item, "done": threading.Event(), "result": None, "error": None}
        with self._lock:
            self._waiting.put(entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        entry["done"].wait()
        if entry["error"] is not None:
            raise entry["error"]
        return entry["result"]

    def _run(self) -> None:
        while True:
            try:
                first = self._waiting.get(timeout=self.idle_s)
            except queue.Empty:
                with self._lock:    # a submit either saw this thread or will start one
                    if self._waiting.empty():
                        self._thread = None
                        return
                continue
            self._commit(self._take(first))

    def _take(self, first: dict) -> list[dict]:
        batch = [first]
        while len(batch) < self.batch:
            try:
                batch.append(self._waiting.get_nowait())
            except queue.Empty:
                break
        return batch

    def _commit(self, batch: list[dict]) -> None:
        try:
            with self.connection.work_session() as session:
                results = session.execute_write(self.write, [e["item"] for e in batch])
            for entry, result in zip(batch, results):
                entry["result"] = result
        except Exception as error:  # every caller of the batch hears of it
            for entry in batch:
                entry["error"] = error
        for entry in batch:
            entry["done"].set()


_committers: dict[tuple[int, str], GroupCommitter] = {}
_committers_lock = threading.Lock()


def committer(connection: Connection, name: str, write: Write, **options: Any
              ) -> GroupCommitter:
    """The connection's committer for ``name`` (made on first use, one per process)."""
    with _committers_lock:
        found = _committers.get((id(connection), name))
        if found is None or found.connection is not connection:
            found = _committers[(id(connection), name)] = GroupCommitter(
                connection, write, name=name, **options)
        return found
