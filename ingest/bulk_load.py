"""``lianjian load --bulk``: the first load of an empty local database through the import tool.

The loader runs as it always does (discovery, validation, duplicate keys, write rows,
hashes, the report): ``BulkLoader`` changes only where a batch goes. Instead of Neo4j, the
batches are applied to an in-memory graph (``ingest.bulk_graph``) with the write queries'
own semantics; at the end that graph is written as import files (``ingest.bulk_files``),
the local server is stopped, ``neo4j-admin database import full`` builds the store offline,
the server is started again, the schema of ``graph.migrate`` is created (indexes awaited
ONLINE), and then what the online path writes that is not a row's node or relationship
goes through the ordinary connection with the online path's own queries: the ``Dataset``
and ``LoadRun`` nodes, the superseded derived legal representatives, the stub report lines,
the links between parties known only by name.

The result is the graph the online path writes into an empty database, row hashes
included, so a later unchanged re-load writes nothing and a changed extract loads
incrementally online. It is refused, with one line, when the database holds anything but
the schema version (the import replaces the whole store), when ``NEO4J_URI`` names a server
(the tool writes the local store only), when the local server was not started by Lianjian,
or when the import tool is missing. The server is stopped as soon as the rows start to be
built (nothing reads it until the import) and is down until the import is done: other
clients (the workbench) see it restart.

If anything fails before the import, the database is untouched (no ``LoadRun`` is written,
so ``--bulk`` can be run again); the report is written either way.
"""
from __future__ import annotations

import gc
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from graph.admin_import import import_offline, import_tool_present
from graph.connection import Connection
from graph.errors import LianjianError
from graph.local_server import LocalServer
from graph.migrate import migrate
from graph.settings import Settings
from ingest.bulk_files import WriterProcesses, unwritable, write_import_files
from ingest.bulk_graph import TOUCHES, BulkUnsupported, FirstLoadGraph
from ingest.load_run import Loader, LoadResult, write_report
from ingest.loader import load_dataset
from ingest.records import Record
from ingest.table_writers import COMPANY_HELD_ROLES, TABLE_ORDER, WRITERS, TableWriter

__all__ = ["BulkFigures", "BulkRefused", "BulkUnsupported", "bulk_load_dataset", "check_bulk_possible"]

ANYTHING_STORED = "MATCH (n) WHERE NOT n:SchemaVersion RETURN labels(n)[0] AS label LIMIT 1"


@dataclass
class BulkFigures:
    """What a bulk load measured of itself (``LoadResult.bulk``), printed by the CLI."""

    seconds: dict[str, float] = field(default_factory=dict)  # wall seconds of each step
    peak_rss_mb: int = 0  # the loading process's (the import tool is a process of its own)

    def describe(self) -> str:
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items())
        return f"bulk load: {steps}; loader peak RSS {self.peak_rss_mb} MB"


class BulkRefused(LianjianError):
    """``--bulk`` asked where it cannot run: a database not empty, not local, no tool."""


class _NoDatabase:
    """Stands for the connection while rows are built: any query would be a bug.

    The bulk path answers every question the loader asks about stored rows from the
    in-memory graph; a code path that reaches the database during that phase would make
    the imported graph differ from the online one, so it stops the load instead.
    """

    def __getattr__(self, name: str):
        raise BulkUnsupported(f"bulk load: the loader asked the database ({name}) while "
                              "building rows; load without --bulk")


def _touched_by(tables) -> tuple[set[str], set[str]]:
    """The labels and relationship types the write queries of ``tables`` may touch."""
    labels, types = set(), set()
    for table in tables:
        writer = WRITERS[table]
        queries = {writer.query, writer.create_query} | (
            {COMPANY_HELD_ROLES} if table == "company_roles" else set())
        for query in queries - {None}:
            labels |= TOUCHES[query][0]
            types |= TOUCHES[query][1]
    return labels, types


class BulkLoader(Loader):
    """A ``Loader`` whose batches go to an in-memory graph, imported at ``finish``."""

    def __init__(self, connection: Connection, *args, server: LocalServer, settings: Settings,
                 work_dir: Path, **kwargs):
        super().__init__(connection, *args, **kwargs)
        self.database, self.connection = connection, _NoDatabase()
        self.graph = FirstLoadGraph()
        self.server, self.settings, self.work_dir = server, settings, work_dir
        self.writers = WriterProcesses(work_dir / "import")
        self.figures = BulkFigures()
        self.stopping: threading.Thread | None = None
        self.stop_failure: BaseException | None = None

    def start(self) -> None:
        """Nothing is written yet: the Dataset and LoadRun nodes come after the import.

        The server stops now, while the rows are built: nothing reads the database until
        the import (``_NoDatabase``), and its shutdown then costs the load no time."""
        self.stopping = threading.Thread(target=self._stop_server, name="lianjian-stop-server")
        self.stopping.start()

    def _stop_server(self) -> None:
        try:
            self.server.stop()
        except BaseException as failure:  # reported by _server_stopped, in the caller
            self.stop_failure = failure

    def _server_stopped(self) -> None:
        if self.stopping is not None:
            self.stopping.join()
        if self.stop_failure is not None:
            raise self.stop_failure

    def load_table(self, table: str, records: Iterable[Record],
                   mark_unreported: bool = False) -> None:
        super().load_table(table, records, mark_unreported)
        self._write_finished(table)

    def _write_finished(self, table: str) -> None:
        """Hand what no later table can touch to a writer process, and drop it from memory:
        the loader then holds the nodes later tables still name and the relationships of
        the tables still to load, not the whole extract."""
        labels, types = _touched_by(TABLE_ORDER[TABLE_ORDER.index(table) + 1:])
        nodes = {label: self.graph.take_label(label)
                 for label in sorted(set(self.graph.nodes) - labels)}
        rels = {rel_type: self.graph.take_type(rel_type)
                for rel_type in sorted(set(self.graph.rels) - types)}
        try:
            self.writers.spawn(nodes, rels)
        except OSError as failure:
            raise unwritable(self.work_dir, failure) from None

    def _chunks(self, chunks: Iterator[list]) -> Iterator[list]:
        """Batches validated here, in this thread: applying them to the graph is Python
        work too, with no server to wait for, so a validating thread would only take turns
        with it under the interpreter lock (the county's rows took 18–22 s with the thread,
        16 s without)."""
        return chunks

    def _stored_state(self, writer: TableWriter, keys: list[str]) -> dict[str, dict]:
        names = ("hash", "dataset", "stub", "sources", "claim_hash")
        stored = {}
        for key in keys:
            state = (self.graph.node_state(writer.label, key) if writer.label
                     else self.graph.tie_state(writer.tie, key))
            if state is not None:
                stored[key] = dict(zip(names, state[1:]))
        return stored

    def _write(self, query: str, rows: list[dict]) -> None:
        if rows:
            self.graph.apply(query, rows)
            # The graph is dicts, tuples and strings without cycles, freed by reference
            # counting; each full pass of the cyclic collector walked all of it and found
            # nothing (26 passes, 0 objects, for a county). Frozen objects are not walked;
            # ``finish`` unfreezes them.
            gc.freeze()

    def _nothing_stored(self, writer: TableWriter) -> bool:
        """The in-memory graph answers for every key (``_stored_state``): no database."""
        return False

    def _mark_unreported(self, writer: TableWriter, seen: set[int]) -> None:
        """An empty database holds no tie of this dataset that this extract does not."""

    def _import(self) -> None:
        """The rest of the files, import, schema (the server stopped while rows were built)."""
        seconds, step = self.figures.seconds, time.monotonic()
        try:
            files = write_import_files(self.graph, self.work_dir / "import")
        except OSError as failure:
            raise unwritable(self.work_dir, failure) from None
        files.add(self.writers.join())
        self.graph = FirstLoadGraph()  # free the rows before the tool needs memory
        seconds["files"], step = time.monotonic() - step, time.monotonic()
        self._server_stopped()
        seconds["stop"] = time.monotonic() - step  # what was left of the shutdown
        self.figures.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        stopped = seconds["stop"]
        seconds.update(import_offline(self.server, files.arguments(), self.settings))
        seconds["stop"] = stopped  # the tool's own stop found the server down
        self.connection, step = self.database, time.monotonic()
        migrate(self.connection)
        seconds["schema"] = time.monotonic() - step

    def _recover(self) -> None:
        """After a failure past the rows: the server up again, with the schema (a failed
        import leaves a new, empty store). The first failure is the one reported; if the
        server will not come back, ``lianjian db start`` will say why."""
        for wait in (self.writers.join, self._server_stopped):
            try:
                wait()
            except BaseException:
                pass
        try:
            if self.server.pid() is None:  # the files failed after the server stopped
                self.server.start()
            migrate(self.connection)
        except LianjianError:
            pass

    def finish(self, status: str, began: float, error: str | None = None) -> LoadResult:
        gc.unfreeze()
        if status != "completed":
            self.connection = self.database
            self.result.duration_s = time.monotonic() - began
            self._recover()  # nothing was written: the database is as it was, up again
            return self.result
        self.figures.seconds["rows"] = time.monotonic() - began
        try:
            self._import()
        except BaseException:
            self.connection = self.database
            self._recover()
            if self.result.report_path:
                write_report(self.result, self.result.report_path.parent)
            raise
        step = time.monotonic()
        super().start()
        result = super().finish(status, began, error)
        self.figures.seconds["records"] = time.monotonic() - step
        result.bulk = self.figures
        return result


def check_bulk_possible(connection: Connection, settings: Settings) -> LocalServer:
    """The local server a bulk load may replace the store of; else ``BulkRefused``."""
    if settings.uses_remote_server:
        raise BulkRefused(f"--bulk imports into the local server only, and NEO4J_URI is set "
                          f"({settings.neo4j_uri}): load without --bulk, or unset NEO4J_URI")
    server = LocalServer(settings)
    if server.pid() is None:
        raise BulkRefused(f"--bulk needs the local server started by `lianjian db start` "
                          f"(none is running from {server.home}): start it first")
    if not import_tool_present(server.home):
        raise BulkRefused(f"--bulk needs the import tool (neo4j-import-tool) among the "
                          f"server's jars in {server.home / 'neo4j' / 'lib'}: load without "
                          "--bulk")
    stored = connection.read(ANYTHING_STORED)
    if stored:
        raise BulkRefused(f"--bulk loads only into an empty database, and this one holds "
                          f"data (a {stored[0]['label']} node at least): load without --bulk "
                          "(later extracts load incrementally), or `lianjian db wipe` first")
    return server


def bulk_load_dataset(connection: Connection, dataset_dir: str | Path, *,
                      settings: Settings, work_dir: Path | None = None,
                      **options) -> LoadResult:
    """``ingest.loader.load_dataset`` into an empty local database through the import tool.

    Takes the options of ``load_dataset`` (``profile``, ``strict``, ``dataset``, ``as_of``,
    ``report_dir``, ``batch_size``, ``progress``, ``priority``, ``table_priority``) and
    returns the same ``LoadResult``. ``work_dir`` holds the import files while they are
    needed (default: a temporary folder beside the server's home, deleted afterwards).
    The result's ``bulk`` (``BulkFigures``) gives the wall seconds of each step: ``rows``
    (reading, validating, building the graph; labels and types no later table touches
    are written to their files meanwhile), ``files`` (the rest of the files), ``stop``
    (what was left of the server's shutdown, begun with the rows), ``import``, ``start``,
    ``schema`` (constraints, indexes ONLINE), ``records`` (Dataset, LoadRun, stubs), and
    the loading process's peak RSS.
    """
    server = check_bulk_possible(connection, settings)
    own = work_dir is None
    folder = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(
        prefix="bulk-", dir=server.home))
    bulk: list[BulkLoader] = []

    def factory(*args, **kwargs) -> BulkLoader:
        bulk.append(BulkLoader(*args, server=server, settings=settings, work_dir=folder,
                               **kwargs))
        return bulk[-1]

    try:
        return load_dataset(connection, dataset_dir, loader_factory=factory, **options)
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
