"""The request context: the one dependency through which every route gets its user, their
jurisdiction, their permissions, the audit recorder and the language.

``identify`` reads the credentials once per request (a session cookie or an
``Authorization: Bearer`` API token); ``csrf_guard`` runs on every route of the app (it is an
app-level dependency, so no route can forget it); ``current`` turns the identity into a
``RequestContext`` or refuses the request; ``require(permission)`` adds a check against
the table in ``web/permissions.py``; ``visitor`` serves the pages shown before sign-in.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Depends, Request

from analytics.accounts import User, unit_name, user_for_token
from analytics.scope import Scope
from analytics.sessions import Session, resume_session
from graph.connection import Connection
from graph.settings import Settings
from web.audit import AuditRecorder
from web.i18n import Translator, choose_language
from web.permissions import permissions_of

__all__ = ["Identity", "RequestContext", "VisitorContext", "identify", "csrf_guard",
           "current", "visitor", "require", "NotAuthenticated", "Forbidden", "CsrfFailed",
           "session_cookie_name", "PRE_SESSION_COOKIE", "LANGUAGE_COOKIE", "client_address",
           "Jurisdictions"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LANGUAGE_COOKIE = "lianjian-lang"
PRE_SESSION_COOKIE_NAME = "lianjian-pre"
PRE_SESSION_COOKIE = PRE_SESSION_COOKIE_NAME  # the name without the __Host- prefix
CSRF_FIELD, CSRF_HEADER = "csrf_token", "x-csrf-token"


class NotAuthenticated(Exception):
    """No live session or token: pages redirect to sign-in, the API answers 401."""

    def __init__(self, message_key: str = "error.sign_in"):
        self.message_key = message_key


class Forbidden(Exception):
    """Signed in, but the role does not hold the permission (403)."""

    def __init__(self, permission: str):
        self.permission = permission


class CsrfFailed(Exception):
    """A state-changing request without the right CSRF token (403)."""


def session_cookie_name(settings: Settings) -> str:
    """``__Host-`` cookies must be Secure, host-only and Path=/: a sibling host cannot set them."""
    return "__Host-lianjian" if settings.cookie_secure else "lianjian"


def pre_session_cookie_name(settings: Settings) -> str:
    return ("__Host-" if settings.cookie_secure else "") + PRE_SESSION_COOKIE_NAME


def client_address(request: Request) -> str | None:
    """The peer address (uvicorn applies X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request.client else None


@dataclass
class Identity:
    """Who a request comes from, read once per request."""

    user: User | None = None
    session: Session | None = None
    token_id: str | None = None
    cookie_value: str | None = None
    dead_credential: bool = False   # a cookie or token was sent but is no longer valid

    @property
    def via(self) -> str | None:
        return "token" if self.token_id else "session" if self.session else None


def _app_state(request: Request) -> tuple[Settings, Connection]:
    return request.app.state.settings, request.app.state.connection


def identify(request: Request) -> Identity:
    """Resolve the bearer token or the session cookie (FastAPI caches this per request)."""
    settings, connection = _app_state(request)
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        found = user_for_token(connection, secret.strip()) if scheme.lower() == "bearer" else None
        if not found:
            return Identity(dead_credential=True)
        return Identity(user=found[0], token_id=found[1])
    cookie_value = request.cookies.get(session_cookie_name(settings))
    if not cookie_value:
        return Identity()
    resumed = resume_session(connection, cookie_value, idle_s=settings.session_idle_s)
    if not resumed:
        return Identity(cookie_value=cookie_value, dead_credential=True)
    return Identity(user=resumed[1], session=resumed[0], cookie_value=cookie_value)


async def csrf_guard(request: Request, identity: Identity = Depends(identify)) -> None:
    """Refuse a state-changing request unless it carries its session's CSRF token.

    A bearer-token request carries no ambient credential and needs none. Before sign-in the
    token is the pre-session cookie's value (double submit of a ``__Host-`` cookie). A form
    posted by a session that has since ended goes to sign-in, not to an error.
    """
    if request.method in SAFE_METHODS or identity.token_id:
        return
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise CsrfFailed()
    settings = request.app.state.settings
    if identity.session:
        expected = identity.session.csrf_token
    else:
        expected = request.cookies.get(pre_session_cookie_name(settings))
    given = request.headers.get(CSRF_HEADER)
    if given is None and _is_form(request):
        given = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not secrets.compare_digest(
            expected.encode(), given.encode()):
        if identity.dead_credential:
            raise NotAuthenticated("error.session_ended")
        raise CsrfFailed()


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


@dataclass
class RequestContext:
    """What a signed-in request may see and do; passed to templates as ``ctx``."""

    request: Request
    user: User
    scope: Scope
    permissions: frozenset[str]
    t: Translator
    audit: AuditRecorder
    connection: Connection
    settings: Settings
    csrf_token: str | None
    via: str
    unit_name: str | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def lang(self) -> str:
        return self.t.lang

    @property
    def subunits(self) -> int:
        """Units below the user's own in their jurisdiction."""
        return max(0, len(self.scope.unit_ids or ()) - len(self.scope.roots))


@dataclass
class VisitorContext:
    """A page before sign-in: the language and the pre-session CSRF token."""

    request: Request
    t: Translator
    csrf_token: str
    new_pre_session: bool
    audit_for: Callable[[str], AuditRecorder]
    connection: Connection
    settings: Settings
    identity: Identity = field(default_factory=Identity)
    user: None = None

    def can(self, permission: str) -> bool:
        return False

    @property
    def lang(self) -> str:
        return self.t.lang


class Jurisdictions:
    """The scope and unit name of each root unit, re-read after ``ttl_s`` seconds.

    The unit tree changes only when units.csv is loaded again, while every request needs
    its user's subtree: caching it per root (not per user or session) saves two queries a
    request and still follows a user moved to another unit at once, since the user's unit
    is read with the session on every request. A reload of the tree shows within ``ttl_s``.
    """

    def __init__(self, ttl_s: float = 60.0):
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Scope, str | None]] = {}
        self._lock = threading.Lock()
        # Called with each scope read afresh (the app warms query plans for new kinds).
        self.on_new_scope: Callable[[Scope], None] | None = None

    def of(self, connection: Connection, unit_id: str) -> tuple[Scope, str | None]:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(unit_id)
        if entry and entry[0] > now:
            return entry[1], entry[2]
        scope = Scope.of_units(connection, [unit_id])
        name = unit_name(connection, unit_id)
        with self._lock:
            self._entries[unit_id] = (now + self.ttl_s, scope, name)
        if self.on_new_scope is not None:
            self.on_new_scope(scope)
        return scope, name


def translator(request: Request) -> Translator:
    return Translator(choose_language(request.cookies.get(LANGUAGE_COOKIE)))


def current(request: Request, identity: Identity = Depends(identify)) -> RequestContext:
    """The signed-in user's context; NotAuthenticated when there is none."""
    if identity.user is None:
        raise NotAuthenticated("error.session_ended" if identity.dead_credential
                               else "error.sign_in")
    settings, connection = _app_state(request)
    user = identity.user
    address = client_address(request)
    scope, name = request.app.state.jurisdictions.of(connection, user.unit_id)
    request.state.context = RequestContext(
        request=request, user=user, scope=scope,
        permissions=permissions_of(user.roles), t=translator(request),
        audit=AuditRecorder(connection, user.username, address, identity.via),
        connection=connection, settings=settings,
        csrf_token=identity.session.csrf_token if identity.session else None,
        via=identity.via, unit_name=name)
    return request.state.context   # error pages raised inside the route show the same header


def require(permission: str) -> Callable[..., RequestContext]:
    """A dependency giving the context if the user's roles hold ``permission``, else 403."""

    def dependency(ctx: RequestContext = Depends(current)) -> RequestContext:
        if not ctx.can(permission):
            raise Forbidden(permission)
        return ctx

    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    return dependency


def visitor(request: Request, identity: Identity = Depends(identify)) -> VisitorContext:
    """Context of the sign-in page: a pre-session CSRF token (made here when missing)."""
    settings, connection = _app_state(request)
    token = request.cookies.get(pre_session_cookie_name(settings))
    new = not token
    if new:
        token = secrets.token_urlsafe(32)
    address = client_address(request)
    return VisitorContext(
        request=request, t=translator(request), csrf_token=token, new_pre_session=new,
        audit_for=lambda actor: AuditRecorder(connection, actor, address, "password"),
        connection=connection, settings=settings, identity=identity)
