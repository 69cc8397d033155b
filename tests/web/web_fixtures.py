"""Fixtures of the workbench tests: the real app on uvicorn, the real Neo4j, a real Chromium.

``start_app`` serves ``web.app.create_app`` on 127.0.0.1 and a free port (in a thread of the
test process, against the session's Neo4j, emptied for the test by ``db``). ``browser``
launches Debian's /usr/bin/chromium headless with a fresh profile (Playwright never
downloads a browser here), records every request and fails the test if one goes to a host
other than 127.0.0.1 or if the page reports a Content-Security-Policy violation.
Screenshots go to out/screenshots/ (git-ignored), one file per test and step.

``audit_log`` reads back what the test appended to the real audit trail (analytics.audit).
"""
from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from analytics import audit
from analytics.accounts import User, add_user
from graph.connection import Connection
from graph.settings import Settings
from web.app import UVICORN_OPTIONS, create_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery staple"

# A county office, two townships below it, a finance office below the first township.
UNITS = [
    {"unit_id": "J000", "name": "清河县纪委监委", "parent": None},
    {"unit_id": "J100", "name": "城关镇人民政府", "parent": "J000"},
    {"unit_id": "J110", "name": "城关镇财政所", "parent": "J100"},
    {"unit_id": "J200", "name": "河西乡人民政府", "parent": "J000"},
]

SEED_UNITS = """
UNWIND $units AS row
MERGE (u:Unit {unit_id: row.unit_id}) SET u.name = row.name
WITH u, row WHERE row.parent IS NOT NULL
MATCH (parent:Unit {unit_id: row.parent})
MERGE (u)-[:PART_OF]->(parent)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed_units(connection: Connection, units: list[dict] = UNITS) -> None:
    connection.write(SEED_UNITS, units=units)


def make_user(connection: Connection, username: str, roles: tuple[str, ...] = ("investigator",),
              unit_id: str = "J000", display_name: str | None = None,
              password: str = PASSWORD) -> User:
    return add_user(connection, username, password, unit_id=unit_id, roles=list(roles),
                    display_name=display_name)


@pytest.fixture
def audit_log(db) -> "RecordedEvents":
    """The events recorded during the test, read back from the real hash-chained trail."""
    return RecordedEvents(db, audit.head(db)["seq"])


class RecordedEvents(Sequence):
    """Audit events appended after ``after``, oldest first, read afresh at every look."""

    def __init__(self, connection: Connection, after: int):
        self.connection, self.after = connection, after

    def _events(self) -> list[dict]:
        found = audit.read_log(self.connection, limit=10_000)["items"]
        return [{"actor": event["actor"], "action": event["action"],
                 "targets": event["targets"], "parameters": event["parameters"]}
                for event in reversed(found) if event["seq"] > self.after]

    def __getitem__(self, index):
        return self._events()[index]

    def __len__(self) -> int:
        return len(self._events())

    def __eq__(self, other) -> bool:
        return list(self) == other


@dataclass
class LiveApp:
    url: str
    settings: Settings
    connection: Connection


@pytest.fixture
def start_app(db, neo4j_settings, audit_log):
    """``start_app(**settings)`` serves the app; every server stops when the test ends."""
    seed_units(db)
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**overrides) -> LiveApp:
        settings = neo4j_settings.model_copy(update=overrides)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, db), host="127.0.0.1",
                                               port=port, log_level="warning",
                                               **UVICORN_OPTIONS))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the workbench did not start")
            time.sleep(0.02)
        return LiveApp(f"http://127.0.0.1:{port}", settings, db)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def live(start_app) -> LiveApp:
    return start_app()


class WebClient:
    """An HTTP client that keeps cookies itself: Python's cookie jar will not send a Secure
    cookie over http://, while Chromium does on 127.0.0.1 (a secure context)."""

    def __init__(self, base_url: str):
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        self.cookies: dict[str, str] = {}

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, path, headers=headers, **kwargs)
        for line in response.headers.get_list("set-cookie"):
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0].strip('"')
            if "max-age=0" in line.lower() or "expires=thu, 01 jan 1970" in line.lower() \
                    or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def csrf(self, path: str = "/login") -> str:
        return csrf_of(self.get(path).text)

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        token = self.csrf("/login")
        return self.post("/login", data={"username": username, "password": password,
                                         "csrf_token": token, "next": "/"})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture
def client(live):
    web_client = WebClient(live.url)
    yield web_client
    web_client.close()


_DRIVER: dict = {"users": 0}


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole run, however many test modules import this
    fixture (each import is a fixture of its own, and a second sync driver cannot start
    inside the first one's event loop)."""
    from playwright.sync_api import sync_playwright

    if not _DRIVER["users"]:
        _DRIVER["manager"] = sync_playwright()
        _DRIVER["driver"] = _DRIVER["manager"].start()
    _DRIVER["users"] += 1
    try:
        yield _DRIVER["driver"]
    finally:
        _DRIVER["users"] -= 1
        if not _DRIVER["users"]:
            _DRIVER["manager"].__exit__(None, None, None)


class Browser:
    """A fresh Chromium profile with one page, its requests, dialogs and console."""

    def __init__(self, context, test_name: str):
        self.context, self.test_name = context, test_name
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        context.on("request", self._record)
        context.route("**/*", self._guard)
        self.page = context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda message: self.console.append(
            f"{message.type}: {message.text}"))

    def _record(self, request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != "127.0.0.1":
            self.outside.append(request.url)

    def _guard(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1" or \
                urlsplit(route.request.url).scheme in ("data", "blob"):
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.test_name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, url: str, username: str, password: str = PASSWORD) -> None:
        self.page.goto(f"{url}/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit].primary")
        self.page.wait_for_load_state()

    def image_width(self, selector: str) -> int:
        """The drawn width of an image once the browser has finished with it (loaded or
        failed): reading naturalWidth right after navigation races the image's own request."""
        self.page.wait_for_function(
            "s => { const i = document.querySelector(s); return i && i.complete; }", arg=selector)
        return self.page.evaluate("s => document.querySelector(s).naturalWidth", selector)

    @property
    def csp_violations(self) -> list[str]:
        return [line for line in self.console if "Content Security Policy" in line]


@pytest.fixture
def browser(playwright_driver, tmp_path, request) -> Browser:
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
        headless=True, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    session = Browser(context, request.node.name)
    try:
        yield session
    finally:
        context.close()
    assert not session.outside, f"the page asked hosts other than 127.0.0.1: {session.outside}"
    assert not session.csp_violations, f"CSP violations: {session.csp_violations}"
