"""The workbench application: ``create_app`` wires settings, the database, the security
middleware, the error handlers and one router per resource.

Every route runs ``csrf_guard`` (an app-level dependency) and takes its user, jurisdiction
and audit recorder from ``web.context``; tests/web/test_routes.py fails for a route that
does not. Static files are the app's own: nothing is loaded from another host.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from graph.connection import Connection, connect
from graph.errors import LianjianError
from graph.settings import Settings, get_settings
from web.context import Jurisdictions, csrf_guard
from web.errors import install_error_handlers
from web.routes import (account, alerts, api, assessment, audit_log, auth, cases, checks,
                        complaints, docs, entities, home, language, map, portraits, profiles,
                        public, quality, rectification, reports, saved_maps, search, users)
from web.security import SecurityHeaders
from web.warm import Warmer

__all__ = ["create_app", "served_app", "STATIC", "UVICORN_OPTIONS"]

STATIC = Path(__file__).with_name("static")

# How uvicorn runs the app (``lianjian serve`` and the tests alike): no Server header, and
# X-Forwarded-For believed only from a reverse proxy on this machine.
UVICORN_OPTIONS = {"server_header": False, "proxy_headers": True,
                   "forwarded_allow_ips": "127.0.0.1"}


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LianjianError(f"unknown time zone {name!r} in the timezone setting: use an IANA "
                            "name such as Asia/Shanghai") from None


def create_app(settings: Settings | None = None, connection: Connection | None = None, *,
               warm: bool = False) -> FastAPI:
    """The ASGI app. Without ``connection`` it connects at start-up and closes at shutdown;
    a given connection is the caller's to close. ``warm``: plan the main reads in a
    background thread at start and for each new kind of jurisdiction (``web.warm``):
    serving starts at once, and the first requests find the plans made."""
    settings = settings or get_settings()
    _check_timezone(settings.timezone)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own = connection is None
        app.state.connection = connect(settings) if own else connection
        try:
            if own:
                app.state.connection.ping()
            app.state.warmer = Warmer(app.state.connection) if warm else None
            if warm:
                app.state.warmer.start()
                app.state.jurisdictions.on_new_scope = app.state.warmer.notice
            yield
        finally:
            if own:
                app.state.connection.close()

    app = FastAPI(title="Lianjian 廉鉴 API", version="1",
                  description="The workbench's JSON API: the same sessions or an API token "
                              "(`Authorization: Bearer lj_…`), the same jurisdiction, "
                              "permissions and audit as the pages.",
                  docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan,
                  dependencies=[Depends(csrf_guard)])
    app.state.settings = settings
    app.state.jurisdictions = Jurisdictions()
    app.state.warmer = None
    if connection is not None:
        app.state.connection = connection
    install_error_handlers(app)
    # cases before alerts: its POST /alerts/{id}/checklist would otherwise be taken for an
    # alert action named "checklist" by POST /alerts/{id}/{action}.
    for module in (auth, language, home, account, users, docs, api, search, entities,
                   profiles, portraits, cases, alerts, audit_log, reports, quality, checks,
                   public, complaints, rectification, assessment, map, saved_maps):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    return app


def served_app() -> FastAPI:
    """The app of one worker of ``lianjian serve --workers N`` (uvicorn's factory): the
    settings from the environment, its own connection, its plans warmed."""
    return create_app(get_settings(), warm=True)
