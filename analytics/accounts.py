"""Workbench accounts (用户账号) and API tokens, kept in Neo4j beside the data they guard.

A user has a user name, a display name, one unit (the root of their jurisdiction, see
``analytics.scope``), one or more roles and an argon2id password hash; nothing else about
the password is stored. Disabling a user or changing their password ends their browser
sessions at once (``analytics.sessions``); a disabled user's API tokens stop working too,
because every token lookup reads the user's ``disabled`` flag.

API tokens are bearer secrets for scripts calling ``/api/v1``: ``lj_<token_id>_<secret>``,
shown once, stored as the SHA-256 of the whole string (a 256-bit random secret needs no slow
hash: it cannot be guessed, only stolen, and the database holds no copy of it).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics.plain import native
from analytics.scope import Scope
from graph.connection import Connection
from graph.errors import LianjianError

__all__ = [
    "ROLES", "User", "ApiToken", "AccountError", "UnknownUser", "add_user", "get_user",
    "list_users", "authenticate", "verify_password", "set_password", "disable_user", "enable_user",
    "check_password_policy", "unit_name", "top_units", "create_token", "list_tokens", "revoke_token",
    "user_for_token", "hash_token",
]

# admin: accounts only; supervisor (分办): assigns and approves; investigator: works alerts;
# analyst: reads and runs notebooks; auditor: reads the audit trail only (web/permissions.py).
ROLES = ("admin", "supervisor", "investigator", "analyst", "auditor")

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD, MAX_PASSWORD = 12, 128

# OWASP's argon2id floor (19 MiB, 2 passes, 1 lane): ~70 ms here, so a login is not a
# denial of service on a two-core server; stored hashes carry their own parameters and are
# rehashed at the next login when these change.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified when the user name is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash("lianjian-no-such-user")

TOKEN_PREFIX = "lj_"

USER_FIELDS = """u.username AS username, u.display_name AS display_name,
       u.unit_id AS unit_id, u.roles AS roles, coalesce(u.disabled, false) AS disabled,
       u.created_at AS created_at, u.last_login_at AS last_login_at,
       u.previous_login_at AS previous_login_at"""

CREATE_USER = f"""
MATCH (unit:Unit {{unit_id: $unit_id}})
MERGE (u:User {{username: $username}})
ON CREATE SET u.display_name = $display_name, u.unit_id = $unit_id, u.roles = $roles,
              u.password_hash = $password_hash, u.password_changed_at = datetime(),
              u.disabled = false, u.created_at = datetime(), u.created = true
WITH u, coalesce(u.created, false) AS created
REMOVE u.created
RETURN created, {USER_FIELDS}
"""

GET_USER = f"MATCH (u:User {{username: $username}}) RETURN {USER_FIELDS}, u.password_hash AS password_hash"

LIST_USERS = f"""
MATCH (u:User) WHERE $scope_units IS NULL OR u.unit_id IN $scope_units
WITH u ORDER BY u.username
WITH collect(u) AS users
UNWIND (CASE WHEN size(users) = 0 THEN [null] ELSE users[$skip..$skip + $page_size] END) AS u
OPTIONAL MATCH (unit:Unit {{unit_id: u.unit_id}})
RETURN size(users) AS total, u IS NOT NULL AS found, {USER_FIELDS}, unit.name AS unit_name
"""

SET_PASSWORD = """
MATCH (u:User {username: $username})
SET u.password_hash = $password_hash, u.password_changed_at = datetime()
WITH u
OPTIONAL MATCH (s:WebSession)-[:SESSION_OF]->(u)
DETACH DELETE s
RETURN count(*) AS found
"""

REHASH = "MATCH (u:User {username: $username}) SET u.password_hash = $password_hash"

# The sign-in before this one is what a user checks for a stranger's (ASVS 2.2.2 spirit).
RECORD_LOGIN = """
MATCH (u:User {username: $username})
SET u.previous_login_at = u.last_login_at, u.last_login_at = datetime()
"""

SET_DISABLED = """
MATCH (u:User {username: $username})
WHERE $scope_units IS NULL OR u.unit_id IN $scope_units
SET u.disabled = $disabled, u.disabled_at = CASE WHEN $disabled THEN datetime() END
WITH u
OPTIONAL MATCH (s:WebSession)-[:SESSION_OF]->(u) WHERE $disabled
DETACH DELETE s
RETURN count(*) AS found
"""

UNIT_NAME = "MATCH (unit:Unit {unit_id: $unit_id}) RETURN unit.name AS name"

# Units part of no other, the largest tree first.
TOP_UNITS = """
MATCH (top:Unit) WHERE NOT (top)-[:PART_OF]->(:Unit)
RETURN top.unit_id AS unit_id
ORDER BY COUNT { (:Unit)-[:PART_OF*1..12]->(top) } DESC, unit_id
"""

CREATE_TOKEN = """
MATCH (u:User {username: $username})
CREATE (t:ApiToken {token_id: $token_id, token_hash: $token_hash, label: $label,
                    created_at: datetime(), expires_at: datetime() + duration({days: $days})})
CREATE (t)-[:TOKEN_OF]->(u)
RETURN t.token_id AS token_id, t.expires_at AS expires_at
"""

LIST_TOKENS = """
MATCH (t:ApiToken)-[:TOKEN_OF]->(u:User {username: $username})
RETURN t.token_id AS token_id, t.label AS label, t.created_at AS created_at,
       t.expires_at AS expires_at, t.last_used_at AS last_used_at, t.revoked_at AS revoked_at
ORDER BY t.created_at DESC
"""

REVOKE_TOKEN = """
MATCH (t:ApiToken {token_id: $token_id})-[:TOKEN_OF]->(u:User)
WHERE $username IS NULL OR u.username = $username
SET t.revoked_at = coalesce(t.revoked_at, datetime())
RETURN u.username AS username
"""

# A token acts only while it is unrevoked, unexpired and its user enabled.
TOKEN_USER = f"""
MATCH (t:ApiToken {{token_hash: $token_hash}})-[:TOKEN_OF]->(u:User)
WHERE t.revoked_at IS NULL AND t.expires_at > datetime() AND NOT coalesce(u.disabled, false)
RETURN t.token_id AS token_id, {USER_FIELDS},
       coalesce(t.last_used_at < datetime() - duration({{seconds: 60}}), true) AS stale
"""

# last_used_at is kept to the minute: a script's every call need not be a write.
TOUCH_TOKEN = "MATCH (t:ApiToken {token_id: $token_id}) SET t.last_used_at = datetime()"


class AccountError(LianjianError):
    """A user name, role, unit or password that cannot be used, with what to do instead."""


class UnknownUser(AccountError):
    """No account has that user name."""


@dataclass(frozen=True)
class User:
    """A workbench account as the rest of the code sees it (never with its hash)."""

    username: str
    display_name: str
    unit_id: str
    roles: tuple[str, ...]
    disabled: bool = False
    created_at: dt.datetime | None = None
    last_login_at: dt.datetime | None = None
    previous_login_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row: dict) -> User:
        return cls(row["username"], row["display_name"] or row["username"], row["unit_id"],
                   tuple(row["roles"] or ()), bool(row["disabled"]),
                   native(row.get("created_at")), native(row.get("last_login_at")),
                   native(row.get("previous_login_at")))


@dataclass(frozen=True)
class ApiToken:
    """A token's public part; ``secret`` is set only on the object ``create_token`` returns."""

    token_id: str
    label: str
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    secret: str | None = None


def check_username(username: str) -> str:
    """The user name, lower-cased, if it is 2–64 of ``a-z 0-9 . _ -`` starting alphanumeric.

    >>> check_username("Zhang.San")
    'zhang.san'
    """
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        raise AccountError(f"user name {username!r} is not allowed: use 2-64 letters, digits, "
                           "'.', '_' or '-', starting with a letter or digit")
    return name


def check_roles(roles: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Known roles, deduplicated, in the order of ``ROLES``."""
    given = {role.strip().lower() for role in roles if role.strip()}
    unknown = sorted(given - set(ROLES))
    if unknown or not given:
        raise AccountError(f"unknown or missing role(s) {', '.join(unknown) or '(none)'}: "
                           f"choose among {', '.join(ROLES)}")
    return tuple(role for role in ROLES if role in given)


def check_password_policy(password: str, username: str = "") -> None:
    """ASVS 2.1: 12 to 128 characters, any characters, not the user name; no other rules.

    >>> check_password_policy("correct horse battery")
    >>> check_password_policy("short")
    Traceback (most recent call last):
    ...
    analytics.accounts.AccountError: the password is too short (5 characters): use at least 12
    """
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short ({len(password)} characters): use at "
                           f"least {MIN_PASSWORD}")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: use at most {MAX_PASSWORD} characters")
    if username and password.strip().lower() == username.lower():
        raise AccountError("the password must not be the user name")


def add_user(connection: Connection, username: str, password: str, *, unit_id: str,
             roles: list[str] | tuple[str, ...], display_name: str | None = None) -> User:
    """Create an account; the unit must be loaded and the user name new.

    Raises
    ------
    AccountError
        For a bad user name, role or password, an unknown unit or a taken user name.
    """
    username = check_username(username)
    roles = check_roles(roles)
    check_password_policy(password, username)
    rows = connection.write(CREATE_USER, username=username, unit_id=unit_id, roles=list(roles),
                            display_name=(display_name or "").strip() or username,
                            password_hash=HASHER.hash(password))
    if not rows:
        raise AccountError(f"unit {unit_id!r} is not loaded: give the unit_id of a unit in "
                           "units.csv (`lianjian load` first)")
    if not rows[0]["created"]:
        raise AccountError(f"user {username!r} exists already: choose another name, or use "
                           "`lianjian users passwd` to reset its password")
    return User.from_row(rows[0])


def get_user(connection: Connection, username: str) -> User | None:
    rows = connection.read(GET_USER, username=(username or "").strip().lower())
    return User.from_row(rows[0]) if rows else None


def list_users(connection: Connection, scope: Scope | None = None, page: int = 1,
               page_size: int = 10_000) -> dict:
    """Accounts (of units in ``scope``) with their unit's name, by user name; no hashes.

    Paged like every list of the analytics API: ``{items, total, page, page_size, pages}``.
    """
    scope = scope or Scope.everything()
    if int(page) < 1 or int(page_size) < 1:
        raise LianjianError("page and page_size start at 1")
    rows = connection.read(LIST_USERS, skip=(int(page) - 1) * int(page_size),
                           page_size=int(page_size), **scope.parameters())
    total = rows[0]["total"] if rows else 0
    return {"items": [{**User.from_row(row).__dict__, "unit_name": row["unit_name"]}
                      for row in rows if row["found"]],
            "total": total, "page": int(page), "page_size": int(page_size),
            "pages": max(1, -(-total // int(page_size)))}


def verify_password(connection: Connection, username: str, password: str) -> User | None:
    """The enabled user whose password this is, else None (same cost either way).

    An unknown user, a wrong password and a disabled account are indistinguishable to the
    caller's caller: the sign-in page says the same for all three.
    """
    rows = connection.read(GET_USER, username=(username or "").strip().lower())
    stored = rows[0]["password_hash"] if rows else None
    try:
        HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not rows or rows[0]["disabled"]:
        return None
    user = User.from_row(rows[0])
    if HASHER.check_needs_rehash(stored):
        connection.write(REHASH, username=user.username, password_hash=HASHER.hash(password))
    return user


def authenticate(connection: Connection, username: str, password: str) -> User | None:
    """``verify_password`` for a sign-in: a success is recorded as the latest sign-in."""
    user = verify_password(connection, username, password)
    if user is not None:
        connection.write(RECORD_LOGIN, username=user.username)
    return user


def set_password(connection: Connection, username: str, password: str) -> None:
    """Replace the password and end every session of the user."""
    username = check_username(username)
    check_password_policy(password, username)
    found = connection.write(SET_PASSWORD, username=username,
                             password_hash=HASHER.hash(password))
    if not found or not found[0]["found"]:
        raise UnknownUser(f"no user {username!r}: see `lianjian users list`")


def disable_user(connection: Connection, username: str, scope: Scope | None = None) -> None:
    """Disable the account: its sessions end now and its API tokens stop working.

    With ``scope``, only an account of a unit in it (an administrator's jurisdiction);
    any other is UnknownUser, like a name that does not exist.
    """
    _set_disabled(connection, username, True, scope)


def enable_user(connection: Connection, username: str, scope: Scope | None = None) -> None:
    _set_disabled(connection, username, False, scope)


def _set_disabled(connection: Connection, username: str, disabled: bool,
                  scope: Scope | None) -> None:
    username = (username or "").strip().lower()
    found = connection.write(SET_DISABLED, username=username, disabled=disabled,
                             **(scope or Scope.everything()).parameters())
    if not found or not found[0]["found"]:
        raise UnknownUser(f"no user {username!r}: see `lianjian users list`")


def unit_name(connection: Connection, unit_id: str) -> str | None:
    """The loaded unit's name (None when no units.csv defined it)."""
    rows = connection.read(UNIT_NAME, unit_id=unit_id)
    return rows[0]["name"] if rows else None


def top_units(connection: Connection) -> list[str]:
    """Codes of the units at the top of the unit tree(s), the largest tree first."""
    return [row["unit_id"] for row in connection.read(TOP_UNITS)]


def hash_token(secret: str) -> str:
    """SHA-256 of a bearer token (hex).

    >>> hash_token("lj_x_y")[:12]
    '43803fc86680'
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(connection: Connection, username: str, label: str,
                 days: int = 90) -> ApiToken:
    """A new API token for the user; its ``secret`` is returned here and nowhere else."""
    token_id = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    rows = connection.write(CREATE_TOKEN, username=check_username(username), token_id=token_id,
                            token_hash=hash_token(secret), label=(label or "").strip()[:80],
                            days=int(days))
    if not rows:
        raise UnknownUser(f"no user {username!r}: see `lianjian users list`")
    return ApiToken(token_id, label, expires_at=native(rows[0]["expires_at"]), secret=secret)


def list_tokens(connection: Connection, username: str) -> list[ApiToken]:
    return [ApiToken(**native(row)) for row in connection.read(LIST_TOKENS, username=username)]


def revoke_token(connection: Connection, token_id: str, username: str | None = None) -> str:
    """Revoke a token (only the user's own when ``username`` is given); returns its user."""
    rows = connection.write(REVOKE_TOKEN, token_id=token_id, username=username)
    if not rows:
        raise AccountError(f"no API token {token_id!r}"
                           + (f" of user {username!r}" if username else "")
                           + ": see `lianjian users token list USER`")
    return rows[0]["username"]


def user_for_token(connection: Connection, secret: str) -> tuple[User, str] | None:
    """The enabled user a live token acts for, and the token's id; None for any other token."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    rows = connection.read(TOKEN_USER, token_hash=hash_token(secret))
    if not rows:
        return None
    if rows[0]["stale"]:
        connection.write(TOUCH_TOKEN, token_id=rows[0]["token_id"])
    return User.from_row(rows[0]), rows[0]["token_id"]
