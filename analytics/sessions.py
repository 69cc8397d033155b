"""Server-side browser sessions (会话): a random cookie value, its SHA-256 in the database.

The cookie carries 256 random bits and nothing else; the ``WebSession`` node is found by the
digest, so neither a leaked database nor a log of digests opens a session. A session ends
at logout, when its user is disabled or changes password (``analytics.accounts`` deletes it
in the same transaction), after ``idle_s`` without a request, and ``absolute_s`` after
sign-in whatever happens. Each session holds its own CSRF token (synchronizer pattern).

Expiry is decided by the database's clock (``datetime()``), so several workers or hosts
agree on it; ``last_seen_at`` is rewritten at most every ``touch_every(idle_s)`` seconds, so
a busy page is not one write per request.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from analytics.accounts import USER_FIELDS, User
from analytics.plain import native
from graph.connection import Connection

__all__ = ["Session", "open_session", "resume_session", "end_session", "end_user_sessions",
           "purge_expired", "session_hash", "touch_every"]

OPEN_SESSION = """
MATCH (u:User {username: $username}) WHERE NOT coalesce(u.disabled, false)
CREATE (s:WebSession {session_hash: $session_hash, username: u.username,
                      csrf_token: $csrf_token, created_at: datetime(),
                      last_seen_at: datetime(), address: $address,
                      expires_at: datetime() + duration({seconds: $absolute_s})})
CREATE (s)-[:SESSION_OF]->(u)
RETURN s.created_at AS created_at, s.expires_at AS expires_at
"""

RESUME_SESSION = f"""
MATCH (s:WebSession {{session_hash: $session_hash}})-[:SESSION_OF]->(u:User)
RETURN s.csrf_token AS csrf_token, s.created_at AS signed_in_at, s.expires_at AS expires_at,
       s.expires_at > datetime()
         AND s.last_seen_at > datetime() - duration({{seconds: $idle_s}})
         AND NOT coalesce(u.disabled, false) AS alive,
       s.last_seen_at < datetime() - duration({{seconds: $touch_s}}) AS stale,
       {USER_FIELDS}
"""

TOUCH_SESSION = """
MATCH (s:WebSession {session_hash: $session_hash})
SET s.last_seen_at = datetime()
"""

END_SESSION = """
MATCH (s:WebSession {session_hash: $session_hash})
WITH s, s.username AS username
DETACH DELETE s
RETURN username
"""

END_USER_SESSIONS = """
MATCH (s:WebSession)-[:SESSION_OF]->(:User {username: $username})
DETACH DELETE s
RETURN count(*) AS ended
"""

PURGE_EXPIRED = """
MATCH (s:WebSession)
WHERE s.expires_at < datetime() OR s.last_seen_at < datetime() - duration({seconds: $idle_s})
DETACH DELETE s
RETURN count(*) AS purged
"""


@dataclass(frozen=True)
class Session:
    """A live session: whose it is and the CSRF token its forms must carry."""

    session_hash: str
    username: str
    csrf_token: str
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None


def session_hash(cookie_value: str) -> str:
    """The stored digest of a cookie value."""
    return hashlib.sha256(cookie_value.encode("utf-8")).hexdigest()


def touch_every(idle_s: int) -> int:
    """Seconds between rewrites of ``last_seen_at``: a tenth of the idle timeout, ≤ 60 s.

    >>> touch_every(1800), touch_every(5)
    (60, 0)
    """
    return min(60, idle_s // 10)


def open_session(connection: Connection, username: str, *, address: str | None,
                 absolute_s: int) -> tuple[str, Session] | None:
    """Start a session for an enabled user: the cookie value (give it to the browser only)
    and the session; None when the user is unknown or disabled."""
    cookie_value = secrets.token_urlsafe(32)
    digest, csrf = session_hash(cookie_value), secrets.token_urlsafe(32)
    rows = connection.write(OPEN_SESSION, username=username, session_hash=digest,
                            csrf_token=csrf, address=address, absolute_s=int(absolute_s))
    if not rows:
        return None
    row = native(rows[0])
    return cookie_value, Session(digest, username, csrf, row["created_at"], row["expires_at"])


def resume_session(connection: Connection, cookie_value: str, *,
                   idle_s: int) -> tuple[Session, User] | None:
    """The live session of a cookie and its user; a dead one is deleted and gives None."""
    digest = session_hash(cookie_value)
    rows = connection.read(RESUME_SESSION, session_hash=digest, idle_s=int(idle_s),
                           touch_s=touch_every(idle_s))
    if not rows:
        return None
    row = native(rows[0])
    if not row["alive"]:
        connection.write(END_SESSION, session_hash=digest)
        return None
    if row["stale"]:
        connection.write(TOUCH_SESSION, session_hash=digest)
    user = User.from_row(row)
    return Session(digest, user.username, row["csrf_token"], row["signed_in_at"],
                   row["expires_at"]), user


def end_session(connection: Connection, cookie_value: str) -> str | None:
    """Delete the cookie's session (logout); returns whose it was, None if there was none."""
    rows = connection.write(END_SESSION, session_hash=session_hash(cookie_value))
    return rows[0]["username"] if rows else None


def end_user_sessions(connection: Connection, username: str) -> int:
    """Delete every session of a user (sign out everywhere); returns how many ended."""
    return connection.write(END_USER_SESSIONS, username=username)[0]["ended"]


def purge_expired(connection: Connection, idle_s: int) -> int:
    """Delete sessions past either timeout (run at each sign-in; dead ones never resume)."""
    return connection.write(PURGE_EXPIRED, idle_s=int(idle_s))[0]["purged"]
