"""The workbench's recorder of the audit trail (审计日志): who did what, from where.

Every request context carries an ``AuditRecorder`` bound to its user and address; routes
call ``ctx.audit(action, targets, parameters)``. All of them go through ``record_event``,
the ONE function that calls ``analytics.audit.record`` (the append-only, hash-chained
trail): nothing else in web/ writes audit records. A failure to
record is never swallowed: the request fails rather than act unrecorded.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from analytics import audit
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = ["record_event", "AuditRecorder", "AuditUnavailable"]

log = logging.getLogger("lianjian.web")


class AuditUnavailable(LianjianError):
    """The audit trail cannot be written, so the action is refused."""


def record_event(connection: Connection, *, actor: str, action: str,
                 targets: Iterable[str] = (), parameters: dict | None = None) -> dict:
    """Append one record to the audit trail; returns ``{seq, hash, at}``."""
    try:
        return audit.record(connection, actor=actor, action=action, targets=tuple(targets),
                            parameters=parameters)
    except Exception as error:  # whatever the cause, the action must not go on unrecorded
        log.exception("the audit trail refused %s by %s", action, actor)
        raise AuditUnavailable(f"the audit trail refused the record ({error})") from error


class AuditRecorder:
    """Records events for one actor; the client address rides along in the parameters."""

    def __init__(self, connection: Connection, actor: str, address: str | None,
                 via: str | None = None):
        self.connection, self.actor, self.address, self.via = connection, actor, address, via

    def __call__(self, action: str, targets: Iterable[str] = (),
                 parameters: dict[str, Any] | None = None) -> dict:
        context = {"address": self.address}
        if self.via:
            context["via"] = self.via
        return record_event(self.connection, actor=self.actor, action=action,
                            targets=tuple(targets), parameters={**context, **(parameters or {})})
