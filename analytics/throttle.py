"""Sign-in throttling (登录限流) per account and per client address, kept in Neo4j.

Each sign-in attempt first *reserves* a slot on two ``LoginThrottle`` nodes, the account's
(``account:<user name>``) and the address's (``address:<ip>``): the reservation is refused
when either already holds ``limit`` attempts inside the sliding window, and then the
password is not even checked (so the sixth guess in a minute learns nothing, right or
wrong). A successful sign-in gives its slot back and clears the account's count; a failed
one leaves it in place.

Why in the database rather than in the web process's memory: a restart (or a crash an
attacker provokes) does not reset the count, several workers or hosts behind one address
share it, and the node's write lock makes check-and-reserve one atomic step, so ten
simultaneous guesses cannot all slip under the limit. The cost is one small write per
attempt, nothing on ordinary requests. Attempts are stamped in nanoseconds since the epoch
by the caller, which also makes each stamp its own id when it is given back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from graph.connection import Connection

__all__ = ["Reservation", "reserve_attempt", "release_attempt", "purge_idle",
           "account_key", "address_key"]

# Account nodes are locked before address nodes ($entries is in that order), so two
# attempts never wait on each other in a cycle.
RESERVE = """
UNWIND $entries AS entry
MERGE (t:LoginThrottle {key: entry.key})
SET t.updated_at = datetime()
WITH t, entry.limit AS limit, [a IN coalesce(t.attempts, []) WHERE a > $cutoff] AS recent
WITH collect({t: t, limit: limit, recent: recent}) AS rows
WITH rows, all(row IN rows WHERE size(row.recent) < row.limit) AS allowed
UNWIND rows AS row
WITH row.t AS t, row.recent AS recent, allowed
SET t.attempts = CASE WHEN allowed THEN recent + [$stamp] ELSE recent END
RETURN t.key AS key, allowed, size(recent) AS recent,
       reduce(oldest = null, a IN recent |
              CASE WHEN oldest IS NULL OR a < oldest THEN a ELSE oldest END) AS oldest
"""

RELEASE = """
UNWIND $keys AS key
MATCH (t:LoginThrottle {key: key})
SET t.attempts = CASE WHEN key = $clear THEN [] ELSE [a IN t.attempts WHERE a <> $stamp] END
"""

PURGE_IDLE = """
MATCH (t:LoginThrottle) WHERE t.updated_at < datetime() - duration({seconds: $window_s})
DELETE t
RETURN count(*) AS purged
"""


def account_key(username: str) -> str:
    """The throttle key of a user name, as typed (unknown names are throttled too).

    >>> account_key(" Zhang ")
    'account:zhang'
    """
    return "account:" + (username or "").strip().lower()[:128]


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")


@dataclass(frozen=True)
class Reservation:
    """The outcome of ``reserve_attempt``: whether to go on, and if not for how long."""

    allowed: bool
    stamp: int
    keys: tuple[str, ...]
    retry_after_s: int = 0
    refused_by: tuple[str, ...] = ()


def reserve_attempt(connection: Connection, limits: dict[str, int], window_s: int,
                    now_ns: int | None = None) -> Reservation:
    """Reserve one attempt on every key of ``limits`` ({key: most attempts per window}).

    The order of ``limits`` is the locking order: give the account before the address.
    """
    stamp = now_ns if now_ns is not None else time.time_ns()
    window_ns = int(window_s) * 1_000_000_000
    rows = connection.write(RESERVE, entries=[{"key": k, "limit": int(n)}
                                              for k, n in limits.items()],
                            cutoff=stamp - window_ns, stamp=stamp)
    allowed = all(row["allowed"] for row in rows)
    if allowed:
        return Reservation(True, stamp, tuple(limits))
    full = [row for row in rows if row["recent"] >= limits[row["key"]]]
    wait_ns = max(row["oldest"] + window_ns - stamp for row in full)
    return Reservation(False, stamp, tuple(limits), max(1, -(-wait_ns // 1_000_000_000)),
                       tuple(row["key"] for row in full))


def release_attempt(connection: Connection, reservation: Reservation,
                    clear: str | None = None) -> None:
    """Give back a successful attempt's slot; ``clear`` names a key to empty (the account)."""
    connection.write(RELEASE, keys=list(reservation.keys), stamp=reservation.stamp,
                     clear=clear)


def purge_idle(connection: Connection, window_s: int) -> int:
    """Delete throttle nodes without an attempt for a whole window (they count nothing)."""
    return connection.write(PURGE_IDLE, window_s=int(window_s))[0]["purged"]
