"""Scheduled scans: the ``[[schedule]]`` entries of ``lianjian.toml`` run on cron expressions.

Each entry names a cron expression and, optionally, the rules, units and parameters of its
scan::

    [[schedule]]
    name = "nightly"              # optional, shown in logs
    cron = "30 2 * * *"           # minute hour day month weekday (6 fields: seconds first)
    rules = ["kickback_flow", "bid_rigging"]   # optional, default all
    units = ["330102"]            # optional, default the whole graph
    parameters = { window_days = 60 }          # optional, as `lianjian scan --param`

Overlap is prevented twice: APScheduler runs at most one instance of a job and coalesces
missed runs, and the scan itself takes the database's scan lock, so a scan started by hand
or by another machine makes a scheduled one skip rather than interleave.
"""
from __future__ import annotations

import logging
import os
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from analytics.scan import ScanBusy, ScanResult, run_scan
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["ScheduleEntry", "read_schedule", "cron_trigger", "run_schedule"]

log = logging.getLogger("lianjian.schedule")
CRON_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")


@dataclass(frozen=True)
class ScheduleEntry:
    """One scheduled scan."""

    name: str
    cron: str
    rules: list[str] | None = None
    units: list[str] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


def config_path() -> Path:
    """The settings file: ``LIANJIAN_CONFIG`` or ``lianjian.toml`` (as graph.settings reads)."""
    return Path(os.environ.get("LIANJIAN_CONFIG", "lianjian.toml"))


def read_schedule(path: Path | None = None) -> list[ScheduleEntry]:
    """The ``[[schedule]]`` entries of the config file (none when the file does not exist)."""
    path = Path(path) if path else config_path()
    if not path.is_file():
        return []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise LianjianError(f"{path}: not valid TOML: {error}") from None
    entries = raw.get("schedule", [])
    if not isinstance(entries, list):
        raise LianjianError(f"{path}: schedule must be an array of tables ([[schedule]])")
    return [_entry(path, index, item) for index, item in enumerate(entries, start=1)]


def _entry(path: Path, index: int, item: Any) -> ScheduleEntry:
    where = f"{path}: [[schedule]] #{index}"
    if not isinstance(item, dict) or not isinstance(item.get("cron"), str):
        raise LianjianError(f"{where} needs cron = \"minute hour day month weekday\"")
    unknown = set(item) - {"name", "cron", "rules", "units", "parameters"}
    if unknown:
        raise LianjianError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("rules", "units"):
        if key in item and not (isinstance(item[key], list)
                                and all(isinstance(value, str) for value in item[key])):
            raise LianjianError(f"{where}: {key} must be a list of strings")
    try:
        cron_trigger(item["cron"])
    except ValueError as error:
        raise LianjianError(f"{where}: cron {item['cron']!r} is not valid: {error}") from None
    return ScheduleEntry(str(item.get("name") or f"schedule-{index}"), item["cron"],
                         item.get("rules") or None, item.get("units") or None,
                         dict(item.get("parameters") or {}))


def cron_trigger(expression: str, timezone: str | None = None) -> CronTrigger:
    """A CronTrigger from 5 crontab fields, or 6 with seconds first (for tests and demos).

    >>> {field.name: str(field) for field in cron_trigger("*/5 * * * * *").fields}["second"]
    '*/5'
    >>> {field.name: str(field) for field in cron_trigger("30 2 * * *").fields}["minute"]
    '30'
    """
    fields = expression.split()
    if len(fields) == 5:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    if len(fields) == 6:
        return CronTrigger(**dict(zip(CRON_FIELDS, fields)), timezone=timezone)
    raise ValueError(f"expected 5 or 6 fields, got {len(fields)}")


def _scan_once(connection: Connection, entry: ScheduleEntry,
               on_run: Callable[[ScheduleEntry, ScanResult | None, str], None] | None) -> None:
    """One scheduled run; failures are logged and reported, never fatal to the scheduler."""
    try:
        result = run_scan(connection, entry.rules, entry.units, entry.parameters)
    except ScanBusy as busy:
        log.warning("%s: skipped, %s", entry.name, busy)
        if on_run:
            on_run(entry, None, f"skipped: {busy}")
        return
    except Exception as error:  # noqa: BLE001 - a scheduler must outlive one bad run
        log.exception("%s: scan failed", entry.name)
        if on_run:
            on_run(entry, None, f"failed: {error}")
        return
    message = (f"scan {result.scan_id}: {result.new_alerts} new, {result.still_matching} "
               f"still matching, {result.no_longer_matching} no longer matching, "
               f"{result.seconds:.1f} s")
    log.info("%s: %s", entry.name, message)
    if on_run:
        on_run(entry, result, message)


def run_schedule(connection: Connection, entries: list[ScheduleEntry], once: bool = False,
                 max_runs: int | None = None,
                 on_run: Callable[[ScheduleEntry, ScanResult | None, str], None] | None = None
                 ) -> int:
    """Run the entries on their cron expressions until interrupted; returns the runs made.

    ``once`` runs each entry immediately, one after the other, and returns; ``max_runs``
    stops the scheduler after that many runs (skipped ones included).
    """
    if not entries:
        raise LianjianError(f"no [[schedule]] entry in {config_path()}: add one (see "
                            "docs/rules.md, Scheduling) or pass --config")
    if once:
        for entry in entries:
            _scan_once(connection, entry, on_run)
        return len(entries)
    runs = 0
    finished = threading.Event()
    counter = threading.Lock()

    def job(entry: ScheduleEntry) -> None:
        nonlocal runs
        _scan_once(connection, entry, on_run)
        with counter:
            runs += 1
            if max_runs is not None and runs >= max_runs:
                finished.set()

    scheduler = BackgroundScheduler()
    for entry in entries:
        scheduler.add_job(job, cron_trigger(entry.cron), args=[entry], id=entry.name,
                          name=entry.name, max_instances=1, coalesce=True,
                          misfire_grace_time=60)
    scheduler.start()
    try:
        while not finished.wait(timeout=0.5):
            pass
    except KeyboardInterrupt:
        log.info("interrupted: stopping the scheduler")
    finally:
        scheduler.shutdown(wait=True)
    return runs
